"""Posting rules: each fact gives balanced lines on the right accounts with the right signs
(debit positive, credit negative)."""

from __future__ import annotations

import importlib.util

import pytest

from commerce.accounting import chart
from commerce.accounting import postings as p
from commerce.accounting.chart import Code
from commerce.accounting.postings import Leg, TaxAmount, UnbalancedError
from tests.test_schema_and_migrations import ROOT


def by_account(lines: tuple[Leg, ...]) -> dict[str, int]:
    p.check_balanced(lines)
    assert len({line.account for line in lines}) == len(lines), "accounts merged"
    assert all(line.currency == lines[0].currency for line in lines)
    return {line.account: line.amount for line in lines}


def test_a_card_payment_is_a_deposit_held_in_stripe_clearing() -> None:
    lines = p.payment_captured(p.PaymentCaptured(5000, "USD", p.CashAccount.STRIPE_CLEARING))
    assert by_account(lines) == {Code.STRIPE_CLEARING: 5000, Code.CUSTOMER_DEPOSITS: -5000}


def test_a_payment_for_goods_already_shipped_settles_the_receivable_first() -> None:
    lines = p.payment_captured(p.PaymentCaptured(5000, "USD", p.CashAccount.BANK,
                                                 settles_receivable=3000))
    assert by_account(lines) == {Code.BANK: 5000, Code.ACCOUNTS_RECEIVABLE: -3000,
                                 Code.CUSTOMER_DEPOSITS: -2000}
    with pytest.raises(ValueError):
        p.payment_captured(p.PaymentCaptured(10, "USD", p.CashAccount.BANK,
                                             settles_receivable=11))


def test_goods_shipped_recognise_revenue_shipping_discount_tax_per_jurisdiction_and_cogs() -> None:
    fact = p.GoodsShipped("USD", goods=10000, discount=1000, shipping=500,
                          taxes=(TaxAmount("US-CA", 700), TaxAmount("US-NY", 25)), cost=4000)
    assert fact.total == 10000 - 1000 + 500 + 725
    assert by_account(p.goods_shipped(fact)) == {
        Code.CUSTOMER_DEPOSITS: 10225, Code.DISCOUNTS: 1000, Code.SALES: -10000,
        Code.SHIPPING_INCOME: -500, "2200-US-CA": -700, "2200-US-NY": -25,
        Code.COST_OF_GOODS_SOLD: 4000, Code.INVENTORY: -4000}


def test_goods_shipped_partly_unpaid_put_the_rest_in_receivables() -> None:
    fact = p.GoodsShipped("EUR", goods=2000, taxes=(TaxAmount(None, 380),), receivable=1380)
    assert by_account(p.goods_shipped(fact)) == {
        Code.CUSTOMER_DEPOSITS: 1000, Code.ACCOUNTS_RECEIVABLE: 1380, Code.SALES: -2000,
        Code.SALES_TAX_PAYABLE: -380}


def test_a_pay_later_order_shipped_before_payment_is_all_receivable() -> None:
    lines = p.pay_later_shipped(p.PayLaterShipped("USD", goods=3000, shipping=400,
                                                  taxes=(TaxAmount("DE", 646),), cost=1200))
    assert by_account(lines) == {
        Code.ACCOUNTS_RECEIVABLE: 4046, Code.SALES: -3000, Code.SHIPPING_INCOME: -400,
        "2200-DE": -646, Code.COST_OF_GOODS_SOLD: 1200, Code.INVENTORY: -1200}


def test_a_refund_before_shipping_gives_back_the_deposit() -> None:
    lines = p.refund(p.Refund("USD", p.RefundTo.STRIPE_CLEARING, deposit=2500))
    assert by_account(lines) == {Code.CUSTOMER_DEPOSITS: 2500, Code.STRIPE_CLEARING: -2500}


def test_a_refund_of_returned_goods_is_contra_revenue_shipping_and_tax_given_back() -> None:
    lines = p.refund(p.Refund("USD", p.RefundTo.BANK, returns=1800, shipping=300,
                              taxes=(TaxAmount("US-CA", 150),)))
    assert by_account(lines) == {Code.RETURNS: 1800, Code.SHIPPING_INCOME: 300,
                                 "2200-US-CA": 150, Code.BANK: -2250}


