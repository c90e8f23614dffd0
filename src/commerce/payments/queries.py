"""Reads for the API: an order's payments and transactions, batched by order id (loaders).

Callers reach these only through an order the viewer may read (``Order.payments``), so the
order's own owner filter already applies."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import BindParameter, Row, bindparam, select

from commerce.db.database import Reader
from commerce.db.models import Payment, PaymentTransaction

_IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)
_PAYMENTS_BY_ORDER_IDS = (
    select(Payment.id, Payment.order_id, Payment.gateway, Payment.method, Payment.amount,
           Payment.currency, Payment.status, Payment.psp_reference, Payment.created_at,
           Payment.card_brand, Payment.card_last4, Payment.card_exp_month,
           Payment.card_exp_year)
    .where(Payment.order_id.in_(_IDS))
    .order_by(Payment.order_id, Payment.id))
_TRANSACTIONS_BY_ORDER_IDS = (
    select(PaymentTransaction.id, PaymentTransaction.payment_id, PaymentTransaction.order_id,
           PaymentTransaction.kind, PaymentTransaction.amount, PaymentTransaction.currency,
           PaymentTransaction.status, PaymentTransaction.psp_reference,
           PaymentTransaction.reason, PaymentTransaction.created_at)
    .where(PaymentTransaction.order_id.in_(_IDS))
    .order_by(PaymentTransaction.order_id, PaymentTransaction.id))


def _grouped(rows: Sequence[Row[Any]]) -> dict[int, list[Row[Any]]]:
    grouped: dict[int, list[Row[Any]]] = defaultdict(list)
    for row in rows:
        grouped[row.order_id].append(row)
    return grouped


async def payments_by_order_ids(reader: Reader, ids: Sequence[int]
                                ) -> dict[int, list[Row[Any]]]:
    return _grouped(await reader.all(_PAYMENTS_BY_ORDER_IDS, {"ids": list(ids)}))


async def transactions_by_order_ids(reader: Reader, ids: Sequence[int]
                                    ) -> dict[int, list[Row[Any]]]:
    return _grouped(await reader.all(_TRANSACTIONS_BY_ORDER_IDS, {"ids": list(ids)}))
