"""The admins' staff page: list, add with a one-time password, role changes, deactivation ending sessions,
reactivation, password resets; audited, CSRF-checked, refused to other roles, never leaving no admin."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import select

from storage.engine import SessionFactory
from storage.models import AuditLog, Staff
from tests.console.conftest import PASSWORD, csrf_of, log_in

ONE_TIME = re.compile(r"One-time password for <strong>([^<]+)</strong>: <code>([^<]+)</code>")


async def as_admin(console: httpx.AsyncClient) -> str:
    """Log in as Ada (admin); the session's CSRF token."""
    await log_in(console, "Ada")
    return csrf_of((await console.get("/staff")).text)


async def staff_id(session_factory: SessionFactory, name: str) -> int:
    async with session_factory() as session:
        found = await session.scalar(select(Staff.id).where(Staff.name == name))
    assert found is not None
    return found


async def other_browser(console: httpx.AsyncClient) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=console._transport, base_url="http://console")


async def test_the_page_lists_everyone_with_their_last_login(
    console: httpx.AsyncClient, staff_accounts: dict[str, str]
) -> None:
    await as_admin(console)
    page = await console.get("/staff")
    assert page.status_code == 200
    rows = re.findall(r'data-testid="staff-row" data-name="([^"]+)"', page.text)
    assert rows == ["Ada", "Lily", "Mona", "Sam"]
    assert "801" in page.text and "Ada (you)" in page.text


@pytest.mark.parametrize("name", ["Lily", "Sam", "Mona"])
async def test_other_roles_are_refused(console: httpx.AsyncClient, staff_accounts: dict[str, str], name: str) -> None:
    await log_in(console, name)
    assert (await console.get("/staff")).status_code == 403
    token = csrf_of((await console.get("/")).text)
    added = await console.post("/staff", data={"csrf_token": token, "name": "Mallory", "role": "admin"})
    assert added.status_code == 403 and "may not do this" in added.text


async def test_a_change_without_the_csrf_token_is_refused(
    console: httpx.AsyncClient, staff_accounts: dict[str, str], session_factory: SessionFactory
) -> None:
    await as_admin(console)
    lily = await staff_id(session_factory, "Lily")
    refused = await console.post(f"/staff/{lily}/role", data={"role": "admin"})
    assert refused.status_code == 403 and "security token" in refused.text
    async with session_factory() as session:
        assert (await session.get(Staff, lily)).role == "agent"  # type: ignore[union-attr]


async def test_add_change_role_deactivate_reactivate_and_reset(
    console: httpx.AsyncClient, staff_accounts: dict[str, str], session_factory: SessionFactory
) -> None:
    token = await as_admin(console)
    added = await console.post(
        "/staff", data={"csrf_token": token, "name": "Nina", "role": "agent", "telegram_user_id": "4242"}
    )
    assert added.status_code == 200 and added.headers["cache-control"] == "no-store"
    found = ONE_TIME.search(added.text)
    assert found is not None and found.group(1) == "Nina"
    password = found.group(2)
    assert password not in (await console.get("/staff")).text, "shown once"
    nina = await staff_id(session_factory, "Nina")

    async with await other_browser(console) as browser:
        assert (await log_in(browser, "Nina", password)).status_code == 303
        assert (await browser.get("/queue")).status_code == 200
        assert (await browser.get("/reports")).status_code == 403

        moved = await console.post(f"/staff/{nina}/role", data={"csrf_token": token, "role": "supervisor"})
        assert moved.status_code == 303
        assert (await browser.get("/reports")).status_code == 200, "the new role applies at once"

        off = await console.post(f"/staff/{nina}/deactivate", data={"csrf_token": token})
        assert off.headers["location"] == "/staff?notice=deactivated"
        ended = await browser.get("/queue")
        assert ended.status_code == 303 and ended.headers["location"].startswith("/login"), "her session ended"
        assert (await log_in(browser, "Nina", password)).status_code == 401, "and she cannot log in"

        await console.post(f"/staff/{nina}/reactivate", data={"csrf_token": token})
        assert (await log_in(browser, "Nina", password)).status_code == 303
        reset = await console.post(f"/staff/{nina}/password", data={"csrf_token": token})
        new_password = ONE_TIME.search(reset.text)
        assert new_password is not None and new_password.group(2) != password
        assert (await browser.get("/queue")).status_code == 303, "a new password ends her sessions"
        assert (await log_in(browser, "Nina", password)).status_code == 401
        assert (await log_in(browser, "Nina", new_password.group(2))).status_code == 303

    async with session_factory() as session:
        query = select(AuditLog.action, AuditLog.actor).where(
            AuditLog.target_type == "staff", AuditLog.target_id == str(nina), AuditLog.actor == "console:Ada"
        )
        actions = [action for action, _ in (await session.execute(query.order_by(AuditLog.id))).all()]
    assert actions == [
        "staff.added",
        "staff.password_set",
        "staff.role_changed",
        "staff.removed",
        "staff.reactivated",
        "staff.password_set",
    ]


async def test_refused_changes_say_why(
    console: httpx.AsyncClient, staff_accounts: dict[str, str], session_factory: SessionFactory
) -> None:
    token = await as_admin(console)
    ada = await staff_id(session_factory, "Ada")
    for path, data in ((f"/staff/{ada}/role", {"role": "agent"}), (f"/staff/{ada}/deactivate", {})):
        refused = await console.post(path, data={"csrf_token": token, **data})
        assert refused.status_code == 409 and "last active admin" in refused.text
    taken = await console.post("/staff", data={"csrf_token": token, "name": "lily", "role": "agent"})
    assert taken.status_code == 409 and "is taken" in taken.text and "One-time password" not in taken.text
    odd = await console.post(
        "/staff", data={"csrf_token": token, "name": "Ola", "role": "agent", "telegram_user_id": "x"}
    )
    assert odd.status_code == 409
    assert (await log_in(console, "Ada", PASSWORD)).status_code == 303, "still an admin"
