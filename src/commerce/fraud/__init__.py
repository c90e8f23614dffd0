"""Fraud screening: scores a new order 0-100 with a level and facts for staff.

So far the pure rules only (``signals.py``: what they look at; ``risk.py``: the rules and
the assessment). Next comes the wiring: computing the signals from orders and payments,
``Order.risk``, the review queue (MEDIUM → on hold, HIGH → canceled) and the blocklist.
"""

from commerce.fraud.risk import (
    Fact,
    RiskAssessment,
    RiskLevel,
    RiskSettings,
    Sentiment,
    assess,
)
from commerce.fraud.signals import (
    BlocklistKind,
    CheckResult,
    OrderSignals,
    StripeRiskLevel,
    StripeSignals,
    Velocity,
)

__all__ = [
    "BlocklistKind",
    "CheckResult",
    "Fact",
    "OrderSignals",
    "RiskAssessment",
    "RiskLevel",
    "RiskSettings",
    "Sentiment",
    "StripeRiskLevel",
    "StripeSignals",
    "Velocity",
    "assess",
]
