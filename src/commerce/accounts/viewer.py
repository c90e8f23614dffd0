"""Who is making a request, as far as authorization cares."""

from __future__ import annotations

from dataclasses import dataclass

from commerce.accounts.permissions import Permission


@dataclass(frozen=True, slots=True)
class Viewer:
    user_id: int
    email: str
    is_staff: bool
    is_superuser: bool
    permissions: frozenset[Permission]
    token_id: int

    def has(self, permission: Permission) -> bool:
        return self.is_superuser or (self.is_staff and permission in self.permissions)
