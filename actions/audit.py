"""The audit log: who changed what about a customer or a staff member, and when; one row per change, never
updated."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditLog


def record_audit(
    session: AsyncSession, *, actor: str, action: str, customer_id: int, details: dict[str, Any], now: datetime
) -> AuditLog:
    """Add an audit row about a customer to the session (the caller flushes with its own change)."""
    return _record(session, actor=actor, action=action, target=("customer", customer_id), details=details, now=now)


def record_staff_audit(
    session: AsyncSession, *, actor: str, action: str, staff_id: int, details: dict[str, Any], now: datetime
) -> AuditLog:
    """Add an audit row about a staff member to the session (the caller flushes with its own change)."""
    return _record(session, actor=actor, action=action, target=("staff", staff_id), details=details, now=now)


def record_event(
    session: AsyncSession,
    *,
    actor: str,
    action: str,
    target: tuple[str, int | str],
    details: dict[str, Any],
    now: datetime,
) -> AuditLog:
    """Add an audit row about anything else (a handoff, a ticket, a console session) to the session."""
    return _record(session, actor=actor, action=action, target=target, details=details, now=now)


def _record(
    session: AsyncSession,
    *,
    actor: str,
    action: str,
    target: tuple[str, int | str],
    details: dict[str, Any],
    now: datetime,
) -> AuditLog:
    target_type, target_id = target
    entry = AuditLog(
        actor=actor[:64],
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        details=details,
        created_at=now,
    )
    session.add(entry)
    return entry
