"""The Relay ``Node`` interface."""

from __future__ import annotations

import strawberry


@strawberry.interface(description="An object with a globally unique, opaque ID.")
class Node:
    id: strawberry.ID = strawberry.field(
        description="Globally unique, opaque ID; pass it to `node(id:)` or to mutations.")
