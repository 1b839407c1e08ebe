"""The audit log: who changed what about a customer, and when; one row per change, never updated."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditLog


def record_audit(
    session: AsyncSession, *, actor: str, action: str, customer_id: int, details: dict[str, Any], now: datetime
) -> AuditLog:
    """Add an audit row about a customer to the session (the caller flushes with its own change)."""
    entry = AuditLog(
        actor=actor[:64],
        action=action,
        target_type="customer",
        target_id=str(customer_id),
        details=details,
        created_at=now,
    )
    session.add(entry)
    return entry
