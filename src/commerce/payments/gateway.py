"""The payment gateway port: what the payment services need from a card processor, in our
own terms. Adapters: ``payments.manual.ManualGateway`` (no processor: money moves outside
the shop) and ``integrations.stripe.StripeGateway`` (the only code that imports ``stripe``).

Every call that changes something takes an idempotency key the caller derived from our own
ids and stored before calling, so a retry after a timeout, a crash or a 5xx can never
create a second intent, capture or refund. Amounts are integers in minor units; currencies
are upper-case ISO 4217 codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol


class IntentStatus(StrEnum):
    """A payment intent's state, as Stripe names it."""

    REQUIRES_PAYMENT_METHOD = "requires_payment_method"
    REQUIRES_CONFIRMATION = "requires_confirmation"
    REQUIRES_ACTION = "requires_action"
    PROCESSING = "processing"
    REQUIRES_CAPTURE = "requires_capture"
    SUCCEEDED = "succeeded"
    CANCELED = "canceled"


# Still open: the shopper may yet pay (or is paying).
OPEN_INTENT_STATUSES = frozenset({
    IntentStatus.REQUIRES_PAYMENT_METHOD, IntentStatus.REQUIRES_CONFIRMATION,
    IntentStatus.REQUIRES_ACTION, IntentStatus.PROCESSING})


@dataclass(frozen=True, slots=True)
class CardDetails:
    """What the processor tells us about the card; never its number."""

    brand: str = ""
    last4: str = ""
    exp_month: int | None = None
    exp_year: int | None = None
    fingerprint: str = ""
    country: str = ""
    # "pass", "fail", "unavailable", "unchecked" or "" (unknown)
    cvc_check: str = ""
    postal_check: str = ""


@dataclass(frozen=True, slots=True)
class RefundInfo:
    id: str
    amount: int
    # "succeeded", "pending", "failed", "canceled", "requires_action"
    status: str


@dataclass(frozen=True, slots=True)
class Intent:
    """A payment intent as the processor holds it now."""

    id: str
    status: IntentStatus
    amount: int
    currency: str
    # Money taken, and money authorised but not yet taken.
    amount_received: int = 0
    amount_capturable: int = 0
    # For Stripe.js / the mobile SDKs; None when the processor did not return it.
    client_secret: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)
    card: CardDetails | None = None
    # The processor's own fraud verdict ("normal", "elevated", "highest") and score (0-100).
    risk_level: str | None = None
    risk_score: int | None = None
    # The last failed attempt: decline code (e.g. "insufficient_funds") and message.
    decline_code: str | None = None
    failure_message: str | None = None
    # The charge that failed (Stripe: last_payment_error.charge): one attempt, one id.
    failure_charge_id: str | None = None
    # Refunds of the intent's charge, oldest first.
    refunds: tuple[RefundInfo, ...] = ()

    @property
    def amount_refunded(self) -> int:
        return sum(r.amount for r in self.refunds if r.status == "succeeded")


@dataclass(frozen=True, slots=True)
class DisputeInfo:
    id: str
    intent_id: str | None
    amount: int
    currency: str
    # "warning_needs_response", "needs_response", "under_review", "won", "lost", ...
    status: str
    reason: str = ""


class GatewayError(Exception):
    """The processor refused or failed a call. ``code`` is ours (an ErrorCode value)."""

    def __init__(self, message: str, *, code: str = "PAYMENT_FAILED") -> None:
        super().__init__(message)
        self.code = code


class CardDeclined(GatewayError):
    """The card was declined; ``decline_code`` is the processor's reason, for the shopper."""

    def __init__(self, message: str, decline_code: str | None) -> None:
        super().__init__(message, code="CARD_DECLINED")
        self.decline_code = decline_code


class GatewayUnavailable(GatewayError):
    """The processor could not be reached or kept failing after retries with the same key;
    the call may or may not have taken effect, and repeating it with the same key is safe."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="PAYMENT_GATEWAY_UNAVAILABLE")


class PaymentGateway(Protocol):
    """A card processor. ``name`` is what ``payments.gateway`` columns store."""

    name: str
    # The key a browser or app uses with the processor's own client library.
    publishable_key: str

    async def create_intent(self, *, amount: int, currency: str, capture_manual: bool,
                            metadata: Mapping[str, str], idempotency_key: str) -> Intent: ...

    async def update_intent(self, intent_id: str, *, amount: int,
                            idempotency_key: str) -> Intent: ...

    async def confirm_intent(self, intent_id: str, *, payment_method: str,
                             idempotency_key: str) -> Intent:
        """Confirm server-side with a payment method id (a mobile or test flow); a decline
        raises ``CardDeclined``."""
        ...

    async def retrieve_intent(self, intent_id: str) -> Intent: ...

    async def capture(self, intent_id: str, *, amount: int | None,
                      idempotency_key: str) -> Intent:
        """Take all (None) or part of an authorised amount; the rest is released."""
        ...

    async def void(self, intent_id: str, *, idempotency_key: str) -> Intent:
        """Cancel an intent that has taken no money (releases an authorisation)."""
        ...

    async def refund(self, intent_id: str, *, amount: int, reason: str,
                     idempotency_key: str) -> RefundInfo: ...

    async def retrieve_dispute(self, dispute_id: str) -> DisputeInfo: ...
