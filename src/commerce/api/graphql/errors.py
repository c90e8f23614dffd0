"""Payload errors (``UserError``) and the mapping from domain errors."""

from __future__ import annotations

from collections.abc import Sequence

import strawberry

from commerce.api.graphql.descriptions import describe_values
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError, Problem

# strawberry.enum registers ErrorCode itself under the GraphQL name UserErrorCode.
strawberry.enum(ErrorCode, name="UserErrorCode",
                description="Why a mutation did not do what was asked.")
describe_values(ErrorCode, {
    ErrorCode.INVALID: "A value is malformed or out of range; `message` says which rule.",
    ErrorCode.REQUIRED: "A value that must be given is missing or blank.",
    ErrorCode.NOT_FOUND: "The object does not exist or is not visible to the viewer.",
    ErrorCode.DUPLICATE: "Another object already uses this unique value (e-mail, SKU, slug, "
                         "code...), or the input repeats an item.",
    ErrorCode.INVALID_STATE: "The object's current state does not allow this change "
                             "(e.g. canceling a shipped order).",
    ErrorCode.IN_USE: "The object cannot be deleted or changed because other data still uses "
                      "it (subcategories, products, allocated stock, a used discount code).",
    ErrorCode.INVALID_CREDENTIALS: "The e-mail address or password is wrong.",
    ErrorCode.ACCOUNT_DISABLED: "The account has been disabled and cannot sign in.",
    ErrorCode.PASSWORD_TOO_SHORT: "The new password has fewer than 8 characters.",
    ErrorCode.PASSWORD_INCORRECT: "The current password given to confirm a change is wrong "
                                  "(or was changed meanwhile).",
    ErrorCode.OUT_OF_SCOPE_PERMISSION: "Staff may only grant or remove permissions they hold "
                                       "themselves; only a superuser grants superuser status.",
    ErrorCode.OUT_OF_SCOPE_USER: "Only a superuser may change an account that holds "
                                 "permissions the acting staff member lacks.",
    ErrorCode.STOCK_CHANGED: "On hand is no longer the `expectedQuantity` sent: someone "
                             "changed it meanwhile.",
    ErrorCode.INSUFFICIENT_STOCK: "Fewer units are available than asked for (or on hand "
                                  "would drop below what is allocated to orders).",
    ErrorCode.CART_COMPLETED: "The cart has already been turned into an order.",
    ErrorCode.CART_EMPTY: "The cart has no lines.",
    ErrorCode.EMAIL_REQUIRED: "Checkout needs the buyer's e-mail address.",
    ErrorCode.SHIPPING_ADDRESS_REQUIRED: "A shipping address is needed first.",
    ErrorCode.SHIPPING_METHOD_REQUIRED: "A shipping method must be chosen first.",
    ErrorCode.SHIPPING_METHOD_NOT_AVAILABLE: "The shipping method does not serve the "
                                             "shipping address or the order's weight/subtotal.",
    ErrorCode.PRODUCT_UNAVAILABLE: "The product is not for sale (not active, or deleted).",
    ErrorCode.DISCOUNT_CODE_INVALID: "No discount code has this value, or it has been "
                                     "deactivated.",
    ErrorCode.DISCOUNT_CODE_NOT_STARTED: "The discount code's validity has not started yet.",
    ErrorCode.DISCOUNT_CODE_EXPIRED: "The discount code's validity has ended.",
    ErrorCode.DISCOUNT_CODE_USED_UP: "The discount code has reached its usage limit "
                                     "(in total or for this customer).",
    ErrorCode.DISCOUNT_CODE_MIN_SUBTOTAL: "The subtotal is below the discount code's minimum.",
    ErrorCode.OUT_OF_STOCK: "No units of the variant are available.",
    ErrorCode.CARD_DECLINED: "The card was declined; `message` carries the processor's "
                             "decline code (e.g. insufficient_funds). Try another card.",
    ErrorCode.PAYMENT_FAILED: "The payment processor refused the request (nothing was "
                              "charged or refunded by it); `message` says why.",
    ErrorCode.PAYMENT_NOT_COMPLETED: "The payment has not succeeded (or been authorized) yet; "
                                     "finish paying, then try again.",
    ErrorCode.PAYMENT_GATEWAY_UNAVAILABLE: "The payment processor could not be reached or "
                                           "is not configured. Nothing was charged twice: "
                                           "send the same request (same idempotencyKey) "
                                           "again later.",
    ErrorCode.ORDER_NOT_ACCEPTED: "The shop could not accept this order; any payment has "
                                  "been returned. Contact the shop.",
    ErrorCode.WRONG_ITEM: "The scanned barcode is not the SKU of any item on this pick list: "
                          "the wrong item was picked; put it back.",
    ErrorCode.OVER_PICK: "More units of this item would be picked than the pick list asks "
                         "for (perhaps scanned twice, or by two scanners); put the extra "
                         "back.",
})


@strawberry.type(description="An expected failure a person can act on.")
class UserError:
    code: ErrorCode = strawberry.field(description="What went wrong, for programs.")
    message: str = strawberry.field(description="What went wrong, for people (English).")
    field: list[str] | None = strawberry.field(
        default=None, description="Path inside the mutation's input, e.g. [\"lines\", \"0\"]."
    )


def user_errors(problems: Sequence[Problem]) -> list[UserError]:
    return [
        UserError(code=p.code, message=p.message,
                  field=list(p.field) if p.field is not None else None)
        for p in problems
    ]


def from_domain(error: DomainError) -> list[UserError]:
    return user_errors(error.problems)


def invalid_id(field: str, message: str) -> list[UserError]:
    return [UserError(code=ErrorCode.INVALID, message=message, field=[field])]
