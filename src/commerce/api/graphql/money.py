"""Money as the API shows it."""

from __future__ import annotations

import strawberry

from commerce.api.graphql.scalars import Decimal
from commerce.shared.money import format_amount


@strawberry.type(description="An amount in a currency.")
class Money:
    amount: Decimal = strawberry.field(
        description="The amount, with exactly the currency's minor-unit digits.")
    currency: str = strawberry.field(description="ISO 4217 currency code, e.g. `USD`.")

    @classmethod
    def of(cls, minor: int, currency: str) -> Money:
        return cls(amount=Decimal(format_amount(minor, currency)), currency=currency)

    @classmethod
    def maybe(cls, minor: int | None, currency: str) -> Money | None:
        return None if minor is None else cls.of(minor, currency)


@strawberry.type(description="The lowest and highest price of a product's variants.")
class PriceRange:
    min: Money = strawberry.field(description="The lowest variant price.")
    max: Money = strawberry.field(description="The highest variant price.")
