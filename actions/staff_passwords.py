"""Staff passwords for the web console: argon2 hashes (pwdlib), one-time passwords, checking a login.

Hashing is deliberately slow (argon2), so it runs in a worker thread and never blocks the event loop. A
login for an unknown or removed name still checks a hash, so timing does not tell which names exist.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from datetime import datetime
from functools import cache

from pwdlib import PasswordHash
from pwdlib.exceptions import PwdlibError
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.audit import record_staff_audit
from actions.errors import DomainError
from actions.staff import UnknownStaff, find_staff
from storage.models import Staff

MIN_PASSWORD = 10
MAX_PASSWORD = 256
HASHER = PasswordHash((Argon2Hasher(),))


class WeakPassword(DomainError):
    """A console password is 10 to 256 characters."""


def one_time_password() -> str:
    """A random password to hand over once (16 URL-safe characters, about 96 bits)."""
    return secrets.token_urlsafe(12)


async def hash_password(password: str) -> str:
    """The argon2 hash of a password that meets the length rule (WeakPassword otherwise)."""
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise WeakPassword(f"a console password is {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    return await asyncio.to_thread(HASHER.hash, password)


async def set_password(*, session: AsyncSession, key: str, password: str, actor: str, now: datetime) -> Staff:
    """Give the staff member with this id or name a new console password (audited, never the password)."""
    member = await find_staff(session=session, key=key)
    if member is None:
        raise UnknownStaff(f"no staff member with id or name {key!r}")
    member.password_hash = await hash_password(password)
    record_staff_audit(
        session, actor=actor, action="staff.password_set", staff_id=member.id, details={"name": member.name}, now=now
    )
    await session.flush()
    return member


async def authenticate(*, session: AsyncSession, name: str, password: str) -> Staff | None:
    """The active staff member with this name (case-insensitive) and password; None for anything else."""
    member = await session.scalar(select(Staff).where(func.lower(Staff.name) == " ".join(name.split()).lower()))
    usable = member is not None and member.active and member.password_hash is not None
    stored = member.password_hash if usable and member is not None else None
    matches = await asyncio.to_thread(_verify, password[:MAX_PASSWORD], stored or _dummy_hash())
    return member if usable and matches else None


def password_fingerprint(member: Staff) -> str:
    """A short digest of the stored hash: a session remembers it, so a new password ends older sessions."""
    return hashlib.sha256((member.password_hash or "").encode()).hexdigest()[:16]


@cache
def _dummy_hash() -> str:
    """Checked when the name is unknown, so a wrong name costs as much time as a wrong password."""
    return HASHER.hash(secrets.token_urlsafe(16))


def _verify(password: str, stored: str) -> bool:
    try:
        return HASHER.verify(password, stored)
    except PwdlibError:  # a malformed stored hash is a failed login, not a crash
        return False
