"""Packing slip links and their PDFs.

A slip is reached by a signed, expiring link (``shared.signing``, purpose "packing-slip"): the
API hands it only to staff with MANAGE_FULFILLMENT, and the link itself is the permission, so
a browser or a label printer can open it without a token. The signature covers the
fulfilment's id, so a link cannot be turned into another fulfilment's; it expires after
``COMMERCE_PACKING_SLIP_URL_MINUTES``.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from urllib.parse import quote

from sqlalchemy import select

from commerce.db.database import Database
from commerce.db.models import Fulfillment, FulfillmentLine, Order, OrderLine, Warehouse
from commerce.fulfillment.packing_slip import PackingSlip, SlipLine, render
from commerce.fulfillment.service import fulfillment_number
from commerce.settings import Settings
from commerce.shared.clock import utcnow
from commerce.shared.ids import encode_id
from commerce.shared.signing import SignatureError, Signer, signer

PURPOSE = "packing-slip"
SHOP_NAME = "commerce"


def _signer(settings: Settings) -> Signer:
    return signer(settings, PURPOSE)


def slip_path(settings: Settings, fulfillment_id: int) -> str:
    """The slip's URL path with a fresh signature (relative to the API's origin)."""
    signature = _signer(settings).sign(str(fulfillment_id))
    return (f"/fulfillments/{encode_id('Fulfillment', fulfillment_id)}/packing-slip.pdf"
            f"?signature={quote(signature, safe='')}")


def check_signature(settings: Settings, fulfillment_id: int, signature: str) -> None:
    """Raises ``SignatureError`` (or ``SignatureExpired``) unless ``signature`` was made for
    this fulfilment within the allowed age."""
    value = _signer(settings).unsign(
        signature, max_age=timedelta(minutes=settings.packing_slip_url_minutes))
    if value != str(fulfillment_id):
        raise SignatureError("the signature is for another fulfillment")


def _address_lines(address: dict[str, str] | None) -> tuple[str, ...]:
    if not address:
        return ()
    name = " ".join(p for p in (address.get("first_name", ""), address.get("last_name", ""))
                    if p)
    city = " ".join(p for p in (address.get("postal_code", ""), address.get("city", ""),
                                address.get("country_area", "")) if p)
    return tuple(line for line in (name, address.get("company", ""),
                                   address.get("street_address_1", ""),
                                   address.get("street_address_2", ""), city,
                                   address.get("country_code", ""),
                                   address.get("phone", "")) if line)


async def slip_pdf(db: Database, fulfillment_id: int) -> bytes | None:
    """The fulfilment's packing slip as PDF bytes; None when there is no such fulfilment."""
    reader = db.reader()
    try:
        head = await reader.first(
            select(Fulfillment.sequence, Order.number, Order.created_at,
                   Order.shipping_address, Order.shipping_method_name, Order.customer_note,
                   Warehouse.name.label("warehouse"))
            .join(Order, Order.id == Fulfillment.order_id)
            .join(Warehouse, Warehouse.id == Fulfillment.warehouse_id)
            .where(Fulfillment.id == fulfillment_id))
        if head is None:
            return None
        lines = await reader.all(
            select(OrderLine.sku, OrderLine.product_name, OrderLine.variant_name,
                   FulfillmentLine.quantity)
            .join(OrderLine, OrderLine.id == FulfillmentLine.order_line_id)
            .where(FulfillmentLine.fulfillment_id == fulfillment_id)
            .order_by(FulfillmentLine.id))
    finally:
        await reader.close()
    slip = PackingSlip(
        shop_name=SHOP_NAME, order_number=head.number,
        fulfillment_ref=fulfillment_number(head.number, head.sequence),
        placed_at=head.created_at, warehouse=head.warehouse,
        ship_to=_address_lines(head.shipping_address),
        shipping_method=head.shipping_method_name,
        lines=tuple(SlipLine(sku=r.sku, name=r.product_name, quantity=r.quantity,
                             variant=r.variant_name) for r in lines),
        customer_note=head.customer_note, printed_at=utcnow())
    # reportlab is CPU-bound; keep the event loop free while it draws.
    return await asyncio.to_thread(render, slip)
