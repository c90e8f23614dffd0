"""``POST /webhooks/carriers/{carrier}``: a carrier's tracking event, verified, stored once
and applied in the request (it is one small transaction).

Answers (JSON bodies):

- 200 ``{"received": true, "status": ...}``: applied; ``"duplicate": true`` when this event
  id was stored before (nothing changed); ``"ignored": "unknown tracking number"`` when no
  shipment of this carrier has the tracking number (logged; 2xx so the carrier stops
  retrying an event we will never be able to use).
- 400 ``{"error": ...}``: bad or missing signature, stale timestamp, malformed body
  (``"field"`` names the offending key). Nothing is stored.
- 404: unknown carrier in the path. 413: body over ``MAX_BODY_BYTES``.
- 503: ``COMMERCE_CARRIER_WEBHOOK_SECRET`` is not set (deliveries cannot be verified; the
  carrier's retries succeed once it is configured).
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from commerce.db.database import Database
from commerce.integrations.carriers.webhooks import (
    SIGNATURE_HEADER,
    InvalidCarrierWebhook,
    InvalidPayload,
    verify_and_parse,
)
from commerce.settings import Settings
from commerce.shipping.carriers import UnknownCarrier, parse_carrier
from commerce.shipping.shipment_tracking import (
    MAX_MESSAGE_LENGTH,
    EventSource,
    ShipmentNotFound,
    apply_tracking_event,
)

log = logging.getLogger("commerce.webhooks")

# A tracking event is a few hundred bytes; anything near this is not one.
MAX_BODY_BYTES = 64 * 1024


async def _read_bounded(request: Request, limit: int) -> bytes | None:
    """The raw body, or None once it passes ``limit`` (declared or actual)."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def _message(value: object) -> str:
    """The optional ``message`` (not part of the signed contract's required keys): text
    only, trimmed to what the staff entry allows."""
    return value.strip()[:MAX_MESSAGE_LENGTH] if isinstance(value, str) else ""


class CarrierWebhookEndpoint:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    async def handle(self, request: Request) -> Response:
        try:
            carrier = parse_carrier(request.path_params["carrier"])
        except UnknownCarrier as exc:
            return JSONResponse({"error": str(exc)}, 404)
        secrets = self.settings.carrier_webhook_secret
        if not secrets:
            return JSONResponse({"error": "carrier webhooks are not configured"}, 503)
        body = await _read_bounded(request, min(MAX_BODY_BYTES, self.settings.max_body_bytes))
        if body is None:
            return JSONResponse({"error": "body too large"}, 413)
        try:
            event = verify_and_parse(body, request.headers.get(SIGNATURE_HEADER), secrets,
                                     carrier=carrier)
        except InvalidCarrierWebhook as exc:
            log.warning("refused a %s tracking webhook: %s", carrier.value, exc)
            reason: dict[str, str] = {"error": str(exc)}
            if isinstance(exc, InvalidPayload) and exc.field is not None:
                reason["field"] = exc.field
            return JSONResponse(reason, 400)
        try:
            result = await apply_tracking_event(
                self.db, carrier=carrier, tracking_number=event.tracking_number,
                external_id=event.id, status=event.status, occurred_at=event.occurred_at,
                eta=event.eta, location=event.location,
                message=_message(event.raw.get("message")),
                source=EventSource.CARRIER)
        except ShipmentNotFound:
            log.warning("ignored a %s tracking event for unknown tracking number %s",
                        carrier.value, event.tracking_number)
            return JSONResponse({"received": True, "ignored": "unknown tracking number"})
        if not result.applied:
            return JSONResponse({"received": True, "duplicate": True})
        return JSONResponse({"received": True, "status": result.status.value})
