"""Custom scalars. ``Decimal`` carries money amounts as strings with the currency's digits."""

from __future__ import annotations

from typing import NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

Decimal = NewType("Decimal", str)

SCALARS: dict[object, ScalarDefinition] = {
    Decimal: strawberry.scalar(
        name="Decimal",
        description=(
            "A decimal number as a string with exactly the currency's minor-unit digits, "
            'e.g. "12.50" (USD), "1200" (JPY), "1.250" (KWD). Inputs accept any plain '
            "decimal string with no more digits than the currency has."
        ),
        serialize=str,
        parse_value=str,
    ),
}
