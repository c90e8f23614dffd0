"""Schema extensions; they run only on the WebSocket path.

HTTP requests go through our own executor (``executor.py``), which skips strawberry's
extension machinery, so these cost nothing there.
"""

from __future__ import annotations

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

from commerce.api.graphql.context import Context


class FreshLoadersPerOperation(SchemaExtension):
    """A WebSocket connection keeps one context for all its operations; forget what earlier
    operations loaded, so each one reads the current state as an HTTP request would."""

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context.context
        if isinstance(context, Context):
            context.loaders.clear_all()
        yield
