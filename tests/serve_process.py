"""``commerce serve`` as a real separate process, for tests that need several processes."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from commerce.settings import Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@asynccontextmanager
async def commerce_serve(settings: Settings, **env: str
                         ) -> AsyncIterator[tuple[str, asyncio.subprocess.Process]]:
    """Starts ``commerce serve`` on the test database with ``COMMERCE_*`` overrides
    (``env``: names without the prefix, e.g. ``REDIS_URL=...``); yields its host:port and
    process once ``/healthz`` answers, and stops it (SIGTERM, then SIGKILL) afterwards."""
    port = free_port()
    environ = {**os.environ, "COMMERCE_DATABASE_URL": settings.database_url,
               "COMMERCE_SQLITE_DRIVER": settings.sqlite_driver,
               "COMMERCE_DEBUG": "true", "COMMERCE_RUN_WORKER": "false",
               **{f"COMMERCE_{name}": value for name, value in env.items()}}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "commerce", "serve", "--host", "127.0.0.1", "--port", str(port),
        env=environ, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    host = f"127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=f"http://{host}") as client:
            for _ in range(300):
                if process.returncode is not None:
                    stderr = await process.stderr.read() if process.stderr else b""
                    raise AssertionError(f"commerce serve exited: {stderr.decode()}")
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("commerce serve did not answer within 30 s")
        yield host, process
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 15)
            except TimeoutError:
                process.kill()
                await process.wait()
