"""``commerce serve`` declines WebSocket compression unless COMMERCE_WS_PER_MESSAGE_DEFLATE
asks for it: permessage-deflate keeps ~45 KiB of zlib state per socket, half of what an
idle tracking subscription costs (bench/README.md, issue 8)."""

from __future__ import annotations

import pytest
import websockets

from commerce.settings import Settings
from tests.serve_process import commerce_serve

pytestmark = pytest.mark.timeout(60)


async def _negotiated(host: str) -> str | None:
    # The client offers permessage-deflate (websockets' default, as browsers do).
    async with websockets.connect(f"ws://{host}/graphql", compression="deflate",
                                  subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        assert ws.response is not None
        extensions: str | None = ws.response.headers.get("Sec-WebSocket-Extensions")
        return extensions


async def test_compression_is_declined_by_default(settings: Settings) -> None:
    async with commerce_serve(settings) as (host, _process):
        assert await _negotiated(host) is None


async def test_compression_when_the_setting_asks_for_it(settings: Settings) -> None:
    async with commerce_serve(settings, WS_PER_MESSAGE_DEFLATE="true") as (host, _process):
        negotiated = await _negotiated(host)
        assert negotiated is not None and "permessage-deflate" in negotiated
