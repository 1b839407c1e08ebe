"""What every console page shares: the process's `Console` (services, sessions, the customer channel,
templates), the signed-in check with its role and CSRF rules, and rendering.

A page declares what it needs with `Depends(console.staff(permission))`: no session sends the browser to the
login page; a state-changing request without the session's CSRF token is refused (403); a role without the
permission (`actions/permissions.py`) is refused (403).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from actions.permissions import PERMISSIONS, may, permissions_of
from actions.sla import BusinessHours, SlaTargets
from actions.staff_passwords import password_fingerprint
from console.security import csrf_token_sent, tokens_match
from console.sessions import SessionStore, StaffSession
from runtime.services import Services
from storage.models import Staff
from storage.redis_state import RateLimiter

SESSION_COOKIE = "carebot_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


class CustomerChannel(Protocol):
    """How the console reaches a customer (the Telegram bot's sender in `carebot console`)."""

    async def reply(self, *, handoff_id: int, staff_id: int, text: str) -> str: ...

    async def close(self, *, handoff_id: int, staff_id: int) -> str: ...

    async def ticket_update(self, *, ticket_id: int) -> str: ...


ChannelFactory = Callable[[Services], AbstractAsyncContextManager[CustomerChannel]]


class NotSignedIn(Exception):
    """No valid session: the browser goes to the login page."""


class Refused(Exception):
    """Signed in, but this request is not allowed (role, CSRF): a 403 page saying why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SignedIn:
    """The staff member behind a request and their session."""

    staff_id: int
    name: str
    role: str
    session: StaffSession
    token: str

    @property
    def csrf_token(self) -> str:
        return self.session.csrf_token

    def may(self, permission: str) -> bool:
        return may(self.role, permission)

    @property
    def actor(self) -> str:
        """How the audit log names them."""
        return f"console:{self.name}"


@dataclass
class Console:
    """The console process's objects, shared by every route."""

    services: Services
    sessions: SessionStore
    login_limiter: RateLimiter
    channel: CustomerChannel | None
    https: bool
    business: BusinessHours
    targets: SlaTargets
    intents: tuple[str, ...] = ()  # what a customer's turn can be labelled with (the NLU's intents)
    templates: Jinja2Templates = field(default_factory=lambda: console_templates())

    def staff(self, permission: str | None = None) -> Callable[[Request], Awaitable[SignedIn]]:
        """A dependency: the signed-in staff member, checked for the CSRF token and `permission`."""
        if permission is not None and permission not in PERMISSIONS:
            raise ValueError(f"unknown permission {permission!r}")

        async def signed_in(request: Request) -> SignedIn:
            token = request.cookies.get(SESSION_COOKIE, "")
            session = await self.sessions.load(token)
            if session is None:
                raise NotSignedIn
            async with self.services.session_factory() as db:
                member = await db.get(Staff, session.staff_id)
            if member is None or not member.active or password_fingerprint(member) != session.fingerprint:
                await self.sessions.close(token)
                raise NotSignedIn
            if request.method not in SAFE_METHODS and not tokens_match(
                await csrf_token_sent(request), session.csrf_token
            ):
                raise Refused("the form's security token is missing or out of date: reload the page and try again")
            if permission is not None and not may(member.role, permission):
                raise Refused(f"your role ({member.role}) may not do this")
            return SignedIn(staff_id=member.id, name=member.name, role=member.role, session=session, token=token)

        return signed_in

    def render(
        self, request: Request, template: str, who: SignedIn | None, status_code: int = 200, **values: Any
    ) -> HTMLResponse:
        """A page or fragment, with the signed-in staff member and the shop's time zone."""
        context = {"who": who, "tz": self.services.timezone, **values}
        return self.templates.TemplateResponse(request, template, context, status_code=status_code)


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def to_login(request: Request) -> Response:
    """Where a request without a session goes: the login page (htmx follows HX-Redirect)."""
    target = "/login"
    if request.method == "GET" and request.url.path not in ("/", "/login"):
        target += f"?next={request.url.path}"
    if is_htmx(request):
        return Response(status_code=401, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def local_time(moment: datetime | None, tz: ZoneInfo, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A UTC time shown in the shop's time zone."""
    return moment.astimezone(tz).strftime(pattern) if moment is not None else "-"


def console_templates() -> Jinja2Templates:
    """The console's Jinja2 templates, with the time filter and the permission table."""
    templates = Jinja2Templates(directory=TEMPLATES)
    templates.env.filters["local"] = local_time
    templates.env.globals["permissions_of"] = permissions_of
    return templates
