"""Account rules (pure): e-mails, passwords, permission grants and throttle arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from commerce.accounts.permissions import Permission
from commerce.accounts.rules import (
    check_email,
    check_new_password,
    grant_problems,
    parse_permissions,
)
from commerce.accounts.throttle import client_key, email_key, retry_after_seconds
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import Problems

P = Permission


def test_email_addresses_are_trimmed_and_lower_cased() -> None:
    problems = Problems()
    assert check_email(problems, "  Ann.Lee+shop@Example.COM ", ["email"]) == \
        "ann.lee+shop@example.com"
    assert not problems


@pytest.mark.parametrize("email", ["", "ann", "ann@", "@example.com", "ann@example",
                                   "ann lee@example.com", "ann@@example.com",
                                   "a" * 250 + "@example.com"])
def test_malformed_email_addresses_are_rejected(email: str) -> None:
    problems = Problems()
    check_email(problems, email, ["email"])
    assert [p.field for p in problems.items] == [("email",)]


def test_passwords_need_at_least_eight_characters() -> None:
    short, ok = Problems(), Problems()
    check_new_password(short, "1234567", ["password"])
    check_new_password(ok, "12345678", ["password"])
    assert [p.code for p in short.items] == [ErrorCode.PASSWORD_TOO_SHORT]
    assert not ok


def test_permission_names_are_parsed_in_any_case_and_unknown_ones_named() -> None:
    assert parse_permissions(["manage_staff", "MANAGE_CATALOG", "manage_staff"]) == [
        P.MANAGE_CATALOG, P.MANAGE_STAFF]
    with pytest.raises(ValueError, match="MANAGE_EVERYTHING"):
        parse_permissions(["MANAGE_EVERYTHING"])


def grants(actor: set[Permission], target: set[Permission], new: set[Permission], *,
           actor_super: bool = False, target_super: bool = False,
           new_super: bool = False) -> list[ErrorCode]:
    return [p.code for p in grant_problems(
        actor_superuser=actor_super, actor_permissions=frozenset(actor),
        target_superuser=target_super, target_permissions=frozenset(target),
        new_superuser=new_super, new_permissions=frozenset(new)).items]


def test_staff_can_grant_permissions_they_hold() -> None:
    assert grants({P.MANAGE_STAFF, P.MANAGE_CATALOG}, set(), {P.MANAGE_CATALOG}) == []


def test_staff_cannot_grant_permissions_they_lack_or_superuser_status() -> None:
    assert grants({P.MANAGE_STAFF}, set(), {P.MANAGE_PAYMENTS}) == [
        ErrorCode.OUT_OF_SCOPE_PERMISSION]
    assert grants({P.MANAGE_STAFF}, set(), set(), new_super=True) == [
        ErrorCode.OUT_OF_SCOPE_PERMISSION]


def test_staff_cannot_change_accounts_more_powerful_than_themselves() -> None:
    assert grants({P.MANAGE_STAFF}, {P.MANAGE_PAYMENTS}, set()) == [ErrorCode.OUT_OF_SCOPE_USER]
    assert grants({P.MANAGE_STAFF}, set(), set(), target_super=True) == [
        ErrorCode.OUT_OF_SCOPE_USER]


def test_a_superuser_may_grant_anything() -> None:
    assert grants(set(), {P.MANAGE_PAYMENTS}, set(P), actor_super=True, new_super=True) == []


def test_ipv6_clients_are_grouped_by_their_64_bit_prefix() -> None:
    assert client_key("2001:db8:1:2::1") == client_key("2001:db8:1:2:ffff::9")
    assert client_key("2001:db8:1:2::1") != client_key("2001:db8:1:3::1")
    assert client_key("::ffff:10.0.0.1") == client_key("10.0.0.1") == "ip:10.0.0.1"
    assert client_key("unknown") == "ip:unknown"


def test_keys_fit_the_column_even_for_absurd_input() -> None:
    assert len(email_key("a" * 1000)) == 300


def test_retry_after_counts_until_the_oldest_limiting_attempt_leaves_the_window() -> None:
    now = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    window = timedelta(minutes=15)
    times = [now - timedelta(minutes=m) for m in (1, 2, 10, 14)]
    assert retry_after_seconds(times, 5, window, now) == 0
    assert retry_after_seconds(times, 4, window, now) == 60  # the 14-minute-old one
    assert retry_after_seconds(times, 3, window, now) == 5 * 60  # then the 10-minute-old one
