"""Discount code mutation inputs and their decoding into service commands.

``value`` is passed on as text: the service reads it by the kind the code will have
(PERCENTAGE: a percent with at most two decimals, FIXED_AMOUNT: an amount in the shop
currency, FREE_SHIPPING: none).
"""

from __future__ import annotations

from datetime import datetime

import strawberry

from commerce.api.graphql.catalog.inputs import Decoder
from commerce.api.graphql.scalars import Decimal
from commerce.api.graphql.shipping.inputs import finish
from commerce.cart.pricing import DiscountKind
from commerce.discounts.validation import DiscountChanges, DiscountData, check_discount
from commerce.shared.error_codes import ErrorCode
from commerce.shared.unset import UNSET

_VALUE = ("PERCENTAGE: percent off (\"10\", \"12.5\"); FIXED_AMOUNT: amount off in the shop "
          "currency (\"5.00\"); FREE_SHIPPING: leave out.")


@strawberry.input
class DiscountCodeCreateInput:
    code: str = strawberry.field(description="Letters, digits, '-' and '_'; stored upper-case.")
    kind: DiscountKind
    value: Decimal | None = strawberry.field(default=None, description=_VALUE)
    starts_at: datetime | None = None
    ends_at: datetime | None = strawberry.field(default=None,
                                                description="Exclusive; after startsAt.")
    min_subtotal: Decimal | None = None
    usage_limit: int | None = strawberry.field(default=None, description="null: unlimited.")
    usage_limit_per_customer: int | None = strawberry.field(
        default=None, description="Per e-mail address; null: unlimited.")
    is_active: bool = True


@strawberry.input(description="Fields left out stay as they are; a new kind needs a value.")
class DiscountCodeUpdateInput:
    id: strawberry.ID
    code: str | None = strawberry.UNSET
    kind: DiscountKind | None = strawberry.UNSET
    value: Decimal | None = strawberry.field(default=strawberry.UNSET, description=_VALUE)
    starts_at: datetime | None = strawberry.UNSET
    ends_at: datetime | None = strawberry.UNSET
    min_subtotal: Decimal | None = strawberry.UNSET
    usage_limit: int | None = strawberry.field(
        default=strawberry.UNSET, description="Not below timesUsed; null: unlimited.")
    usage_limit_per_customer: int | None = strawberry.UNSET
    is_active: bool | None = strawberry.UNSET


@strawberry.input(description="Only a code that has never been used; deactivate the others.")
class DiscountCodeDeleteInput:
    id: strawberry.ID


def _aware(d: Decoder, moment: datetime | None, path: str) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        d.problems.add(ErrorCode.INVALID, "give a time zone, e.g. 2025-06-01T00:00:00Z", [path])
        return None  # a naive time cannot be compared with the other, aware one
    return moment


def discount_data(data: DiscountCodeCreateInput, currency: str) -> DiscountData:
    d = Decoder(currency)
    result = DiscountData(
        code=data.code, kind=data.kind, value=data.value,
        starts_at=_aware(d, data.starts_at, "startsAt"),
        ends_at=_aware(d, data.ends_at, "endsAt"),
        min_subtotal=d.optional_money(data.min_subtotal, ["minSubtotal"]),
        usage_limit=data.usage_limit, usage_limit_per_customer=data.usage_limit_per_customer,
        is_active=data.is_active)
    finish(d, lambda problems: check_discount(problems, result, currency=currency))
    return result


def discount_changes(data: DiscountCodeUpdateInput, currency: str
                     ) -> tuple[int, DiscountChanges]:
    d = Decoder(currency)
    pk = d.pk(data.id, "DiscountCode", ["id"])
    starts_at = data.starts_at
    ends_at = data.ends_at
    changes = DiscountChanges(
        code=d.given(data.code, "code"), kind=d.given(data.kind, "kind"),
        value=d.nullable(data.value),
        starts_at=UNSET if starts_at is strawberry.UNSET else _aware(d, starts_at, "startsAt"),
        ends_at=UNSET if ends_at is strawberry.UNSET else _aware(d, ends_at, "endsAt"),
        min_subtotal=d.nullable_money(data.min_subtotal, ["minSubtotal"]),
        usage_limit=d.nullable(data.usage_limit),
        usage_limit_per_customer=d.nullable(data.usage_limit_per_customer),
        is_active=d.given(data.is_active, "isActive"))
    d.done()
    return pk, changes
