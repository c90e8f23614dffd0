"""``StripeGateway``: the payment gateway port over the official ``stripe`` SDK.

Every call is async (the SDK's ``*_async`` methods over httpx), so a slow Stripe never
blocks the event loop. Every POST carries the caller's idempotency key unchanged; the SDK
retries timeouts, connection errors, 409 and 5xx with that same key, so a retry replays
Stripe's first answer instead of charging twice. Responses are read from the JSON Stripe
sent (``last_response.data``), which looks the same in every SDK release we support.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from typing import Any

import stripe

from commerce.payments.gateway import (
    CardDeclined,
    CardDetails,
    DisputeInfo,
    GatewayError,
    GatewayUnavailable,
    Intent,
    IntentStatus,
    RefundInfo,
)
from commerce.settings import Settings

# Retries after the first attempt, each with the same idempotency key (the SDK waits
# ~0.5 s, then ~1 s): a blip is absorbed, an outage surfaces within seconds.
MAX_NETWORK_RETRIES = 2
# Seconds for one HTTP attempt; a checkout should not hang on a stuck connection.
REQUEST_TIMEOUT = 20.0
# One request fills an Intent completely: its charge (card, checks, risk) and refunds.
INTENT_EXPAND = ["latest_charge", "latest_charge.refunds"]
# The only refund reasons Stripe accepts; our free text goes to metadata.
STRIPE_REFUND_REASONS = frozenset({"duplicate", "fraudulent", "requested_by_customer"})


class StripeGateway:
    """Card payments through Stripe (PaymentIntents)."""

    name = "stripe"

    def __init__(self, settings: Settings) -> None:
        self.publishable_key = settings.stripe_publishable_key
        # No stripe_version pin: the SDK sends the API version its types were generated
        # for, and we only read fields that are stable across versions (see _intent).
        self._client = stripe.StripeClient(
            settings.stripe_secret_key,
            base_addresses={"api": settings.stripe_api_base},
            http_client=stripe.HTTPXClient(timeout=REQUEST_TIMEOUT),
            max_network_retries=MAX_NETWORK_RETRIES,
        )

    async def create_intent(self, *, amount: int, currency: str, capture_manual: bool,
                            metadata: Mapping[str, str], idempotency_key: str) -> Intent:
        data = await self._call(self._client.v1.payment_intents.create_async(
            params={
                "amount": amount,
                "currency": currency.lower(),
                "capture_method": "manual" if capture_manual else "automatic",
                "automatic_payment_methods": {"enabled": True},
                "metadata": dict(metadata),
                "expand": INTENT_EXPAND,
            },
            options={"idempotency_key": idempotency_key}))
        return _intent(data)

    async def update_intent(self, intent_id: str, *, amount: int,
                            idempotency_key: str) -> Intent:
        data = await self._call(self._client.v1.payment_intents.update_async(
            intent_id, params={"amount": amount, "expand": INTENT_EXPAND},
            options={"idempotency_key": idempotency_key}))
        return _intent(data)

    async def confirm_intent(self, intent_id: str, *, payment_method: str,
                             idempotency_key: str) -> Intent:
        data = await self._call(self._client.v1.payment_intents.confirm_async(
            intent_id, params={"payment_method": payment_method, "expand": INTENT_EXPAND},
            options={"idempotency_key": idempotency_key}))
        return _intent(data)

    async def retrieve_intent(self, intent_id: str) -> Intent:
        data = await self._call(self._client.v1.payment_intents.retrieve_async(
            intent_id, params={"expand": INTENT_EXPAND}))
        return _intent(data)

    async def capture(self, intent_id: str, *, amount: int | None,
                      idempotency_key: str) -> Intent:
        params: dict[str, Any] = {"expand": INTENT_EXPAND}
        if amount is not None:
            params["amount_to_capture"] = amount
        data = await self._call(self._client.v1.payment_intents.capture_async(
            intent_id, params=params,  # type: ignore[arg-type]
            options={"idempotency_key": idempotency_key}))
        return _intent(data)

    async def void(self, intent_id: str, *, idempotency_key: str) -> Intent:
        data = await self._call(self._client.v1.payment_intents.cancel_async(
            intent_id, params={"expand": INTENT_EXPAND},
            options={"idempotency_key": idempotency_key}))
        return _intent(data)

    async def refund(self, intent_id: str, *, amount: int, reason: str,
                     idempotency_key: str) -> RefundInfo:
        params: dict[str, Any] = {"payment_intent": intent_id, "amount": amount,
                                  "metadata": {"reason": reason[:500]}}
        if reason in STRIPE_REFUND_REASONS:
            params["reason"] = reason
        data = await self._call(self._client.v1.refunds.create_async(
            params=params,  # type: ignore[arg-type]
            options={"idempotency_key": idempotency_key}))
        return _refund(data)

    async def retrieve_dispute(self, dispute_id: str) -> DisputeInfo:
        data = await self._call(self._client.v1.disputes.retrieve_async(dispute_id))
        intent = data.get("payment_intent")
        if isinstance(intent, Mapping):
            intent = intent.get("id")
        return DisputeInfo(id=data["id"], intent_id=intent or None, amount=int(data["amount"]),
                           currency=str(data["currency"]).upper(), status=data["status"],
                           reason=data.get("reason") or "")

    async def _call(self, request: Awaitable[Any]) -> dict[str, Any]:
        """Await one SDK call; its JSON, or our error for Stripe's."""
        try:
            result = await request
        except stripe.CardError as exc:
            raise _declined(exc) from exc
        except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
            raise GatewayUnavailable(f"Stripe is unreachable or busy: {exc.user_message or exc}") \
                from exc
        except stripe.StripeError as exc:
            status = exc.http_status or 0
            if status >= 500 or status == 409:
                raise GatewayUnavailable(
                    f"Stripe kept failing (HTTP {status}): {exc.user_message or exc}") from exc
            raise GatewayError(str(exc.user_message or exc), code=_code(exc)) from exc
        response = result.last_response
        if response is None or not isinstance(response.data, dict):  # pragma: no cover
            raise GatewayError("Stripe answered without a JSON object")
        return response.data