def test_a_refund_as_store_credit_is_owed_to_the_customer() -> None:
    lines = p.refund(p.Refund("USD", p.RefundTo.STORE_CREDIT, returns=1000))
    assert by_account(lines) == {Code.RETURNS: 1000, Code.STORE_CREDIT: -1000}


def test_restocked_returns_go_back_to_inventory_out_of_cogs() -> None:
    assert by_account(p.return_restocked(p.ReturnRestocked("USD", 700))) == {
        Code.INVENTORY: 700, Code.COST_OF_GOODS_SOLD: -700}


def test_written_off_returns_move_their_cost_to_shrinkage() -> None:
    assert by_account(p.return_written_off(p.ReturnWrittenOff("USD", 700))) == {
        Code.INVENTORY_SHRINKAGE: 700, Code.COST_OF_GOODS_SOLD: -700}


def test_store_credit_issued_as_goodwill_and_spent_as_a_deposit() -> None:
    assert by_account(p.store_credit_issued(p.StoreCreditIssued("USD", 500))) == {
        Code.OTHER_EXPENSES: 500, Code.STORE_CREDIT: -500}
    assert by_account(p.store_credit_spent(p.StoreCreditSpent("USD", 500))) == {
        Code.STORE_CREDIT: 500, Code.CUSTOMER_DEPOSITS: -500}


def test_a_lost_dispute_takes_amount_and_fee_out_of_clearing() -> None:
    shipped = p.dispute_lost(p.DisputeLost("USD", 4000, 1500, shipped=True))
    assert by_account(shipped) == {Code.RETURNS: 4000, Code.PAYMENT_FEES: 1500,
                                   Code.STRIPE_CLEARING: -5500}
    unshipped = p.dispute_lost(p.DisputeLost("USD", 4000, 0, shipped=False))
    assert by_account(unshipped) == {Code.CUSTOMER_DEPOSITS: 4000,
                                     Code.STRIPE_CLEARING: -4000}


def test_stripe_fees_and_payouts_leave_the_clearing_account() -> None:
    assert by_account(p.stripe_fee(p.StripeFee("USD", 175))) == {
        Code.PAYMENT_FEES: 175, Code.STRIPE_CLEARING: -175}
    assert by_account(p.payout(p.Payout("USD", 4825))) == {
        Code.BANK: 4825, Code.STRIPE_CLEARING: -4825}


def test_a_card_payment_its_fee_and_payout_net_the_clearing_account_to_zero() -> None:
    lines = (*p.payment_captured(p.PaymentCaptured(5000, "USD",
                                                   p.CashAccount.STRIPE_CLEARING)),
             *p.stripe_fee(p.StripeFee("USD", 175)), *p.payout(p.Payout("USD", 4825)))
    assert sum(x.amount for x in lines if x.account == Code.STRIPE_CLEARING) == 0


def test_stock_adjustments_at_cost_both_ways() -> None:
    assert by_account(p.stock_adjusted(p.StockAdjusted("USD", -900))) == {
        Code.INVENTORY: -900, Code.INVENTORY_SHRINKAGE: 900}
    assert by_account(p.stock_adjusted(p.StockAdjusted("USD", 300))) == {
        Code.INVENTORY: 300, Code.INVENTORY_SHRINKAGE: -300}
    assert p.stock_adjusted(p.StockAdjusted("USD", 0)) == ()


def test_expenses_paid_now_or_owed_to_the_vendor() -> None:
    paid = p.expense(p.Expense("USD", 12000, p.ExpenseCategory.ADVERTISING))
    assert by_account(paid) == {Code.ADVERTISING: 12000, Code.BANK: -12000}
    owed = p.expense(p.Expense("USD", 8000, p.ExpenseCategory.STAFFING, paid=False))
    assert by_account(owed) == {Code.STAFFING: 8000, Code.ACCOUNTS_PAYABLE: -8000}


@pytest.mark.parametrize("make", [
    lambda: p.expense(p.Expense("USD", -1, p.ExpenseCategory.OTHER)),
    lambda: p.refund(p.Refund("USD", p.RefundTo.BANK, returns=-5)),
    lambda: p.goods_shipped(p.GoodsShipped("USD", goods=100, discount=200)),
    lambda: p.goods_shipped(p.GoodsShipped("USD", goods=100, receivable=101)),
    lambda: p.refund(p.Refund("USD", p.RefundTo.BANK, taxes=(TaxAmount("DE", -1),))),
])
def test_negative_or_impossible_amounts_are_refused(make: object) -> None:
    with pytest.raises(ValueError):
        make()  # type: ignore[operator]


