"""What the fraud rules look at: the signals of one new order, computed by the caller (pure).

The wiring (next step) fills :class:`OrderSignals` from our own tables — orders and payment
attempts counted per e-mail, client address, card fingerprint and shipping address, the
shop's average order value, blocklist entries — and, when Stripe is on, from the charge's
``outcome`` and card ``checks``. Nothing here reads a database or the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from disposable_email_domains import blocklist as _disposable_domains


class BlocklistKind(StrEnum):
    """What a staff-kept blocklist entry matches."""

    EMAIL = "EMAIL"
    DOMAIN = "DOMAIN"
    CLIENT_ADDRESS = "CLIENT_ADDRESS"
    CARD_FINGERPRINT = "CARD_FINGERPRINT"


class StripeRiskLevel(StrEnum):
    """Stripe Radar's ``charge.outcome.risk_level``."""

    NORMAL = "normal"
    ELEVATED = "elevated"
    HIGHEST = "highest"
    NOT_ASSESSED = "not_assessed"
    UNKNOWN = "unknown"


class CheckResult(StrEnum):
    """Stripe's card ``checks`` values (``cvc_check``, ``address_postal_code_check``)."""

    PASS = "pass"
    FAIL = "fail"
    UNAVAILABLE = "unavailable"
    UNCHECKED = "unchecked"


@dataclass(frozen=True, slots=True)
class Velocity:
    """Recent activity for one key (an e-mail, a client address, a card, an address).

    Counts are of *other* orders and payment attempts, not including the order being assessed.
    """

    orders_last_hour: int = 0
    orders_last_day: int = 0
    payment_attempts_last_hour: int = 0
    payment_attempts_last_day: int = 0


@dataclass(frozen=True, slots=True)
class StripeSignals:
    """What Stripe said about the payment; every field is optional (Radar may not assess)."""

    risk_level: StripeRiskLevel | None = None
    risk_score: int | None = None  # 0-99, Radar for Fraud Teams only
    cvc_check: CheckResult | None = None
    postal_code_check: CheckResult | None = None


@dataclass(frozen=True, slots=True)
class OrderSignals:
    """Everything the rules need about one new order.

    Money is integer minor units of the shop currency. ``average_order_value`` is ``None``
    while the shop has no order history to compare with.
    """

    email: str
    order_total: int
    first_order: bool
    average_order_value: int | None = None
    billing_country: str | None = None
    shipping_country: str | None = None
    by_email: Velocity = Velocity()
    by_client_address: Velocity = Velocity()
    by_card: Velocity | None = None  # None when no card fingerprint is known
    by_shipping_address: Velocity = Velocity()
    failed_payment_attempts: int = 0  # declined attempts for this checkout / e-mail today
    blocklist_hits: frozenset[BlocklistKind] = frozenset()
    stripe: StripeSignals | None = None


def email_domain(email: str) -> str:
    """The domain of an e-mail address, lower-cased, without a trailing dot."""
    _, _, domain = email.strip().rpartition("@")
    return domain.lower().rstrip(".")


def domain_and_parents(domain: str) -> list[str]:
    """``a.b.example.com`` → itself and each parent down to two labels (never a bare TLD).

    The blocklist wiring matches DOMAIN entries against these too, so blocking a domain
    blocks its subdomains.
    """
    labels = domain.lower().rstrip(".").split(".")
    return [".".join(labels[i:]) for i in range(max(len(labels) - 1, 1))]


def is_disposable_domain(domain: str) -> bool:
    """Whether the domain, or a parent of it, is on the maintained disposable-mail list.

    ``x.mailinator.com`` counts as mailinator: throwaway services hand out subdomains.
    """
    return any(d in _disposable_domains for d in domain_and_parents(domain))
