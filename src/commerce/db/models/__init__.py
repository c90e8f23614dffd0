"""All ORM models, imported here so metadata is complete for Alembic and tests."""

from commerce.db.models.accounting import JournalEntry, JournalLine, LedgerAccount
from commerce.db.models.accounts import Address, AuthToken, LoginAttempt, User
from commerce.db.models.cart import Cart, CartLine
from commerce.db.models.catalog import (
    Category,
    Collection,
    CollectionProduct,
    Product,
    ProductImage,
    ProductVariant,
)
from commerce.db.models.discounts import DiscountCode, DiscountUsage
from commerce.db.models.events import OutboxDelivery, OutboxEvent, StockMovement
from commerce.db.models.fraud import BlocklistEntry, OrderRisk
from commerce.db.models.fulfillment import (
    Fulfillment,
    FulfillmentLine,
    FulfillmentPackage,
    OrderTrackingEvent,
    Shipment,
    ShipmentEvent,
)
from commerce.db.models.inventory import Stock, StockReservation, Warehouse
from commerce.db.models.orders import (
    Counter,
    CustomerNote,
    Order,
    OrderAllocation,
    OrderEvent,
    OrderLine,
)
from commerce.db.models.payments import Payment, PaymentTransaction
from commerce.db.models.returns import Return, ReturnLine
from commerce.db.models.shipping import ShippingMethod, ShippingRate, ShippingZone, TaxRate
from commerce.db.models.shop import ShopSetting
from commerce.db.models.webhooks import WebhookEvent

__all__ = [
    "Address",
    "AuthToken",
    "BlocklistEntry",
    "Cart",
    "CartLine",
    "Category",
    "Collection",
    "CollectionProduct",
    "Counter",
    "CustomerNote",
    "DiscountCode",
    "DiscountUsage",
    "Fulfillment",
    "FulfillmentLine",
    "FulfillmentPackage",
    "JournalEntry",
    "JournalLine",
    "LedgerAccount",
    "LoginAttempt",
    "Order",
    "OrderAllocation",
    "OrderEvent",
    "OrderLine",
    "OrderRisk",
    "OrderTrackingEvent",
    "OutboxDelivery",
    "OutboxEvent",
    "Payment",
    "PaymentTransaction",
    "Product",
    "ProductImage",
    "ProductVariant",
    "Return",
    "ReturnLine",
    "Shipment",
    "ShipmentEvent",
    "ShippingMethod",
    "ShippingRate",
    "ShippingZone",
    "ShopSetting",
    "Stock",
    "StockMovement",
    "StockReservation",
    "TaxRate",
    "User",
    "Warehouse",
    "WebhookEvent",
]
