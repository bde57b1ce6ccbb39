"""Seam: roles held in the data of apps above accounts (issue 15).

accounts sees the roles its own tables hold: every account is a client, an approved coach
application makes a coach, `is_staff` makes staff. A role recorded by another app (an
organisation admin is an admin membership in orgs) is registered by that app from its
`AppConfig.ready` with `register_role_condition`, as a subquery that is true for the user's
row; `accounts.selectors.user_roles` still answers in one query, asking every condition.
Without the registering app installed the role is simply never held.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Exists, OuterRef

# Given OuterRef("pk") of the user row: an Exists that is true when the user holds the role.
RoleCondition = Callable[[OuterRef], Exists]

_conditions: dict[str, RoleCondition] = {}


def register_role_condition(role: str, condition: RoleCondition) -> None:
    """Grant `role` to users for whom `condition` holds (called once per role at start-up)."""
    _conditions[role] = condition


def role_conditions() -> dict[str, RoleCondition]:
    return dict(_conditions)
