"""``POST /webhooks/stripe``: verify, store once, acknowledge, then process.

The signature is checked on the raw body (Stripe signs the exact bytes; a re-serialised body
fails). A verified event is stored in the inbox (unique on source + event id) and answered
2xx at once; it is processed after the response (a background task), and reconciliation
retries whatever is left unprocessed. Anything unverifiable is 400 with no effect.
"""

from __future__ import annotations

import logging

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from commerce.db.database import Database
from commerce.payments.gateways import gateway_for
from commerce.payments.webhooks import process_event, store_event
from commerce.settings import Settings

log = logging.getLogger("commerce.webhooks")


class StripeWebhookEndpoint:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    async def handle(self, request: Request) -> Response:
        gateway = gateway_for(self.settings)
        if gateway is None:
            return JSONResponse({"error": "card payments are not configured"}, 404)
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit()
                                     or int(declared) > self.settings.max_body_bytes):
            return JSONResponse({"error": "body too large"}, 413)
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > self.settings.max_body_bytes:
                return JSONResponse({"error": "body too large"}, 413)
        # Imported here: the SDK loads only in shops that take cards.
        from commerce.integrations.stripe.webhooks import InvalidWebhook, parse_event

        try:
            event = parse_event(bytes(body), request.headers.get("stripe-signature"),
                                self.settings.stripe_webhook_secret)
        except InvalidWebhook as exc:
            log.warning("refused a Stripe webhook: %s", exc)
            return JSONResponse({"error": str(exc)}, 400)
        row_id = await store_event(self.db, event.id, event.type, event.raw)
        if row_id is None:  # a redelivery: stored (and processed or queued) before
            return JSONResponse({"received": True, "duplicate": True})
        return JSONResponse({"received": True}, background=BackgroundTask(
            process_event, self.db, gateway, self.settings, row_id))
