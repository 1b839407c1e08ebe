"""Staff records: validated, unique by Telegram id and name, removed by deactivation, every change audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actions import staff
from storage.models import AuditLog
from tests.support.loyalty import NOW


async def _add(
    session: AsyncSession, name: str = "Amy", role: str = "agent", telegram_user_id: int | None = 501
) -> int:
    member, created = await staff.add_staff(
        session=session, name=name, role=role, telegram_user_id=telegram_user_id, actor="cli:ops", now=NOW
    )
    assert created
    return member.id


async def _audit(session: AsyncSession, staff_id: int) -> list[tuple[str, str, dict[str, object]]]:
    rows = await session.scalars(
        select(AuditLog)
        .where(AuditLog.target_type == "staff", AuditLog.target_id == str(staff_id))
        .order_by(AuditLog.id)
    )
    return [(row.actor, row.action, row.details) for row in rows]


async def test_add_finds_by_telegram_id_and_audits(session: AsyncSession) -> None:
    staff_id = await _add(session, name="  Amy   Wu ")

    member = await staff.active_staff_by_telegram_id(session=session, telegram_user_id=501)
    assert member is not None and (member.id, member.name, member.role, member.active) == (
        staff_id,
        "Amy Wu",
        "agent",
        True,
    )
    assert await staff.active_staff_by_telegram_id(session=session, telegram_user_id=502) is None
    assert await _audit(session, staff_id) == [
        ("cli:ops", "staff.added", {"name": "Amy Wu", "role": "agent", "telegram_user_id": 501})
    ]


@pytest.mark.parametrize(
    ("fields", "error", "words"),
    [
        ({"role": "boss"}, staff.UnknownRole, "agent, supervisor, marketer, admin"),
        ({"name": "   "}, staff.InvalidStaffName, "1 to 64"),
        ({"name": "x" * 65}, staff.InvalidStaffName, "1 to 64"),
        ({"name": "Amy\u202e"}, staff.InvalidStaffName, "printable"),
        ({"telegram_user_id": 0}, staff.InvalidTelegramId, "positive"),
        ({"telegram_user_id": -100123}, staff.InvalidTelegramId, "positive"),
    ],
)
async def test_invalid_input_is_refused_in_words(
    session: AsyncSession, fields: dict[str, object], error: type[Exception], words: str
) -> None:
    arguments: dict[str, object] = {"name": "Amy", "role": "agent", "telegram_user_id": 501, **fields}
    with pytest.raises(error, match=words):
        await staff.add_staff(session=session, actor="cli:ops", now=NOW, **arguments)  # type: ignore[arg-type]
    assert await staff.list_staff(session=session, include_removed=True) == []


async def test_a_telegram_id_or_a_name_is_one_person(session: AsyncSession) -> None:
    first = await _add(session)
    with pytest.raises(staff.DuplicateTelegramId, match=f"already staff #{first} Amy"):
        await _add(session, name="Bob", telegram_user_id=501)
    with pytest.raises(staff.DuplicateStaffName, match="taken by staff"):
        await _add(session, name="amy", telegram_user_id=502)
    assert [member.name for member in await staff.list_staff(session=session)] == ["Amy"]


async def test_staff_without_telegram_id_are_allowed(session: AsyncSession) -> None:
    await _add(session, name="Mia", role="marketer", telegram_user_id=None)
    await _add(session, name="Max", role="admin", telegram_user_id=None)
    assert [(m.name, m.telegram_user_id) for m in await staff.list_staff(session=session)] == [
        ("Max", None),
        ("Mia", None),
    ]


async def test_remove_deactivates_by_id_or_name_and_audits(session: AsyncSession) -> None:
    amy = await _add(session)
    bob = await _add(session, name="Bob", telegram_user_id=502)

    removed, changed = await staff.remove_staff(session=session, key=str(amy), actor="cli:ops", now=NOW)
    assert changed and removed.id == amy and not removed.active
    _, changed = await staff.remove_staff(session=session, key="BOB", actor="cli:ops", now=NOW)
    assert changed
    _, again = await staff.remove_staff(session=session, key="Amy", actor="cli:ops", now=NOW)
    assert not again

    assert await staff.active_staff_by_telegram_id(session=session, telegram_user_id=501) is None
    assert await staff.list_staff(session=session) == []
    assert {member.id for member in await staff.list_staff(session=session, include_removed=True)} == {amy, bob}
    assert [action for _, action, _ in await _audit(session, amy)] == ["staff.added", "staff.removed"]
    with pytest.raises(staff.UnknownStaff, match="'Zoe'"):
        await staff.remove_staff(session=session, key="Zoe", actor="cli:ops", now=NOW)


async def test_a_removed_member_comes_back_with_their_telegram_id(session: AsyncSession) -> None:
    amy = await _add(session)
    await staff.remove_staff(session=session, key="Amy", actor="cli:ops", now=NOW)

    member, created = await staff.add_staff(
        session=session, name="Amy Wu", role="supervisor", telegram_user_id=501, actor="cli:ops", now=NOW
    )

    assert not created and (member.id, member.name, member.role, member.active) == (amy, "Amy Wu", "supervisor", True)
    assert [action for _, action, _ in await _audit(session, amy)][-1] == "staff.reactivated"


async def test_a_removed_members_name_stays_theirs(session: AsyncSession) -> None:
    await _add(session)
    await staff.remove_staff(session=session, key="Amy", actor="cli:ops", now=NOW)
    with pytest.raises(staff.DuplicateStaffName, match="removed"):
        await _add(session, name="Amy", telegram_user_id=777)
