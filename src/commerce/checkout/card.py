"""Card checkout: a payment intent for the cart, stock reserved while the shopper pays, and
exactly one order once the money is there — placed by ``checkoutComplete`` or by the
processor's webhook, whichever comes first.

The rules that keep money and orders together:

- Every processor call carries an idempotency key derived from our payment row's id, and
  the row (with the create call's key) is committed before the call, so a retry after a
  timeout or a crash finds the same intent instead of making a second one.
- Placing the order locks the cart (as ``complete_checkout`` does); the second of two racing
  placements sees the cart completed and returns the same order. ``orders.cart_id`` is unique
  as well.
- Money that cannot become an order (the reservation lapsed and the stock sold, the cart
  changed after paying, the products went off sale) is given back: the payment is marked
  as being returned in one transaction (so no later placement can use it), the processor
  refunds or releases it under a key derived from the payment, and the outcome is recorded.
  Never a paid order without stock, never money kept without an order or a refund.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.accounts.viewer import Viewer
from commerce.cart.queries import reachable_carts
from commerce.cart.quote import Quote, load_lines, quote
from commerce.checkout.service import (
    CARD,
    PlacedOrder,
    after_placing,
    cart_view,
    completed_order,
    insufficient_stock_error,
    lock_cart,
    place_order,
    stock_demands,
    validate,
)
from commerce.db.database import Database
from commerce.db.fetch import session_fetch
from commerce.db.models import Cart, Order, Payment, PaymentTransaction
from commerce.events.outbox import emit
from commerce.inventory import reservations
from commerce.inventory.allocation import InsufficientStock
from commerce.orders.locking import lock_order
from commerce.payments.gateway import (
    OPEN_INTENT_STATUSES,
    GatewayError,
    Intent,
    IntentStatus,
    PaymentGateway,
)
from commerce.payments.records import add_transaction, sync_order
from commerce.payments.rules import PaymentRecordStatus, TransactionKind, TransactionStatus
from commerce.payments.settlement import record_gateway_capture
from commerce.settings import Settings
from commerce.shared.clock import utcnow
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError
from commerce.shared.money import format_amount

GATEWAY = "stripe"


def format_money(minor: int, currency: str) -> str:
    return f"{format_amount(minor, currency)} {currency}"


class _CannotPlace(Exception):
    """The money is there but the order cannot be placed: the money goes back."""

    def __init__(self, reason: str, code: ErrorCode) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


@dataclass(frozen=True, slots=True)
class CardPaymentStart:
    """What Stripe.js / the mobile SDKs need to take the payment."""

    payment_id: int
    intent_id: str
    client_secret: str
    publishable_key: str
    amount: int
    currency: str
    reserved_until: datetime


def _no_gateway() -> DomainError:
    return DomainError.one(ErrorCode.INVALID_STATE,
                           "this shop takes no card payments; choose BANK_TRANSFER or "
                           "CASH_ON_DELIVERY and complete the checkout")


def _gateway_error(exc: GatewayError) -> DomainError:
    return DomainError.one(ErrorCode(exc.code) if exc.code in ErrorCode.__members__
                           else ErrorCode.PAYMENT_FAILED, str(exc))


async def _open_payment(session: AsyncSession, cart_id: int) -> Payment | None:
    """The cart's card payment that may still become its order (newest first)."""
    return (await session.execute(
        select(Payment).where(Payment.cart_id == cart_id, Payment.gateway == GATEWAY,
                              Payment.status.in_([PaymentRecordStatus.PENDING.value,
                                                  PaymentRecordStatus.AUTHORIZED.value,
                                                  PaymentRecordStatus.CAPTURED.value]))
        .order_by(Payment.id.desc()).limit(1))).scalar_one_or_none()


def _create_key(payment_id: int) -> str:
    return f"commerce-payment-{payment_id}-create"


