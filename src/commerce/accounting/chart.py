"""The chart of accounts every shop starts with (seeded by migration 0010), and the naming of
per-jurisdiction sales-tax accounts, which are created on their first posting.

Codes follow the usual numbering: 1xxx assets, 2xxx liabilities, 3xxx equity, 4xxx revenue
(45xx contra-revenue), 5xxx expenses. Posting rules name accounts by these codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class AccountType(StrEnum):
    ASSET = "ASSET"
    LIABILITY = "LIABILITY"
    EQUITY = "EQUITY"
    REVENUE = "REVENUE"
    CONTRA_REVENUE = "CONTRA_REVENUE"
    EXPENSE = "EXPENSE"


# Accounts whose balance is normally a debit (positive in our signed amounts).
DEBIT_NORMAL = frozenset({AccountType.ASSET, AccountType.CONTRA_REVENUE, AccountType.EXPENSE})


class Code(StrEnum):
    BANK = "1000"
    STRIPE_CLEARING = "1010"
    ACCOUNTS_RECEIVABLE = "1100"
    INVENTORY = "1200"
    ACCOUNTS_PAYABLE = "2000"
    CUSTOMER_DEPOSITS = "2100"
    SALES_TAX_PAYABLE = "2200"
    STORE_CREDIT = "2300"
    EQUITY = "3000"
    SALES = "4000"
    SHIPPING_INCOME = "4100"
    DISCOUNTS = "4500"
    RETURNS = "4600"
    COST_OF_GOODS_SOLD = "5000"
    PAYMENT_FEES = "5100"
    SHIPPING_COSTS = "5200"
    ADVERTISING = "5300"
    STAFFING = "5400"
    INVENTORY_SHRINKAGE = "5500"
    OTHER_EXPENSES = "5900"


@dataclass(frozen=True, slots=True)
class ChartAccount:
    code: str
    name: str
    type: AccountType


SYSTEM_ACCOUNTS: tuple[ChartAccount, ...] = (
    ChartAccount(Code.BANK, "Bank", AccountType.ASSET),
    ChartAccount(Code.STRIPE_CLEARING, "Stripe clearing", AccountType.ASSET),
    ChartAccount(Code.ACCOUNTS_RECEIVABLE, "Accounts receivable", AccountType.ASSET),
    ChartAccount(Code.INVENTORY, "Inventory", AccountType.ASSET),
    ChartAccount(Code.ACCOUNTS_PAYABLE, "Accounts payable", AccountType.LIABILITY),
    ChartAccount(Code.CUSTOMER_DEPOSITS, "Customer deposits", AccountType.LIABILITY),
    ChartAccount(Code.SALES_TAX_PAYABLE, "Sales tax payable", AccountType.LIABILITY),
    ChartAccount(Code.STORE_CREDIT, "Store credit", AccountType.LIABILITY),
    ChartAccount(Code.EQUITY, "Owner's equity", AccountType.EQUITY),
    ChartAccount(Code.SALES, "Sales", AccountType.REVENUE),
    ChartAccount(Code.SHIPPING_INCOME, "Shipping income", AccountType.REVENUE),
    ChartAccount(Code.DISCOUNTS, "Discounts", AccountType.CONTRA_REVENUE),
    ChartAccount(Code.RETURNS, "Sales returns", AccountType.CONTRA_REVENUE),
    ChartAccount(Code.COST_OF_GOODS_SOLD, "Cost of goods sold", AccountType.EXPENSE),
    ChartAccount(Code.PAYMENT_FEES, "Payment fees", AccountType.EXPENSE),
    ChartAccount(Code.SHIPPING_COSTS, "Shipping costs", AccountType.EXPENSE),
    ChartAccount(Code.ADVERTISING, "Advertising", AccountType.EXPENSE),
    ChartAccount(Code.STAFFING, "Staffing", AccountType.EXPENSE),
    ChartAccount(Code.INVENTORY_SHRINKAGE, "Inventory shrinkage", AccountType.EXPENSE),
    ChartAccount(Code.OTHER_EXPENSES, "Other expenses", AccountType.EXPENSE),
)

_TAX_PREFIX = f"{Code.SALES_TAX_PAYABLE}-"


def tax_payable_code(jurisdiction: str | None) -> str:
    """The sales-tax account for a jurisdiction ("US-CA", "DE"): "2200-US-CA". Tax with no
    known jurisdiction goes to the generic 2200."""
    if not jurisdiction:
        return Code.SALES_TAX_PAYABLE.value
    return f"{_TAX_PREFIX}{jurisdiction.upper()}"


def tax_jurisdiction(code: str) -> str | None:
    """The jurisdiction of a per-jurisdiction tax account code, None for any other code."""
    if code.startswith(_TAX_PREFIX) and len(code) > len(_TAX_PREFIX):
        return code[len(_TAX_PREFIX):]
    return None


def tax_account_name(jurisdiction: str) -> str:
    return f"Sales tax payable ({jurisdiction})"
