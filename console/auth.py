"""Login and logout. The login form carries its own CSRF token (a cookie and a hidden field that must match),
attempts are rate-limited per name and per address (Redis token buckets), and both outcomes are audited."""

# No `from __future__ import annotations`: FastAPI reads the routes' Annotated dependencies, which are
# built inside the router factories, at definition time.
import logging
import math
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from actions.audit import record_event
from actions.staff_passwords import authenticate, password_fingerprint
from console.security import tokens_match
from console.web import SESSION_COOKIE, Console, SignedIn

logger = logging.getLogger(__name__)

LOGIN_CSRF_COOKIE = "carebot_login_csrf"
# Five tries per name and thirty per address, refilled over fifteen minutes.
PER_NAME = (5, 5 / 900)
PER_ADDRESS = (30, 30 / 900)


def auth_router(console: Console) -> APIRouter:
    """GET/POST /login, POST /logout."""
    router = APIRouter()

    @router.get("/login")
    async def login_page(request: Request, next: str = "/") -> Response:
        """The login form, with a fresh login CSRF token."""
        return _login_form(console, request, next_path=next)

    @router.post("/login")
    async def login(
        request: Request,
        name: str = Form(""),
        password: str = Form(""),
        csrf_token: str = Form(""),
        next: str = Form("/"),
    ) -> Response:
        """Check the form's token, the rate limits and the password; open a session on success."""
        if not tokens_match(csrf_token, request.cookies.get(LOGIN_CSRF_COOKIE, "")):
            return _login_form(console, request, next_path=next, error="The form expired: try again.", status=403)
        wait = await _throttle(console, name=name, address=request.client.host if request.client else "-")
        if wait > 0:
            minutes = max(1, math.ceil(wait / 60))
            error = f"Too many attempts: try again in {minutes} minute{'s' if minutes > 1 else ''}."
            return _login_form(console, request, next_path=next, error=error, status=429)
        now = console.services.clock()
        async with console.services.session_factory() as session, session.begin():
            member = await authenticate(session=session, name=name, password=password)
            if member is None:
                logger.info("console login refused")
                return _login_form(console, request, next_path=next, error="Wrong name or password.", status=401)
            token, _ = await console.sessions.open(staff_id=member.id, fingerprint=password_fingerprint(member))
            record_event(
                session, actor=f"console:{member.name}", action="console.login", target=("staff", member.id),
                details={}, now=now,
            )  # fmt: skip
        response = RedirectResponse(_safe_next(next), status_code=303)
        response.set_cookie(SESSION_COOKIE, token, httponly=True, secure=console.https, samesite="strict", path="/")
        response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
        return response

    @router.post("/logout")
    async def logout(who: Annotated[SignedIn, Depends(console.staff())]) -> Response:
        """End the session (the CSRF check keeps other sites from logging staff out)."""
        await console.sessions.close(who.token)
        async with console.services.session_factory() as session, session.begin():
            record_event(
                session, actor=who.actor, action="console.logout", target=("staff", who.staff_id), details={},
                now=console.services.clock(),
            )  # fmt: skip
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    return router


def _login_form(
    console: Console, request: Request, *, next_path: str, error: str | None = None, status: int = 200
) -> Response:
    token = secrets.token_urlsafe(32)
    response = console.render(
        request, "login.html", None, status_code=status, csrf_token=token, next=_safe_next(next_path), error=error
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, secure=console.https, samesite="strict", path="/login", max_age=3600
    )
    return response


async def _throttle(console: Console, *, name: str, address: str) -> float:
    """Seconds to wait before another login attempt (0: go ahead); each attempt spends a token."""
    waits = []
    for bucket, (capacity, rate) in (
        (f"name:{' '.join(name.split()).lower()[:64]}", PER_NAME),
        (f"address:{address}", PER_ADDRESS),
    ):
        waits.append(await console.login_limiter.try_take(bucket, rate_per_second=rate, capacity=capacity))
    return max(waits)


def _safe_next(target: str) -> str:
    """Only a path on this site (no `//host` or scheme), so the login cannot redirect elsewhere."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"
