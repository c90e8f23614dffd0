"""Where composed e-mails go: an SMTP server (aiosmtplib) or a folder of ``.eml`` files.

Both raise on failure, so the relay retries the delivery with backoff. ``send`` may be
called again for a message already sent (a redelivery after a crash): the SMTP server gets
a second copy with the same ``Message-ID``; the folder gets the same file rewritten.
"""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

import aiosmtplib

from commerce.events.relay import PermanentFailure
from commerce.notifications.smtp_url import SmtpConfig, parse_smtp_url


class MailTransport(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


class PermanentMailError(PermanentFailure):
    """The server refused the message for good (a 5xx reply): sending it again as it is
    cannot succeed (an unknown recipient, a rejected sender)."""


class SmtpTransport:
    """One SMTP conversation per message, bounded by ``timeout`` seconds in all."""

    def __init__(self, config: SmtpConfig, timeout: float) -> None:
        self.config = config
        self.timeout = timeout

    async def send(self, message: EmailMessage) -> None:
        c = self.config
        try:
            async with asyncio.timeout(self.timeout):
                await aiosmtplib.send(
                    message, hostname=c.host, port=c.port, username=c.username,
                    password=c.password, use_tls=c.use_tls, start_tls=c.start_tls,
                    timeout=self.timeout)
        except aiosmtplib.SMTPResponseException as exc:
            if 500 <= exc.code < 600:
                raise PermanentMailError(f"SMTP {exc.code}: {exc.message}") from exc
            raise


# Message-IDs are ours (<order-tracking-12@shop.example>), but a file name is built from
# whatever the header holds, so anything beyond a safe set is replaced.
_UNSAFE = re.compile(r"[^A-Za-z0-9._@+-]")


def eml_name(message: EmailMessage) -> str:
    """``order-tracking-12@shop.example.eml`` for ``<order-tracking-12@shop.example>``."""
    mid = str(message["Message-ID"] or "").strip().strip("<>")
    if not mid:
        raise ValueError("the message has no Message-ID to name its file after")
    return _UNSAFE.sub("_", mid).lstrip(".") + ".eml"


class DirectoryTransport:
    """Writes ``<message-id>.eml`` (RFC 5322, CRLF line ends) into ``directory``: what the
    demo does, so a new user opens the e-mails in any mail program. The file appears whole
    or not at all (written beside it, then renamed over it)."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    async def send(self, message: EmailMessage) -> None:
        data = message.as_bytes(policy=policy.SMTP)
        target = self.directory / eml_name(message)
        await asyncio.to_thread(self._write, target, data)

    def _write(self, target: Path, data: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".eml")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def transport_for(smtp_url: str, mail_dir: str, timeout: float) -> MailTransport | None:
    """SMTP when ``smtp_url`` is set, else the folder when ``mail_dir`` is; None: no mail."""
    if smtp_url:
        return SmtpTransport(parse_smtp_url(smtp_url), timeout)
    if mail_dir:
        return DirectoryTransport(mail_dir)
    return None