async def start_card_payment(db: Database, gateway: PaymentGateway | None, cart_token: str, *,
                             settings: Settings, viewer: Viewer | None,
                             client_address: str = "") -> CardPaymentStart:
    """Create (or bring up to date) the cart's payment intent for its current total and
    reserve its stock for ``settings.reservation_minutes``."""
    if gateway is None:
        raise _no_gateway()
    now = utcnow()
    reserved_until = now + timedelta(minutes=settings.reservation_minutes)
    async with db.transaction() as session:
        cart = await lock_cart(session, cart_token, "CART", reachable_carts(viewer))
        if cart.completed_at is not None:
            raise DomainError.one(ErrorCode.CART_COMPLETED, "this cart is already an order",
                                  ["cartId"])
        lines = await load_lines(session_fetch(session), cart.id)
        q = await quote(session_fetch(session), cart_view(cart), currency=settings.currency,
                        prices_include_tax=settings.prices_include_tax, now=now, lines=lines)
        validate(cart, q, CARD, card=True)
        total = q.breakdown.total
        if total <= 0:
            raise DomainError.one(ErrorCode.INVALID_STATE,
                                  "there is nothing to pay; complete the checkout with "
                                  "BANK_TRANSFER", ["cartId"])
        try:
            await reservations.reserve(session, cart.id, stock_demands(lines), now=now,
                                       expires_at=reserved_until)
        except InsufficientStock as exc:
            raise insufficient_stock_error(exc, lines) from None
        payment = await _open_payment(session, cart.id)
        if payment is not None and payment.status != PaymentRecordStatus.PENDING.value:
            raise DomainError.one(ErrorCode.INVALID_STATE,
                                  "this cart has been paid; complete the checkout",
                                  ["cartId"])
        if payment is None:
            payment = Payment(cart_id=cart.id, gateway=GATEWAY, method=CARD, amount=total,
                              currency=q.currency, status=PaymentRecordStatus.PENDING.value,
                              email=(cart.email or "").lower(),
                              client_address=client_address[:64])
            session.add(payment)
            await session.flush()
            # Stored before the call: a retry after a lost answer replays the same intent.
            payment.intent_key = _create_key(payment.id)
        elif payment.amount != total:
            payment.amount = total
        payment.updated_at = now
        cart.payment_method = CARD
        payment_id, intent_id, key = payment.id, payment.psp_reference, payment.intent_key
        amount_key = f"commerce-payment-{payment_id}-amount-{total}-{int(now.timestamp())}"
    try:
        if not intent_id:
            intent = await gateway.create_intent(
                amount=total, currency=q.currency,
                capture_manual=settings.payment_capture == "MANUAL",
                metadata={"payment_id": str(payment_id), "cart_id": str(cart.id)},
                idempotency_key=key)
            async with db.transaction() as session:
                await session.execute(update(Payment).where(
                    Payment.id == payment_id, Payment.psp_reference == "").values(
                    psp_reference=intent.id))
        else:
            intent = await gateway.retrieve_intent(intent_id)
            if intent.status not in OPEN_INTENT_STATUSES:
                raise DomainError.one(ErrorCode.INVALID_STATE,
                                      "this cart's payment has gone through already; "
                                      "complete the checkout", ["cartId"])
            if intent.amount != total:
                intent = await gateway.update_intent(intent_id, amount=total,
                                                     idempotency_key=amount_key)
    except GatewayError as exc:
        raise _gateway_error(exc) from None
    if intent.client_secret is None:
        raise DomainError.one(ErrorCode.PAYMENT_FAILED,
                              "the payment processor returned no client secret")
    return CardPaymentStart(payment_id, intent.id, intent.client_secret,
                            gateway.publishable_key, total, q.currency, reserved_until)


