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


@strawberry.input(description="A new discount code.")
class DiscountCodeCreateInput:
    code: str = strawberry.field(description="Letters, digits, '-' and '_'; stored upper-case.")
    kind: DiscountKind = strawberry.field(description="What the code takes off.")
    value: Decimal | None = strawberry.field(default=None, description=_VALUE)
    starts_at: datetime | None = strawberry.field(
        default=None, description="Valid from this instant; null: at once. Give a time zone, "
                                  "e.g. `2025-06-01T00:00:00Z`.")
    ends_at: datetime | None = strawberry.field(
        default=None, description="Valid until this instant, exclusive; after startsAt. Give "
                                  "a time zone, e.g. `2025-06-01T00:00:00Z`.")
    min_subtotal: Decimal | None = strawberry.field(
        default=None, description="The cart subtotal needed, in the shop currency; null: no "
                                  "minimum.")
    usage_limit: int | None = strawberry.field(default=None, description="null: unlimited.")
    usage_limit_per_customer: int | None = strawberry.field(
        default=None, description="Per e-mail address; null: unlimited.")
    is_active: bool = strawberry.field(
        default=True, description="Whether the code can be used (default true).")


@strawberry.input(description="Fields left out stay as they are; a new kind needs a value.")
class DiscountCodeUpdateInput:
    id: strawberry.ID = strawberry.field(description="The discount code to change.")
    code: str | None = strawberry.field(
        default=strawberry.UNSET, description="A new code: letters, digits, '-' and '_', at most "
                                              "64 characters; stored upper-case.")
    kind: DiscountKind | None = strawberry.field(
        default=strawberry.UNSET, description="A new kind; needs a `value` to match (none for "
                                              "FREE_SHIPPING).")
    value: Decimal | None = strawberry.field(default=strawberry.UNSET, description=_VALUE)
    starts_at: datetime | None = strawberry.field(
        default=strawberry.UNSET, description="Valid from this instant; null: at once. Give a "
                                              "time zone, e.g. `2025-06-01T00:00:00Z`.")
    ends_at: datetime | None = strawberry.field(
        default=strawberry.UNSET, description="Valid until this instant, exclusive; null: no "
                                              "end. Give a time zone, e.g. "
                                              "`2025-06-01T00:00:00Z`.")
    min_subtotal: Decimal | None = strawberry.field(
        default=strawberry.UNSET, description="The cart subtotal needed, in the shop currency; "
                                              "null: no minimum.")
    usage_limit: int | None = strawberry.field(
        default=strawberry.UNSET, description="Not below timesUsed; null: unlimited.")
    usage_limit_per_customer: int | None = strawberry.field(
        default=strawberry.UNSET, description="Per e-mail address, at least 1; null: unlimited.")
    is_active: bool | None = strawberry.field(
        default=strawberry.UNSET, description="false switches the code off without deleting its "
                                              "history.")


@strawberry.input(description="Only a code that has never been used; deactivate the others.")
class DiscountCodeDeleteInput:
    id: strawberry.ID = strawberry.field(
        description="The discount code; one already used is IN_USE.")


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
