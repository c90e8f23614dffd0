"""Order risk rules (commerce.fraud): one test per rule, then levels, clamping and facts."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from commerce.fraud import (
    BlocklistKind,
    CheckResult,
    Fact,
    OrderSignals,
    RiskLevel,
    RiskSettings,
    Sentiment,
    StripeRiskLevel,
    StripeSignals,
    Velocity,
    assess,
    risk,
)
from commerce.fraud.signals import domain_and_parents, email_domain, is_disposable_domain

# A clean first order: normal domain, same countries, an ordinary total, nothing recent.
CLEAN = OrderSignals(
    email="ana@example.com",
    order_total=5_000,
    first_order=True,
    average_order_value=4_000,
    billing_country="US",
    shipping_country="US",
)


def negative_facts(signals: OrderSignals) -> list[str]:
    return [f.description for f in assess(signals).facts if f.sentiment is Sentiment.NEGATIVE]


def test_a_clean_first_order_from_a_normal_domain_is_low_with_a_positive_fact() -> None:
    result = assess(CLEAN)
    assert result.score == 0
    assert result.level is RiskLevel.LOW
    assert result.facts == (
        Fact("Billing country matches shipping country (US)", Sentiment.POSITIVE),
    )


# --- one test per rule ------------------------------------------------------------------


@pytest.mark.parametrize(("field", "weight", "subject"), [
    ("by_email", risk.WEIGHT_EMAIL_VELOCITY, "this e-mail address"),
    ("by_client_address", risk.WEIGHT_CLIENT_ADDRESS_VELOCITY, "this client IP address"),
    ("by_card", risk.WEIGHT_CARD_VELOCITY, "this card"),
    ("by_shipping_address", risk.WEIGHT_SHIPPING_ADDRESS_VELOCITY, "this shipping address"),
])
def test_a_burst_of_orders_within_the_hour_for_one_key_adds_its_weight(
        field: str, weight: int, subject: str) -> None:
    changes: dict[str, Any] = {field: Velocity(orders_last_hour=3, orders_last_day=3)}
    signals = replace(CLEAN, **changes)
    result = assess(signals)
    assert result.score == weight
    assert negative_facts(signals) == [
        f"3 other orders and 0 payment attempts from {subject} in the last hour"]


@pytest.mark.parametrize(("field", "weight"), [
    ("by_email", risk.WEIGHT_EMAIL_VELOCITY),
    ("by_client_address", risk.WEIGHT_CLIENT_ADDRESS_VELOCITY),
    ("by_card", risk.WEIGHT_CARD_VELOCITY),
    ("by_shipping_address", risk.WEIGHT_SHIPPING_ADDRESS_VELOCITY),
])
def test_many_payment_attempts_over_the_day_add_half_the_weight(field: str, weight: int) -> None:
    changes: dict[str, Any] = {field: Velocity(payment_attempts_last_day=11)}
    signals = replace(CLEAN, **changes)
    assert assess(signals).score == weight // 2
    assert "11 payment attempts" in negative_facts(signals)[0]


def test_activity_at_the_limits_is_not_a_burst() -> None:
    at_limit = Velocity(orders_last_hour=risk.HOURLY_ORDER_LIMIT,
                        orders_last_day=risk.DAILY_ORDER_LIMIT,
                        payment_attempts_last_hour=risk.HOURLY_ATTEMPT_LIMIT,
                        payment_attempts_last_day=risk.DAILY_ATTEMPT_LIMIT)
    signals = replace(CLEAN, by_email=at_limit, by_client_address=at_limit, by_card=at_limit,
                      by_shipping_address=at_limit)
    assert assess(signals).score == 0


@pytest.mark.parametrize(("attempts", "points"), [(1, 10), (2, 20), (3, 30), (7, 30)])
def test_failed_payment_attempts_add_points_each_up_to_a_cap(attempts: int, points: int) -> None:
    signals = replace(CLEAN, failed_payment_attempts=attempts)
    assert assess(signals).score == points
    plural = "s" if attempts != 1 else ""
    assert negative_facts(signals) == [
        f"{attempts} failed payment attempt{plural} before this order"]


def test_billing_and_shipping_in_different_countries_is_negative() -> None:
    signals = replace(CLEAN, billing_country="us", shipping_country="NG")
    result = assess(signals)
    assert result.score == risk.WEIGHT_COUNTRY_MISMATCH
    assert result.facts == (
        Fact("Billing country (US) differs from shipping country (NG)", Sentiment.NEGATIVE),)


def test_an_unknown_billing_country_says_nothing() -> None:
    assert assess(replace(CLEAN, billing_country=None)).facts == ()


def test_a_first_order_far_above_the_average_order_value_is_negative() -> None:
    signals = replace(CLEAN, order_total=12_000)  # 3 x the 4,000 average
    assert assess(signals).score == risk.WEIGHT_FIRST_ORDER_FAR_ABOVE_AVERAGE
    assert negative_facts(signals) == [
        "First order from this customer, 3.0 times the shop's average order value"]
    assert assess(replace(signals, order_total=11_999)).score == 0


def test_the_average_order_multiple_is_a_setting() -> None:
    signals = replace(CLEAN, order_total=8_000)
    assert assess(signals, RiskSettings(average_order_multiple=2)).score == 20
    assert assess(signals).score == 0


def test_a_large_order_from_a_returning_customer_is_not_held_against_them() -> None:
    result = assess(replace(CLEAN, order_total=100_000, first_order=False))
    assert result.score == 0
    assert Fact("Returning customer with earlier orders", Sentiment.POSITIVE) in result.facts


def test_a_shop_without_history_has_no_average_to_compare_with() -> None:
    assert assess(replace(CLEAN, order_total=100_000, average_order_value=None)).score == 0


@pytest.mark.parametrize("email", [
    "x@mailinator.com", "x@MAILINATOR.com", "x@sub.mailinator.com", "x@yopmail.com.",
])
def test_a_disposable_email_domain_is_negative(email: str) -> None:
    signals = replace(CLEAN, email=email)
    assert assess(signals).score == risk.WEIGHT_DISPOSABLE_EMAIL
    assert "disposable-mail domain" in negative_facts(signals)[0]


@pytest.mark.parametrize("email", ["x@gmail.com", "x@mailinator.com.example.org", "x@com"])
def test_a_normal_domain_or_a_lookalike_is_not_disposable(email: str) -> None:
    assert assess(replace(CLEAN, email=email)).score == 0


@pytest.mark.parametrize("kind", list(BlocklistKind))
def test_any_blocklist_hit_scores_the_maximum_and_forces_high(kind: BlocklistKind) -> None:
    signals = replace(CLEAN, blocklist_hits=frozenset({kind}))
    result = assess(signals)
    assert (result.score, result.level) == (100, RiskLevel.HIGH)
    assert negative_facts(signals)[0].startswith("Blocklisted: ")


def test_a_blocklist_hit_forces_high_even_when_its_points_would_not_reach_it() -> None:
    # No rule can push the score past 100, but the level must not depend on that: with the
    # blocklist rule left out the hit alone still decides.
    rules = tuple(r for r in risk.RULES if r is not risk.blocklisted)
    signals = replace(CLEAN, blocklist_hits=frozenset({BlocklistKind.EMAIL}))
    assert assess(signals, rules=rules).level is RiskLevel.HIGH


def test_the_blocklist_fact_names_every_kind_hit_in_a_fixed_order() -> None:
    signals = replace(CLEAN, blocklist_hits=frozenset(
        {BlocklistKind.CARD_FINGERPRINT, BlocklistKind.EMAIL}))
    assert negative_facts(signals) == ["Blocklisted: e-mail address, card"]


@pytest.mark.parametrize(("level", "score", "points", "sentiment"), [
    (StripeRiskLevel.ELEVATED, None, risk.WEIGHT_STRIPE_ELEVATED, Sentiment.NEGATIVE),
    (StripeRiskLevel.HIGHEST, None, risk.WEIGHT_STRIPE_HIGHEST, Sentiment.NEGATIVE),
    (StripeRiskLevel.ELEVATED, 72, 36, Sentiment.NEGATIVE),  # half the score when more
    (StripeRiskLevel.HIGHEST, 80, risk.WEIGHT_STRIPE_HIGHEST, Sentiment.NEGATIVE),
    (StripeRiskLevel.NORMAL, 12, 6, Sentiment.NEGATIVE),
    (StripeRiskLevel.NORMAL, None, 0, Sentiment.POSITIVE),
    (StripeRiskLevel.NOT_ASSESSED, None, 0, Sentiment.NEUTRAL),
])
def test_stripe_radar_risk(level: StripeRiskLevel, score: int | None, points: int,
                           sentiment: Sentiment) -> None:
    result = assess(replace(CLEAN, billing_country=None,
                            stripe=StripeSignals(risk_level=level, risk_score=score)))
    assert result.score == points
    expected = f"Stripe rates the payment {level.value}" + (
        f" (risk score {score})" if score is not None else "")
    assert result.facts == (Fact(expected, sentiment),)


@pytest.mark.parametrize(("field", "what", "weight"), [
    ("cvc_check", "security code (CVC)", risk.WEIGHT_CVC_FAILED),
    ("postal_code_check", "postal code", risk.WEIGHT_POSTAL_CODE_FAILED),
])
def test_card_checks(field: str, what: str, weight: int) -> None:
    def run(result: CheckResult) -> tuple[int, tuple[Fact, ...]]:
        check: dict[str, Any] = {field: result}
        a = assess(replace(CLEAN, billing_country=None, stripe=StripeSignals(**check)))
        return a.score, a.facts

    assert run(CheckResult.FAIL) == (weight, (Fact(f"Card {what} check failed",
                                                   Sentiment.NEGATIVE),))
    assert run(CheckResult.PASS) == (0, (Fact(f"Card {what} check passed",
                                              Sentiment.POSITIVE),))
    assert run(CheckResult.UNAVAILABLE) == (0, (Fact(f"Card {what} check unavailable",
                                                     Sentiment.NEUTRAL),))


def test_every_rule_is_in_play() -> None:
    # The per-rule tests above go through assess(); this names the set they cover.
    assert {r.__name__ for r in risk.RULES} == {
        "blocklisted", "email_velocity", "client_address_velocity", "card_velocity",
        "shipping_address_velocity", "failed_payments", "billing_vs_shipping_country",
        "first_order_far_above_average", "disposable_email", "stripe_risk", "cvc_check",
        "postal_code_check"}


# --- levels, clamping, facts ------------------------------------------------------------


@pytest.mark.parametrize(("attempts", "country", "level"), [
    (3, "US", RiskLevel.LOW),       # 30
    (1, "CA", RiskLevel.LOW),       # 25
    (3, "CA", RiskLevel.MEDIUM),    # 45
])
def test_levels_follow_the_default_thresholds(attempts: int, country: str,
                                              level: RiskLevel) -> None:
    signals = replace(CLEAN, failed_payment_attempts=attempts, shipping_country=country)
    assert assess(signals).level is level


@pytest.mark.parametrize(("score", "level"), [
    (0, RiskLevel.LOW), (39, RiskLevel.LOW), (40, RiskLevel.MEDIUM), (74, RiskLevel.MEDIUM),
    (75, RiskLevel.HIGH), (100, RiskLevel.HIGH),
])
def test_level_thresholds_are_inclusive(score: int, level: RiskLevel) -> None:
    assert risk.level_for(score, RiskSettings()) is level


def test_thresholds_are_settings() -> None:
    signals = replace(CLEAN, failed_payment_attempts=2)  # 20
    assert assess(signals, RiskSettings(medium_threshold=20, high_threshold=90)).level \
        is RiskLevel.MEDIUM
    assert assess(signals, RiskSettings(medium_threshold=10, high_threshold=20)).level \
        is RiskLevel.HIGH


@pytest.mark.parametrize(("medium", "high"), [(0, 75), (80, 75), (40, 101), (-1, 50)])
def test_thresholds_out_of_order_or_range_are_refused(medium: int, high: int) -> None:
    with pytest.raises(ValueError, match="thresholds"):
        RiskSettings(medium_threshold=medium, high_threshold=high)


def test_the_score_is_clamped_to_100() -> None:
    burst = Velocity(orders_last_hour=9)
    signals = replace(CLEAN, email="x@mailinator.com", by_email=burst, by_client_address=burst,
                      by_card=burst, failed_payment_attempts=5, shipping_country="NG",
                      stripe=StripeSignals(risk_level=StripeRiskLevel.HIGHEST,
                                           cvc_check=CheckResult.FAIL))
    raw = sum(f.points for rule in risk.RULES if (f := rule(signals, RiskSettings())))
    assert raw > 100
    result = assess(signals)
    assert (result.score, result.level) == (100, RiskLevel.HIGH)


def test_facts_list_negative_then_neutral_then_positive() -> None:
    signals = replace(CLEAN, first_order=False, failed_payment_attempts=1,
                      stripe=StripeSignals(risk_level=StripeRiskLevel.UNKNOWN,
                                           cvc_check=CheckResult.PASS))
    sentiments = [f.sentiment for f in assess(signals).facts]
    assert sentiments == [Sentiment.NEGATIVE, Sentiment.NEUTRAL, Sentiment.POSITIVE,
                          Sentiment.POSITIVE, Sentiment.POSITIVE]


# --- helpers ----------------------------------------------------------------------------


def test_email_domain_is_lower_cased_without_a_trailing_dot() -> None:
    assert email_domain(" Ana@Sub.Example.COM. ") == "sub.example.com"


def test_a_domain_and_its_parents_stop_before_the_bare_tld() -> None:
    assert domain_and_parents("a.b.example.com") == ["a.b.example.com", "b.example.com",
                                                     "example.com"]
    assert domain_and_parents("example.com") == ["example.com"]


def test_disposable_domains_come_from_the_maintained_list() -> None:
    from disposable_email_domains import blocklist

    assert len(blocklist) > 1000  # the package's list, not a hand-kept one
    assert is_disposable_domain("mailinator.com")
    assert is_disposable_domain("x.mailinator.com")
    assert not is_disposable_domain("example.com")