async def complete_card_checkout(db: Database, gateway: PaymentGateway | None,
                                 cart_token: str, *, settings: Settings,
                                 viewer: Viewer | None) -> PlacedOrder:
    """Place the order of a cart whose card payment has succeeded (or is authorised, with
    manual capture); idempotent like ``complete_checkout``."""
    reader = db.reader()
    try:
        row = await reader.first(select(Cart.id, Cart.completed_at).where(
            Cart.token == cart_token, Cart.kind == "CART", reachable_carts(viewer)))
        if row is None:
            raise DomainError.one(ErrorCode.NOT_FOUND, "no such cart", ["cartId"])
        completed = row.completed_at is not None
        payment = await reader.first(
            select(Payment.id, Payment.psp_reference).where(
                Payment.cart_id == row.id, Payment.gateway == GATEWAY)
            .order_by(Payment.id.desc()).limit(1))
    finally:
        await reader.close()
    if completed:
        async with db.transaction() as session:
            placed, rejected = await completed_order(session, row.id)
        return await after_placing(db, placed, rejected, settings)
    if gateway is None:
        raise _no_gateway()
    if payment is None or not payment.psp_reference:
        raise DomainError.one(ErrorCode.PAYMENT_NOT_COMPLETED,
                              "no card payment was started for this cart; call "
                              "checkoutPaymentCreate and pay first", ["cartId"])
    try:
        intent = await gateway.retrieve_intent(payment.psp_reference)
    except GatewayError as exc:
        raise _gateway_error(exc) from None
    settled = await settle_intent(db, gateway, intent, settings=settings, viewer=viewer)
    if settled is None:
        raise DomainError.one(ErrorCode.PAYMENT_NOT_COMPLETED,
                              "the card payment has not succeeded", ["cartId"])
    return settled


def _card_values(intent: Intent) -> dict[str, object]:
    card = intent.card
    values: dict[str, object] = {
        "processor_risk_level": intent.risk_level or "",
        "processor_risk_score": intent.risk_score}
    if card is not None:
        values.update(card_brand=card.brand[:32], card_last4=card.last4[:4],
                      card_exp_month=card.exp_month, card_exp_year=card.exp_year,
                      card_fingerprint=card.fingerprint[:64], card_country=card.country[:2],
                      cvc_check=card.cvc_check[:16], postal_check=card.postal_check[:16])
    return values


async def _payment_for(session: AsyncSession, intent: Intent, *,
                       fresh: bool = False) -> Payment | None:
    statement = select(Payment).where(Payment.gateway == GATEWAY,
                                      Payment.psp_reference == intent.id)
    if fresh:
        statement = statement.execution_options(populate_existing=True)
    return (await session.execute(statement)).scalar_one_or_none()


async def settle_intent(db: Database, gateway: PaymentGateway, intent: Intent, *,
                        settings: Settings, viewer: Viewer | None = None
                        ) -> PlacedOrder | None:
    """Apply what the processor says about an intent, whoever asks (checkout, webhook,
    reconciliation): money there → the order (once) or the money back; a decline or a
    cancel → recorded. Returns the order when there is one; raises DomainError when the
    shopper must be told something (declined, refunded for lack of stock)."""
    if intent.status in (IntentStatus.SUCCEEDED, IntentStatus.REQUIRES_CAPTURE):
        return await _place_paid(db, gateway, intent, settings=settings, viewer=viewer)
    # Recorded first (committed), told after: raising inside would roll the record back.
    told: DomainError | None = None
    async with db.transaction() as session:
        payment = await _payment_for(session, intent)
        if payment is None:
            return None
        if payment.order_id is not None:
            order = (await session.execute(select(Order.id, Order.token).where(
                Order.id == payment.order_id))).one()
            return PlacedOrder(order.id, order.token, created=False)
        if intent.status is IntentStatus.CANCELED:
            if payment.status == PaymentRecordStatus.PENDING.value:
                payment.status = PaymentRecordStatus.VOIDED.value
                if payment.cart_id is not None:
                    await reservations.release(session, payment.cart_id)
            told = DomainError.one(ErrorCode.PAYMENT_NOT_COMPLETED,
                                   "the card payment was canceled; start a new one with "
                                   "checkoutPaymentCreate", ["cartId"])
        elif intent.decline_code or intent.failure_message:
            await _record_failure(session, payment, intent)
            told = DomainError.one(
                ErrorCode.CARD_DECLINED,
                f"{intent.failure_message or 'the card was declined'}"
                f" ({intent.decline_code or 'declined'}); try another card", ["cartId"])
    if told is not None:
        raise told
    if intent.status is IntentStatus.PROCESSING:
        raise DomainError.one(ErrorCode.PAYMENT_NOT_COMPLETED,
                              "the payment is being processed; the order is placed as soon "
                              "as it succeeds", ["cartId"])
    return None


