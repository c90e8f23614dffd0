"""``ManualGateway``: the port for payments with no processor (bank transfer, cash on
delivery, cheque, pay later). Money moves outside the shop and staff record it, so there
is no card to charge: capture, void and refund succeed at once and only give the record a
reference (``manual-<idempotency key>``), the same for a repeated key."""

from __future__ import annotations

from collections.abc import Mapping

from commerce.payments.gateway import DisputeInfo, GatewayError, Intent, IntentStatus, RefundInfo

NO_CARDS = "the manual gateway takes no card payments"


def reference(idempotency_key: str) -> str:
    """The reference a manual movement is recorded under."""
    return f"manual-{idempotency_key}"


class ManualGateway:
    name = "manual"
    publishable_key = ""

    async def create_intent(self, *, amount: int, currency: str, capture_manual: bool,
                            metadata: Mapping[str, str], idempotency_key: str) -> Intent:
        raise GatewayError(NO_CARDS, code="INVALID")

    async def update_intent(self, intent_id: str, *, amount: int,
                            idempotency_key: str) -> Intent:
        raise GatewayError(NO_CARDS, code="INVALID")

    async def confirm_intent(self, intent_id: str, *, payment_method: str,
                             idempotency_key: str) -> Intent:
        raise GatewayError(NO_CARDS, code="INVALID")

    async def retrieve_intent(self, intent_id: str) -> Intent:
        raise GatewayError("the manual gateway holds no payment intents", code="NOT_FOUND")

    async def capture(self, intent_id: str, *, amount: int | None,
                      idempotency_key: str) -> Intent:
        # The amount is what staff say was received; the processor side has no total.
        taken = amount or 0
        return Intent(id=intent_id, status=IntentStatus.SUCCEEDED, amount=taken, currency="",
                      amount_received=taken,
                      metadata={"reference": reference(idempotency_key)})

    async def void(self, intent_id: str, *, idempotency_key: str) -> Intent:
        return Intent(id=intent_id, status=IntentStatus.CANCELED, amount=0, currency="",
                      metadata={"reference": reference(idempotency_key)})

    async def refund(self, intent_id: str, *, amount: int, reason: str,
                     idempotency_key: str) -> RefundInfo:
        return RefundInfo(id=reference(idempotency_key), amount=amount, status="succeeded")

    async def retrieve_dispute(self, dispute_id: str) -> DisputeInfo:
        raise GatewayError("the manual gateway has no disputes", code="NOT_FOUND")
