"""All configuration, read once from ``COMMERCE_*`` environment variables.

Nothing else in the code base reads the environment: everything receives a ``Settings``.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal, InvalidOperation
from email.utils import parseaddr
from typing import Any, TypeVar

from commerce.notifications.smtp_url import parse_smtp_url
from commerce.shared.money import is_currency
from commerce.shared.percent import parse_percent

T = TypeVar("T")

# "inline": our adapter, statements on the event loop's thread (db/sqlite_driver.py);
# "aiosqlite": SQLAlchemy's stock adapter, the fallback.
SQLITE_DRIVERS = ("inline", "aiosqlite")
# When card payments are captured: at checkout, or later (when shipped, or by staff).
CAPTURE_MODES = ("AUTOMATIC", "MANUAL")


class SettingsError(ValueError):
    """A ``COMMERCE_*`` variable holds a value we cannot use."""


def _bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError("expected true/false")


def _positive_int(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise ValueError("expected a positive integer")
    return value


def _positive_float(raw: str) -> float:
    value = float(raw)
    if not value > 0:
        raise ValueError("expected a positive number")
    return value


def _port(raw: str) -> int:
    value = int(raw)
    if not 0 < value < 65536:
        raise ValueError("expected a port number 1-65535")
    return value


def _csv(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def _currency(raw: str) -> str:
    code = raw.strip().upper()
    if not is_currency(code):
        raise ValueError(f"unknown ISO 4217 currency code {raw!r}")
    return code


def _database_url(raw: str) -> str:
    if not raw.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        raise ValueError("expected a sqlite+aiosqlite:// or postgresql+asyncpg:// URL")
    return raw


def _sqlite_driver(raw: str) -> str:
    value = raw.strip().lower()
    if value not in SQLITE_DRIVERS:
        raise ValueError(f"expected one of {', '.join(SQLITE_DRIVERS)}")
    return value


def _capture_mode(raw: str) -> str:
    value = raw.strip().upper()
    if value not in CAPTURE_MODES:
        raise ValueError(f"expected one of {', '.join(CAPTURE_MODES)}")
    return value


def _percent_score(raw: str) -> int:
    value = int(raw)
    if not 0 < value <= 100:
        raise ValueError("expected a score from 1 to 100")
    return value


def _http_url(raw: str) -> str:
    value = raw.strip().rstrip("/")
    if not value.startswith(("http://", "https://")):
        raise ValueError("expected an http:// or https:// URL")
    return value


def _optional_http_url(raw: str) -> str:
    return _http_url(raw) if raw.strip() else ""


def _smtp_url(raw: str) -> str:
    if raw.strip():
        parse_smtp_url(raw)  # raises ValueError saying what is wrong
    return raw.strip()


def _mail_from(raw: str) -> str:
    value = raw.strip()
    _name, address = parseaddr(value)
    local, _, domain = address.rpartition("@")
    if not local or not domain or any(c in value for c in "\r\n"):
        raise ValueError("expected an address such as shop@example.com or "
                         "'Shop name <shop@example.com>'")
    return value


def _networks(raw: str) -> tuple[str, ...]:
    """Comma-separated IP addresses or CIDR networks, normalised (``127.0.0.1/8`` ->
    ``127.0.0.0/8``); an address is a network of one."""
    return tuple(str(ipaddress.ip_network(part, strict=False)) for part in _csv(raw))


def _redis_url(raw: str) -> str:
    value = raw.strip()
    if value and not value.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError("expected a redis://, rediss:// or unix:// URL, or nothing")
    return value


def _fee_percent(raw: str) -> int:
    """A percentage ("15", "2.5") as basis points."""
    return parse_percent(raw)


def _fee_amount(raw: str) -> str:
    """A non-negative decimal amount, kept as text: its minor units depend on the shop's
    currency (``shared.money.parse_amount`` at use)."""
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        raise ValueError(f"{raw!r} is not a decimal number") from None
    if not value.is_finite() or value < 0:
        raise ValueError("expected a decimal amount of zero or more")
    return raw.strip()


def _channel(raw: str) -> str:
    value = raw.strip()
    if not value or any(c.isspace() for c in value):
        raise ValueError("expected a channel name without spaces")
    return value


# The secret the demo runs with; ``commerce serve`` refuses it unless COMMERCE_DEBUG is on.
DEMO_SECRET_KEY = "insecure-demo-secret"

# name in Settings -> (environment variable, parser)
_PARSERS: dict[str, Callable[[str], Any]] = {
    "database_url": _database_url,
    "host": str,
    "port": _port,
    "secret_key": str,
    "cors_origins": _csv,
    "debug": _bool,
    "graphiql": _bool,
    "introspection": _bool,
    "max_depth": _positive_int,
    "max_aliases": _positive_int,
    "max_tokens": _positive_int,
    "max_cost": _positive_int,
    "currency": _currency,
    "token_ttl_hours": _positive_int,
    "login_max_attempts": _positive_int,
    "login_window_seconds": _positive_int,
    "db_pool_size": _positive_int,
    "prices_include_tax": _bool,
    "sqlite_driver": _sqlite_driver,
    # API edge: request size, document cache and WebSocket limits (issue 6).
    "max_body_bytes": _positive_int,
    "document_cache_bytes": _positive_int,
    "max_subscriptions_per_connection": _positive_int,
    "ws_connection_init_timeout_seconds": _positive_float,
    "ws_per_message_deflate": _bool,
    # Access: trusted proxies, login limits, secret key (issue 6 §3).
    "trusted_proxies": _networks,
    "login_max_attempts_per_account": _positive_int,
    # Payments (issue 7).
    "stripe_secret_key": str,
    "stripe_publishable_key": str,
    "stripe_webhook_secret": str,
    "stripe_api_base": _http_url,
    "payment_capture": _capture_mode,
    "reservation_minutes": _positive_int,
    "reconcile_after_minutes": _positive_int,
    "risk_medium_score": _percent_score,
    "risk_high_score": _percent_score,
    # The outbox relay (issue 8).
    "run_worker": _bool,
    "outbox_retention_days": _positive_int,
    "relay_interval_ms": _positive_int,
    # Live order tracking (issue 8).
    "tracking_poll_seconds": _positive_float,
    "subscription_max_seconds": _positive_int,
    "tracking_queue_size": _positive_int,
    # Live tracking transports and cross-process wake-ups (issue 8).
    "max_sse_streams_per_client": _positive_int,
    "sse_keepalive_seconds": _positive_float,
    "shutdown_grace_seconds": _positive_int,
    "redis_url": _redis_url,
    "redis_channel": _channel,
    # Carrier tracking (issue 8).
    "carrier_webhook_secret": _csv,
    "delay_check_interval_seconds": _positive_int,
    # Order e-mails (issue 8).
    "mail_from": _mail_from,
    "smtp_url": _smtp_url,
    "smtp_timeout_seconds": _positive_float,
    "mail_dir": str,
    "mail_lease_seconds": _positive_float,
    "storefront_url": _optional_http_url,
    # Fulfilment (issue 8).
    "packing_slip_url_minutes": _positive_int,
    # Returns (issue 9).
    "return_window_days": _positive_int,
    "restocking_fee_percent": _fee_percent,
    "return_shipping_fee": _fee_amount,
}


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = "sqlite+aiosqlite:///./commerce.db"
    host: str = "127.0.0.1"
    port: int = 8000
    # Keys ``shared.signing`` (signed values, later signed URLs and webhooks). The demo's
    # default is public, so ``commerce serve`` refuses it outside debug.
    secret_key: str = DEMO_SECRET_KEY
    cors_origins: tuple[str, ...] = field(default_factory=tuple)
    debug: bool = False
    graphiql: bool = True
    introspection: bool = True
    max_depth: int = 15
    max_aliases: int = 30
    max_tokens: int = 5000
    max_cost: int = 25000
    currency: str = "USD"
    token_ttl_hours: int = 24 * 30
    login_max_attempts: int = 10
    login_window_seconds: int = 900
    db_pool_size: int = 10
    # Catalog prices are tax-exclusive (tax added at checkout) unless this is set.
    prices_include_tax: bool = False
    # How SQLite statements run: "inline" (on the event loop's thread; fastest) or
    # "aiosqlite" (SQLAlchemy's stock adapter; the fallback). Ignored on PostgreSQL.
    sqlite_driver: str = "inline"
    # API edge (issue 6). A larger HTTP body is refused with 413 before it is read in full;
    # `commerce serve` gives uvicorn the same ceiling for WebSocket messages (close 1009).
    max_body_bytes: int = 1024 * 1024
    # Parsed and validated documents kept, by estimated memory (~100 bytes per character).
    document_cache_bytes: int = 8 * 1024 * 1024
    # Operations (subscriptions, and queries/mutations in flight) one socket may run at once.
    max_subscriptions_per_connection: int = 20
    # A socket that has not sent connection_init by then is closed (4408).
    ws_connection_init_timeout_seconds: float = 10.0
    # WebSocket compression (permessage-deflate) when a client offers it. Off by default:
    # its zlib state costs ~45 KiB per socket (half of an idle tracking subscription's
    # memory, bench/README.md) to shrink messages of a few hundred bytes.
    ws_per_message_deflate: bool = False
    # Access (issue 6 §3). Peers whose X-Forwarded-For is believed (see app.py); loopback by
    # default, so a local reverse proxy works and nobody else can claim another address.
    trusted_proxies: tuple[str, ...] = ("127.0.0.0/8", "::1/128")
    # Failed logins per account from all addresses together; the per-(account, address)
    # limit is login_max_attempts. High, so a stranger cannot lock the owner out.
    login_max_attempts_per_account: int = 100
    # Payments (issue 7). Card payments through Stripe are on when the three keys are set;
    # otherwise only the manual gateway (bank transfer, cash on delivery...) exists.
    stripe_secret_key: str = ""
    stripe_publishable_key: str = ""
    stripe_webhook_secret: str = ""
    # Where the Stripe SDK sends API calls; tests point it at a local fake server.
    stripe_api_base: str = "https://api.stripe.com"
    # AUTOMATIC: card payments are captured at checkout. MANUAL: authorised at checkout,
    # captured later (``paymentCapture``; the fulfilment issue captures when shipped).
    payment_capture: str = "AUTOMATIC"
    # How long a cart's stock stays reserved while its card payment is in progress.
    reservation_minutes: int = 15
    # ``commerce payments reconcile`` asks the gateway about payments left without an
    # outcome for this long.
    reconcile_after_minutes: int = 30
    # Fraud screening: a score at or above MEDIUM holds the order for review; at or above
    # HIGH cancels it and gives the money back.
    risk_medium_score: int = 40
    risk_high_score: int = 75
    # The outbox relay (issue 8). ``commerce serve`` / ``demo`` run it in-process unless this
    # is off (then run ``commerce worker`` beside them).
    run_worker: bool = True
    # Events every consumer has had are deleted this many days after their delivery.
    outbox_retention_days: int = 30
    # How often an idle relay looks for new events (commits in the same process wake it
    # at once).
    relay_interval_ms: int = 1000
    # Live tracking (issue 8). The hub re-reads the tracking log this often even without a
    # wake-up, so a lost wake-up (or another process's change with no broker) only delays.
    tracking_poll_seconds: float = 2.0
    # A tracking subscription ends after this long (a socket held forever is a resource
    # anyone could keep); the client resubscribes with ``sinceVersion`` and misses nothing.
    subscription_max_seconds: int = 4 * 3600
    # Entries one subscriber may have waiting; past that it is resynchronised from the
    # database (by version) instead of holding more memory.
    tracking_queue_size: int = 256
    # GraphQL over SSE (issue 8): event streams one client address may hold open at once in
    # one process (one more is refused with 429), and how often an idle stream sends a
    # ``: ping`` comment so proxies and browsers keep it open.
    max_sse_streams_per_client: int = 20
    sse_keepalive_seconds: float = 15.0
    # `commerce serve` on SIGTERM: open event streams (which never end by themselves) get
    # this long to finish before they are cut and their clients reconnect elsewhere.
    shutdown_grace_seconds: int = 10
    # Cross-process wake-ups for live tracking: with a URL, Redis pub/sub tells every process
    # which orders changed; without, PostgreSQL's LISTEN/NOTIFY does (SQLite: in-process only).
    redis_url: str = ""
    # The pub/sub channel; Redis channels span databases, so shops sharing a Redis server
    # give each its own to avoid waking each other needlessly.
    redis_channel: str = "commerce_order_tracking"
    # Carrier tracking webhooks (``POST /webhooks/carriers/{carrier}``) are verified with
    # this HMAC secret; comma-separated, several are accepted (while rotating). Unset: the
    # endpoint answers 503.
    carrier_webhook_secret: tuple[str, ...] = field(default_factory=tuple)
    # How often the worker looks for shipments past their promised date (delay notices).
    delay_check_interval_seconds: int = 300
    # Order e-mails (issue 8). The sender, also the domain of every Message-ID.
    mail_from: str = "shop@localhost"
    # smtp://user:pass@host:587?starttls=true, smtps://user:pass@host:465 or smtp://host:25.
    # Unset: e-mails are written as .eml files to mail_dir instead (the demo's default).
    smtp_url: str = ""
    # One whole SMTP conversation (connect, TLS, login, send) may take this long.
    smtp_timeout_seconds: float = 30.0
    # Where e-mails go without SMTP, one <message-id>.eml each; empty: no e-mail at all.
    mail_dir: str = "./mail"
    # A relay sending e-mails holds them this long; another relay sends them only after it
    # runs out (so a relay killed mid-send is made good then). At least 2 x the timeout.
    mail_lease_seconds: float = 600.0
    # The storefront's base URL; e-mails link to <storefront_url>/orders/<order token>.
    storefront_url: str = ""
    # How long a packing slip link (``Fulfillment.packingSlipUrl``) works after it is handed
    # out: long enough to print, short enough that a forwarded link soon stops working.
    packing_slip_url_minutes: int = 15
    # Returns (issue 9): units may be returned this many days after their parcel was
    # delivered (or shipped, when the carrier never reported a delivery).
    return_window_days: int = 30
    # The default restocking fee kept from a return's refund, in basis points (the variable
    # COMMERCE_RESTOCKING_FEE_PERCENT is a percentage: "15" is 1500 bp).
    restocking_fee_percent: int = 0
    # The default return shipping fee, a decimal amount in the shop's currency.
    return_shipping_fee: str = "0"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            var = "COMMERCE_" + f.name.upper()
            if var not in env:
                continue
            try:
                values[f.name] = _PARSERS[f.name](env[var])
            except ValueError as exc:
                raise SettingsError(f"{var}={env[var]!r} is invalid: {exc}") from exc
        settings = cls(**values)
        if settings.risk_medium_score >= settings.risk_high_score:
            raise SettingsError("COMMERCE_RISK_MEDIUM_SCORE must be below "
                                "COMMERCE_RISK_HIGH_SCORE")
        if settings.mail_lease_seconds < 2 * settings.smtp_timeout_seconds:
            raise SettingsError("COMMERCE_MAIL_LEASE_SECONDS must be at least twice "
                                "COMMERCE_SMTP_TIMEOUT_SECONDS")
        stripe_keys = (settings.stripe_secret_key, settings.stripe_publishable_key,
                       settings.stripe_webhook_secret)
        if any(stripe_keys) and not all(stripe_keys):
            raise SettingsError("set all of COMMERCE_STRIPE_SECRET_KEY, "
                                "COMMERCE_STRIPE_PUBLISHABLE_KEY and "
                                "COMMERCE_STRIPE_WEBHOOK_SECRET, or none")
        return settings

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    @property
    def stripe_enabled(self) -> bool:
        return bool(self.stripe_secret_key and self.stripe_publishable_key
                    and self.stripe_webhook_secret)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