async def _record_failure(session: AsyncSession, payment: Payment, intent: Intent) -> None:
    await record_failed_attempt(session, payment, charge_id=intent.failure_charge_id,
                                decline_code=intent.decline_code,
                                message=intent.failure_message)


async def record_failed_attempt(session: AsyncSession, payment: Payment, *,
                                charge_id: str | None, decline_code: str | None,
                                message: str | None) -> None:
    """A failed attempt, once per failed charge whoever reports it (checkout, webhook);
    fraud screening counts them."""
    if charge_id is None:
        # No charge id (not a card error): one record per distinct failure text.
        charge_id = f"{payment.psp_reference}:{decline_code}:{message}"[:100]
    added = await add_transaction(
        session, payment_id=payment.id, order_id=payment.order_id,
        kind=TransactionKind.AUTHORIZE, amount=payment.amount, currency=payment.currency,
        status=TransactionStatus.FAILED, idempotency_key=f"stripe:{charge_id}:failed",
        psp_reference=payment.psp_reference, reason=(message or "")[:500])
    if added is None:
        return
    payment.failure_code = (decline_code or "")[:64]
    payment.failure_message = (message or "")[:500]
    await emit(session, "payment.failed", "Payment", payment.id, {
        "payment_id": payment.id, "cart_id": payment.cart_id, "order_id": payment.order_id,
        "amount": payment.amount, "currency": payment.currency,
        "decline_code": decline_code, "message": message})


async def _place_paid(db: Database, gateway: PaymentGateway, intent: Intent, *,
                      settings: Settings, viewer: Viewer | None) -> PlacedOrder | None:
    held = (intent.amount_received if intent.status is IntentStatus.SUCCEEDED
            else intent.amount_capturable)
    try:
        async with db.transaction() as session:
            found = await _payment_for(session, intent)
            if found is None or found.cart_id is None:
                return None  # not ours (another system on the same Stripe account)
            cart = await lock_cart(session, "", "CART", true(), cart_id=found.cart_id)
            # Read again under the cart's lock: a placement that held it may have linked the
            # payment to its order meanwhile (the first read can predate that commit).
            payment = await _payment_for(session, intent, fresh=True)
            assert payment is not None
            if payment.order_id is not None or cart.completed_at is not None:
                order = (await session.execute(select(Order).where(
                    Order.cart_id == cart.id))).scalar_one()
                if payment.order_id is None:
                    # Completed another way meanwhile (another payment, bank transfer...).
                    raise _CannotPlace("the cart was already completed without this payment",
                                       ErrorCode.CART_COMPLETED)
                await _record_money(session, payment, intent, held, order)
                placed, rejected = await completed_order(session, cart.id)
            else:
                placed, rejected = await _place_new(session, cart, payment, intent, held,
                                                    settings=settings, viewer=viewer)
    except _CannotPlace as cannot:
        # The transaction above rolled back; now the money goes back.
        return await _return_money(db, gateway, intent, held, reason=cannot.reason,
                                   code=cannot.code)
    # HIGH risk: canceled now, the money returned, the shopper told nothing useful.
    return await after_placing(db, placed, rejected, settings)


async def _place_new(session: AsyncSession, cart: Cart, payment: Payment, intent: Intent,
                     held: int, *, settings: Settings, viewer: Viewer | None
                     ) -> tuple[PlacedOrder, bool]:
    """Place the paid cart's order with its payment linked (``_CannotPlace`` if it may not
    be placed: the money then goes back)."""
    # Marked as being returned (a REFUND or VOID, even PENDING): no order may use it.
    if await _has_transaction(session, payment.id, TransactionKind.REFUND, TransactionKind.VOID):
        raise _CannotPlace("the payment is being returned", ErrorCode.PAYMENT_FAILED)
    now = utcnow()
    lines = await load_lines(session_fetch(session), cart.id)
    q = await quote(session_fetch(session), cart_view(cart), currency=settings.currency,
                    prices_include_tax=settings.prices_include_tax, now=now, lines=lines)
    _check_amount(q, intent, held)

    async def link(order_id: int) -> Payment:
        order = (await session.execute(select(Order).where(Order.id == order_id))
                 ).scalar_one()
        payment.order_id = order_id
        await _record_money(session, payment, intent, held, order)
        return payment

    try:
        validate(cart, q, CARD, card=True)
        return await place_order(session, cart, lines, q, CARD, viewer=viewer,
                                 settings=settings, now=now,
                                 client_address=payment.client_address, link_payment=link)
    except DomainError as exc:
        raise _CannotPlace("; ".join(p.message for p in exc.problems),
                           exc.problems[0].code) from None


