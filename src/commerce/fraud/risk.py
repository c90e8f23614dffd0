"""Order risk scoring: rules over :class:`OrderSignals` → a score, a level and facts (pure).

Each rule is a small function returning the points it adds (its documented weight) and a
fact for staff, or ``None`` when it has nothing to say. The score is the clamped sum of the
points (0-100); the level comes from thresholds in :class:`RiskSettings`; a blocklist hit
forces HIGH whatever the thresholds. Facts are for staff only — never show them to the
shopper (they would tell a fraudster what to change).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from commerce.fraud.signals import (
    BlocklistKind,
    CheckResult,
    OrderSignals,
    StripeRiskLevel,
    Velocity,
    email_domain,
    is_disposable_domain,
)

MAX_SCORE = 100

# Weights (points added to the score). A burst within the hour weighs the full amount, a
# busy day half of it.
WEIGHT_EMAIL_VELOCITY = 20
WEIGHT_CLIENT_ADDRESS_VELOCITY = 20
WEIGHT_CARD_VELOCITY = 25  # one card across many orders is the classic card-testing shape
WEIGHT_SHIPPING_ADDRESS_VELOCITY = 15  # households and offices legitimately repeat
WEIGHT_FAILED_PAYMENTS = 10  # per failed attempt, up to WEIGHT_FAILED_PAYMENTS_MAX
WEIGHT_FAILED_PAYMENTS_MAX = 30
WEIGHT_COUNTRY_MISMATCH = 15
WEIGHT_FIRST_ORDER_FAR_ABOVE_AVERAGE = 20
WEIGHT_DISPOSABLE_EMAIL = 25
WEIGHT_STRIPE_ELEVATED = 25
WEIGHT_STRIPE_HIGHEST = 50
WEIGHT_CVC_FAILED = 30
WEIGHT_POSTAL_CODE_FAILED = 15
WEIGHT_BLOCKLIST = MAX_SCORE

# Velocity limits: more *other* orders / payment attempts than this for one key is a burst.
HOURLY_ORDER_LIMIT = 2
DAILY_ORDER_LIMIT = 5
HOURLY_ATTEMPT_LIMIT = 4
DAILY_ATTEMPT_LIMIT = 10


class RiskLevel(StrEnum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"


class Sentiment(StrEnum):
    POSITIVE = "POSITIVE"
    NEUTRAL = "NEUTRAL"
    NEGATIVE = "NEGATIVE"


@dataclass(frozen=True, slots=True)
class RiskSettings:
    """Where the levels start, and what counts as "far above" the average order."""

    medium_threshold: int = 40
    high_threshold: int = 75
    average_order_multiple: int = 3  # a first order >= this times the average stands out

    def __post_init__(self) -> None:
        if not 0 < self.medium_threshold <= self.high_threshold <= MAX_SCORE:
            raise ValueError("risk thresholds need 0 < medium <= high <= 100")
        if self.average_order_multiple < 1:
            raise ValueError("average_order_multiple must be at least 1")


@dataclass(frozen=True, slots=True)
class Fact:
    """One human-readable reason, for staff (Shopify's risk fact)."""

    description: str
    sentiment: Sentiment


@dataclass(frozen=True, slots=True)
class Finding:
    points: int
    fact: Fact


@dataclass(frozen=True, slots=True)
class RiskAssessment:
    score: int
    level: RiskLevel
    facts: tuple[Fact, ...]


Rule = Callable[[OrderSignals, RiskSettings], Finding | None]


def _negative(points: int, description: str) -> Finding:
    return Finding(points, Fact(description, Sentiment.NEGATIVE))


def _positive(description: str) -> Finding:
    return Finding(0, Fact(description, Sentiment.POSITIVE))


def _neutral(description: str) -> Finding:
    return Finding(0, Fact(description, Sentiment.NEUTRAL))


def _velocity(v: Velocity, weight: int, subject: str) -> Finding | None:
    """Full weight for a burst within the hour, half for a busy day."""
    if (v.orders_last_hour > HOURLY_ORDER_LIMIT
            or v.payment_attempts_last_hour > HOURLY_ATTEMPT_LIMIT):
        return _negative(weight, f"{v.orders_last_hour} other orders and"
                                 f" {v.payment_attempts_last_hour} payment attempts from"
                                 f" {subject} in the last hour")
    if (v.orders_last_day > DAILY_ORDER_LIMIT
            or v.payment_attempts_last_day > DAILY_ATTEMPT_LIMIT):
        return _negative(weight // 2, f"{v.orders_last_day} other orders and"
                                      f" {v.payment_attempts_last_day} payment attempts from"
                                      f" {subject} in the last day")
    return None


def email_velocity(s: OrderSignals, _: RiskSettings) -> Finding | None:
    """Many orders/attempts for one e-mail: WEIGHT_EMAIL_VELOCITY (half over a day)."""
    return _velocity(s.by_email, WEIGHT_EMAIL_VELOCITY, "this e-mail address")


def client_address_velocity(s: OrderSignals, _: RiskSettings) -> Finding | None:
    """Many orders/attempts from one client IP: WEIGHT_CLIENT_ADDRESS_VELOCITY."""
    return _velocity(s.by_client_address, WEIGHT_CLIENT_ADDRESS_VELOCITY,
                     "this client IP address")


def card_velocity(s: OrderSignals, _: RiskSettings) -> Finding | None:
    """Many orders/attempts with one card fingerprint: WEIGHT_CARD_VELOCITY."""
    if s.by_card is None:
        return None
    return _velocity(s.by_card, WEIGHT_CARD_VELOCITY, "this card")


def shipping_address_velocity(s: OrderSignals, _: RiskSettings) -> Finding | None:
    """Many orders/attempts to one shipping address: WEIGHT_SHIPPING_ADDRESS_VELOCITY."""
    return _velocity(s.by_shipping_address, WEIGHT_SHIPPING_ADDRESS_VELOCITY,
                     "this shipping address")


def failed_payments(s: OrderSignals, _: RiskSettings) -> Finding | None:
    """WEIGHT_FAILED_PAYMENTS per declined attempt, at most WEIGHT_FAILED_PAYMENTS_MAX."""
    n = s.failed_payment_attempts
    if n <= 0:
        return None
    points = min(n * WEIGHT_FAILED_PAYMENTS, WEIGHT_FAILED_PAYMENTS_MAX)
    return _negative(points, f"{n} failed payment attempt{'s' if n != 1 else ''} before this order")


def billing_vs_shipping_country(s: OrderSignals, _: RiskSettings) -> Finding | None:
    """Different countries: WEIGHT_COUNTRY_MISMATCH; the same: a positive fact."""
    if not s.billing_country or not s.shipping_country:
        return None
    billing, shipping = s.billing_country.upper(), s.shipping_country.upper()
    if billing != shipping:
        return _negative(WEIGHT_COUNTRY_MISMATCH,
                         f"Billing country ({billing}) differs from shipping country ({shipping})")
    return _positive(f"Billing country matches shipping country ({shipping})")


def first_order_far_above_average(s: OrderSignals, settings: RiskSettings) -> Finding | None:
    """A first order >= average_order_multiple times the shop's average order value:
    WEIGHT_FIRST_ORDER_FAR_ABOVE_AVERAGE. A returning customer is a positive fact."""
    if not s.first_order:
        return _positive("Returning customer with earlier orders")
    average = s.average_order_value
    if average is None or average <= 0:
        return None
    if s.order_total >= settings.average_order_multiple * average:
        ratio = s.order_total / average
        return _negative(WEIGHT_FIRST_ORDER_FAR_ABOVE_AVERAGE,
                         f"First order from this customer, {ratio:.1f} times the shop's average"
                         " order value")
    return None


def disposable_email(s: OrderSignals, _: RiskSettings) -> Finding | None:
    """An e-mail at a throwaway-mail provider: WEIGHT_DISPOSABLE_EMAIL."""
    domain = email_domain(s.email)
    if domain and is_disposable_domain(domain):
        return _negative(WEIGHT_DISPOSABLE_EMAIL,
                         f"E-mail address uses a disposable-mail domain ({domain})")
    return None


_BLOCKLIST_NAMES = {
    BlocklistKind.EMAIL: "e-mail address",
    BlocklistKind.DOMAIN: "e-mail domain",
    BlocklistKind.CLIENT_ADDRESS: "client IP address",
    BlocklistKind.CARD_FINGERPRINT: "card",
}


def blocklisted(s: OrderSignals, _: RiskSettings) -> Finding | None:
    """Any blocklist hit: WEIGHT_BLOCKLIST (and :func:`assess` forces HIGH)."""
    if not s.blocklist_hits:
        return None
    names = ", ".join(_BLOCKLIST_NAMES[k] for k in BlocklistKind if k in s.blocklist_hits)
    return _negative(WEIGHT_BLOCKLIST, f"Blocklisted: {names}")


def stripe_risk(s: OrderSignals, _: RiskSettings) -> Finding | None:
    """Stripe Radar's verdict: elevated WEIGHT_STRIPE_ELEVATED, highest WEIGHT_STRIPE_HIGHEST;
    a risk score adds half of itself when that is more. Normal is a positive fact."""
    if s.stripe is None:
        return None
    level, score = s.stripe.risk_level, s.stripe.risk_score
    points = {StripeRiskLevel.ELEVATED: WEIGHT_STRIPE_ELEVATED,
              StripeRiskLevel.HIGHEST: WEIGHT_STRIPE_HIGHEST}.get(level, 0) if level else 0
    if score is not None:
        points = max(points, score // 2)
    described = f"Stripe rates the payment {level or 'unrated'}" + (
        f" (risk score {score})" if score is not None else "")
    if points > 0:
        return _negative(points, described)
    if level is StripeRiskLevel.NORMAL:
        return _positive(described)
    if level is not None or score is not None:
        return _neutral(described)
    return None


def _card_check(result: CheckResult | None, weight: int, what: str) -> Finding | None:
    if result is CheckResult.FAIL:
        return _negative(weight, f"Card {what} check failed")
    if result is CheckResult.PASS:
        return _positive(f"Card {what} check passed")
    if result is not None:
        return _neutral(f"Card {what} check {result.value}")
    return None


def cvc_check(s: OrderSignals, _: RiskSettings) -> Finding | None:
    """The card's security code did not match: WEIGHT_CVC_FAILED; passed: a positive fact."""
    return _card_check(s.stripe.cvc_check if s.stripe else None, WEIGHT_CVC_FAILED,
                       "security code (CVC)")


def postal_code_check(s: OrderSignals, _: RiskSettings) -> Finding | None:
    """The billing postal code did not match: WEIGHT_POSTAL_CODE_FAILED."""
    return _card_check(s.stripe.postal_code_check if s.stripe else None,
                       WEIGHT_POSTAL_CODE_FAILED, "postal code")


RULES: tuple[Rule, ...] = (
    blocklisted,
    email_velocity,
    client_address_velocity,
    card_velocity,
    shipping_address_velocity,
    failed_payments,
    billing_vs_shipping_country,
    first_order_far_above_average,
    disposable_email,
    stripe_risk,
    cvc_check,
    postal_code_check,
)


def level_for(score: int, settings: RiskSettings) -> RiskLevel:
    if score >= settings.high_threshold:
        return RiskLevel.HIGH
    if score >= settings.medium_threshold:
        return RiskLevel.MEDIUM
    return RiskLevel.LOW


def assess(signals: OrderSignals, settings: RiskSettings | None = None,
           rules: Sequence[Rule] = RULES) -> RiskAssessment:
    """Score one new order. Negative facts come first, then neutral, then positive."""
    settings = settings or RiskSettings()
    findings = [f for rule in rules if (f := rule(signals, settings)) is not None]
    score = max(0, min(MAX_SCORE, sum(f.points for f in findings)))
    level = level_for(score, settings)
    if signals.blocklist_hits:
        level = RiskLevel.HIGH  # whatever the thresholds say
    order = {Sentiment.NEGATIVE: 0, Sentiment.NEUTRAL: 1, Sentiment.POSITIVE: 2}
    facts = tuple(f.fact for f in sorted(findings, key=lambda f: order[f.fact.sentiment]))
    return RiskAssessment(score=score, level=level, facts=facts)
