"""ManualGateway: no card payments; capture, void and refund are records only."""

from __future__ import annotations

import pytest

from commerce.payments.gateway import GatewayError, IntentStatus, PaymentGateway
from commerce.payments.manual import ManualGateway


async def test_it_takes_no_card_payments() -> None:
    gateway: PaymentGateway = ManualGateway()
    assert gateway.name == "manual" and gateway.publishable_key == ""
    with pytest.raises(GatewayError, match="takes no card payments"):
        await gateway.create_intent(amount=100, currency="USD", capture_manual=False,
                                    metadata={}, idempotency_key="k")
    with pytest.raises(GatewayError, match="takes no card payments"):
        await gateway.confirm_intent("x", payment_method="pm_card_visa", idempotency_key="k")
    with pytest.raises(GatewayError, match="takes no card payments"):
        await gateway.update_intent("x", amount=100, idempotency_key="k")


async def test_capture_void_and_refund_succeed_at_once_with_a_reference() -> None:
    gateway = ManualGateway()
    captured = await gateway.capture("order-1", amount=500, idempotency_key="cap-1")
    assert captured.status is IntentStatus.SUCCEEDED and captured.amount_received == 500
    assert captured.metadata["reference"] == "manual-cap-1"
    voided = await gateway.void("order-1", idempotency_key="void-1")
    assert voided.status is IntentStatus.CANCELED
    assert voided.metadata["reference"] == "manual-void-1"
    refund = await gateway.refund("order-1", amount=200, reason="broken",
                                  idempotency_key="ref-1")
    assert (refund.id, refund.amount, refund.status) == ("manual-ref-1", 200, "succeeded")
    # The same key gives the same reference, so a retry is recorded once.
    again = await gateway.refund("order-1", amount=200, reason="broken",
                                 idempotency_key="ref-1")
    assert again == refund
