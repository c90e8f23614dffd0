"""Card payments for tests: an order placed and paid by card on the fake Stripe server (an
intent created through the gateway, paid as Stripe.js would, and the Payment with its
AUTHORIZE or CAPTURE row written as the card checkout writes them)."""

from __future__ import annotations

from commerce.checkout.service import complete_checkout
from commerce.db.database import Database
from commerce.db.models import Payment
from commerce.orders.locking import lock_order
from commerce.payments.gateway import PaymentGateway
from commerce.payments.records import add_transaction, sync_order
from commerce.payments.rules import TransactionKind
from commerce.settings import Settings
from tests.fakes.stripe_server import FakeStripe
from tests.order_factories import make_cart, make_shop, make_variant


class Card:
    """A placed order (total 1500) paid by card: authorised, or captured."""

    def __init__(self, order_id: int, payment_id: int, intent_id: str, variant: int) -> None:
        self.order_id, self.payment_id, self.intent_id = order_id, payment_id, intent_id
        self.variant = variant


async def card_order(db: Database, settings: Settings, gateway: PaymentGateway,
                      fake: FakeStripe, *, authorize_only: bool) -> Card:
    shop = await make_shop(db)
    variant = await make_variant(db, shop, stock=5, price=1000)
    placed = await complete_checkout(db, await make_cart(db, shop, {variant: 1}),
                                     settings=settings)
    order_id = placed.order_id
    intent = await gateway.create_intent(amount=1500, currency="USD",
                                         capture_manual=authorize_only, metadata={},
                                         idempotency_key=f"test-intent-{order_id}")
    fake.pay(intent.id)
    kind = TransactionKind.AUTHORIZE if authorize_only else TransactionKind.CAPTURE
    async with db.transaction() as s:
        order = await lock_order(s, order_id)
        payment = Payment(order_id=order_id, gateway="stripe", method="CARD", amount=1500,
                          currency="USD", psp_reference=intent.id, card_brand="visa",
                          card_last4="4242",
                          status="AUTHORIZED" if authorize_only else "CAPTURED")
        s.add(payment)
        await s.flush()
        await add_transaction(s, payment_id=payment.id, order_id=order_id, kind=kind,
                              amount=1500, currency="USD", psp_reference=intent.id,
                              idempotency_key=f"stripe:{intent.id}:{kind.value.lower()}")
        await sync_order(s, order)
    return Card(order_id, payment.id, intent.id, variant)


