"""One rule for who sees a product that is not ACTIVE, whichever field leads to it.

Non-staff (and staff without MANAGE_CATALOG or MANAGE_INVENTORY) never reach a DRAFT or
ARCHIVED product, nor its variants: not by ID, slug or SKU, not through ``node``, and not
through a cart line or an order line that still names the variant.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from commerce.accounts.permissions import Permission
from commerce.db.database import Database
from commerce.db.models import ProductVariant
from commerce.settings import Settings
from commerce.shared.ids import encode_id
from tests.account_helpers import user_with_token
from tests.cart_factories import set_product_status
from tests.order_api_helpers import place_order
from tests.order_factories import make_shop, make_variant

GQL = Any

PROBE = """query($cart: ID!, $order: String!, $product: ID!, $variant: ID!, $sku: String!,
                 $slug: String!) {
  cart(id: $cart) { lines { quantity variant { sku product { name status } } } }
  orderByToken(token: $order) { lines { sku variant { sku product { name status } } } }
  product(id: $product) { status }
  bySlug: product(slug: $slug) { status }
  productVariant(id: $variant) { sku product { status } }
  bySku: productVariant(sku: $sku) { sku }
  productNode: node(id: $product) { id }
  variantNode: node(id: $variant) { id }
  products(first: 10) { nodes { slug } }
}"""


@pytest.mark.parametrize("status", ["DRAFT", "ARCHIVED"])
async def test_a_product_off_sale_is_out_of_reach_through_every_field_for_non_staff(
        db: Database, gql: GQL, settings: Settings, status: str) -> None:
    shop = await make_shop(db)
    variant = await make_variant(db, shop, sku="PIE")
    async with db.transaction() as s:
        product = (await s.execute(select(ProductVariant.product_id).where(
            ProductVariant.id == variant))).scalar_one()
    variant_id = encode_id("ProductVariant", variant)
    body = await gql("""mutation($input: CartCreateInput!) { cartCreate(input: $input) {
        cart { id } } }""", {"input": {"lines": [{"variantId": variant_id, "quantity": 1}]}})
    cart = body["data"]["cartCreate"]["cart"]["id"]
    order = await place_order(db, settings, shop, {variant: 1})
    await set_product_status(db, variant, status)
    variables = {"cart": cart, "order": order.token, "product": encode_id("Product", product),
                 "variant": variant_id, "sku": "PIE", "slug": "pie"}

    _, customer = await user_with_token(db, "ann@example.com")
    _, clerk = await user_with_token(db, "clerk@example.com",
                                     permissions=[Permission.MANAGE_ORDERS])
    for token in (None, customer, clerk):
        data = (await gql(PROBE, variables, token=token))["data"]
        assert data == {
            "cart": {"lines": [{"quantity": 1, "variant": None}]},
            "orderByToken": {"lines": [{"sku": "PIE", "variant": None}]},
            "product": None, "bySlug": None, "productVariant": None, "bySku": None,
            "productNode": None, "variantNode": None, "products": {"nodes": []},
        }, token

    for permission in (Permission.MANAGE_CATALOG, Permission.MANAGE_INVENTORY):
        _, staff = await user_with_token(db, f"{permission.value.lower()}@example.com",
                                         permissions=[permission])
        data = (await gql(PROBE, variables, token=staff))["data"]
        seen = {"sku": "PIE", "product": {"name": "Product PIE", "status": status}}
        assert data["cart"] == {"lines": [{"quantity": 1, "variant": seen}]}
        assert data["orderByToken"] == {"lines": [{"sku": "PIE", "variant": seen}]}
        assert data["product"] == data["bySlug"] == {"status": status}
        assert data["productVariant"] == {"sku": "PIE", "product": {"status": status}}
        assert data["bySku"] == {"sku": "PIE"}
        assert data["productNode"] and data["variantNode"]
        assert data["products"] == {"nodes": [{"slug": "pie"}]}
