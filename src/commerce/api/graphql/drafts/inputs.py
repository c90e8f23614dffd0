"""Draft order mutation inputs and their decoding into service arguments.

Decoding collects every bad ID and amount at once; the service then reports its own problems.
In ``DraftOrderUpdateInput`` a field left out keeps its value and an explicit null clears it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import strawberry

from commerce.api.graphql import decode
from commerce.api.graphql.accounts.types import AddressInput
from commerce.api.graphql.customers.types import customer_pk
from commerce.api.graphql.orders.types import PaymentMethod
from commerce.api.graphql.scalars import Decimal
from commerce.drafts.rules import DraftLine, DraftLineChange
from commerce.drafts.service import DraftFields
from commerce.shared.channels import SalesChannel
from commerce.shared.errors import DomainError, Problems
from commerce.shared.unset import UNSET, Maybe


class Decoder:
    """Runs decoders, remembering every failure instead of stopping at the first."""

    def __init__(self, currency: str) -> None:
        self.currency = currency
        self.problems = Problems()

    def pk(self, global_id: str, type_name: str, path: Sequence[str]) -> int:
        try:
            return decode.pk(global_id, type_name, path)
        except DomainError as exc:
            self.problems.items.extend(exc.problems)
            return 0

    def customer(self, global_id: str, path: list[str]) -> int:
        try:
            return customer_pk(global_id, path)
        except DomainError as exc:
            self.problems.items.extend(exc.problems)
            return 0

    def money(self, amount: str, path: Sequence[str]) -> int:
        try:
            return decode.money(amount, self.currency, path)
        except DomainError as exc:
            self.problems.items.extend(exc.problems)
            return 0

    def done(self) -> None:
        self.problems.raise_if_any()


def _given(value: Any) -> bool:
    return value is not strawberry.UNSET


@strawberry.input(description="A variant to put on the draft, optionally at a price staff set.")
class DraftOrderLineInput:
    variant_id: strawberry.ID = strawberry.field(
        description="The variant; its product must be ACTIVE.")
    quantity: int = strawberry.field(default=1, description="Units, 1-999 per line (default 1).")
    unit_price: Decimal | None = strawberry.field(
        default=None, description="Override the catalog price (a Decimal in the shop currency); "
                                  "needs priceOverrideReason.")
    price_override_reason: str | None = strawberry.field(
        default=None, description="Why the price is overridden; kept on the order line.")


def _lines(d: Decoder, lines: list[DraftOrderLineInput]) -> list[DraftLine]:
    found = []
    for i, line in enumerate(lines):
        path = ["lines", str(i)]
        price = None if line.unit_price is None else d.money(line.unit_price,
                                                             [*path, "unitPrice"])
        found.append(DraftLine(d.pk(line.variant_id, "ProductVariant", [*path, "variantId"]),
                               line.quantity, price, line.price_override_reason or ""))
    return found


@strawberry.input(description="A new draft order.")
class DraftOrderCreateInput:
    channel: SalesChannel = strawberry.field(
        description="How the order was taken: PHONE, EMAIL, IN_STORE or MARKETPLACE.")
    customer_id: strawberry.ID | None = strawberry.field(
        default=None, description="A Customer (or User) ID; fills in the customer's e-mail "
                                  "and default addresses where not given.")
    email: str | None = strawberry.field(
        default=None, description="The buyer's e-mail address (at most 254 characters).")
    shipping_address: AddressInput | None = strawberry.field(
        default=None, description="Where to ship; left out: the customer's default shipping "
                                  "address, if any.")
    billing_address: AddressInput | None = strawberry.field(
        default=None, description="Where to bill; left out: the customer's default billing "
                                  "address, else the order bills the shipping address.")
    shipping_method_id: strawberry.ID | None = strawberry.field(
        default=None, description="One of the draft's availableShippingMethods; needs a shipping "
                                  "address.")
    discount_code: str | None = strawberry.field(
        default=None, description="A discount code to apply; it must apply to the draft as it "
                                  "stands.")
    customer_note: str | None = strawberry.field(
        default=None, description="The customer's note to the shop, at most 5000 characters.")
    lines: list[DraftOrderLineInput] = strawberry.field(
        description="Lines to start with.",
        default_factory=list)

    def decode(self, currency: str) -> tuple[DraftFields, list[DraftLine]]:
        d = Decoder(currency)
        customer = None if self.customer_id is None else d.customer(self.customer_id,
                                                                    ["customerId"])
        method = None if self.shipping_method_id is None else d.pk(
            self.shipping_method_id, "ShippingMethod", ["shippingMethodId"])
        lines = _lines(d, self.lines)
        d.done()
        header = DraftFields(
            customer_id=customer if customer is not None else UNSET,
            email=self.email if self.email is not None else UNSET,
            shipping_address=self.shipping_address.to_data() if self.shipping_address
            else UNSET,
            billing_address=self.billing_address.to_data() if self.billing_address else UNSET,
            shipping_method_id=method if method is not None else UNSET,
            discount_code=self.discount_code if self.discount_code is not None else UNSET,
            customer_note=self.customer_note if self.customer_note is not None else UNSET)
        return header, lines


@strawberry.input(description="Fields left out keep their value; null clears one.")
class DraftOrderUpdateInput:
    id: strawberry.ID = strawberry.field(
        description="The draft order; a completed draft cannot change.")
    customer_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="null makes it a guest order.")
    email: str | None = strawberry.field(
        default=strawberry.UNSET, description="The buyer's e-mail address (at most 254 "
                                              "characters).")
    shipping_address: AddressInput | None = strawberry.field(
        default=strawberry.UNSET, description="Where to ship; null clears it.")
    billing_address: AddressInput | None = strawberry.field(
        default=strawberry.UNSET, description="Where to bill; null clears it.")
    shipping_method_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="One of the draft's availableShippingMethods; "
                                              "needs a shipping address. null clears the choice.")
    discount_code: str | None = strawberry.field(
        default=strawberry.UNSET, description="A discount code to apply; it must apply to the "
                                              "draft as it stands. null removes it.")
    customer_note: str | None = strawberry.field(
        default=strawberry.UNSET, description="The customer's note to the shop, at most 5000 "
                                              "characters.")

    def decode(self, currency: str) -> tuple[int, DraftFields]:
        d = Decoder(currency)
        draft_id = d.pk(self.id, "DraftOrder", ["id"])
        header = DraftFields(
            customer_id=(None if self.customer_id is None else d.customer(
                self.customer_id, ["customerId"])) if _given(self.customer_id) else UNSET,
            email=self.email if _given(self.email) else UNSET,
            shipping_address=(None if self.shipping_address is None
                              else self.shipping_address.to_data())
            if _given(self.shipping_address) else UNSET,
            billing_address=(None if self.billing_address is None
                             else self.billing_address.to_data())
            if _given(self.billing_address) else UNSET,
            shipping_method_id=(None if self.shipping_method_id is None else d.pk(
                self.shipping_method_id, "ShippingMethod", ["shippingMethodId"]))
            if _given(self.shipping_method_id) else UNSET,
            discount_code=self.discount_code if _given(self.discount_code) else UNSET,
            customer_note=(self.customer_note or "") if _given(self.customer_note) else UNSET)
        d.done()
        return draft_id, header


@strawberry.input(description="Lines to add to a draft order.")
class DraftOrderLinesAddInput:
    id: strawberry.ID = strawberry.field(
        description="The draft order; a completed draft cannot change.")
    lines: list[DraftOrderLineInput] = strawberry.field(
        description="A variant already on the draft gets more units (and the new price, if "
                    "one is given).")

    def decode(self, currency: str) -> tuple[int, list[DraftLine]]:
        d = Decoder(currency)
        draft_id = d.pk(self.id, "DraftOrder", ["id"])
        lines = _lines(d, self.lines)
        d.done()
        return draft_id, lines


@strawberry.input(description="Left out: unchanged. unitPrice null removes the override.")
class DraftOrderLineUpdateInput:
    line_id: strawberry.ID = strawberry.field(description="The DraftOrderLine to change.")
    quantity: int | None = strawberry.field(default=None, description="0 removes the line.")
    unit_price: Decimal | None = strawberry.field(
        default=strawberry.UNSET, description="A new price (needs priceOverrideReason), or null "
                                              "for the catalog price again.")
    price_override_reason: str | None = strawberry.field(
        default=None, description="Why the price is overridden, at most 500 characters; needed "
                                  "with a unitPrice.")


@strawberry.input(description="Changes to lines of a draft order.")
class DraftOrderLinesUpdateInput:
    id: strawberry.ID = strawberry.field(
        description="The draft order; a completed draft cannot change.")
    lines: list[DraftOrderLineUpdateInput] = strawberry.field(description="The lines to change.")

    def decode(self, currency: str) -> tuple[int, list[DraftLineChange]]:
        d = Decoder(currency)
        draft_id = d.pk(self.id, "DraftOrder", ["id"])
        changes = []
        for i, line in enumerate(self.lines):
            path = ["lines", str(i)]
            price: Maybe[int | None] = UNSET
            if _given(line.unit_price):
                price = None if line.unit_price is None else d.money(line.unit_price,
                                                                     [*path, "unitPrice"])
            changes.append(DraftLineChange(
                d.pk(line.line_id, "DraftOrderLine", [*path, "lineId"]), line.quantity,
                price, line.price_override_reason))
        d.done()
        return draft_id, changes


@strawberry.input(description="Lines to remove from a draft order.")
class DraftOrderLinesRemoveInput:
    id: strawberry.ID = strawberry.field(
        description="The draft order; a completed draft cannot change.")
    line_ids: list[strawberry.ID] = strawberry.field(
        description="IDs of the DraftOrderLines to remove.")

    def decode(self, currency: str) -> tuple[int, list[int]]:
        d = Decoder(currency)
        draft_id = d.pk(self.id, "DraftOrder", ["id"])
        line_ids = [d.pk(g, "DraftOrderLine", ["lineIds", str(i)])
                    for i, g in enumerate(self.line_ids)]
        d.done()
        return draft_id, line_ids


@strawberry.input(description="A draft order to throw away.")
class DraftOrderDeleteInput:
    id: strawberry.ID = strawberry.field(description="The draft order; it must not be completed.")


@strawberry.input(description="A draft order to place.")
class DraftOrderCompleteInput:
    id: strawberry.ID = strawberry.field(description="The draft order.")
    payment_method: PaymentMethod = strawberry.field(description="How the customer pays.")
