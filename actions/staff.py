"""Staff: the registered people who answer customers in the staff group (and, later, use the console).

Each has a role and, to act in the staff group, a Telegram user id; the registered name is what customers
see, so it is unique. Removing someone deactivates them: the row stays, so the audit log, handoffs and
tickets that point at it keep naming the same person. Every change is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.audit import record_staff_audit
from actions.errors import DomainError
from storage.models import STAFF_ROLES, AuditLog, Staff

MAX_NAME = 64  # shown to customers before every reply ("客服 {name}：…")
MAX_TELEGRAM_ID = 2**63 - 1


class UnknownRole(DomainError):
    """Not a staff role."""


class InvalidStaffName(DomainError):
    """A staff name is 1 to 64 printable characters."""


class InvalidTelegramId(DomainError):
    """A Telegram user id is a positive whole number."""


class DuplicateTelegramId(DomainError):
    """Another staff member already has this Telegram user id."""


class DuplicateStaffName(DomainError):
    """Another staff member already has this name."""


class UnknownStaff(DomainError):
    """No staff member with this id or name."""


class LastAdmin(DomainError):
    """The last active admin cannot be demoted or deactivated: nobody could manage staff accounts any more."""


@dataclass(frozen=True)
class StaffRow:
    """A staff member as the staff page lists them."""

    member: Staff
    last_login: datetime | None


async def add_staff(
    *,
    session: AsyncSession,
    name: str,
    role: str,
    telegram_user_id: int | None,
    actor: str,
    now: datetime,
) -> tuple[Staff, bool]:
    """Register a staff member; True when a new one was created. A Telegram id that belongs to a removed
    staff member brings that member back (with this name and role) rather than failing: same person."""
    name = _valid_name(name)
    if role not in STAFF_ROLES:
        raise UnknownRole(f"unknown role {role!r}: expected one of {', '.join(STAFF_ROLES)}")
    returning = None
    if telegram_user_id is not None:
        if isinstance(telegram_user_id, bool) or not 0 < telegram_user_id <= MAX_TELEGRAM_ID:
            raise InvalidTelegramId(f"{telegram_user_id} is not a Telegram user id (a positive whole number)")
        holder = await session.scalar(select(Staff).where(Staff.telegram_user_id == telegram_user_id))
        if holder is not None and holder.active:
            raise DuplicateTelegramId(f"Telegram id {telegram_user_id} is already staff #{holder.id} {holder.name}")
        returning = holder
    namesake = await session.scalar(select(Staff).where(func.lower(Staff.name) == name.lower()))
    if namesake is not None and namesake is not returning:
        removed = "" if namesake.active else ", removed"
        raise DuplicateStaffName(
            f"the name {name!r} is taken by staff #{namesake.id}{removed}: customers see it, so choose one "
            f"they can tell apart (for example with an initial)"
        )
    if returning is not None:
        returning.name, returning.role, returning.active = name, role, True
        member, created, action = returning, False, "staff.reactivated"
    else:
        member = Staff(name=name, role=role, telegram_user_id=telegram_user_id, active=True, created_at=now)
        session.add(member)
        created, action = True, "staff.added"
    await session.flush()
    details = {"name": name, "role": role, "telegram_user_id": telegram_user_id}
    record_staff_audit(session, actor=actor, action=action, staff_id=member.id, details=details, now=now)
    await session.flush()
    return member, created


async def list_staff(*, session: AsyncSession, include_removed: bool = False) -> list[Staff]:
    """Staff by name; removed ones only when asked."""
    query = select(Staff).order_by(Staff.name, Staff.id)
    if not include_removed:
        query = query.where(Staff.active.is_(True))
    return list((await session.scalars(query)).all())


async def find_staff(*, session: AsyncSession, key: str) -> Staff | None:
    """The staff member with this internal id, else with this name (case-insensitive)."""
    key = key.strip()
    if key.isdigit():
        by_id = await session.get(Staff, int(key))
        if by_id is not None:
            return by_id
    return await session.scalar(select(Staff).where(func.lower(Staff.name) == key.lower()))


async def remove_staff(*, session: AsyncSession, key: str, actor: str, now: datetime) -> tuple[Staff, bool]:
    """Deactivate the staff member with this id or name; True when they were active until now."""
    member = await find_staff(session=session, key=key)
    if member is None:
        raise UnknownStaff(f"no staff member with id or name {key!r}")
    if not member.active:
        return member, False
    member.active = False
    details = {"name": member.name, "role": member.role, "telegram_user_id": member.telegram_user_id}
    record_staff_audit(session, actor=actor, action="staff.removed", staff_id=member.id, details=details, now=now)
    await session.flush()
    return member, True


async def change_role(*, session: AsyncSession, staff_id: int, role: str, actor: str, now: datetime) -> Staff:
    """Give a staff member another role (audited); LastAdmin when that would leave no active admin."""
    if role not in STAFF_ROLES:
        raise UnknownRole(f"unknown role {role!r}: expected one of {', '.join(STAFF_ROLES)}")
    member = await _member(session, staff_id)
    if member.role == role:
        return member
    if member.role == "admin" and member.active:
        await _keep_an_admin(session, member)
    old, member.role = member.role, role
    details = {"name": member.name, "from": old, "to": role}
    record_staff_audit(session, actor=actor, action="staff.role_changed", staff_id=member.id, details=details, now=now)
    await session.flush()
    return member


async def set_active(*, session: AsyncSession, staff_id: int, active: bool, actor: str, now: datetime) -> Staff:
    """Deactivate (they can no longer log in or act, and their console sessions end at their next request) or
    reactivate a staff member (their Telegram id is still theirs: ids are unique); audited. LastAdmin for the
    last active admin."""
    member = await _member(session, staff_id)
    if member.active == active:
        return member
    if not active and member.role == "admin":
        await _keep_an_admin(session, member)
    member.active = active
    details = {"name": member.name, "role": member.role, "telegram_user_id": member.telegram_user_id}
    action = "staff.reactivated" if active else "staff.removed"
    record_staff_audit(session, actor=actor, action=action, staff_id=member.id, details=details, now=now)
    await session.flush()
    return member


async def staff_overview(*, session: AsyncSession) -> list[StaffRow]:
    """Everyone, active first, by name, with their last console login (from the audit log)."""
    logins = (
        select(AuditLog.target_id, func.max(AuditLog.created_at).label("last_login"))
        .where(AuditLog.action == "console.login", AuditLog.target_type == "staff")
        .group_by(AuditLog.target_id)
    )
    last_login = {int(target): at for target, at in (await session.execute(logins)).all()}
    members = (await session.scalars(select(Staff).order_by(Staff.active.desc(), Staff.name, Staff.id))).all()
    return [StaffRow(member=member, last_login=last_login.get(member.id)) for member in members]


async def active_staff_by_telegram_id(*, session: AsyncSession, telegram_user_id: int) -> Staff | None:
    """The active staff member with this Telegram user id; None for anyone else (unknown or removed)."""
    query = select(Staff).where(Staff.telegram_user_id == telegram_user_id, Staff.active.is_(True))
    return await session.scalar(query)


async def _member(session: AsyncSession, staff_id: int) -> Staff:
    member = await session.get(Staff, staff_id)
    if member is None:
        raise UnknownStaff(f"no staff member #{staff_id}")
    return member


async def _keep_an_admin(session: AsyncSession, leaving: Staff) -> None:
    """LastAdmin unless another active admin remains (checked under a lock on the admins' rows)."""
    query = select(Staff.id).where(Staff.role == "admin", Staff.active.is_(True), Staff.id != leaving.id)
    if not (await session.scalars(query.with_for_update())).first():
        raise LastAdmin("the last active admin cannot be demoted or deactivated: make someone else admin first")


def _valid_name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name or len(name) > MAX_NAME or not name.isprintable():
        raise InvalidStaffName(f"a staff name is 1 to {MAX_NAME} printable characters, not {raw!r}")
    return name
