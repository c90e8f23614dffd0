"""Posting rules: pure functions from one business fact to balanced journal lines.

Amounts are integer minor units of the fact's currency, signed the ledger's way: a debit is
positive, a credit negative, so every entry's lines sum to zero per currency. Facts carry
non-negative amounts; each rule decides the sides. Zero lines are dropped and lines to the
same account are merged (``legs``), so a rule never produces a line the database refuses.

Revenue is recognised when goods ship (DESIGN §4): money taken before that is a customer
deposit, and goods shipped before they are paid for are a receivable.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from commerce.accounting.chart import Code, tax_jurisdiction, tax_payable_code


@dataclass(frozen=True, slots=True)
class Leg:
    """One journal line: ``amount`` minor units of ``currency`` on account ``account`` (a
    chart code); debit positive, credit negative. ``jurisdiction`` ("US-CA", "DE") says
    where a revenue or tax line was taxed, for the tax report; None elsewhere."""

    account: str
    amount: int
    currency: str
    jurisdiction: str | None = None


# Lines of these accounts carry the fact's jurisdiction: together they are the net taxable
# sales of the tax report (tax lines carry their own account's jurisdiction).
TAXABLE_ACCOUNTS = frozenset({Code.SALES.value, Code.SHIPPING_INCOME.value,
                              Code.DISCOUNTS.value, Code.RETURNS.value})


def order_jurisdiction(address: Mapping[str, Any] | None) -> str | None:
    """The jurisdiction of an order's shipping address: "US-CA" with a region, "DE"
    without; None without an address (a digital order taxed nowhere in particular)."""
    if not address:
        return None
    country = str(address.get("country_code") or "").strip().upper()
    area = str(address.get("country_area") or "").strip().upper()
    if not country:
        return None
    return f"{country}-{area}"[:16] if area else country


class UnbalancedError(ValueError):
    """Lines that do not sum to zero in some currency (or no lines at all)."""


def _line_jurisdiction(account: str, jurisdiction: str | None) -> str | None:
    return tax_jurisdiction(account) or (jurisdiction if account in TAXABLE_ACCOUNTS else None)


def legs(currency: str, pairs: Iterable[tuple[str, int]], *,
         jurisdiction: str | None = None) -> tuple[Leg, ...]:
    """Lines from (account, signed amount) pairs: same accounts merged, zeros dropped, in
    first-seen order (stable, so tests and exports read the same every time). Revenue lines
    are tagged with ``jurisdiction``, tax lines with their account's."""
    totals: dict[str, int] = {}
    for account, amount in pairs:
        account = str(account)
        totals[account] = totals.get(account, 0) + amount
    return tuple(Leg(account, amount, currency, _line_jurisdiction(account, jurisdiction))
                 for account, amount in totals.items() if amount)


def imbalances(lines: Sequence[Leg]) -> dict[str, int]:
    """Currency -> how far its lines are from summing to zero (only currencies that are off)."""
    sums: dict[str, int] = defaultdict(int)
    for line in lines:
        sums[line.currency] += line.amount
    return {currency: total for currency, total in sums.items() if total}


def check_balanced(lines: Sequence[Leg]) -> None:
    """Raise ``UnbalancedError`` unless there are lines, none zero, summing to zero per
    currency. The ledger service calls this before the database checks the same thing."""
    if len(lines) < 2:
        raise UnbalancedError("a journal entry needs at least two lines")
    if any(line.amount == 0 for line in lines):
        raise UnbalancedError("a journal line cannot be zero")
    off = imbalances(lines)
    if off:
        detail = ", ".join(f"{c} off by {a}" for c, a in sorted(off.items()))
        raise UnbalancedError(f"journal lines do not balance: {detail}")


def reversal(lines: Sequence[Leg]) -> tuple[Leg, ...]:
    """The lines that cancel ``lines`` exactly (a correcting entry)."""
    return tuple(Leg(line.account, -line.amount, line.currency, line.jurisdiction)
                 for line in lines)


