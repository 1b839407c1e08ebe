"""Login, sessions, roles, CSRF, security headers and login rate limits, over HTTP against the real app."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

import httpx
from fastapi.routing import APIRoute
from sqlalchemy import select
from starlette.routing import BaseRoute

from actions.conversation_log import log_turn
from actions.handoff import request_handoff
from actions.staff_passwords import set_password
from console.app import create_app
from runtime.settings import Settings
from storage.engine import SessionFactory
from storage.models import AuditLog
from tests.console.conftest import PASSWORD, csrf_of, log_in
from tests.support.loyalty import make_customer


async def test_log_in_see_the_role_and_log_out(console: httpx.AsyncClient, staff_accounts: dict[str, str]) -> None:
    assert (await console.get("/queue")).headers["location"] == "/login?next=/queue"

    signed_in = await log_in(console, "lily")  # names are case-insensitive
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/"
    cookie = signed_in.headers["set-cookie"]
    assert "carebot_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    home = await console.get("/")
    assert home.status_code == 200 and "Lily · agent" in home.text and "queue.view" in home.text
    assert "audit.view" not in home.text

    logout = await console.post("/logout", data={"csrf_token": csrf_of(home.text)})
    assert logout.status_code == 303 and logout.headers["location"] == "/login"
    assert (await console.get("/")).status_code == 303  # the session is gone on the server, not just the cookie


async def test_a_wrong_password_or_unknown_name_is_refused_alike(
    console: httpx.AsyncClient, staff_accounts: dict[str, str]
) -> None:
    wrong = await log_in(console, "Lily", "not the password")
    unknown = await log_in(console, "Nobody", PASSWORD)
    for response in (wrong, unknown):
        assert response.status_code == 401 and "Wrong name or password." in response.text
        assert "carebot_session" not in response.headers.get("set-cookie", "")


async def test_an_agent_is_refused_a_supervisor_page(
    console: httpx.AsyncClient, staff_accounts: dict[str, str], session_factory: SessionFactory
) -> None:
    await log_in(console, "Lily")
    refused = await console.get("/audit")
    assert refused.status_code == 403 and "your role (agent) may not do this" in refused.text

    await console.post("/logout", data={"csrf_token": csrf_of((await console.get("/")).text)})
    await log_in(console, "Sam")
    audit = await console.get("/audit")
    assert audit.status_code == 200 and "console.login" in audit.text and "console:Lily" in audit.text
    async with session_factory() as session:
        actions = list(await session.scalars(select(AuditLog.action).where(AuditLog.actor.like("console:%"))))
    assert actions == ["console.login", "console.logout", "console.login"]


async def test_a_marketer_has_no_queue(console: httpx.AsyncClient, staff_accounts: dict[str, str]) -> None:
    await log_in(console, "Mona")
    assert (await console.get("/queue")).status_code == 403


async def test_state_changes_without_the_csrf_token_are_refused(
    console: httpx.AsyncClient, staff_accounts: dict[str, str]
) -> None:
    await log_in(console, "Lily")
    no_token = await console.post("/logout")
    wrong_token = await console.post("/logout", data={"csrf_token": "forged"})
    assert no_token.status_code == wrong_token.status_code == 403
    assert (await console.get("/")).status_code == 200  # still signed in
    header_token = await console.post("/logout", headers={"X-CSRF-Token": csrf_of((await console.get("/")).text)})
    assert header_token.status_code == 303

    await console.get("/login")  # the login form's cookie is set; the field below does not match it
    forged_login = await console.post("/login", data={"name": "Lily", "password": PASSWORD, "csrf_token": "forged"})
    assert forged_login.status_code == 403


async def test_login_attempts_are_rate_limited_per_name(
    console: httpx.AsyncClient, staff_accounts: dict[str, str]
) -> None:
    statuses = [(await log_in(console, "Sam", f"guess number {n}")).status_code for n in range(5)]
    assert statuses == [401] * 5
    blocked = await log_in(console, "Sam")  # even the right password waits now
    assert blocked.status_code == 429 and "Too many attempts" in blocked.text
    assert (await log_in(console, "Lily")).status_code == 303  # other names are not held up


async def test_a_new_password_ends_open_sessions(
    console: httpx.AsyncClient, staff_accounts: dict[str, str], session_factory: SessionFactory
) -> None:
    await log_in(console, "Lily")
    assert (await console.get("/")).status_code == 200
    async with session_factory() as session, session.begin():
        await set_password(
            session=session, key="Lily", password="another long one", actor="test", now=datetime.now(UTC)
        )
    assert (await console.get("/")).status_code == 303


async def test_every_answer_has_the_security_headers(console: httpx.AsyncClient) -> None:
    for path in ("/login", "/healthz", "/static/htmx.min.js"):
        headers = (await console.get(path)).headers
        assert (
            "script-src 'self'" in headers["content-security-policy"]
            and "frame-ancestors 'none'" in headers["content-security-policy"]
        )
        assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"
    assert (await console.get("/login")).headers["cache-control"] == "no-store"


async def test_the_login_never_redirects_off_site(console: httpx.AsyncClient, staff_accounts: dict[str, str]) -> None:
    form = await console.get("/login")
    response = await console.post(
        "/login",
        data={"name": "Lily", "password": PASSWORD, "csrf_token": csrf_of(form.text), "next": "//evil.example"},
    )
    assert response.headers["location"] == "/"


async def test_customer_text_is_escaped_in_pages(
    console: httpx.AsyncClient, staff_accounts: dict[str, str], session_factory: SessionFactory
) -> None:
    hostile = '<img src=x onerror="alert(1)">'
    async with session_factory() as session, session.begin():
        customer = await make_customer(session, name=hostile)
        await request_handoff(session=session, customer_id=customer.id, reason=hostile, now=datetime.now(UTC))
        await log_turn(session=session, customer_id=customer.id, direction="in", text=hostile, now=datetime.now(UTC))
    await log_in(console, "Lily")
    queue = (await console.get("/queue")).text
    assert hostile not in queue and "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in queue


async def test_every_form_post_needs_the_csrf_token(
    console_settings: Settings, staff_accounts: dict[str, str], redis: object
) -> None:
    app = create_app(console_settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://console") as client,
    ):
        await log_in(client, "Ada")  # an admin: every page is allowed, so only the token is missing
        posts = sorted(
            route.path
            for route in _all_routes(app.routes)
            if isinstance(route, APIRoute) and "POST" in route.methods and route.path != "/api/orders"
        )
        assert len(posts) >= 12
        for path in posts:
            response = await client.post(path.replace("{", "").replace("}", "").replace("_id", "1"), data={"x": "1"})
            assert response.status_code == 403, path


def _all_routes(routes: Sequence[BaseRoute]) -> Iterator[BaseRoute]:
    """Routes, including those of included routers (FastAPI keeps them per router)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _all_routes(included.routes)
        else:
            yield route
