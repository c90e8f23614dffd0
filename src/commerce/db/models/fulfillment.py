"""The warehouse's work on an order (fulfilments: pick, pack, ship), the parcels handed to
carriers (shipments) with their tracking events, and the order's tracking log (the versioned
events live subscriptions replay)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from commerce.db.base import Base, UTCDateTime
from commerce.shared.clock import utcnow


class Fulfillment(Base):
    """Units of an order taken from one warehouse's allocated stock: a pick list, then packed
    parcels, then one shipment. Cancelling before it ships frees its units for another."""

    __tablename__ = "fulfillments"
    __table_args__ = (
        CheckConstraint("status IN ('PICKING', 'PACKED', 'SHIPPED', 'CANCELED')",
                        name="status"),
        UniqueConstraint("order_id", "sequence"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id", ondelete="RESTRICT"),
                                              index=True)
    # 1, 2, ... per order: the fulfilment's number is "<order number>-<sequence>".
    sequence: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="PICKING", index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    packed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    canceled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class FulfillmentLine(Base):
    """How many units of an order line this fulfilment takes from one stock row, and how many
    the picker has scanned so far."""

    __tablename__ = "fulfillment_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("quantity_picked >= 0 AND quantity_picked <= quantity",
                        name="picked_within"),
        UniqueConstraint("fulfillment_id", "order_line_id", "stock_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fulfillment_id: Mapped[int] = mapped_column(
        ForeignKey("fulfillments.id", ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int] = mapped_column(
        ForeignKey("order_lines.id", ondelete="CASCADE"), index=True)
    stock_id: Mapped[int] = mapped_column(ForeignKey("stocks.id", ondelete="RESTRICT"),
                                          index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    quantity_picked: Mapped[int] = mapped_column(Integer, default=0)


class FulfillmentPackage(Base):
    """One parcel of a packed fulfilment (weight and outer dimensions, for the carrier)."""

    __tablename__ = "fulfillment_packages"
    __table_args__ = (
        CheckConstraint("weight_grams > 0 AND length_cm > 0 AND width_cm > 0 AND height_cm > 0",
                        name="measures_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fulfillment_id: Mapped[int] = mapped_column(
        ForeignKey("fulfillments.id", ondelete="CASCADE"), index=True)
    weight_grams: Mapped[int] = mapped_column(Integer)
    length_cm: Mapped[int] = mapped_column(Integer)
    width_cm: Mapped[int] = mapped_column(Integer)
    height_cm: Mapped[int] = mapped_column(Integer)


class Shipment(Base):
    """A fulfilment handed to a carrier, and where it is (``shipping.tracking``'s running
    maxima are stored, so an event applies without re-reading the others)."""

    __tablename__ = "shipments"
    __table_args__ = (
        CheckConstraint(
            "status IN ('SHIPPED', 'IN_TRANSIT', 'DELAYED', 'OUT_FOR_DELIVERY', 'EXCEPTION', "
            "'DELIVERED')", name="status"),
        # Carrier webhooks find the shipment by its tracking number.
        UniqueConstraint("carrier", "tracking_number"),
        # The delay sweep pages through undelivered shipments by id: delivered ones (nearly
        # all, over time) are not in the index.
        Index("ix_shipments_undelivered_id", "id",
              postgresql_where=text("status <> 'DELIVERED'"),
              sqlite_where=text("status <> 'DELIVERED'")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # One shipment per fulfilment, guaranteed by the database even if two clerks race.
    fulfillment_id: Mapped[int] = mapped_column(
        ForeignKey("fulfillments.id", ondelete="CASCADE"), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          index=True)
    carrier: Mapped[str] = mapped_column(String(32))
    service: Mapped[str] = mapped_column(String(100), default="")
    tracking_number: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(24), default="SHIPPED")
    # TrackingState's running maxima (see shipping/tracking.py).
    status_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    latest_status: Mapped[str] = mapped_column(String(24), default="SHIPPED")
    latest_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    exception_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    eta: Mapped[date | None] = mapped_column(Date)
    eta_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The shipping method's promise (business days after shipping); None when unknown.
    promised_date: Mapped[date | None] = mapped_column(Date)
    # The last delay notice sent: when, and the expected date it announced (None: unknown).
    delay_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delay_notified_eta: Mapped[date | None] = mapped_column(Date)
    shipped_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ShipmentEvent(Base):
    """One tracking event for a shipment: from a carrier webhook (stored once per carrier
    event id) or entered by staff."""

    __tablename__ = "shipment_events"
    __table_args__ = (
        CheckConstraint(
            "status IN ('IN_TRANSIT', 'DELAYED', 'OUT_FOR_DELIVERY', 'EXCEPTION', 'DELIVERED')",
            name="status"),
        UniqueConstraint("carrier", "external_id"),
        Index("ix_shipment_events_shipment_id_occurred_at", "shipment_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"))
    carrier: Mapped[str] = mapped_column(String(32))
    # The carrier's event id; staff entries get a generated one.
    external_id: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(24))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    eta: Mapped[date | None] = mapped_column(Date)
    location: Mapped[str] = mapped_column(String(255), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(16), default="CARRIER")  # CARRIER | STAFF
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OrderTrackingEvent(Base):
    """The order's tracking log: what a customer watching the order sees, one row per change,
    numbered 1, 2, 3... per order (``orders.tracking_version`` is the last number given).

    Written in the transaction of the change it reports, after bumping the order's counter,
    so numbers follow commit order per order and a reconnecting client replays exactly the
    rows after the version it has."""

    __tablename__ = "order_tracking_events"
    __table_args__ = (UniqueConstraint("order_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(32))
    shipment_id: Mapped[int | None] = mapped_column(
        ForeignKey("shipments.id", ondelete="SET NULL"))
    message: Mapped[str] = mapped_column(Text, default="")
    # The order's status after the change (staff dashboards filter on it without a join).
    order_status: Mapped[str] = mapped_column(String(16))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
