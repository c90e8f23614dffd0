"""How the demo's orders were paid: by card through Stripe, or by hand (bank transfer, cash
on delivery), in full or in instalments.

A demo shop has no Stripe keys, so no processor is called. A card order is played through
the real card checkout instead: the cart's payment row is written as
``checkout.card.start_card_payment`` leaves it (PENDING, intent ``pi_demo_<n>``, its
create key), and ``checkout.card.settle_intent`` is handed the succeeded intent Stripe
would report — so the order is placed, its stock allocated, the card payment linked,
captured (``stripe:pi_demo_<n>:capture``) and fraud-screened exactly as in production.
A refund made later at Stripe is recorded the way its webhook records it
(``payments.webhooks.sync_refunds``). Manual money goes through
``payments.service.record_payment``. Keys and card details derive from the seed's own
data, so the same seed writes the same facts.
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
import string
from collections.abc import Mapping

from sqlalchemy import select

from commerce.cart.quote import load_lines, quote
from commerce.checkout.card import GATEWAY, settle_intent
from commerce.checkout.service import CARD, cart_view
from commerce.db.database import Database
from commerce.db.fetch import session_fetch
from commerce.db.models import Cart, Order, Payment
from commerce.payments.gateway import (
    CardDetails,
    DisputeInfo,
    GatewayError,
    Intent,
    IntentStatus,
    RefundInfo,
)
from commerce.payments.rules import PaymentRecordStatus
from commerce.payments.service import record_payment
from commerce.payments.webhooks import sync_refunds
from commerce.settings import Settings
from commerce.shared.clock import utcnow

BRANDS = ("visa", "visa", "mastercard", "mastercard", "amex")
NO_PROCESSOR = "the demo seed calls no payment processor"


class _NoProcessor:
    """The gateway handed to ``settle_intent``: a paid intent that can be placed never
    calls it, and anything that would (money going back) fails the seed loudly."""

    name = GATEWAY
    publishable_key = ""

    async def create_intent(self, *, amount: int, currency: str, capture_manual: bool,
                            metadata: Mapping[str, str], idempotency_key: str) -> Intent:
        raise GatewayError(NO_PROCESSOR)

    async def update_intent(self, intent_id: str, *, amount: int,
                            idempotency_key: str) -> Intent:
        raise GatewayError(NO_PROCESSOR)

    async def confirm_intent(self, intent_id: str, *, payment_method: str,
                             idempotency_key: str) -> Intent:
        raise GatewayError(NO_PROCESSOR)

    async def retrieve_intent(self, intent_id: str) -> Intent:
        raise GatewayError(NO_PROCESSOR)

    async def capture(self, intent_id: str, *, amount: int | None,
                      idempotency_key: str) -> Intent:
        raise GatewayError(NO_PROCESSOR)

    async def void(self, intent_id: str, *, idempotency_key: str) -> Intent:
        raise GatewayError(NO_PROCESSOR)

    async def refund(self, intent_id: str, *, amount: int, reason: str,
                     idempotency_key: str) -> RefundInfo:
        raise GatewayError(NO_PROCESSOR)

    async def retrieve_dispute(self, dispute_id: str) -> DisputeInfo:
        raise GatewayError(NO_PROCESSOR)


def demo_card(email: str, country: str) -> CardDetails:
    """The card this shopper always pays with (the same card, so the same fingerprint):
    brand, last four, expiry and fingerprint drawn from the e-mail; checks passed."""
    rng = random.Random(hashlib.sha256(email.encode()).digest())
    return CardDetails(
        brand=rng.choice(BRANDS), last4=f"{rng.randrange(10_000):04d}",
        exp_month=rng.randint(1, 12), exp_year=utcnow().year + rng.randint(1, 4),
        fingerprint="".join(rng.choices(string.ascii_letters + string.digits, k=16)),
        country=country, cvc_check="pass", postal_check="pass")


def radar_score(intent_id: str) -> int:
    """A low Stripe Radar score (Radar says "normal" below 65; ours stay far below)."""
    return int(hashlib.sha256(intent_id.encode()).hexdigest(), 16) % 20 + 3


async def place_card_order(db: Database, settings: Settings, cart_id: int, *,
                           intent_id: str, card: CardDetails) -> tuple[int, Intent]:
    """Place the cart's order as a succeeded Stripe payment would: returns the order id and
    the intent (for a later refund)."""
    async with db.transaction() as session:
        cart = (await session.execute(select(Cart).where(Cart.id == cart_id))).scalar_one()
        lines = await load_lines(session_fetch(session), cart.id)
        q = await quote(session_fetch(session), cart_view(cart), currency=settings.currency,
                        prices_include_tax=settings.prices_include_tax, now=utcnow(),
                        lines=lines)
        total = q.breakdown.total
        cart.payment_method = CARD
        payment = Payment(cart_id=cart.id, gateway=GATEWAY, method=CARD, amount=total,
                          currency=q.currency, status=PaymentRecordStatus.PENDING.value,
                          psp_reference=intent_id, email=(cart.email or "").lower())
        session.add(payment)
        await session.flush()
        # The create call's key, as start_card_payment stores it before calling Stripe.
        payment.intent_key = f"commerce-payment-{payment.id}-create"
        metadata = {"payment_id": str(payment.id), "cart_id": str(cart.id)}
    intent = Intent(id=intent_id, status=IntentStatus.SUCCEEDED, amount=total,
                    currency=q.currency.lower(), amount_received=total, metadata=metadata,
                    card=card, risk_level="normal", risk_score=radar_score(intent_id))
    placed = await settle_intent(db, _NoProcessor(), intent, settings=settings)
    if placed is None:
        raise RuntimeError(f"the demo card payment {intent_id} placed no order")
    return placed.order_id, intent


async def refund_at_stripe(db: Database, intent: Intent, *, refund_id: str,
                           amount: int) -> None:
    """A partial refund made in Stripe's dashboard, recorded as its webhook records it."""
    await sync_refunds(db, dataclasses.replace(
        intent, refunds=(RefundInfo(refund_id, amount, "succeeded"),)))


async def order_total(db: Database, order_id: int) -> tuple[int, str]:
    async with db.transaction() as session:
        row = (await session.execute(select(Order.total, Order.number).where(
            Order.id == order_id))).one()
    return int(row.total), str(row.number)


async def pay_by_hand(db: Database, order_id: int, *, instalment: int, instalments: int,
                      reference: str, actor_id: int | None) -> None:
    """Record one of ``instalments`` equal parts (the last pays what is left) by the
    order's own method, as staff would with orderPaymentRecord."""
    total, number = await order_total(db, order_id)
    last = instalment == instalments
    if instalments > 1:
        reference = f"{reference} (instalment {instalment} of {instalments})"
    await record_payment(db, order_id, amount=None if last else total // instalments,
                         method=None, reference=reference,
                         idempotency_key=f"demo-seed:order-{number}:payment-{instalment}",
                         actor_id=actor_id)
