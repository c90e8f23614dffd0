"""One DataLoader per relation, built lazily per request.

Names follow ``<thing>_by_<key>``. Each batch is one statement (see ``catalog.queries``) and
converts rows straight into API objects, so resolvers can return the loader's future as is.

Loaders of data that is not everyone's (orders; products that are not ACTIVE, and their
variants) pass the request's viewer to the query, which filters by it (DESIGN §4): a field
that loads through them cannot show what the viewer may not see, and needs no check of its own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from functools import cached_property
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from commerce.accounting import queries as accounting
from commerce.accounts import queries as accounts
from commerce.accounts.viewer import Viewer
from commerce.api.graphql.accounting import types as lt
from commerce.api.graphql.accounts import types as at
from commerce.api.graphql.catalog import types as t
from commerce.api.graphql.customers import types as cut
from commerce.api.graphql.discounts import types as dt
from commerce.api.graphql.drafts import types as drt
from commerce.api.graphql.fraud import types as ft
from commerce.api.graphql.fulfillment import shipments as sht
from commerce.api.graphql.fulfillment import types as fft
from commerce.api.graphql.inventory import types as it
from commerce.api.graphql.orders import types as ot
from commerce.api.graphql.payments import types as pt
from commerce.api.graphql.returns import types as rt
from commerce.api.graphql.shipping import types as st
from commerce.catalog import queries as catalog
from commerce.catalog import taxonomy_queries as taxonomy
from commerce.customers import queries as customers
from commerce.db.database import Reader
from commerce.discounts import queries as discounts
from commerce.drafts import queries as drafts
from commerce.fraud import queries as fraud
from commerce.fulfillment import queries as fulfillment
from commerce.inventory import queries as inventory
from commerce.orders import queries as orders
from commerce.payments import queries as payments
from commerce.returns import queries as returns
from commerce.shipping import queries as shipping
from commerce.tracking import queries as tracking
from commerce.tracking.stream import Entry

K = TypeVar("K")
V = TypeVar("V")

ViewerSource = Callable[[], Awaitable[Viewer | None]]


def _one(reader: Reader, fetch: Callable[[Reader, Sequence[K]], Awaitable[Mapping[K, Any]]],
         convert: Callable[[Any], V]) -> DataLoader[K, V | None]:
    async def load(keys: list[K]) -> list[V | None]:
        found = await fetch(reader, keys)
        return [None if (row := found.get(k)) is None else convert(row) for k in keys]

    return DataLoader(load_fn=load)


def _one_scoped(reader: Reader, viewer: ViewerSource,
                fetch: Callable[[Reader, Sequence[K], Viewer | None],
                                Awaitable[Mapping[K, Any]]],
                convert: Callable[[Any], V]) -> DataLoader[K, V | None]:
    """Like ``_one``, for a query that filters by the viewer: keys it may not see are None."""
    async def load(keys: list[K]) -> list[V | None]:
        found = await fetch(reader, keys, await viewer())
        return [None if (row := found.get(k)) is None else convert(row) for k in keys]

    return DataLoader(load_fn=load)


def _many(reader: Reader,
          fetch: Callable[[Reader, Sequence[K]], Awaitable[Mapping[K, list[Any]]]],
          convert: Callable[[Any], V]) -> DataLoader[K, list[V]]:
    async def load(keys: list[K]) -> list[list[V]]:
        found = await fetch(reader, keys)
        return [[convert(row) for row in found.get(k, ())] for k in keys]

    return DataLoader(load_fn=load)


def _row(row: Any) -> Any:
    return row


class Loaders:
    def __init__(self, reader: Reader, viewer: ViewerSource) -> None:
        """``viewer`` gives the request's viewer (``Context.viewer``), asked at each batch."""
        self.reader = reader
        self.viewer = viewer

    @cached_property
    def product_by_id(self) -> DataLoader[int, t.Product | None]:
        """Products the viewer may see (``catalog.visibility``); others are None."""
        return _one_scoped(self.reader, self.viewer, catalog.products_by_ids,
                           t.Product.from_row)

    @cached_property
    def variant_by_id(self) -> DataLoader[int, t.ProductVariant | None]:
        """Variants of products the viewer may see; others are None."""
        return _one_scoped(self.reader, self.viewer, catalog.variants_by_ids,
                           t.ProductVariant.from_row)

    @cached_property
    def variants_by_product_id(self) -> DataLoader[int, list[t.ProductVariant]]:
        async def load(keys: list[int]) -> list[list[t.ProductVariant]]:
            found = await catalog.variants_by_product_ids(self.reader, keys, await self.viewer())
            return [[t.ProductVariant.from_row(row) for row in found.get(k, ())] for k in keys]

        return DataLoader(load_fn=load)

    @cached_property
    def images_by_product_id(self) -> DataLoader[tuple[int, int | None], list[t.ProductImage]]:
        """Keyed by (product id, first): the slice is taken here so resolvers stay sync."""

        async def load(keys: list[tuple[int, int | None]]) -> list[list[t.ProductImage]]:
            found = await catalog.images_by_product_ids(self.reader, list({k[0] for k in keys}))
            return [[t.ProductImage.from_row(row) for row in
                     found.get(pk, [])[: None if first is None else max(first, 0)]]
                    for pk, first in keys]

        return DataLoader(load_fn=load)

    @cached_property
    def category_by_id(self) -> DataLoader[int, t.Category | None]:
        return _one(self.reader, catalog.categories_by_ids, t.Category.from_row)

    @cached_property
    def user_by_id(self) -> DataLoader[int, at.User | None]:
        return _one(self.reader, accounts.users_by_ids, at.User.from_row)

    @cached_property
    def address_by_id(self) -> DataLoader[int, at.Address | None]:
        return _one(self.reader, accounts.addresses_by_ids, at.Address.from_row)

    @cached_property
    def addresses_by_user_id(self) -> DataLoader[int, list[at.Address]]:
        return _many(self.reader, accounts.addresses_by_user_ids, at.Address.from_row)

    @cached_property
    def children_by_category_id(self) -> DataLoader[int, list[t.Category]]:
        return _many(self.reader, taxonomy.children_by_category_ids, t.Category.from_row)

    @cached_property
    def collection_by_id(self) -> DataLoader[int, t.Collection | None]:
        """Collections the viewer may see (``catalog.visibility``); others are None."""
        return _one_scoped(self.reader, self.viewer, taxonomy.collections_by_ids,
                           t.Collection.from_row)

    @cached_property
    def collections_by_product_id(self) -> DataLoader[int, list[t.Collection]]:
        async def load(keys: list[int]) -> list[list[t.Collection]]:
            found = await taxonomy.collections_by_product_ids(self.reader, keys,
                                                              await self.viewer())
            return [[t.Collection.from_row(row) for row in found.get(k, ())] for k in keys]

        return DataLoader(load_fn=load)

    @cached_property
    def warehouse_by_id(self) -> DataLoader[int, it.Warehouse | None]:
        return _one(self.reader, inventory.warehouses_by_ids, it.Warehouse.from_row)

    @cached_property
    def stocks_by_variant_id(self) -> DataLoader[int, list[it.Stock]]:
        return _many(self.reader, inventory.stocks_by_variant_ids, it.Stock.from_row)

    @cached_property
    def order_by_id(self) -> DataLoader[int, ot.Order | None]:
        """Orders the viewer owns, or any for staff with MANAGE_ORDERS; others are None."""
        return _one_scoped(self.reader, self.viewer, orders.orders_by_ids, ot.Order.from_row)

    @cached_property
    def lines_by_order_id(self) -> DataLoader[int, list[ot.OrderLine]]:
        return _many(self.reader, orders.lines_by_order_ids, ot.OrderLine.from_row)

    @cached_property
    def events_by_order_id(self) -> DataLoader[int, list[ot.OrderEvent]]:
        return _many(self.reader, orders.events_by_order_ids, ot.OrderEvent.from_row)

    @cached_property
    def payments_by_order_id(self) -> DataLoader[int, list[pt.Payment]]:
        return _many(self.reader, payments.payments_by_order_ids, pt.Payment.from_row)

    @cached_property
    def payment_transactions_by_order_id(self) -> DataLoader[int, list[Any]]:
        """Rows, not API objects: payments pick theirs and orders sum their refunds."""
        return _many(self.reader, payments.transactions_by_order_ids, _row)

    @cached_property
    def risk_by_order_id(self) -> DataLoader[int, ft.OrderRisk | None]:
        """Staff data: ``Order.risk`` asks for MANAGE_ORDERS before it loads."""
        return _one(self.reader, fraud.risks_by_order_ids, ft.OrderRisk.from_row)

    @cached_property
    def tracking_events_by_order_id(self) -> DataLoader[int, list[Entry]]:
        """Each order's tracking log, oldest first (reach it only through a visible order)."""
        return _many(self.reader, tracking.events_by_order_ids, Entry.from_row)

    @cached_property
    def shipment_by_id(self) -> DataLoader[int, sht.Shipment | None]:
        """Any shipment: reach it only through an order the viewer may see."""
        return _one(self.reader, fulfillment.shipments_by_ids, sht.Shipment.from_row)

    @cached_property
    def shipments_by_order_id(self) -> DataLoader[int, list[sht.Shipment]]:
        return _many(self.reader, fulfillment.shipments_by_order_ids, sht.Shipment.from_row)

    @cached_property
    def shipment_by_fulfillment_id(self) -> DataLoader[int, sht.Shipment | None]:
        return _one(self.reader, fulfillment.shipments_by_fulfillment_ids,
                    sht.Shipment.from_row)

    @cached_property
    def return_by_id(self) -> DataLoader[int, rt.Return | None]:
        """Any return: callers check that the viewer may see it (staff, or its order)."""
        return _one(self.reader, returns.returns_by_ids, rt.Return.from_row)

    @cached_property
    def returns_by_order_id(self) -> DataLoader[int, list[rt.Return]]:
        return _many(self.reader, returns.returns_by_order_ids, rt.Return.from_row)

    @cached_property
    def return_lines_by_return_id(self) -> DataLoader[int, list[Any]]:
        return _many(self.reader, returns.lines_by_return_ids, _row)

    @cached_property
    def fulfillment_by_id(self) -> DataLoader[int, fft.Fulfillment | None]:
        """Staff data: callers check MANAGE_FULFILLMENT (or reach it through an order)."""
        return _one(self.reader, fulfillment.fulfillments_by_ids, fft.Fulfillment.from_row)

    @cached_property
    def fulfillments_by_order_id(self) -> DataLoader[int, list[fft.Fulfillment]]:
        return _many(self.reader, fulfillment.fulfillments_by_order_ids,
                     fft.Fulfillment.from_row)

    @cached_property
    def fulfillment_lines_by_fulfillment_id(self) -> DataLoader[int, list[Any]]:
        """Rows: the line needs its fulfilment's order to find its order line."""
        return _many(self.reader, fulfillment.lines_by_fulfillment_ids, _row)

    @cached_property
    def packages_by_fulfillment_id(self) -> DataLoader[int, list[fft.FulfillmentPackage]]:
        return _many(self.reader, fulfillment.packages_by_fulfillment_ids,
                     fft.FulfillmentPackage.from_row)

    @cached_property
    def events_by_shipment_id(self) -> DataLoader[int, list[sht.ShipmentEvent]]:
        return _many(self.reader, fulfillment.events_by_shipment_ids,
                     sht.ShipmentEvent.from_row)

    @cached_property
    def customer_by_id(self) -> DataLoader[int, cut.Customer | None]:
        return _one(self.reader, customers.customers_by_ids, cut.Customer.from_row)

    @cached_property
    def customer_stats_by_user_id(self) -> DataLoader[int, cut.CustomerStats]:
        """Order count, total spent and last order for a batch: one grouped statement."""

        async def load(keys: list[int]) -> list[cut.CustomerStats]:
            found = await customers.stats_by_user_ids(self.reader, keys)
            return [cut.NO_ORDERS if (row := found.get(k)) is None
                    else cut.CustomerStats.from_row(row) for k in keys]

        return DataLoader(load_fn=load)

    @cached_property
    def customer_notes_by_user_id(self) -> DataLoader[int, list[cut.CustomerNote]]:
        return _many(self.reader, customers.notes_by_user_ids, cut.CustomerNote.from_row)

    @cached_property
    def shipping_zone_by_id(self) -> DataLoader[int, st.ShippingZone | None]:
        return _one(self.reader, shipping.zones_by_ids, st.ShippingZone.from_row)

    @cached_property
    def shipping_method_by_id(self) -> DataLoader[int, st.ShippingMethod | None]:
        return _one(self.reader, shipping.methods_by_ids, st.ShippingMethod.from_row)

    @cached_property
    def shipping_methods_by_zone_id(self) -> DataLoader[int, list[st.ShippingMethod]]:
        return _many(self.reader, shipping.methods_by_zone_ids, st.ShippingMethod.from_row)

    @cached_property
    def shipping_rates_by_method_id(self) -> DataLoader[int, list[st.ShippingRate]]:
        return _many(self.reader, shipping.rates_by_method_ids, st.ShippingRate.from_row)

    @cached_property
    def tax_rate_by_id(self) -> DataLoader[int, st.TaxRate | None]:
        return _one(self.reader, shipping.tax_rates_by_ids, st.TaxRate.from_row)

    @cached_property
    def discount_code_by_id(self) -> DataLoader[int, dt.DiscountCode | None]:
        return _one(self.reader, discounts.discounts_by_ids, dt.DiscountCode.from_row)

    @cached_property
    def draft_order_by_id(self) -> DataLoader[int, drt.DraftOrder | None]:
        return _one(self.reader, drafts.drafts_by_ids, drt.DraftOrder.from_row)

    @cached_property
    def order_id_by_draft_id(self) -> DataLoader[int, int | None]:
        return _one(self.reader, drafts.order_ids_by_draft_ids, int)

    def clear_all(self) -> None:
        """Forget everything loaded so far: after a mutation, reads must see the new state."""
        for value in vars(self).values():
            if isinstance(value, DataLoader):
                value.clear_all()

    # The books: staff data, callers check MANAGE_ACCOUNTING or VIEW_REPORTS.
    @cached_property
    def journal_entry_by_id(self) -> DataLoader[int, lt.JournalEntry | None]:
        return _one(self.reader, accounting.entries_by_ids, lt.JournalEntry.from_row)

    @cached_property
    def journal_reversal_by_entry_id(self) -> DataLoader[int, lt.JournalEntry | None]:
        return _one(self.reader, accounting.reversals_by_entry_ids, lt.JournalEntry.from_row)

    @cached_property
    def journal_lines_by_entry_id(self) -> DataLoader[int, list[lt.JournalLine]]:
        return _many(self.reader, accounting.lines_by_entry_ids, lt.JournalLine.from_row)
