"""Rules for what a cart may hold (pure: no I/O).

Stock is deliberately NOT a rule here: a shopper may put more in the cart than is in stock
(the cart shows a warning; checkout refuses). What is refused up front is nonsense — a
quantity outside 1..MAX_QUANTITY, more than MAX_LINES different variants — and, in the
service, variants that do not exist or whose product is not for sale.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import Problems

MAX_QUANTITY = 999  # per line; larger orders are a conversation with the shop
MAX_LINES = 250  # distinct variants per cart
MAX_CODES = 1  # discount codes per cart
MAX_CODE_LENGTH = 64


@dataclass(frozen=True, slots=True)
class LineRequest:
    """Put ``quantity`` (more) units of a variant in the cart."""

    variant_id: int
    quantity: int


@dataclass(frozen=True, slots=True)
class LineChange:
    """Set a line's quantity; 0 removes the line."""

    line_id: int
    quantity: int


def check_quantity(problems: Problems, quantity: int, path: Sequence[str], *,
                   allow_zero: bool = False) -> bool:
    low = 0 if allow_zero else 1
    if not low <= quantity <= MAX_QUANTITY:
        problems.add(ErrorCode.INVALID, f"quantity must be between {low} and {MAX_QUANTITY}",
                     path)
        return False
    return True


def merge_additions(problems: Problems, requests: Sequence[LineRequest],
                    held: Mapping[int, int], path: str = "lines") -> dict[int, int]:
    """The quantity each requested variant will have once ``requests`` are added.

    ``held`` maps variant id -> quantity already in the cart. A variant named twice, or
    already in the cart, has its quantities summed (adding is "put more in", never "replace").
    """
    result: dict[int, int] = {}
    for index, request in enumerate(requests):
        field = [path, str(index), "quantity"]
        if not check_quantity(problems, request.quantity, field):
            continue
        before = result.get(request.variant_id, held.get(request.variant_id, 0))
        after = before + request.quantity
        if after > MAX_QUANTITY:
            problems.add(ErrorCode.INVALID,
                         f"the cart would hold {after} of this variant; at most "
                         f"{MAX_QUANTITY} per line", field)
            continue
        result[request.variant_id] = after
    distinct = len(set(held) | set(result))
    if distinct > MAX_LINES:
        problems.add(ErrorCode.INVALID,
                     f"a cart holds at most {MAX_LINES} different variants", [path])
    return result
