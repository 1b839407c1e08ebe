"""The staff page for admins: everyone with their role, Telegram id, whether active and their last login; add a
staff member (a one-time password shown once), change a role, deactivate or reactivate, reset a password.

Every change is audited (`actions/staff.py`, `actions/staff_passwords.py`) and CSRF-checked; other roles are
refused. A deactivated member's sessions end at their next request (the signed-in check reads the record), and a
new password ends the sessions opened with the old one.
"""

# No `from __future__ import annotations`: FastAPI reads the routes' Annotated dependencies at definition time.
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from actions import staff as staff_actions
from actions.errors import DomainError
from actions.staff_passwords import one_time_password, set_password
from console.web import Console, SignedIn
from storage.models import STAFF_ROLES

NOTICES = {
    "role": "Role changed.",
    "deactivated": "Deactivated: they can no longer log in, and their sessions have ended.",
    "reactivated": "Reactivated: they can log in again with their password.",
}


def staff_router(console: Console) -> APIRouter:
    """GET/POST /staff, POST /staff/{id}/role, /deactivate, /reactivate and /password."""
    router = APIRouter()
    admin = Annotated[SignedIn, Depends(console.staff("staff.manage"))]

    @router.get("/staff")
    async def staff_page(request: Request, who: admin, notice: str = "") -> Response:
        """Everyone registered, with the forms to manage them."""
        return await _page(console, request, who, notice=NOTICES.get(notice))

    @router.post("/staff")
    async def add(
        request: Request,
        who: admin,
        name: str = Form(""),
        role: str = Form(""),
        telegram_user_id: str = Form(""),
    ) -> Response:
        """Register someone with a one-time password, shown on this answer only."""
        password = one_time_password()
        telegram_id = telegram_user_id.strip()
        if telegram_id and not telegram_id.isdigit():
            return await _page(console, request, who, error="A Telegram id is a number (their user id).", status=409)

        async def create(session: AsyncSession) -> str:
            member, _ = await staff_actions.add_staff(
                session=session, name=name, role=role, telegram_user_id=int(telegram_id) if telegram_id else None,
                actor=who.actor, now=console.services.clock(),
            )  # fmt: skip
            await set_password(
                session=session, key=str(member.id), password=password, actor=who.actor, now=console.services.clock()
            )
            return member.name

        return await _change(console, request, who, create, password=password)

    @router.post("/staff/{staff_id}/role")
    async def role(request: Request, staff_id: int, who: admin, role: str = Form("")) -> Response:
        """Give them another role."""

        async def change(session: AsyncSession) -> str:
            member = await staff_actions.change_role(
                session=session, staff_id=staff_id, role=role, actor=who.actor, now=console.services.clock()
            )
            return member.name

        return await _change(console, request, who, change, notice="role")

    @router.post("/staff/{staff_id}/deactivate")
    async def deactivate(request: Request, staff_id: int, who: admin) -> Response:
        """They can no longer log in or act in the staff group; their sessions end."""
        return await _change(console, request, who, _activity(console, who, staff_id, False), notice="deactivated")

    @router.post("/staff/{staff_id}/reactivate")
    async def reactivate(request: Request, staff_id: int, who: admin) -> Response:
        """Bring a deactivated member back."""
        return await _change(console, request, who, _activity(console, who, staff_id, True), notice="reactivated")

    @router.post("/staff/{staff_id}/password")
    async def reset_password(request: Request, staff_id: int, who: admin) -> Response:
        """A new one-time password, shown once; their open sessions end."""
        password = one_time_password()

        async def reset(session: AsyncSession) -> str:
            member = await set_password(
                session=session, key=str(staff_id), password=password, actor=who.actor, now=console.services.clock()
            )
            return member.name

        return await _change(console, request, who, reset, password=password)

    return router


def _activity(console: Console, who: SignedIn, staff_id: int, active: bool) -> Callable[[AsyncSession], Awaitable[str]]:
    async def change(session: AsyncSession) -> str:
        member = await staff_actions.set_active(
            session=session, staff_id=staff_id, active=active, actor=who.actor, now=console.services.clock()
        )
        return member.name

    return change


async def _change(
    console: Console,
    request: Request,
    who: SignedIn,
    change: Callable[[AsyncSession], Awaitable[str]],
    *,
    notice: str = "",
    password: str | None = None,
) -> Response:
    """Run a change in one transaction: a refused rule is the page with the reason (409); a new password is
    shown on the page itself (never in a URL), anything else redirects back to the list."""
    try:
        async with console.services.session_factory() as session, session.begin():
            name = await change(session)
    except DomainError as refused:
        return await _page(console, request, who, error=str(refused), status=409)
    if password is not None:
        response = await _page(console, request, who, issued=(name, password))
        response.headers["Cache-Control"] = "no-store"
        return response
    return RedirectResponse(f"/staff?notice={notice}", status_code=303)


async def _page(
    console: Console,
    request: Request,
    who: SignedIn,
    *,
    notice: str | None = None,
    error: str | None = None,
    issued: tuple[str, str] | None = None,
    status: int = 200,
) -> Response:
    async with console.services.session_factory() as session:
        rows = await staff_actions.staff_overview(session=session)
    return console.render(
        request, "staff.html", who, status_code=status, rows=rows, roles=STAFF_ROLES, notice=notice, error=error,
        issued=issued,
    )  # fmt: skip
