"""Discount codes as staff see them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from commerce.api.graphql.context import Info
from commerce.api.graphql.money import Money
from commerce.api.graphql.node import Node
from commerce.api.graphql.scalars import Decimal
from commerce.cart.pricing import DiscountKind
from commerce.shared.clock import utcnow
from commerce.shared.ids import encode_id
from commerce.shared.percent import format_percent


@strawberry.type(description="A code shoppers enter for a discount. Staff only.")
class DiscountCode(Node):
    id: strawberry.ID
    code: str = strawberry.field(description="Upper-case; shoppers may type any case.")
    kind: DiscountKind = strawberry.field(description="What the code takes off.")
    percentage: Decimal | None = strawberry.field(
        description="PERCENTAGE codes: percent off, e.g. \"10\" or \"12.5\".")
    starts_at: datetime | None = strawberry.field(
        description="Valid from this instant (UTC); null: no start limit.")
    ends_at: datetime | None = strawberry.field(description="Exclusive: expired from then on.")
    usage_limit: int | None = strawberry.field(description="Uses over all customers; null: "
                                                           "unlimited.")
    usage_limit_per_customer: int | None = strawberry.field(
        description="Uses per e-mail address; null: unlimited.")
    times_used: int = strawberry.field(description="Orders placed with the code.")
    is_active: bool = strawberry.field(
        description="Whether staff have it switched on; inactive codes never apply.")
    created_at: datetime = strawberry.field(description="When the code was created (UTC).")
    pk: strawberry.Private[int]
    value: strawberry.Private[int]
    min_subtotal_minor: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: Any) -> DiscountCode:
        kind = DiscountKind(row.kind)
        return cls(
            id=strawberry.ID(encode_id("DiscountCode", row.id)), code=row.code, kind=kind,
            percentage=Decimal(format_percent(row.value))
            if kind is DiscountKind.PERCENTAGE else None,
            starts_at=row.starts_at, ends_at=row.ends_at, usage_limit=row.usage_limit,
            usage_limit_per_customer=row.usage_limit_per_customer, times_used=row.times_used,
            is_active=row.is_active, created_at=row.created_at, pk=row.id, value=row.value,
            min_subtotal_minor=row.min_subtotal)

    @strawberry.field(description="FIXED_AMOUNT codes: the amount off.")
    def amount(self, info: Info) -> Money | None:
        if self.kind is not DiscountKind.FIXED_AMOUNT:
            return None
        return Money.of(self.value, info.context.settings.currency)

    @strawberry.field(description="The subtotal a cart needs for the code to apply.")
    def min_subtotal(self, info: Info) -> Money | None:
        return Money.maybe(self.min_subtotal_minor, info.context.settings.currency)

    @strawberry.field(description="Whether a shopper could apply it now: active, inside its "
                                  "validity window and not used up (per-customer limits "
                                  "aside). The same test as the `active` filter.")
    def usable_now(self) -> bool:
        now = utcnow()
        return (self.is_active and (self.starts_at is None or self.starts_at <= now)
                and (self.ends_at is None or now < self.ends_at)
                and (self.usage_limit is None or self.times_used < self.usage_limit))
