"""Concurrent sign-in attempts straight against the throttle: the per-key serialisation
(advisory locks on PostgreSQL, BEGIN IMMEDIATE on SQLite) keeps every counter exact.

The API burst test goes through HTTP, whose per-request work staggers the transactions; here
the attempts start together on separate connections, so without the lock they would all
count the same empty window and all be let through.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from commerce.accounts import throttle
from commerce.db.database import Database
from commerce.db.models import LoginAttempt
from commerce.settings import Settings
from commerce.shared.clock import utcnow
from commerce.shared.errors import RateLimitedError


async def attempt(db: Database, settings: Settings, address: str) -> bool:
    """One attempt's throttle step; True when it was let through to the password check."""
    try:
        async with db.transaction() as session:
            await throttle.record_attempt(
                session, db.dialect, throttle.sign_in_limits("ann@example.com", address,
                                                             settings), settings, utcnow())
    except RateLimitedError:
        return False
    return True


async def test_simultaneous_attempts_never_pass_a_limit(db: Database,
                                                        settings: Settings) -> None:
    # 24 from one address (its limits: login_max_attempts), 16 more from 16 others (they
    # count towards the account's ceiling, set to 12 here).
    settings = settings.with_(login_max_attempts_per_account=12)
    addresses = ["198.51.100.1"] * 24 + [f"203.0.113.{i}" for i in range(16)]
    passed = await asyncio.gather(*(attempt(db, settings, a) for a in addresses))
    from_one = sum(passed[:24])
    assert from_one <= settings.login_max_attempts
    assert sum(passed) == 12  # exactly the account's ceiling, not one more
    async with db.transaction() as s:
        recorded = (await s.execute(select(func.count()).where(
            LoginAttempt.key == throttle.email_key("ann@example.com")))).scalar_one()
    assert recorded == 12