def _declined(exc: stripe.CardError) -> CardDeclined:
    body = exc.json_body if isinstance(exc.json_body, dict) else {}
    error: dict[str, Any] = body.get("error") or {}
    decline_code = error.get("decline_code") or exc.code or None
    message = error.get("message") or exc.user_message or "Your card was declined."
    if decline_code:
        message = f"{message} ({decline_code})"
    return CardDeclined(message, decline_code)


def _code(exc: stripe.StripeError) -> str:
    """Our ErrorCode for a refused request: the state was wrong, the object is unknown,
    or the request was invalid (e.g. a refund above what is left)."""
    if exc.code in {"payment_intent_unexpected_state", "charge_already_refunded",
                    "charge_already_captured", "charge_disputed"}:
        return "INVALID_STATE"
    if exc.code == "resource_missing":
        return "NOT_FOUND"
    if isinstance(exc, stripe.InvalidRequestError) and not isinstance(
            exc, stripe.IdempotencyError):
        return "INVALID"
    return "PAYMENT_FAILED"


def _refund(data: Mapping[str, Any]) -> RefundInfo:
    return RefundInfo(id=data["id"], amount=int(data["amount"]), status=data["status"])


def _intent(data: Mapping[str, Any]) -> Intent:
    charge = data.get("latest_charge")
    charge = charge if isinstance(charge, Mapping) else {}
    card_data = (charge.get("payment_method_details") or {}).get("card") or {}
    checks = card_data.get("checks") or {}
    outcome = charge.get("outcome") or {}
    refunds_list = charge.get("refunds") or {}
    # Stripe lists newest first; oldest first by creation time (ties keep list order).
    listed = list(reversed(refunds_list.get("data") or []))
    refunds = tuple(_refund(r) for r in sorted(listed, key=lambda r: r.get("created") or 0))
    error = data.get("last_payment_error") or {}
    card = CardDetails(
        brand=card_data.get("brand") or "", last4=card_data.get("last4") or "",
        exp_month=card_data.get("exp_month"), exp_year=card_data.get("exp_year"),
        fingerprint=card_data.get("fingerprint") or "", country=card_data.get("country") or "",
        cvc_check=checks.get("cvc_check") or "",
        postal_check=checks.get("address_postal_code_check") or "",
    ) if card_data else None
    return Intent(
        id=data["id"], status=IntentStatus(data["status"]), amount=int(data["amount"]),
        currency=str(data["currency"]).upper(),
        amount_received=int(data.get("amount_received") or 0),
        amount_capturable=int(data.get("amount_capturable") or 0),
        client_secret=data.get("client_secret"),
        metadata={str(k): str(v) for k, v in (data.get("metadata") or {}).items()},
        card=card, risk_level=outcome.get("risk_level"), risk_score=outcome.get("risk_score"),
        decline_code=error.get("decline_code") or error.get("code") or None,
        failure_message=error.get("message") or None,
        failure_charge_id=_charge_id(error.get("charge")),
        refunds=refunds,
    )


def _charge_id(value: Any) -> str | None:
    """``last_payment_error.charge``: an id, or the charge itself when expanded."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return str(value["id"])
    return None
