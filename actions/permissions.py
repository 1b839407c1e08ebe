"""Who may do what in the console: one table of permissions by role (the same roles as the staff group).

agent       answers customers: queue, conversations, tickets, customer pages, intent labels
supervisor  what an agent does, plus reports, the audit log and points adjustments
marketer    reports and campaigns; no conversations
admin       everything, including staff accounts and privacy export/erase
"""

from __future__ import annotations

from storage.models import STAFF_ROLES

AGENTS = frozenset({"agent", "supervisor", "admin"})
SUPERVISORS = frozenset({"supervisor", "admin"})

PERMISSIONS: dict[str, frozenset[str]] = {
    "queue.view": AGENTS,
    "conversation.reply": AGENTS,
    "tickets.work": AGENTS,
    "customers.view": AGENTS,
    "labels.set": AGENTS,
    "reports.view": frozenset({"supervisor", "marketer", "admin"}),
    "audit.view": SUPERVISORS,
    "points.adjust": SUPERVISORS,
    "campaigns.manage": frozenset({"marketer", "admin"}),
    "privacy.manage": frozenset({"admin"}),
    "staff.manage": frozenset({"admin"}),
}


def may(role: str, permission: str) -> bool:
    """Whether a staff member with this role has this permission (unknown permissions: nobody)."""
    return role in STAFF_ROLES and role in PERMISSIONS.get(permission, frozenset())


def permissions_of(role: str) -> list[str]:
    """The permissions of a role, sorted (shown in the console and the README table)."""
    return sorted(name for name, roles in PERMISSIONS.items() if role in roles)
