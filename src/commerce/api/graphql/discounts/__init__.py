"""Discount codes (staff).

The kind enum is registered here, before any module of the package can mention it: strawberry
would otherwise give the plain enum a definition of its own first and see two.
"""

import strawberry

from commerce.api.graphql.descriptions import describe_values
from commerce.cart.pricing import DiscountKind

strawberry.enum(DiscountKind, name="DiscountKind",
                description="PERCENTAGE off the subtotal, a FIXED_AMOUNT off the subtotal, or "
                            "FREE_SHIPPING.")
describe_values(DiscountKind, {
    DiscountKind.PERCENTAGE: "A percentage off the lines' subtotal (`percentage`, 0.01-100).",
    DiscountKind.FIXED_AMOUNT: "A fixed amount off the lines' subtotal, at most the subtotal "
                               "(`amount`, in the shop currency).",
    DiscountKind.FREE_SHIPPING: "The shipping price is waived.",
})
