"""Cart mutation inputs and their decoding into service arguments.

Cart mutations name their cart by ``cartId`` (the cart's global ID, which carries its secret
token). Decoding collects every bad ID at once; the service then reports its own problems.
"""

from __future__ import annotations

from collections.abc import Sequence

import strawberry

from commerce.api.graphql.accounts.types import AddressInput
from commerce.api.graphql.channels import AttributionInput
from commerce.api.graphql.decode import pk
from commerce.cart.rules import LineChange, LineRequest
from commerce.cart.service import NewCart
from commerce.shared.channels import Attribution, SalesChannel
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError, Problems
from commerce.shared.ids import InvalidIdError, decode_id

MAX_TOKEN_LENGTH = 64


def cart_token(global_id: str, field: Sequence[str] = ("cartId",)) -> str:
    """The token inside a cart ID; INVALID when the ID is not a cart's."""
    try:
        type_name, token = decode_id(str(global_id))
    except InvalidIdError:
        type_name, token = "", ""
    if type_name != "Cart" or not token or len(token) > MAX_TOKEN_LENGTH:
        raise DomainError.one(ErrorCode.INVALID, "not a valid cart ID", field)
    return token


class _Ids:
    """Decodes IDs, remembering every failure instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems = Problems()

    def pk(self, global_id: str, type_name: str, path: Sequence[str]) -> int:
        try:
            return pk(global_id, type_name, path)
        except DomainError as exc:
            self.problems.items.extend(exc.problems)
            return 0


@strawberry.input(description="A variant to put in a cart, and how many.")
class CartLineInput:
    variant_id: strawberry.ID = strawberry.field(
        description="The variant; its product must be ACTIVE.")
    quantity: int = strawberry.field(default=1, description="Units, 1-999 per line (default 1).")


def _line_requests(ids: _Ids, lines: list[CartLineInput]) -> list[LineRequest]:
    return [LineRequest(ids.pk(line.variant_id, "ProductVariant", ["lines", str(i), "variantId"]),
                        line.quantity) for i, line in enumerate(lines)]


@strawberry.input(description="A new cart. Anyone may create one; a signed-in customer's cart is "
                              "linked to the account.")
class CartCreateInput:
    lines: list[CartLineInput] = strawberry.field(
        description="Lines to start with; at most 250 different variants per cart.",
        default_factory=list)
    email: str | None = strawberry.field(
        default=None, description="Defaults to a signed-in customer's e-mail.")
    shipping_address: AddressInput | None = strawberry.field(
        default=None, description="Where to ship; can be set later.")
    billing_address: AddressInput | None = strawberry.field(
        default=None, description="Where to bill; can be set later.")
    channel: SalesChannel = strawberry.field(
        default=SalesChannel.WEB, description="The sales channel (default WEB).")
    attribution: AttributionInput | None = strawberry.field(
        default=None, description="Marketing attribution of the visit.")

    def decode(self) -> NewCart:
        ids = _Ids()
        lines = _line_requests(ids, self.lines)
        ids.problems.raise_if_any()
        return NewCart(
            lines=lines, email=self.email,
            shipping_address=self.shipping_address.to_data() if self.shipping_address else None,
            billing_address=self.billing_address.to_data() if self.billing_address else None,
            channel=self.channel,
            attribution=self.attribution.to_data() if self.attribution else Attribution())


@strawberry.input(description="Variants to add to a cart.")
class CartLinesAddInput:
    cart_id: strawberry.ID = strawberry.field(
        description="The cart's ID (it carries the cart's secret); a completed cart is "
                    "CART_COMPLETED.")
    lines: list[CartLineInput] = strawberry.field(
        description="A variant already in the cart gets its quantity increased.")

    def decode(self) -> tuple[str, list[LineRequest]]:
        ids = _Ids()
        token = _token(ids, self.cart_id)
        lines = _line_requests(ids, self.lines)
        ids.problems.raise_if_any()
        return token, lines


@strawberry.input(description="A new quantity for one cart line.")
class CartLineUpdateInput:
    id: strawberry.ID = strawberry.field(description="The cart line's ID.")
    quantity: int = strawberry.field(description="0 removes the line.")


@strawberry.input(description="New quantities for lines of a cart.")
class CartLinesUpdateInput:
    cart_id: strawberry.ID = strawberry.field(
        description="The cart's ID (it carries the cart's secret); a completed cart is "
                    "CART_COMPLETED.")
    lines: list[CartLineUpdateInput] = strawberry.field(
        description="The lines to change, each at most 999 units.")

    def decode(self) -> tuple[str, list[LineChange]]:
        ids = _Ids()
        token = _token(ids, self.cart_id)
        changes = [LineChange(ids.pk(line.id, "CartLine", ["lines", str(i), "id"]),
                              line.quantity) for i, line in enumerate(self.lines)]
        ids.problems.raise_if_any()
        return token, changes


@strawberry.input(description="Lines to remove from a cart.")
class CartLinesRemoveInput:
    cart_id: strawberry.ID = strawberry.field(
        description="The cart's ID (it carries the cart's secret); a completed cart is "
                    "CART_COMPLETED.")
    line_ids: list[strawberry.ID] = strawberry.field(
        description="IDs of the cart lines to remove.")

    def decode(self) -> tuple[str, list[int]]:
        ids = _Ids()
        token = _token(ids, self.cart_id)
        line_ids = [ids.pk(g, "CartLine", ["lineIds", str(i)])
                    for i, g in enumerate(self.line_ids)]
        ids.problems.raise_if_any()
        return token, line_ids


@strawberry.input(description="The buyer's e-mail address for a cart.")
class CartEmailUpdateInput:
    cart_id: strawberry.ID = strawberry.field(
        description="The cart's ID (it carries the cart's secret); a completed cart is "
                    "CART_COMPLETED.")
    email: str = strawberry.field(
        description="E-mail address, at most 254 characters; stored lower-case.")


@strawberry.input(description="A cart's shipping address.")
class CartShippingAddressUpdateInput:
    cart_id: strawberry.ID = strawberry.field(
        description="The cart's ID (it carries the cart's secret); a completed cart is "
                    "CART_COMPLETED.")
    shipping_address: AddressInput | None = strawberry.field(
        default=None, description="null clears the address.")


@strawberry.input(description="A cart's billing address.")
class CartBillingAddressUpdateInput:
    cart_id: strawberry.ID = strawberry.field(
        description="The cart's ID (it carries the cart's secret); a completed cart is "
                    "CART_COMPLETED.")
    billing_address: AddressInput | None = strawberry.field(
        default=None, description="null clears the address (orders then bill the shipping "
                                  "address).")


@strawberry.input(description="The shipping method chosen for a cart.")
class CartShippingMethodUpdateInput:
    cart_id: strawberry.ID = strawberry.field(
        description="The cart's ID (it carries the cart's secret); a completed cart is "
                    "CART_COMPLETED.")
    shipping_method_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="One of the cart's availableShippingMethods; null clears the choice.")

    def decode(self) -> tuple[str, int | None]:
        ids = _Ids()
        token = _token(ids, self.cart_id)
        method_id = None if self.shipping_method_id is None else ids.pk(
            self.shipping_method_id, "ShippingMethod", ["shippingMethodId"])
        ids.problems.raise_if_any()
        return token, method_id


@strawberry.input(description="The discount code of a cart.")
class CartDiscountCodesUpdateInput:
    cart_id: strawberry.ID = strawberry.field(
        description="The cart's ID (it carries the cart's secret); a completed cart is "
                    "CART_COMPLETED.")
    codes: list[str] = strawberry.field(
        description="At most one code; [] removes the cart's code.")


def _token(ids: _Ids, global_id: str) -> str:
    try:
        return cart_token(global_id)
    except DomainError as exc:
        ids.problems.items.extend(exc.problems)
        return ""
