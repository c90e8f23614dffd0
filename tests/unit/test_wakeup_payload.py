"""The wake-up payload: order ids as comma-separated text, cut under NOTIFY's 8000 bytes."""

from __future__ import annotations

from commerce.tracking.wakeup_payload import (
    MAX_PAYLOAD_BYTES,
    decode_order_ids,
    encode_order_ids,
)


def test_ids_travel_as_sorted_comma_separated_text_once_each() -> None:
    assert list(encode_order_ids([12, 3, 12, 7])) == ["3,7,12"]
    assert list(encode_order_ids([])) == []


def test_a_long_list_is_cut_into_payloads_under_the_notify_limit() -> None:
    ids = list(range(1_000_000, 1_010_000))  # 10,000 ids of 7 digits: ~80 kB of text
    payloads = list(encode_order_ids(ids))
    assert len(payloads) > 1
    assert all(len(p.encode()) <= MAX_PAYLOAD_BYTES < 8000 for p in payloads)
    assert [i for p in payloads for i in sorted(decode_order_ids(p))] == ids


def test_a_chunk_boundary_is_exact() -> None:
    # "1,2,3" is 5 bytes: a limit of 5 keeps it whole, 4 cuts it.
    assert list(encode_order_ids([1, 2, 3], limit=5)) == ["1,2,3"]
    assert list(encode_order_ids([1, 2, 3], limit=4)) == ["1,2", "3"]


def test_garbage_on_the_channel_is_skipped() -> None:
    assert decode_order_ids("4, 5,x,-3,0,,9" + "9" * 30 + ",٣") == {4, 5}
    assert decode_order_ids(b"8,9") == {8, 9}
    assert decode_order_ids("") == set()
