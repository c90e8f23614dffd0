"""The staff-kept blocklist: values normalised on the way in, so screening matches exactly.

- EMAIL: an e-mail address (the sign-up syntax rule), lower-cased.
- DOMAIN: an e-mail domain such as ``example.com`` (a leading ``@`` or ``*.`` is dropped),
  lower-cased, IDNA-encoded; it blocks its subdomains too (screening matches the parents of
  the buyer's domain). A bare top-level domain is refused.
- CLIENT_ADDRESS: one IPv4 or IPv6 address, written as ``ipaddress`` prints it. Networks
  (CIDR) are not supported: screening looks entries up by exact value on the unique index.
- CARD_FINGERPRINT: Stripe's card fingerprint, letters and digits, case kept.

A value already listed for its kind is a DUPLICATE (the UNIQUE (kind, value) key decides,
also between concurrent requests).
"""

from __future__ import annotations

import ipaddress
import re

from sqlalchemy import delete

from commerce.accounts.rules import check_email
from commerce.db.database import Database
from commerce.db.models import BlocklistEntry
from commerce.db.upsert import insert_for
from commerce.fraud.signals import BlocklistKind
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError, Problems

MAX_NOTE = 500
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_FINGERPRINT = re.compile(r"[A-Za-z0-9]{1,64}")
_VALUE = ["value"]


def _invalid(message: str) -> DomainError:
    return DomainError.one(ErrorCode.INVALID, message, _VALUE)


def _domain(raw: str) -> str:
    text = raw.strip().lower().removeprefix("@").removeprefix("*.").rstrip(".")
    try:
        ascii_domain = text.encode("idna").decode("ascii")
    except UnicodeError:
        raise _invalid("enter a domain such as example.com") from None
    labels = ascii_domain.split(".")
    if (len(ascii_domain) > 253 or len(labels) < 2
            or not all(_LABEL.fullmatch(label) for label in labels)
            or labels[-1].isdigit()):
        raise _invalid("enter a domain such as example.com (not a bare top-level domain)")
    return ascii_domain


def normalise(kind: BlocklistKind, raw: str) -> str:
    """The value as stored and matched, or DomainError(INVALID, field ``value``)."""
    if not raw.strip():
        raise DomainError.one(ErrorCode.REQUIRED, "give a value to block", _VALUE)
    if kind is BlocklistKind.EMAIL:
        problems = Problems()
        email = check_email(problems, raw, _VALUE)
        problems.raise_if_any()
        return email
    if kind is BlocklistKind.DOMAIN:
        return _domain(raw)
    if kind is BlocklistKind.CLIENT_ADDRESS:
        try:
            return str(ipaddress.ip_address(raw.strip()))
        except ValueError:
            raise _invalid("enter one IPv4 or IPv6 address (networks are not supported)"
                           ) from None
    if not _FINGERPRINT.fullmatch(raw.strip()):
        raise _invalid("a card fingerprint is 1-64 letters and digits")
    return raw.strip()


async def add_entry(db: Database, kind: BlocklistKind, value: str, *, note: str = "",
                    actor_id: int | None) -> int:
    """List a value; returns the entry's id. DUPLICATE when it is already listed."""
    normal = normalise(kind, value)
    text = note.strip()
    if len(text) > MAX_NOTE:
        raise DomainError.one(ErrorCode.INVALID, f"at most {MAX_NOTE} characters", ["note"])
    async with db.transaction() as session:
        row = (await session.execute(
            insert_for(session, BlocklistEntry)
            .values(kind=kind.value, value=normal, note=text, created_by_id=actor_id)
            .on_conflict_do_nothing(index_elements=["kind", "value"])
            .returning(BlocklistEntry.id))).first()
    if row is None:
        raise DomainError.one(ErrorCode.DUPLICATE,
                              f"{normal} is already on the blocklist as {kind.value}", _VALUE)
    return int(row[0])


async def remove_entry(db: Database, entry_id: int) -> None:
    async with db.transaction() as session:
        gone = (await session.execute(delete(BlocklistEntry).where(
            BlocklistEntry.id == entry_id).returning(BlocklistEntry.id))).first()
    if gone is None:
        raise DomainError.one(ErrorCode.NOT_FOUND, "no such blocklist entry", ["id"])
