"""A linear pre-check that runs before validation: what the document costs to validate.

graphql-core's ``OverlappingFieldsCanBeMergedRule`` compares every pair of fields that share a
response name in one selection set (fragments expanded), and each comparison walks the two
fields' sub-selections, so its time grows with the square of the repeats times their size:
450 copies of ``me { id }`` (4.5 KB, well inside the token limit) kept the event loop busy
for about a second before being refused, and 30 copies of a nested ``me { ... }`` for 0.2 s.
Validation cannot be skipped, so this walk runs first and refuses (``QUERY_TOO_COSTLY``) a
document

- that stands for more fields than ``budget`` once fragments are expanded (the cost limit would
  refuse it after validation anyway: every field costs at least 1), or
- whose repeated response names would take more than ``MAX_OVERLAP_COMPARISONS`` field
  comparisons: each repeat of a name is compared with every earlier one, at the price of its
  expanded size. Repeats clients really send (``id`` selected by a few fragments, one object
  selected by two components) cost tens.

The walk expands fragments as written but stops at ``budget`` field visits, so its own time is
bounded whatever the document; a fragment already being expanded is skipped (validation
reports the cycle).
"""

from __future__ import annotations

from collections.abc import Mapping

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

# ~100 µs of validation each in the worst shapes measured, so this bounds the rule to ~0.1 s.
MAX_OVERLAP_COMPARISONS = 1000


class _Refused(Exception):
    pass


class _Walk:
    def __init__(self, fragments: Mapping[str, FragmentDefinitionNode], budget: int) -> None:
        self.fragments = fragments
        self.left = budget
        self.comparisons = 0
        self.expanding: set[str] = set()

    def selection_set(self, selection_set: SelectionSetNode) -> int:
        """Walk a selection set; return how many fields it stands for, expanded."""
        return self._collect(selection_set, {})

    def _collect(self, selection_set: SelectionSetNode, seen: dict[str, int]) -> int:
        """One selection set's fields (inline fragments and spreads are part of it), with
        ``seen`` counting each response name's occurrences so far."""
        size = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                self.left -= 1
                if self.left < 0:
                    raise _Refused("the query stands for too many fields once its fragments "
                                   "are expanded")
                field_size = 1
                if selection.selection_set is not None:
                    field_size += self.selection_set(selection.selection_set)
                name = (selection.alias or selection.name).value
                earlier = seen.get(name, 0)
                seen[name] = earlier + 1
                self.comparisons += earlier * field_size
                if self.comparisons > MAX_OVERLAP_COMPARISONS:
                    raise _Refused(f"`{name}` and other fields are selected so many times in "
                                   "one selection set that checking they merge is too costly; "
                                   "select each field once")
                size += field_size
            elif isinstance(selection, InlineFragmentNode):
                size += self._collect(selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in self.expanding:
                    continue  # unknown or cyclic: validation says so
                self.expanding.add(name)
                size += self._collect(fragment.selection_set, seen)
                self.expanding.discard(name)
        return size


def check_field_budget(operations: list[OperationDefinitionNode],
                       fragments: Mapping[str, FragmentDefinitionNode],
                       budget: int) -> list[GraphQLError]:
    """Refuse, before validation, a document whose validation would take quadratic time."""
    walk = _Walk(fragments, budget)
    try:
        for operation in operations:
            walk.selection_set(operation.selection_set)
    except _Refused as refused:
        return [GraphQLError(str(refused), extensions={"code": "QUERY_TOO_COSTLY"})]
    except RecursionError:  # a chain of hundreds of fragments, each spreading the next
        return [GraphQLError("the query's fragments are nested too deeply",
                             extensions={"code": "QUERY_TOO_DEEP"})]
    return []
