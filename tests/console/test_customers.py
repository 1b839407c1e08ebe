"""The customer record in the console: agents read it, supervisors adjust points, admins export and erase;
every change audited."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from storage.engine import SessionFactory
from storage.models import AuditLog, Customer
from tests.console.conftest import csrf_of, log_in
from tests.support.loyalty import make_customer


async def _switch(console: httpx.AsyncClient, name: str) -> str:
    """Log out whoever is signed in, log `name` in; their CSRF token."""
    home = await console.get("/")
    if home.status_code == 200:
        await console.post("/logout", headers={"X-CSRF-Token": csrf_of(home.text)})
    await log_in(console, name)
    return csrf_of((await console.get("/")).text)


async def test_the_customer_record_by_role(
    console: httpx.AsyncClient, staff_accounts: dict[str, str], session_factory: SessionFactory
) -> None:
    async with session_factory() as session, session.begin():
        customer = await make_customer(session, name="王芳", phone="13800138000", language="zh", tier_code="gold")
    page_url = f"/customers/{customer.id}"

    token = await _switch(console, "Lily")
    found = await console.get("/customers", params={"q": "王"})
    assert f'href="{page_url}"' in found.text
    page = await console.get(page_url)
    assert page.status_code == 200 and "13800138000" in page.text and "VIP" in page.text
    assert "Adjust points" not in page.text and "Erase personal data" not in page.text
    assert (
        await console.post(f"{page_url}/points", data={"csrf_token": token, "points": "5", "reason": "x"})
    ).status_code == 403
    assert (await console.get(f"{page_url}/export.json")).status_code == 403

    token = await _switch(console, "Sam")
    bad = await console.post(f"{page_url}/points", data={"csrf_token": token, "points": "lots", "reason": "x"})
    assert bad.status_code == 422
    adjusted = await console.post(
        f"{page_url}/points", data={"csrf_token": token, "points": "+100", "reason": "late delivery"}
    )
    assert adjusted.headers["location"] == f"{page_url}?notice=adjusted"
    page = await console.get(page_url)
    assert 'data-testid="points">100<' in page.text and "late delivery" in page.text

    token = await _switch(console, "Ada")
    exported = await console.get(f"{page_url}/export.json")
    assert exported.status_code == 200 and exported.json()["customer"]["phone"] == "13800138000"
    refused = await console.post(f"{page_url}/erase", data={"csrf_token": token, "confirm": "yes"})
    assert refused.status_code == 422
    erased = await console.post(f"{page_url}/erase", data={"csrf_token": token, "confirm": "ERASE"})
    assert erased.headers["location"] == f"{page_url}?notice=erased"

    async with session_factory() as session:
        stored = await session.get(Customer, customer.id)
        audit = list(
            await session.execute(
                select(AuditLog.actor, AuditLog.action).where(AuditLog.target_type == "customer").order_by(AuditLog.id)
            )
        )
    assert stored is not None and stored.phone is None and stored.erased_at is not None
    assert [tuple(row) for row in audit] == [
        ("console:Sam", "points.adjust"),
        ("console:Ada", "privacy.exported"),
        ("console:Ada", "customer.erase"),
    ]
