"""The packing slip PDF: a real PDF that a reader opens, carrying the order number and every
SKU as Code 128 barcodes with their text, the ship-to address and quantities; long orders
continue on further pages."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader
from reportlab.graphics.barcode.code128 import Code128

from commerce.fulfillment import packing_slip
from commerce.fulfillment.packing_slip import PackingSlip, SlipLine, render

pytestmark = pytest.mark.timeout(60)

PLACED = datetime(2026, 11, 30, 14, 5, tzinfo=UTC)


def slip(lines: int = 3, **changes: object) -> PackingSlip:
    values: dict[str, object] = dict(
        shop_name="Demo Shop", order_number="1042", fulfillment_ref="F-1042-1",
        placed_at=PLACED, warehouse="Main warehouse",
        ship_to=("Ann Example", "1 Market St", "San Francisco CA 94107", "United States"),
        shipping_method="Standard",
        lines=tuple(SlipLine(sku=f"MUG-{i:03d}", name=f"Mug {i}", quantity=i % 3 + 1,
                             variant="Blue / Large" if i % 2 else "", location=f"A-{i}")
                    for i in range(lines)),
        customer_note="Leave at the door")
    values.update(changes)
    return PackingSlip(**values)  # type: ignore[arg-type]


def text_of(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_the_slip_is_a_pdf_with_everything_the_packer_needs() -> None:
    pdf = render(slip())
    assert pdf.startswith(b"%PDF-")
    pages, text = text_of(pdf)
    assert pages == 1
    for expected in ("Demo Shop", "1042", "F-1042-1", "Main warehouse", "Ann Example",
                     "San Francisco CA 94107", "Standard", "MUG-000", "MUG-001", "MUG-002",
                     "Mug 1", "Blue / Large", "A-2", "Leave at the door", "Total units"):
        assert expected in text, expected
    assert PdfReader(io.BytesIO(pdf)).metadata.title == "Packing slip 1042"


def _decode(code: Code128) -> str:
    """Read a Code 128 symbol back as a scanner does: check the checksum, then decode the
    values in code set B (characters) or C (digit pairs), following switches between them."""
    code.validate()
    code.encode()
    start, *values, checksum, stop = code.encoded
    assert stop == 106 and start in (104, 105)
    assert (start + sum(i * v for i, v in enumerate(values, 1))) % 103 == checksum
    mode, out = {104: "B", 105: "C"}[start], []
    for v in values:
        if v == 99 and mode == "B":
            mode = "C"
        elif v == 100 and mode == "C":
            mode = "B"
        else:
            out.append(f"{v:02d}" if mode == "C" else chr(v + 32))
    return "".join(out)


def test_barcodes_encode_the_order_number_and_each_sku(
        monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[Code128] = []

    class Recording(Code128):  # type: ignore[misc]
        def __init__(self, value: str, **kw: object) -> None:
            super().__init__(value, **kw)
            drawn.append(self)

    monkeypatch.setattr(packing_slip, "Code128", Recording)
    render(slip(lines=2))
    assert [_decode(code) for code in drawn] == ["1042", "MUG-000", "MUG-001"]


def test_a_long_order_continues_on_more_pages_with_the_header_repeated() -> None:
    pages, text = text_of(render(slip(lines=60)))
    assert pages >= 3
    assert text.count("Location") == pages  # the table header on every page
    assert "MUG-059" in text
    assert f"page {pages}" in text


def test_names_outside_latin_1_do_not_break_the_slip() -> None:
    pdf = render(slip(ship_to=("Zoë Ł. 山田", "Straße 1"), customer_note="<script>&"))
    _, text = text_of(pdf)
    assert "Zoë" in text and "Straße 1" in text and "<script>&" in text
