"""Account use cases on a real database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from commerce.accounts import addresses, service, staff
from commerce.accounts.authentication import viewer_for_token
from commerce.accounts.permissions import Permission
from commerce.accounts.tokens import hash_token
from commerce.accounts.viewer import Viewer
from commerce.db.database import Database
from commerce.db.models import Address, AuthToken, LoginAttempt, User
from commerce.settings import Settings
from commerce.shared.addresses import AddressData
from commerce.shared.clock import utcnow
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError, RateLimitedError
from tests.account_helpers import PASSWORD, make_token, make_user


async def viewer_of(db: Database, token: str) -> Viewer | None:
    reader = db.reader()
    try:
        return await viewer_for_token(reader, token)
    finally:
        await reader.close()


HOME = AddressData(first_name="Ann", last_name="Lee", street_address_1="1 Main St",
                   city="Springfield", country_code="US", country_area="IL",
                   postal_code="62701")


def codes(error: pytest.ExceptionInfo[DomainError]
          ) -> list[tuple[ErrorCode, tuple[str, ...] | None]]:
    return [(p.code, p.field) for p in error.value.problems]


async def test_registering_stores_a_normalised_email_and_an_argon2id_hash(db: Database) -> None:
    user_id = await service.register_customer(db, email=" Ann@Example.com ",
                                              password="s3cret-pass", first_name="Ann")
    async with db.transaction() as s:
        user = await s.get_one(User, user_id)
    assert user.email == "ann@example.com"
    assert user.password_hash.startswith("$argon2id$")
    assert not user.is_staff


async def test_registering_reports_every_problem_at_once(db: Database) -> None:
    with pytest.raises(DomainError) as error:
        await service.register_customer(db, email="not-an-email", password="short",
                                        last_name="x" * 200)
    assert codes(error) == [(ErrorCode.INVALID, ("email",)),
                            (ErrorCode.PASSWORD_TOO_SHORT, ("password",)),
                            (ErrorCode.INVALID, ("lastName",))]


async def test_an_email_can_be_registered_only_once_whatever_its_case(db: Database) -> None:
    await make_user(db, "ann@example.com")
    with pytest.raises(DomainError) as error:
        await service.register_customer(db, email="ANN@example.com", password=PASSWORD)
    assert codes(error) == [(ErrorCode.DUPLICATE, ("email",))]


async def test_a_token_is_issued_for_the_right_password_and_only_its_hash_stored(
        db: Database, settings: Settings) -> None:
    user_id = await make_user(db, "ann@example.com")
    issued = await service.create_token(db, "ANN@example.com", PASSWORD, "10.0.0.1", settings)
    assert issued.user_id == user_id
    assert issued.expires_at - utcnow() > timedelta(hours=settings.token_ttl_hours - 1)
    async with db.transaction() as s:
        stored = (await s.execute(select(AuthToken.token_hash))).scalars().all()
    assert stored == [hash_token(issued.token)]
    viewer = await viewer_of(db, issued.token)
    assert viewer is not None and viewer.user_id == user_id


async def test_a_wrong_password_and_an_unknown_email_fail_alike(
        db: Database, settings: Settings) -> None:
    await make_user(db, "ann@example.com")
    failures = []
    for email, password in (("ann@example.com", "wrong-password"), ("bob@example.com", PASSWORD)):
        with pytest.raises(DomainError) as error:
            await service.create_token(db, email, password, "10.0.0.1", settings)
        failures.append((error.value.problems[0].code, str(error.value)))
    assert failures[0] == failures[1]
    assert failures[0][0] is ErrorCode.INVALID_CREDENTIALS


async def test_a_disabled_account_cannot_sign_in(db: Database, settings: Settings) -> None:
    await make_user(db, "ann@example.com", active=False)
    with pytest.raises(DomainError) as error:
        await service.create_token(db, "ann@example.com", PASSWORD, "10.0.0.1", settings)
    assert codes(error) == [(ErrorCode.ACCOUNT_DISABLED, None)]


async def fail(db: Database, settings: Settings, email: str = "ann@example.com",
               ip: str = "10.0.0.1") -> None:
    with pytest.raises(DomainError):
        await service.create_token(db, email, "wrong-password", ip, settings)


async def test_sign_in_is_refused_after_too_many_failures_even_with_the_right_password(
        db: Database, settings: Settings) -> None:
    await make_user(db, "ann@example.com")
    for _ in range(settings.login_max_attempts):
        await fail(db, settings)
    with pytest.raises(RateLimitedError) as refused:  # from the address that failed
        await service.create_token(db, "ann@example.com", PASSWORD, "10.0.0.1", settings)
    assert 0 < refused.value.retry_after <= settings.login_window_seconds


async def test_a_successful_sign_in_clears_the_accounts_failures(
        db: Database, settings: Settings) -> None:
    await make_user(db, "ann@example.com")
    for _ in range(settings.login_max_attempts - 1):
        await fail(db, settings, ip="10.0.0.1")
    await service.create_token(db, "ann@example.com", PASSWORD, "10.0.0.2", settings)
    for _ in range(settings.login_max_attempts - 1):
        await fail(db, settings, ip="10.0.0.3")  # would be refused had the count remained


async def test_failures_older_than_the_window_no_longer_count(
        db: Database, settings: Settings) -> None:
    await make_user(db, "ann@example.com")
    old = utcnow() - timedelta(seconds=settings.login_window_seconds + 1)
    async with db.transaction() as s:
        s.add_all(LoginAttempt(key="email:ann@example.com", attempted_at=old)
                  for _ in range(settings.login_max_attempts))
    await service.create_token(db, "ann@example.com", PASSWORD, "10.0.0.1", settings)


async def test_the_limit_holds_across_processes_sharing_the_database(
        db: Database, settings: Settings) -> None:
    other_process = Database.from_settings(settings)
    try:
        for i in range(settings.login_max_attempts):
            await fail(db if i % 2 else other_process, settings)
        with pytest.raises(RateLimitedError):
            await service.create_token(other_process, "ann@example.com", PASSWORD,
                                       "10.0.0.1", settings)
    finally:
        await other_process.dispose()


async def test_revoking_ends_this_token_or_every_token(db: Database) -> None:
    user_id = await make_user(db)
    first, second, third = [await make_token(db, user_id) for _ in range(3)]
    viewer = await viewer_of(db, first)
    assert viewer is not None
    assert await service.revoke_token(db, user_id, viewer.token_id, all_tokens=False) == 1
    assert await viewer_of(db, first) is None
    assert await viewer_of(db, second) is not None
    assert await service.revoke_token(db, user_id, viewer.token_id, all_tokens=True) == 2
    assert await viewer_of(db, third) is None


async def test_changing_the_password_checks_the_old_one_and_revokes_other_tokens(
        db: Database, settings: Settings) -> None:
    user_id = await make_user(db)
    current, other = await make_token(db, user_id), await make_token(db, user_id)
    viewer = await viewer_of(db, current)
    assert viewer is not None
    with pytest.raises(DomainError) as wrong:
        await service.change_password(db, user_id, viewer.token_id, old_password="nope-nope",
                                      new_password="new-password", client_ip="10.0.0.1",
                                      settings=settings)
    assert codes(wrong) == [(ErrorCode.PASSWORD_INCORRECT, ("oldPassword",))]
    with pytest.raises(DomainError) as short:
        await service.change_password(db, user_id, viewer.token_id, old_password=PASSWORD,
                                      new_password="short", client_ip="10.0.0.1",
                                      settings=settings)
    assert codes(short) == [(ErrorCode.PASSWORD_TOO_SHORT, ("newPassword",))]
    await service.change_password(db, user_id, viewer.token_id, old_password=PASSWORD,
                                  new_password="new-password", client_ip="10.0.0.1",
                                  settings=settings)
    assert await viewer_of(db, current) is not None
    assert await viewer_of(db, other) is None
    await service.create_token(db, "ann@example.com", "new-password", "10.0.0.1", settings)


async def test_changing_the_email_keeps_it_unique(db: Database) -> None:
    ann = await make_user(db, "ann@example.com")
    await make_user(db, "bob@example.com")
    with pytest.raises(DomainError) as error:
        await service.update_me(db, ann, email="BOB@example.com")
    assert codes(error) == [(ErrorCode.DUPLICATE, ("email",))]
    await service.update_me(db, ann, email="ann.lee@example.com", first_name="  Annie ")
    async with db.transaction() as s:
        user = await s.get_one(User, ann)
    assert (user.email, user.first_name) == ("ann.lee@example.com", "Annie")


async def defaults(db: Database, user_id: int) -> tuple[list[int], list[int]]:
    async with db.transaction() as s:
        rows = (await s.execute(select(Address.id, Address.is_default_shipping,
                                       Address.is_default_billing)
                                .where(Address.user_id == user_id))).all()
    return [r.id for r in rows if r.is_default_shipping], [r.id for r in rows if
                                                            r.is_default_billing]


async def test_each_user_has_at_most_one_default_address_of_each_kind(db: Database) -> None:
    user_id = await make_user(db)
    home = await addresses.create_address(db, user_id, HOME, default_shipping=True,
                                          default_billing=True)
    work = await addresses.create_address(db, user_id, HOME, default_shipping=True)
    assert await defaults(db, user_id) == ([work], [home])
    await addresses.update_address(db, user_id, home, None, default_shipping=True,
                                   default_billing=False)
    assert await defaults(db, user_id) == ([home], [])


async def test_concurrent_default_changes_leave_exactly_one_default(db: Database) -> None:
    user_id = await make_user(db)
    ids = [await addresses.create_address(db, user_id, HOME) for _ in range(6)]
    await asyncio.gather(*(addresses.update_address(db, user_id, pk, None,
                                                    default_shipping=True) for pk in ids))
    shipping, _ = await defaults(db, user_id)
    assert len(shipping) == 1


async def test_another_users_address_is_not_found(db: Database) -> None:
    ann, bob = await make_user(db, "ann@example.com"), await make_user(db, "bob@example.com")
    address = await addresses.create_address(db, ann, HOME)
    for attempt in (addresses.update_address(db, bob, address, HOME),
                    addresses.delete_address(db, bob, address)):
        with pytest.raises(DomainError) as error:
            await attempt
        assert codes(error) == [(ErrorCode.NOT_FOUND, ("id",))]
    async with db.transaction() as s:
        assert await s.scalar(select(func.count()).select_from(Address)) == 1


async def test_an_invalid_address_is_not_saved(db: Database) -> None:
    user_id = await make_user(db)
    with pytest.raises(DomainError) as error:
        await addresses.create_address(
            db, user_id, AddressData(first_name="Ann", last_name="Lee",
                                     street_address_1="1 Main St", city="Springfield",
                                     country_code="ZZ"))
    assert codes(error) == [(ErrorCode.INVALID, ("address", "countryCode"))]


def actor(user_id: int, *permissions: Permission, superuser: bool = False) -> Viewer:
    return Viewer(user_id=user_id, email="boss@example.com", is_staff=True,
                  is_superuser=superuser, permissions=frozenset(permissions), token_id=0)


async def test_staff_managers_grant_only_permissions_they_hold(db: Database) -> None:
    boss = actor(1, Permission.MANAGE_STAFF, Permission.MANAGE_CATALOG)
    with pytest.raises(DomainError) as error:
        await staff.create_staff(db, boss, email="eve@example.com", password=PASSWORD,
                                 permissions=[Permission.MANAGE_PAYMENTS], is_superuser=True)
    assert {c for c, _ in codes(error)} == {ErrorCode.OUT_OF_SCOPE_PERMISSION}
    clerk = await staff.create_staff(db, boss, email="Clerk@example.com", password=PASSWORD,
                                     permissions=[Permission.MANAGE_CATALOG])
    async with db.transaction() as s:
        user = await s.get_one(User, clerk)
    assert (user.email, user.is_staff, user.permissions) == (
        "clerk@example.com", True, ["MANAGE_CATALOG"])


async def test_staff_managers_cannot_change_a_superuser(db: Database) -> None:
    root = await make_user(db, "root@example.com", superuser=True)
    with pytest.raises(DomainError) as error:
        await staff.update_staff(db, actor(99, Permission.MANAGE_STAFF), root,
                                 password="taken-over!")
    assert codes(error) == [(ErrorCode.OUT_OF_SCOPE_USER, None)]


async def test_updating_a_customer_as_staff_is_not_found(db: Database) -> None:
    customer = await make_user(db, "ann@example.com")
    with pytest.raises(DomainError) as error:
        await staff.update_staff(db, actor(99, superuser=True), customer, first_name="X")
    assert codes(error) == [(ErrorCode.NOT_FOUND, ("id",))]


async def test_the_cli_upsert_creates_then_updates_a_staff_user(db: Database) -> None:
    created = await staff.upsert_staff(db, "Admin@example.com", "admin12345",
                                       ["manage_catalog"], False)
    assert created == "created staff user admin@example.com (permissions MANAGE_CATALOG)"
    updated = await service.upsert_staff(db, "admin@example.com", "admin12345", [], True)
    assert updated == "updated staff user admin@example.com (superuser)"
    with pytest.raises(ValueError, match="unknown permission"):
        await staff.upsert_staff(db, "x@example.com", "admin12345", ["ROOT"], False)