class CashAccount(StrEnum):
    """Where money arrives or leaves: the bank (manual payments, payouts), the Stripe
    clearing account (card money Stripe holds until it pays out), or the customer's store
    credit (paying with credit moves the shop's debt from credit to the order's deposit)."""

    BANK = Code.BANK.value
    STRIPE_CLEARING = Code.STRIPE_CLEARING.value
    STORE_CREDIT = Code.STORE_CREDIT.value


# The account each payment gateway's money moves through.
GATEWAY_ACCOUNTS: dict[str, CashAccount] = {
    "manual": CashAccount.BANK,
    "stripe": CashAccount.STRIPE_CLEARING,
    "store_credit": CashAccount.STORE_CREDIT,
}


def cash_account_for(gateway: str) -> CashAccount:
    """Where a payment of ``gateway`` ("manual", "stripe", "store_credit") holds its money;
    an unknown gateway is a bug, not a silent bank posting."""
    try:
        return GATEWAY_ACCOUNTS[gateway]
    except KeyError:
        raise ValueError(f"no ledger account for payment gateway {gateway!r}") from None


@dataclass(frozen=True, slots=True)
class TaxAmount:
    """Tax of one jurisdiction ("US-CA", "DE"; None: unknown) in minor units."""

    jurisdiction: str | None
    amount: int


def _non_negative(**amounts: int) -> None:
    for name, value in amounts.items():
        if value < 0:
            raise ValueError(f"{name} cannot be negative")


def _tax_pairs(taxes: Sequence[TaxAmount], sign: int) -> list[tuple[str, int]]:
    for tax in taxes:
        _non_negative(tax=tax.amount)
    return [(tax_payable_code(t.jurisdiction), sign * t.amount) for t in taxes]


# --- money in -------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class PaymentCaptured:
    """Money taken for an order. Before shipping it is a customer deposit; the part paying
    goods already shipped (a pay-later order) settles the receivable instead."""

    amount: int
    currency: str
    into: CashAccount
    settles_receivable: int = 0


def payment_captured(fact: PaymentCaptured) -> tuple[Leg, ...]:
    _non_negative(amount=fact.amount, settles_receivable=fact.settles_receivable)
    if fact.settles_receivable > fact.amount:
        raise ValueError("settles_receivable cannot exceed the amount")
    return legs(fact.currency, [
        (fact.into.value, fact.amount),
        (Code.ACCOUNTS_RECEIVABLE, -fact.settles_receivable),
        (Code.CUSTOMER_DEPOSITS, -(fact.amount - fact.settles_receivable)),
    ])


# --- goods out ------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class GoodsShipped:
    """Goods handed to a carrier: revenue is recognised now.

    ``goods`` is the shipped lines' subtotal before discount, ``discount`` their discount,
    ``shipping`` the shipping charged, ``taxes`` the tax per jurisdiction; the customer owes
    goods - discount + shipping + tax. ``receivable`` is the part of that not yet paid (it
    becomes accounts receivable); the rest comes out of the customer's deposit. ``cost`` is
    the shipped units at cost (cost of goods sold out of inventory)."""

    currency: str
    goods: int
    discount: int = 0
    shipping: int = 0
    taxes: tuple[TaxAmount, ...] = ()
    cost: int = 0
    receivable: int = 0
    jurisdiction: str | None = None

    @property
    def total(self) -> int:
        return self.goods - self.discount + self.shipping + sum(t.amount for t in self.taxes)


def goods_shipped(fact: GoodsShipped) -> tuple[Leg, ...]:
    _non_negative(goods=fact.goods, discount=fact.discount, shipping=fact.shipping,
                  cost=fact.cost, receivable=fact.receivable)
    total = fact.total
    if fact.discount > fact.goods + fact.shipping:
        raise ValueError("the discount cannot exceed what it discounts")
    if fact.receivable > total:
        raise ValueError("receivable cannot exceed what the customer owes")
    return legs(fact.currency, [
        (Code.CUSTOMER_DEPOSITS, total - fact.receivable),
        (Code.ACCOUNTS_RECEIVABLE, fact.receivable),
        (Code.DISCOUNTS, fact.discount),
        (Code.SALES, -fact.goods),
        (Code.SHIPPING_INCOME, -fact.shipping),
        *_tax_pairs(fact.taxes, -1),
        (Code.COST_OF_GOODS_SOLD, fact.cost),
        (Code.INVENTORY, -fact.cost),
    ], jurisdiction=fact.jurisdiction)


