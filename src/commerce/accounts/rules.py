"""Account rules with no I/O: e-mail and name checks, password length, staff grants."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from commerce.accounts.passwords import MIN_PASSWORD_LENGTH
from commerce.accounts.permissions import Permission
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import Problems

MAX_EMAIL_LENGTH = 254
MAX_NAME_LENGTH = 128
# Argon2 accepts any length, but an unbounded input is free CPU work for an attacker.
MAX_PASSWORD_LENGTH = 256

# Deliberately simple: one @, no spaces, a dotted domain of letters, digits and hyphens.
# Deliverability is the mail server's business; this only catches typing mistakes.
_EMAIL = re.compile(
    r"[^@\s\"(),:;<>\[\\\]]{1,64}@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
)


def normalise_email(raw: str) -> str:
    return raw.strip().lower()


def check_email(problems: Problems, raw: str, field: Sequence[str]) -> str:
    """Return the normalised address; record a problem if it is not one."""
    email = normalise_email(raw)
    if not email:
        problems.add(ErrorCode.REQUIRED, "enter an e-mail address", field)
    elif len(email) > MAX_EMAIL_LENGTH or not _EMAIL.fullmatch(email):
        problems.add(ErrorCode.INVALID, "enter a valid e-mail address", field)
    return email


def check_name(problems: Problems, raw: str, field: Sequence[str]) -> str:
    name = " ".join(raw.split())
    if len(name) > MAX_NAME_LENGTH:
        problems.add(ErrorCode.INVALID, f"must be at most {MAX_NAME_LENGTH} characters", field)
    return name


def check_new_password(problems: Problems, password: str, field: Sequence[str]) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.add(ErrorCode.PASSWORD_TOO_SHORT,
                     f"use at least {MIN_PASSWORD_LENGTH} characters", field)
    elif len(password) > MAX_PASSWORD_LENGTH:
        problems.add(ErrorCode.INVALID,
                     f"use at most {MAX_PASSWORD_LENGTH} characters", field)


def parse_permissions(names: Iterable[str]) -> list[Permission]:
    """Permission names (any case) -> sorted unique list; ValueError names the unknown ones."""
    known = {p.value: p for p in Permission}
    wanted = {name.strip().upper() for name in names}
    unknown = sorted(wanted - known.keys())
    if unknown:
        raise ValueError(f"unknown permission(s) {', '.join(unknown)}; "
                         f"choose from {', '.join(sorted(known))}")
    return sorted(known[name] for name in wanted)


def grant_problems(*, actor_superuser: bool, actor_permissions: frozenset[Permission],
                   target_superuser: bool, target_permissions: frozenset[Permission],
                   new_superuser: bool, new_permissions: frozenset[Permission]) -> Problems:
    """What a staff member may not do when creating or changing another staff account.

    A superuser may do anything. Anyone else may only touch accounts whose powers are a
    subset of their own (else changing that account's password would be an escalation), and
    may only add or remove permissions they hold themselves, never superuser status.
    """
    problems = Problems()
    if actor_superuser:
        return problems
    if target_superuser or not target_permissions <= actor_permissions:
        problems.add(ErrorCode.OUT_OF_SCOPE_USER,
                     "only a superuser can change an account with permissions you lack")
        return problems
    if new_superuser:
        problems.add(ErrorCode.OUT_OF_SCOPE_PERMISSION,
                     "only a superuser can grant superuser status", ["isSuperuser"])
    changed = new_permissions ^ target_permissions
    outside = sorted(p.value for p in changed - actor_permissions)
    if outside:
        problems.add(ErrorCode.OUT_OF_SCOPE_PERMISSION,
                     f"you cannot grant or remove permissions you lack: {', '.join(outside)}",
                     ["permissions"])
    return problems
