"""Fraud screening: scores a new order 0-100 with a level and facts for staff.

Pure rules: ``signals.py`` (what they look at) and ``risk.py`` (the rules and the
assessment). Wiring: ``screening.py`` (signals from our tables, inside the placing
transaction; MEDIUM → on hold in review, HIGH → canceled after commit), ``review.py`` (staff
approve/reject), ``blocklist.py`` (normalised entries) and ``queries.py`` (reads).
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
