"""Login throttling: failed attempts per client address and per account, in the database.

Three counters, each over a sliding window (``login_window_seconds``):

- per client address: ``login_max_attempts`` (one address guessing many accounts);
- per (account, client address): ``login_max_attempts`` (one address guessing one account);
- per account from all addresses: ``login_max_attempts_per_account``, much higher (a guessing
  campaign spread over many addresses).

An account is not locked by its own low limit alone, so a stranger's wrong passwords lock out
the stranger's address, not the owner, who signs in from theirs; only a campaign past the
high ceiling locks the account everywhere until its window passes.

Keeping the attempts in the database (not in process memory) makes the limit hold across
server processes. Concurrency is handled by *recording an attempt before the password is
checked*, inside a write transaction that is serialised per key:

- SQLite: write transactions start with ``BEGIN IMMEDIATE``, so every writer (in any process)
  already runs one at a time; count-then-insert cannot interleave.
- PostgreSQL: READ COMMITTED lets two transactions count the same rows and both insert, so
  we first take a transaction-scoped advisory lock per key (``pg_advisory_xact_lock``, keys in
  sorted order so two requests never wait on each other crosswise). A row lock on the user
  would not do: unknown e-mails have no row, and the per-address key belongs to no user.

An attempt is then a failure until proven otherwise: a burst of parallel guesses sees the
in-flight attempts in the count, so at most ``login_max_attempts`` of them from one address
ever reach the (slow, argon2) password check. A successful login removes its own attempt and
clears the account's failures from that address (not those from elsewhere, which still count
towards the ceiling). Refused attempts are not recorded, so a window always ends.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import random
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.db.models import LoginAttempt
from commerce.settings import Settings
from commerce.shared.errors import RateLimitedError

_KEY_LENGTH = 300  # the column's length
# First argument of the two-key advisory lock: keeps these locks apart from any others.
_ADVISORY_LOCK_CLASS = 0x4C4F47  # "LOG"
# Old rows of keys that are never tried again are swept now and then, not on every login.
_GLOBAL_PRUNE_CHANCE = 0.02


def email_key(email: str) -> str:
    return f"email:{email}"[:_KEY_LENGTH]


def client_key(client_ip: str) -> str:
    """Per-address key; IPv6 clients are grouped by /64, which one subscriber usually has."""
    try:
        address = ipaddress.ip_address(client_ip)
    except ValueError:
        return f"ip:{client_ip}"[:_KEY_LENGTH]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return f"ip:{address.ipv4_mapped}"
        return f"ip:{ipaddress.IPv6Network((address, 64), strict=False)}"
    return f"ip:{address}"


def account_client_key(email: str, client: str) -> str:
    """Per (account, address) key, from ``email_key``'s address and a ``client_key``."""
    key = f"email+ip:{email}|{client}"
    if len(key) <= _KEY_LENGTH:
        return key
    return "email+ip#" + hashlib.sha256(key.encode()).hexdigest()  # never truncate into another


def sign_in_limits(email: str, client_ip: str, settings: Settings) -> dict[str, int]:
    """The keys a sign-in attempt counts against, each with its limit."""
    client = client_key(client_ip)
    return {client: settings.login_max_attempts,
            account_client_key(email, client): settings.login_max_attempts,
            email_key(email): settings.login_max_attempts_per_account}


def retry_after_seconds(times: Sequence[datetime], max_attempts: int, window: timedelta,
                        now: datetime) -> int:
    """Seconds until fewer than ``max_attempts`` of ``times`` lie within the window."""
    newest_first = sorted(times, reverse=True)
    if len(newest_first) < max_attempts:
        return 0
    # Once the max_attempts-th newest attempt leaves the window, one more is allowed.
    frees_at = newest_first[max_attempts - 1] + window
    return max(1, math.ceil((frees_at - now).total_seconds()))


def _lock_id(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big", signed=True)


async def record_attempt(session: AsyncSession, dialect: str, limits: Mapping[str, int],
                         settings: Settings, now: datetime) -> list[int]:
    """Refuse with ``RateLimitedError`` if any key of ``limits`` (key -> most attempts in the
    window, see ``sign_in_limits``) is at its limit, else record the attempt under each key.

    Returns the ids of the rows written, so a successful login can take its own back.
    Must run inside a write transaction (see the module docstring for why that suffices).
    """
    keys = sorted(limits)
    if dialect == "postgresql":
        for key in keys:
            await session.execute(
                select(func.pg_advisory_xact_lock(_ADVISORY_LOCK_CLASS, _lock_id(key))))
    window = timedelta(seconds=settings.login_window_seconds)
    since = now - window
    if random.random() < _GLOBAL_PRUNE_CHANCE:
        await session.execute(delete(LoginAttempt).where(LoginAttempt.attempted_at <= since))
    else:
        await session.execute(delete(LoginAttempt).where(
            LoginAttempt.key.in_(keys), LoginAttempt.attempted_at <= since))
    rows = await session.execute(
        select(LoginAttempt.key, LoginAttempt.attempted_at)
        .where(LoginAttempt.key.in_(keys), LoginAttempt.attempted_at > since))
    recent: dict[str, list[datetime]] = defaultdict(list)
    for key, attempted_at in rows:
        recent[key].append(attempted_at)
    wait = max((retry_after_seconds(times, limits[key], window, now)
                for key, times in recent.items()), default=0)
    if wait > 0:
        raise RateLimitedError(
            f"too many failed sign-in attempts; try again in {wait} seconds", wait)
    result = await session.execute(
        insert(LoginAttempt).returning(LoginAttempt.id),
        [{"key": key, "attempted_at": now} for key in keys])
    return list(result.scalars())


async def forgive(session: AsyncSession, attempt_ids: Sequence[int], email: str,
                  client_ip: str) -> None:
    """After a successful login: drop this attempt and the account's earlier failures from
    this address. Failures from other addresses stay: they may be someone else's guesses."""
    await session.execute(delete(LoginAttempt).where(LoginAttempt.id.in_(attempt_ids)))
    await session.execute(delete(LoginAttempt).where(
        LoginAttempt.key == account_client_key(email, client_key(client_ip))))
