from __future__ import annotations

import pytest

from commerce.shared.cursors import InvalidCursorError, decode_cursor, encode_cursor
from commerce.shared.ids import InvalidIdError, decode_id, decode_int_id, encode_id
from commerce.shared.pagination import PaginationError, page_request


def test_global_ids_round_trip_and_are_opaque() -> None:
    gid = encode_id("Product", 42)
    assert "Product" not in gid
    assert decode_id(gid) == ("Product", "42")
    assert decode_int_id(gid, "Product") == 42


@pytest.mark.parametrize("bad", ["", "!!!", encode_id("Product", "x"), "UHJvZHVjdA"])
def test_malformed_ids_are_rejected(bad: str) -> None:
    with pytest.raises(InvalidIdError):
        decode_int_id(bad, "Product")


def test_an_id_of_another_type_is_rejected() -> None:
    with pytest.raises(InvalidIdError):
        decode_int_id(encode_id("Category", 1), "Product")


def test_cursors_round_trip_for_their_own_ordering_only() -> None:
    cursor = encode_cursor("NAME:asc", ("Apple", 7))
    assert decode_cursor(cursor, "NAME:asc", 2) == ("Apple", 7)
    with pytest.raises(InvalidCursorError):
        decode_cursor(cursor, "PRICE:asc", 2)
    with pytest.raises(InvalidCursorError):
        decode_cursor("garbage", "NAME:asc", 2)


@pytest.mark.parametrize("first", [-1, 101])
def test_page_size_is_limited_to_100(first: int) -> None:
    with pytest.raises(PaginationError):
        page_request(first, None, "x", 1)
    assert page_request(100, None, "x", 1).first == 100
