"""Integer rounding used by every money rule: half away from zero, never floats."""

from __future__ import annotations


def div_round(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half away from zero (denominator > 0)."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    sign = -1 if numerator < 0 else 1
    return sign * ((2 * abs(numerator) + denominator) // (2 * denominator))


BASIS_POINTS = 10_000  # 1 basis point = 0.01 %; 2000 bp = 20 %
