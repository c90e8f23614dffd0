"""``GET /fulfillments/{id}/packing-slip.pdf?signature=...``: a fulfilment's packing slip.

The signed link (``Fulfillment.packingSlipUrl``, handed to staff with MANAGE_FULFILLMENT)
is the permission: 403 when the signature is missing, altered, for another fulfilment or
expired; 404 when the fulfilment does not exist; otherwise the PDF.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from commerce.db.database import Database
from commerce.fulfillment.slips import check_signature, slip_pdf
from commerce.settings import Settings
from commerce.shared.ids import InvalidIdError, decode_int_id
from commerce.shared.signing import SignatureError, SignatureExpired


class PackingSlipEndpoint:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    async def handle(self, request: Request) -> Response:
        try:
            pk = decode_int_id(str(request.path_params["id"]), "Fulfillment")
        except InvalidIdError:
            return JSONResponse({"error": "no such fulfillment"}, 404)
        try:
            check_signature(self.settings, pk, request.query_params.get("signature", ""))
        except SignatureExpired:
            return JSONResponse({"error": "this link has expired; ask the API for a new "
                                          "packingSlipUrl"}, 403)
        except SignatureError:
            return JSONResponse({"error": "invalid signature"}, 403)
        pdf = await slip_pdf(self.db, pk)
        if pdf is None:
            return JSONResponse({"error": "no such fulfillment"}, 404)
        return Response(pdf, media_type="application/pdf", headers={
            "Content-Disposition": f'inline; filename="packing-slip-{pk}.pdf"',
            # A link that grants access by itself must not be kept by shared caches.
            "Cache-Control": "private, no-store"})
