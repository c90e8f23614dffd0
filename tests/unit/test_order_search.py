"""What staff can search an order by."""

from __future__ import annotations

from commerce.orders.search import address_names, search_text


def test_search_text_holds_number_email_and_names_lower_cased_and_single_spaced() -> None:
    shipping = {"first_name": "Ann ", "last_name": "Lee", "company": "", "city": "Oslo"}
    billing = {"first_name": "Bob", "last_name": "Stone", "company": "ACME  Ltd"}
    assert search_text("1001", "Ann@Example.com", shipping, billing) == \
        "1001 ann@example.com ann lee bob stone acme ltd"


def test_missing_addresses_add_nothing() -> None:
    assert address_names(None) == ""
    assert search_text("7", "a@b.c", None, {}) == "7 a@b.c"