def test_lines_merge_per_account_and_drop_zeros() -> None:
    assert p.legs("USD", [("1000", 5), ("2100", -5), ("1000", 3), ("1000", -3)]) == (
        Leg("1000", 5, "USD"), Leg("2100", -5, "USD"))


def test_check_balanced_is_per_currency() -> None:
    p.check_balanced([Leg("1000", 5, "USD"), Leg("2100", -5, "USD"),
                      Leg("1000", 7, "EUR"), Leg("2100", -7, "EUR")])
    # Zero overall, but 5 dollars are not 5 euros.
    with pytest.raises(UnbalancedError, match="EUR off by -5, USD off by 5"):
        p.check_balanced([Leg("1000", 5, "USD"), Leg("2100", -5, "EUR")])
    with pytest.raises(UnbalancedError, match="two lines"):
        p.check_balanced([Leg("1000", 0, "USD")])
    with pytest.raises(UnbalancedError, match="zero"):
        p.check_balanced([Leg("1000", 0, "USD"), Leg("2100", 0, "USD")])


def test_a_reversal_cancels_every_line() -> None:
    lines = p.goods_shipped(p.GoodsShipped("USD", goods=100, taxes=(TaxAmount("DE", 19),),
                                           cost=40))
    both = (*lines, *p.reversal(lines))
    totals: dict[str, int] = {}
    for line in both:
        totals[line.account] = totals.get(line.account, 0) + line.amount
    assert set(totals.values()) == {0}


def test_tax_account_codes_name_their_jurisdiction() -> None:
    assert chart.tax_payable_code("us-ca") == "2200-US-CA"
    assert chart.tax_payable_code(None) == Code.SALES_TAX_PAYABLE
    assert chart.tax_jurisdiction("2200-US-CA") == "US-CA"
    assert chart.tax_jurisdiction("2200") is None
    assert chart.tax_jurisdiction("4000") is None


def test_the_migration_seeds_the_chart_the_code_names() -> None:
    path = ROOT / "migrations" / "versions" / "0010_ledger.py"
    spec = importlib.util.spec_from_file_location("ledger_migration", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    seeded = module.CHART
    assert seeded == tuple((a.code, a.name, a.type.value) for a in chart.SYSTEM_ACCOUNTS)


def test_revenue_and_tax_lines_carry_their_jurisdiction() -> None:
    lines = p.goods_shipped(p.GoodsShipped("USD", goods=1000, discount=100, shipping=500,
                                       taxes=(TaxAmount("US-CA", 80),), cost=300,
                                       jurisdiction="US-CA"))
    tagged = {line.account: line.jurisdiction for line in lines}
    assert tagged == {"2100": None, "4500": "US-CA", "4000": "US-CA", "4100": "US-CA",
                      "2200-US-CA": "US-CA", "5000": None, "1200": None}
    assert {line.jurisdiction for line in p.reversal(lines)} == set(tagged.values())


def test_order_jurisdiction_from_the_shipping_address() -> None:
    assert p.order_jurisdiction({"country_code": "us", "country_area": "ca"}) == "US-CA"
    assert p.order_jurisdiction({"country_code": "DE", "country_area": ""}) == "DE"
    assert p.order_jurisdiction(None) is None
    assert p.order_jurisdiction({"country_area": "CA"}) is None


def test_each_gateway_has_its_cash_account_and_an_unknown_one_is_refused() -> None:
    assert p.cash_account_for("manual") is p.CashAccount.BANK
    assert p.cash_account_for("stripe") is p.CashAccount.STRIPE_CLEARING
    assert p.cash_account_for("store_credit") is p.CashAccount.STORE_CREDIT
    with pytest.raises(ValueError, match="paypal"):
        p.cash_account_for("paypal")


def test_an_owner_contribution_is_cash_and_stock_owed_to_equity() -> None:
    lines = p.owner_contribution(p.OwnerContribution("USD", cash=100_000, inventory=40_000))
    assert by_account(lines) == {Code.BANK: 100_000, Code.INVENTORY: 40_000,
                                 Code.EQUITY: -140_000}
    assert by_account(p.owner_contribution(p.OwnerContribution("USD", inventory=5))) == {
        Code.INVENTORY: 5, Code.EQUITY: -5}
    with pytest.raises(ValueError, match="cash"):
        p.owner_contribution(p.OwnerContribution("USD", cash=-1))