def _check_amount(q: Quote, intent: Intent, held: int) -> None:
    if intent.currency.upper() != q.currency:
        raise _CannotPlace(f"the payment is in {intent.currency.upper()}, the cart in "
                           f"{q.currency}", ErrorCode.PAYMENT_FAILED)
    if held != q.breakdown.total:
        raise _CannotPlace(
            f"the cart's total changed to {format_money(q.breakdown.total, q.currency)} "
            f"after {format_money(held, q.currency)} was paid; pay again",
            ErrorCode.PAYMENT_FAILED)


async def _record_money(session: AsyncSession, payment: Payment, intent: Intent, held: int,
                        order: Order) -> None:
    """Link the payment to its order and record what the processor holds (once per fact)."""
    await lock_order(session, order.id)
    for key, value in _card_values(intent).items():
        setattr(payment, key, value)
    captured = intent.status is IntentStatus.SUCCEEDED
    kind = TransactionKind.CAPTURE if captured else TransactionKind.AUTHORIZE
    if captured and payment.order_id is not None and await _has_transaction(
            session, payment.id, TransactionKind.AUTHORIZE, status=TransactionStatus.SUCCESS):
        # Authorised at checkout, captured since (paymentCapture, Stripe's dashboard): settle
        # a capture staff asked for and whose answer was lost, or record the capture once.
        await record_gateway_capture(session, payment, intent.amount_received, intent.id)
        return
    # A capture made through paymentCapture is already recorded (under its own key).
    known = (await session.execute(select(PaymentTransaction.id).where(
        PaymentTransaction.payment_id == payment.id, PaymentTransaction.kind == kind.value,
        PaymentTransaction.status != TransactionStatus.FAILED.value).limit(1))).first()
    if known is not None:
        return
    await session.execute(update(PaymentTransaction).where(
        PaymentTransaction.payment_id == payment.id, PaymentTransaction.order_id.is_(None)
    ).values(order_id=order.id))
    added = await add_transaction(
        session, payment_id=payment.id, order_id=order.id, kind=kind, amount=held,
        currency=payment.currency, psp_reference=intent.id,
        idempotency_key=f"stripe:{intent.id}:{kind.value.lower()}")
    if added is None:
        return
    payment.amount = held
    payment.status = (PaymentRecordStatus.CAPTURED if captured
                      else PaymentRecordStatus.AUTHORIZED).value
    totals = await sync_order(session, order)
    await emit(session, "payment.captured" if captured else "payment.authorized", "Order",
               order.id, {"order_id": order.id, "payment_id": payment.id,
                          "transaction_id": added, "gateway": GATEWAY, "method": CARD,
                          "amount": held, "currency": payment.currency,
                          "psp_reference": intent.id, "amount_paid": totals.paid,
                          "payment_status": order.payment_status})


async def _has_transaction(session: AsyncSession, payment_id: int, *kinds: TransactionKind,
                           status: TransactionStatus | None = None) -> bool:
    """Whether the payment has a transaction of one of ``kinds`` (with ``status``)."""
    statement = select(PaymentTransaction.id).where(
        PaymentTransaction.payment_id == payment_id,
        PaymentTransaction.kind.in_([k.value for k in kinds]))
    if status is not None:
        statement = statement.where(PaymentTransaction.status == status.value)
    return (await session.execute(statement.limit(1))).first() is not None


