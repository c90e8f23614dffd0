"""The packing slip / pick list of a fulfilment as a PDF (pure: data in, bytes out).

One A4 page per ~20 lines (the table continues with its header repeated). Code 128 barcodes
for the order number (top right) and for each line's SKU, each with the code printed under
it, so a scanner or a person can read them. The warehouse clerk picks by SKU and location,
ticks the box, and scans each item (``fulfillmentItemScan`` checks it against the list).

reportlab's built-in Helvetica covers Latin-1; names in other scripts fall back to "?" per
character rather than failing the whole slip.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import KeepTogether

BARCODE_HEIGHT = 9 * mm
ORDER_BARCODE_HEIGHT = 14 * mm


@dataclass(frozen=True, slots=True)
class SlipLine:
    sku: str
    name: str
    quantity: int
    variant: str = ""
    location: str = ""  # bin / shelf, when the warehouse keeps one


@dataclass(frozen=True, slots=True)
class PackingSlip:
    shop_name: str
    order_number: str
    fulfillment_ref: str
    placed_at: datetime
    warehouse: str
    ship_to: tuple[str, ...]  # address lines, name first
    shipping_method: str
    lines: tuple[SlipLine, ...]
    customer_note: str = ""
    printed_at: datetime | None = None
    extra: dict[str, str] = field(default_factory=dict)


def _latin1(text: str) -> str:
    """What Helvetica can draw: Latin-1 kept, anything else as "?" (never a failed slip)."""
    return text.encode("latin-1", "replace").decode("latin-1")


def _text(text: str) -> str:
    return escape(_latin1(text))


class _Barcode(Flowable):
    """A Code 128 barcode with its value printed underneath."""

    def __init__(self, value: str, height: float, bar_width: float = 0.33 * mm) -> None:
        super().__init__()
        self.value = value
        self.code = Code128(_latin1(value), barHeight=height, barWidth=bar_width,
                            humanReadable=True, quiet=False)
        self.width, self.height = self.code.width, height + 4 * mm

    def draw(self) -> None:
        self.code.drawOn(self.canv, 0, 4 * mm)


def render(slip: PackingSlip) -> bytes:
    """The slip as PDF bytes."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
        bottomMargin=15 * mm, title=f"Packing slip {slip.order_number}",
        author=_latin1(slip.shop_name))
    styles = getSampleStyleSheet()
    small = ParagraphStyle("small", parent=styles["Normal"], fontSize=9, leading=11)
    heading = ParagraphStyle("h", parent=styles["Heading2"], spaceAfter=2 * mm)
    placed = slip.placed_at.strftime("%Y-%m-%d %H:%M UTC")
    header = Table([[
        [Paragraph(_text(slip.shop_name), heading),
         Paragraph(f"Packing slip &mdash; order <b>{_text(slip.order_number)}</b>", small),
         Paragraph(f"Fulfilment {_text(slip.fulfillment_ref)} &middot; placed {placed}", small),
         Paragraph(f"Ship from: {_text(slip.warehouse)}", small)],
        _Barcode(slip.order_number, ORDER_BARCODE_HEIGHT, bar_width=0.4 * mm),
    ]], colWidths=[110 * mm, 70 * mm])
    header.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                ("ALIGN", (1, 0), (1, 0), "RIGHT")]))
    ship_to = "<br/>".join(_text(line) for line in slip.ship_to if line)
    story: list[Flowable] = [
        header, Spacer(1, 4 * mm),
        Paragraph("<b>Ship to</b>", small), Paragraph(ship_to or "&ndash;", small),
        Paragraph(f"Shipping: {_text(slip.shipping_method) or '&ndash;'}", small),
        Spacer(1, 5 * mm),
    ]
    rows: list[list[object]] = [["", "Item", "SKU", "Location", "Qty"]]
    for line in slip.lines:
        item = _text(line.name) + (f"<br/><font size=8>{_text(line.variant)}</font>"
                                   if line.variant else "")
        rows.append(["\u25a1", Paragraph(item, small),
                     _Barcode(line.sku, BARCODE_HEIGHT),
                     Paragraph(_text(line.location) or "&ndash;", small),
                     str(line.quantity)])
    rows.append(["", Paragraph("<b>Total units</b>", small), "", "",
                 str(sum(line.quantity for line in slip.lines))])
    table = Table(rows, colWidths=[8 * mm, 62 * mm, 70 * mm, 25 * mm, 15 * mm],
                  repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 9),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ("LINEBELOW", (0, 1), (-1, -2), 0.25, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (-1, 0), (-1, -1), "RIGHT"),
        ("FONTSIZE", (0, 1), (0, -1), 14),
    ]))
    story.append(table)
    if slip.customer_note:
        story += [Spacer(1, 5 * mm), KeepTogether([
            Paragraph("<b>Customer note</b>", small),
            Paragraph(_text(slip.customer_note), small)])]
    printed = slip.printed_at or slip.placed_at

    def footer(canvas: object, document: object) -> None:
        canvas.saveState()  # type: ignore[attr-defined]
        canvas.setFont("Helvetica", 8)  # type: ignore[attr-defined]
        canvas.drawString(  # type: ignore[attr-defined]
            15 * mm, 8 * mm,
            f"Order {_latin1(slip.order_number)} - page {document.page} - printed "  # type: ignore[attr-defined]
            f"{printed.strftime('%Y-%m-%d %H:%M UTC')}")
        canvas.restoreState()  # type: ignore[attr-defined]

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
