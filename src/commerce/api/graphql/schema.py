"""The schema: each area contributes a Query (and Mutation/Subscription) type, merged here."""

from __future__ import annotations

import strawberry
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types.base import get_object_definition

from commerce.api.graphql import fast_fields
from commerce.api.graphql.accounting.mutations import AccountingMutation
from commerce.api.graphql.accounting.queries import AccountingQuery
from commerce.api.graphql.accounts.mutations import AccountsMutation
from commerce.api.graphql.accounts.queries import AccountsQuery
from commerce.api.graphql.cart.mutations import CartMutation
from commerce.api.graphql.cart.queries import CartQuery
from commerce.api.graphql.catalog.mutations import CatalogMutation
from commerce.api.graphql.catalog.queries import CatalogQuery
from commerce.api.graphql.catalog.taxonomy_queries import TaxonomyQuery
from commerce.api.graphql.checkout.mutations import CheckoutMutation
from commerce.api.graphql.customers.mutations import CustomersMutation
from commerce.api.graphql.customers.queries import CustomersQuery
from commerce.api.graphql.descriptions import complete_descriptions
from commerce.api.graphql.discounts.mutations import DiscountMutation
from commerce.api.graphql.discounts.queries import DiscountQuery
from commerce.api.graphql.drafts.mutations import DraftOrderMutation
from commerce.api.graphql.drafts.queries import DraftOrdersQuery
from commerce.api.graphql.fraud.mutations import FraudMutation
from commerce.api.graphql.fraud.queries import FraudQuery
from commerce.api.graphql.fulfillment.mutations import FulfillmentMutation
from commerce.api.graphql.fulfillment.queries import FulfillmentQuery
from commerce.api.graphql.fulfillment.tracking_mutations import ShipmentTrackingMutation
from commerce.api.graphql.inventory.mutations import InventoryMutation
from commerce.api.graphql.inventory.queries import InventoryQuery
from commerce.api.graphql.node import Node
from commerce.api.graphql.node_query import NodeQuery
from commerce.api.graphql.orders.mutations import OrderMutation
from commerce.api.graphql.orders.queries import OrdersQuery
from commerce.api.graphql.payments.mutations import PaymentMutation
from commerce.api.graphql.returns.mutations import ReturnMutation
from commerce.api.graphql.returns.queries import ReturnsQuery
from commerce.api.graphql.scalars import SCALARS
from commerce.api.graphql.shipping.mutations import ShippingMutation
from commerce.api.graphql.shipping.queries import ShippingQuery
from commerce.api.graphql.subscriptions import HeartbeatSubscription
from commerce.api.graphql.tracking.subscriptions import TrackingSubscription

Query = merge_types("Query", (NodeQuery, CatalogQuery, TaxonomyQuery, InventoryQuery,
                              AccountsQuery, CustomersQuery, OrdersQuery, CartQuery, ShippingQuery,
                              DiscountQuery, DraftOrdersQuery, FraudQuery,
                              FulfillmentQuery, ReturnsQuery, AccountingQuery))


Mutation = merge_types("Mutation", (CatalogMutation, InventoryMutation, AccountsMutation,
                                    CustomersMutation, CartMutation, CheckoutMutation,
                                    OrderMutation, ShippingMutation, DiscountMutation,
                                    DraftOrderMutation, PaymentMutation, FraudMutation,
                                    FulfillmentMutation, ShipmentTrackingMutation,
                                    ReturnMutation, AccountingMutation))

Subscription = merge_types("Subscription", (HeartbeatSubscription, TrackingSubscription))

# merge_types takes no description; set it on the merged definitions before the build.
get_object_definition(Query, strict=True).description = (
    "Reads. Storefront fields are public; fields marked with a permission need a staff "
    "token holding it, and owned data (carts, orders, addresses) is visible only to its owner.")
get_object_definition(Subscription, strict=True).description = (
    "Live updates at /graphql, over WebSocket (graphql-transport-ws and graphql-ws) or "
    "Server-Sent Events (graphql-sse, distinct connections: `Accept: text/event-stream`). "
    "Every subscription ends by itself after a bounded time; subscribe again to go on "
    "(tracking resumes with `sinceVersion` or `Last-Event-ID`).")
get_object_definition(Mutation, strict=True).description = (
    "Writes. Each takes one `input` and returns a payload whose `errors` list expected "
    "failures; authentication and permission failures are top-level errors with "
    "`extensions.code`.")


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(query=Query, mutation=Mutation, subscription=Subscription,
                             types=[Node], config=StrawberryConfig(scalar_map=SCALARS))


schema = build_schema()
complete_descriptions(schema._schema)
fast_fields.install(schema)


def sdl() -> str:
    return schema.as_str() + "\n"