async def _return_money(db: Database, gateway: PaymentGateway, intent: Intent, held: int, *,
                        reason: str, code: ErrorCode) -> PlacedOrder | None:
    """Give back money that did not become an order, then tell the shopper why."""
    captured = intent.status is IntentStatus.SUCCEEDED
    kind = TransactionKind.REFUND if captured else TransactionKind.VOID
    async with db.transaction() as session:
        found = await _payment_for(session, intent)
        assert found is not None and found.cart_id is not None
        # Under the cart's lock, like placing: never give back the money of a placed order.
        await lock_cart(session, "", "CART", true(), cart_id=found.cart_id)
        payment = await _payment_for(session, intent, fresh=True)
        assert payment is not None
        if payment.order_id is not None:
            order = (await session.execute(select(Order.id, Order.token).where(
                Order.id == payment.order_id))).one()
            return PlacedOrder(order.id, order.token, created=False)
        earlier = (await session.execute(select(PaymentTransaction).where(
            PaymentTransaction.idempotency_key == f"commerce-payment-{payment.id}-return"))
        ).scalar_one_or_none()
        if earlier is not None and earlier.status == TransactionStatus.SUCCESS.value:
            # Returned before (a repeated completion, a late webhook): only tell again.
            raise _returned(captured, held, payment.currency, earlier.psp_reference,
                            earlier.reason or reason, code)
        if captured:
            await add_transaction(
                session, payment_id=payment.id, order_id=None, kind=TransactionKind.CAPTURE,
                amount=held, currency=payment.currency, psp_reference=intent.id,
                idempotency_key=f"stripe:{intent.id}:capture")
        # Marks the payment as being returned before the call: no placement may use it now.
        pending = await add_transaction(
            session, payment_id=payment.id, order_id=None, kind=kind, amount=held,
            currency=payment.currency, status=TransactionStatus.PENDING,
            idempotency_key=f"commerce-payment-{payment.id}-return", reason=reason[:500])
        payment_id, cart_id, currency = payment.id, payment.cart_id, payment.currency
        if cart_id is not None:
            await reservations.release(session, cart_id)
    key = f"commerce-payment-{payment_id}-return"
    try:
        if captured:
            refund = await gateway.refund(intent.id, amount=held, reason=reason,
                                          idempotency_key=key)
            reference, ok = refund.id, refund.status in ("succeeded", "pending")
        else:
            voided = await gateway.void(intent.id, idempotency_key=key)
            reference, ok = voided.id, voided.status is IntentStatus.CANCELED
    except GatewayError as exc:
        # Left PENDING: reconciliation (or the next webhook) retries with the same key.
        raise DomainError.one(
            ErrorCode.PAYMENT_GATEWAY_UNAVAILABLE,
            f"{reason}; returning your payment failed for now ({exc}) and will be retried "
            "automatically") from None
    async with db.transaction() as session:
        payment = (await session.execute(select(Payment).where(
            Payment.id == payment_id).with_for_update())).scalar_one()
        row = (await session.execute(select(PaymentTransaction).where(
            PaymentTransaction.payment_id == payment_id,
            PaymentTransaction.idempotency_key == key))).scalar_one()
        if row.status == TransactionStatus.PENDING.value:
            row.status = (TransactionStatus.SUCCESS if ok else TransactionStatus.FAILED).value
            row.psp_reference = reference
            payment.status = (PaymentRecordStatus.REFUNDED if captured
                              else PaymentRecordStatus.VOIDED).value
            payment.failure_message = reason[:500]
            await emit(session, "payment.returned", "Payment", payment_id, {
                "payment_id": payment_id, "cart_id": cart_id, "amount": held,
                "currency": currency, "kind": kind.value, "psp_reference": reference,
                "reason": reason, "pending_transaction": pending})
    raise _returned(captured, held, currency, reference, reason, code)


def _returned(captured: bool, held: int, currency: str, reference: str, reason: str,
              code: ErrorCode) -> DomainError:
    money = format_money(held, currency)
    told = (f"; your payment of {money} has been refunded (refund {reference})" if captured
            else f"; the {money} held on your card has been released")
    return DomainError.one(code, f"{reason}{told}", ["cartId"])
