"""``COMMERCE_SMTP_URL`` read into what aiosmtplib needs (pure; no I/O).

``smtp://user:pass@host:587?starttls=true`` (STARTTLS after connecting; the usual port 587),
``smtps://user:pass@host:465`` (TLS from the first byte), ``smtp://host:25`` (plain, for a
local relay). User and password are URL-encoded (``%40`` for ``@``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    use_tls: bool = False  # implicit TLS (smtps://)
    start_tls: bool = False


def parse_smtp_url(raw: str) -> SmtpConfig:
    """Raises ``ValueError`` saying what is wrong with the URL."""
    parts = urlsplit(raw.strip())
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError("expected smtp://[user:password@]host[:port][?starttls=true] "
                         "or smtps://...")
    if not parts.hostname:
        raise ValueError("the URL names no host")
    try:
        port = parts.port
    except ValueError:
        raise ValueError("the port must be a number 1-65535") from None
    implicit = parts.scheme == "smtps"
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = set(query) - {"starttls"}
    if unknown:
        raise ValueError(f"unknown parameter {sorted(unknown)[0]!r} (only starttls)")
    flag = (query.get("starttls") or ["false"])[-1].strip().lower()
    if flag not in _TRUE | _FALSE:
        raise ValueError("starttls must be true or false")
    start_tls = flag in _TRUE
    if implicit and start_tls:
        raise ValueError("smtps:// is TLS already; starttls applies to smtp:// only")
    return SmtpConfig(
        host=parts.hostname, port=port or (465 if implicit else 587 if start_tls else 25),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        use_tls=implicit, start_tls=start_tls)
