"""Discount codes (staff).

The kind enum is registered here, before any module of the package can mention it: strawberry
would otherwise give the plain enum a definition of its own first and see two.
"""

import strawberry

from commerce.cart.pricing import DiscountKind

strawberry.enum(DiscountKind, name="DiscountKind",
                description="PERCENTAGE off the subtotal, a FIXED_AMOUNT off the subtotal, or "
                            "FREE_SHIPPING.")
