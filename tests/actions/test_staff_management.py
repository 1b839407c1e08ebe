"""Managing staff accounts: role changes and (re)activation, audited; never without an active admin."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.staff import (
    LastAdmin,
    UnknownRole,
    add_staff,
    change_role,
    set_active,
    staff_overview,
)
from storage.models import AuditLog
from tests.support.loyalty import NOW


async def test_roles_and_activity_change_with_an_audit_row(session: AsyncSession) -> None:
    ada, _ = await add_staff(session=session, name="Ada", role="admin", telegram_user_id=1, actor="t", now=NOW)
    lily, _ = await add_staff(session=session, name="Lily", role="agent", telegram_user_id=2, actor="t", now=NOW)
    with pytest.raises(UnknownRole):
        await change_role(session=session, staff_id=lily.id, role="boss", actor="console:Ada", now=NOW)
    with pytest.raises(LastAdmin):
        await change_role(session=session, staff_id=ada.id, role="agent", actor="console:Ada", now=NOW)
    with pytest.raises(LastAdmin):
        await set_active(session=session, staff_id=ada.id, active=False, actor="console:Ada", now=NOW)
    await change_role(session=session, staff_id=lily.id, role="admin", actor="console:Ada", now=NOW)
    await set_active(session=session, staff_id=ada.id, active=False, actor="console:Lily", now=NOW)  # Lily remains
    assert [(row.member.name, row.member.active) for row in await staff_overview(session=session)] == [
        ("Lily", True),
        ("Ada", False),
    ]
    actions = (await session.scalars(select(AuditLog.action).where(AuditLog.actor.like("console:%")))).all()
    assert actions == ["staff.role_changed", "staff.removed"]
