"""Fraud types: an order's risk assessment (staff only) and blocklist entries."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry

from commerce.api.graphql.accounts.types import User
from commerce.api.graphql.context import Info
from commerce.api.graphql.descriptions import describe_values
from commerce.fraud.risk import RiskLevel, Sentiment
from commerce.fraud.signals import BlocklistKind
from commerce.shared.ids import encode_id

strawberry.enum(RiskLevel, name="RiskLevel", description="How risky an order looks.")
describe_values(RiskLevel, {
    RiskLevel.LOW: "Below `COMMERCE_RISK_MEDIUM_SCORE`: the order went through.",
    RiskLevel.MEDIUM: "From `COMMERCE_RISK_MEDIUM_SCORE`: held (ON_HOLD) in the review queue "
                      "until staff approve or reject it.",
    RiskLevel.HIGH: "From `COMMERCE_RISK_HIGH_SCORE`, or any blocklist hit: canceled "
                    "automatically, stock released and payment returned.",
})
strawberry.enum(Sentiment, name="RiskFactSentiment",
                description="Whether a fact speaks for or against the order.")
describe_values(Sentiment, {
    Sentiment.POSITIVE: "Speaks for the order (e.g. a returning customer).",
    Sentiment.NEUTRAL: "Informational (e.g. a card check that was unavailable).",
    Sentiment.NEGATIVE: "Speaks against the order; it added to the score.",
})
strawberry.enum(BlocklistKind, name="BlocklistKind", description="What a blocklist entry "
                                                                 "matches.")
describe_values(BlocklistKind, {
    BlocklistKind.EMAIL: "The buyer's e-mail address (any case).",
    BlocklistKind.DOMAIN: "The e-mail address's domain, and its subdomains.",
    BlocklistKind.CLIENT_ADDRESS: "The IP address the order was placed from (one address).",
    BlocklistKind.CARD_FINGERPRINT: "A card, by the processor's card fingerprint.",
})


@strawberry.enum(description="Where an order's risk assessment stands.")
class OrderRiskStatus(Enum):
    ACCEPTED = "ACCEPTED"
    IN_REVIEW = "IN_REVIEW"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    CANCELED = "CANCELED"


describe_values(OrderRiskStatus, {
    OrderRiskStatus.ACCEPTED: "Low risk: the order went through without review.",
    OrderRiskStatus.IN_REVIEW: "Medium risk: the order is ON_HOLD in `fraudReviewQueue`.",
    OrderRiskStatus.APPROVED: "Staff approved it (`orderRiskApprove`); the order went back "
                              "to OPEN.",
    OrderRiskStatus.REJECTED: "Staff rejected it (`orderRiskReject`); the order was canceled.",
    OrderRiskStatus.CANCELED: "High risk: the order was canceled automatically.",
})


@strawberry.type(description="One reason behind a risk score, for staff.")
class RiskFact:
    description: str = strawberry.field(description="What was seen, in plain words.")
    sentiment: Sentiment = strawberry.field(description="For or against the order.")


@strawberry.type(description="The fraud screening of an order when it was placed, and the "
                             "staff decision on it. Staff only.")
class OrderRisk:
    score: int = strawberry.field(description="0 (no risk seen) to 100.")
    level: RiskLevel = strawberry.field(description="LOW, MEDIUM or HIGH (see RiskLevel).")
    facts: list[RiskFact] = strawberry.field(
        description="Why: negative facts first, then neutral, then positive.")
    status: OrderRiskStatus = strawberry.field(description="Where the assessment stands.")
    decided_at: datetime | None = strawberry.field(
        description="When staff approved or rejected it (UTC); null until then.")
    note: str = strawberry.field(description="The deciding staff member's note; may be empty.")
    created_at: datetime = strawberry.field(description="When the order was screened (UTC).")
    decided_by_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: Any) -> OrderRisk:
        return cls(score=row.score, level=RiskLevel(row.level),
                   facts=[RiskFact(description=str(f.get("description", "")),
                                   sentiment=Sentiment(f.get("sentiment", "NEUTRAL")))
                          for f in row.facts or []],
                   status=OrderRiskStatus(row.status), decided_at=row.decided_at,
                   note=row.note, created_at=row.created_at, decided_by_id=row.decided_by_id)

    @strawberry.field(description="Who approved or rejected it; null until then, or once "
                                  "that account is gone.")
    async def decided_by(self, info: Info) -> User | None:
        if self.decided_by_id is None:
            return None
        return await info.context.loaders.user_by_id.load(self.decided_by_id)


@strawberry.type(description="A value that makes any new order matching it HIGH risk.")
class BlocklistEntry:
    id: strawberry.ID = strawberry.field(description="Opaque ID of the entry.")
    kind: BlocklistKind = strawberry.field(description="What it matches.")
    value: str = strawberry.field(description="The normalised value (e-mails and domains "
                                              "lower-case, addresses as canonical text).")
    note: str = strawberry.field(description="Why it was listed; may be empty.")
    created_at: datetime = strawberry.field(description="When it was listed (UTC).")
    created_by_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: Any) -> BlocklistEntry:
        return cls(id=strawberry.ID(encode_id("BlocklistEntry", row.id)),
                   kind=BlocklistKind(row.kind), value=row.value, note=row.note,
                   created_at=row.created_at, created_by_id=row.created_by_id)

    @strawberry.field(description="Who listed it; null once that account is gone.")
    async def created_by(self, info: Info) -> User | None:
        if self.created_by_id is None:
            return None
        return await info.context.loaders.user_by_id.load(self.created_by_id)