@dataclass(frozen=True, slots=True)
class PayLaterShipped:
    """A pay-later order shipped before any payment: the whole amount is a receivable."""

    currency: str
    goods: int
    discount: int = 0
    shipping: int = 0
    taxes: tuple[TaxAmount, ...] = ()
    cost: int = 0
    jurisdiction: str | None = None


def pay_later_shipped(fact: PayLaterShipped) -> tuple[Leg, ...]:
    shipped = GoodsShipped(fact.currency, fact.goods, fact.discount, fact.shipping, fact.taxes,
                           fact.cost, jurisdiction=fact.jurisdiction)
    return goods_shipped(GoodsShipped(fact.currency, fact.goods, fact.discount, fact.shipping,
                                      fact.taxes, fact.cost, receivable=shipped.total,
                                      jurisdiction=fact.jurisdiction))


# --- money back -----------------------------------------------------------------------------

class RefundTo(StrEnum):
    """Where refunded money goes: back through the bank or Stripe, or onto store credit."""

    BANK = Code.BANK.value
    STRIPE_CLEARING = Code.STRIPE_CLEARING.value
    STORE_CREDIT = Code.STORE_CREDIT.value


@dataclass(frozen=True, slots=True)
class Refund:
    """Money given back. ``deposit`` refunds money for goods not shipped (it leaves the
    customer's deposit); for shipped goods ``returns`` is the goods' net value refunded
    (after discount and minus any restocking fee: contra-revenue), ``shipping`` refunded
    shipping income and ``taxes`` the tax given back per jurisdiction."""

    currency: str
    to: RefundTo
    deposit: int = 0
    returns: int = 0
    shipping: int = 0
    taxes: tuple[TaxAmount, ...] = ()
    jurisdiction: str | None = None

    @property
    def total(self) -> int:
        return self.deposit + self.returns + self.shipping + sum(t.amount for t in self.taxes)


def refund(fact: Refund) -> tuple[Leg, ...]:
    _non_negative(deposit=fact.deposit, returns=fact.returns, shipping=fact.shipping)
    return legs(fact.currency, [
        (Code.CUSTOMER_DEPOSITS, fact.deposit),
        (Code.RETURNS, fact.returns),
        (Code.SHIPPING_INCOME, fact.shipping),
        *_tax_pairs(fact.taxes, 1),
        (fact.to.value, -fact.total),
    ], jurisdiction=fact.jurisdiction)


# --- returned goods -------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ReturnRestocked:
    """Returned units put back on the shelf, at cost: they are inventory again and no longer
    a cost of goods sold."""

    currency: str
    cost: int


def return_restocked(fact: ReturnRestocked) -> tuple[Leg, ...]:
    _non_negative(cost=fact.cost)
    return legs(fact.currency, [(Code.INVENTORY, fact.cost),
                                (Code.COST_OF_GOODS_SOLD, -fact.cost)])


@dataclass(frozen=True, slots=True)
class ReturnWrittenOff:
    """Returned units that cannot be sold again (damaged, missing): their cost moves from
    cost of goods sold (nothing was sold) to inventory shrinkage (a loss)."""

    currency: str
    cost: int


def return_written_off(fact: ReturnWrittenOff) -> tuple[Leg, ...]:
    _non_negative(cost=fact.cost)
    return legs(fact.currency, [(Code.INVENTORY_SHRINKAGE, fact.cost),
                                (Code.COST_OF_GOODS_SOLD, -fact.cost)])


# --- store credit ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class StoreCreditIssued:
    """Store credit given as goodwill (not as a refund: a refund as store credit is a
    ``Refund`` to ``RefundTo.STORE_CREDIT``). The shop now owes it: an expense."""

    currency: str
    amount: int


def store_credit_issued(fact: StoreCreditIssued) -> tuple[Leg, ...]:
    _non_negative(amount=fact.amount)
    return legs(fact.currency, [(Code.OTHER_EXPENSES, fact.amount),
                                (Code.STORE_CREDIT, -fact.amount)])


