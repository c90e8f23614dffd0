"""The wake-up message between processes: which orders' tracking logs changed.

The same text goes over PostgreSQL NOTIFY and Redis pub/sub: order ids in decimal, separated
by commas. NOTIFY refuses payloads of 8000 bytes or more, so a long list is cut into several
messages. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator

CHANNEL = "commerce_order_tracking"
"""The NOTIFY channel and the Redis pub/sub channel."""

# NOTIFY's payload must be shorter than 8000 bytes; keep a margin.
MAX_PAYLOAD_BYTES = 7900


def encode_order_ids(order_ids: Collection[int],
                     limit: int = MAX_PAYLOAD_BYTES) -> Iterator[str]:
    """Payloads of at most ``limit`` bytes that together name every id once, in order."""
    chunk: list[str] = []
    size = 0
    for order_id in sorted(set(order_ids)):
        text = str(order_id)
        added = len(text) + (1 if chunk else 0)
        if chunk and size + added > limit:
            yield ",".join(chunk)
            chunk, size, added = [], 0, len(text)
        chunk.append(text)
        size += added
    if chunk:
        yield ",".join(chunk)


def decode_order_ids(payload: str | bytes) -> set[int]:
    """The ids in a payload; anything that is not a positive decimal id is skipped (a
    stranger on the channel can at worst cause a needless read)."""
    if isinstance(payload, bytes):
        payload = payload.decode("ascii", "replace")
    ids: set[int] = set()
    for part in payload.split(","):
        part = part.strip()
        if part.isascii() and part.isdigit() and len(part) <= 18:
            value = int(part)
            if value > 0:
                ids.add(value)
    return ids
