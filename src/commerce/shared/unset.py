"""A marker for "not given" in update commands, distinct from an explicit ``None``.

An update input may leave a field out (keep it) or set a nullable field to null (clear it);
services need to tell the two apart without importing the API layer's own marker.
"""

from __future__ import annotations

from enum import Enum
from typing import Final, TypeAlias, TypeVar

T = TypeVar("T")


class Unset(Enum):
    UNSET = "UNSET"

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = Unset.UNSET

Maybe: TypeAlias = T | Unset  # a value, or UNSET when the caller did not give one