@dataclass(frozen=True, slots=True)
class StoreCreditSpent:
    """Store credit used to pay for an order: like a payment, it becomes a deposit."""

    currency: str
    amount: int


def store_credit_spent(fact: StoreCreditSpent) -> tuple[Leg, ...]:
    _non_negative(amount=fact.amount)
    return legs(fact.currency, [(Code.STORE_CREDIT, fact.amount),
                                (Code.CUSTOMER_DEPOSITS, -fact.amount)])


# --- card processor -------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class DisputeLost:
    """A card dispute lost: Stripe takes back the amount plus its dispute fee from the
    clearing account. For goods already shipped the amount is a sales return; before that it
    leaves the customer's deposit."""

    currency: str
    amount: int
    fee: int
    shipped: bool
    jurisdiction: str | None = None


def dispute_lost(fact: DisputeLost) -> tuple[Leg, ...]:
    _non_negative(amount=fact.amount, fee=fact.fee)
    charged_back = Code.RETURNS if fact.shipped else Code.CUSTOMER_DEPOSITS
    return legs(fact.currency, [(charged_back, fact.amount),
                                (Code.PAYMENT_FEES, fact.fee),
                                (Code.STRIPE_CLEARING, -(fact.amount + fact.fee))],
                jurisdiction=fact.jurisdiction)


@dataclass(frozen=True, slots=True)
class StripeFee:
    """Stripe's processing fee on a charge, kept out of the clearing account."""

    currency: str
    amount: int


def stripe_fee(fact: StripeFee) -> tuple[Leg, ...]:
    _non_negative(amount=fact.amount)
    return legs(fact.currency, [(Code.PAYMENT_FEES, fact.amount),
                                (Code.STRIPE_CLEARING, -fact.amount)])


@dataclass(frozen=True, slots=True)
class Payout:
    """Stripe paying the clearing account's money out to the bank."""

    currency: str
    amount: int


def payout(fact: Payout) -> tuple[Leg, ...]:
    _non_negative(amount=fact.amount)
    return legs(fact.currency, [(Code.BANK, fact.amount),
                                (Code.STRIPE_CLEARING, -fact.amount)])


# --- equity ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class OwnerContribution:
    """What the owner puts into the shop: money into the bank and goods into inventory (at
    cost), both owed to the owner as equity. The books of a new shop open with one."""

    currency: str
    cash: int = 0
    inventory: int = 0


def owner_contribution(fact: OwnerContribution) -> tuple[Leg, ...]:
    _non_negative(cash=fact.cash, inventory=fact.inventory)
    return legs(fact.currency, [(Code.BANK, fact.cash), (Code.INVENTORY, fact.inventory),
                                (Code.EQUITY, -(fact.cash + fact.inventory))])


# --- stock and costs ------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class StockAdjusted:
    """A stock count changed outside sales (found, lost, damaged), valued at cost:
    ``value`` positive when stock was found, negative when lost."""

    currency: str
    value: int


def stock_adjusted(fact: StockAdjusted) -> tuple[Leg, ...]:
    return legs(fact.currency, [(Code.INVENTORY, fact.value),
                                (Code.INVENTORY_SHRINKAGE, -fact.value)])


class ExpenseCategory(StrEnum):
    """What an expense was for; each has its expense account."""

    SHIPPING = Code.SHIPPING_COSTS.value
    ADVERTISING = Code.ADVERTISING.value
    STAFFING = Code.STAFFING.value
    PAYMENT_FEES = Code.PAYMENT_FEES.value
    OTHER = Code.OTHER_EXPENSES.value


@dataclass(frozen=True, slots=True)
class Expense:
    """A cost of running the shop: paid from the bank now, or owed to the vendor (accounts
    payable) when ``paid`` is false."""

    currency: str
    amount: int
    category: ExpenseCategory
    paid: bool = True


def expense(fact: Expense) -> tuple[Leg, ...]:
    _non_negative(amount=fact.amount)
    source = Code.BANK if fact.paid else Code.ACCOUNTS_PAYABLE
    return legs(fact.currency, [(fact.category.value, fact.amount),
                                (source, -fact.amount)])
