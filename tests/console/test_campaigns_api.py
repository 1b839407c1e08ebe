"""The campaigns API as a marketer uses it: create, preview, schedule, pause, figures; the same rules as the
CLI; only marketers and admins; state changes need the CSRF token; bad input is a clear 4xx and changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from sqlalchemy import func, select

from storage.engine import SessionFactory
from storage.models import AuditLog, Campaign, Delivery
from tests.console.conftest import csrf_of, log_in
from tests.support.outreach import add_customers, empty_shop

DRAFT = {
    "name": "双十二",
    "text_zh": "{name}，双十二您的{points}积分可抵现",
    "text_en": "{name}, use your {points} points this 12.12",
    "audience": {"languages": ["zh"]},
    "button_label_zh": "去看看",
    "button_label_en": "Have a look",
}


async def signed_in_as(console: httpx.AsyncClient, name: str) -> dict[str, str]:
    await log_in(console, name)
    return {"X-CSRF-Token": csrf_of((await console.get("/")).text)}


async def test_a_marketer_creates_previews_schedules_and_pauses_a_campaign(
    console: httpx.AsyncClient, staff_accounts: dict[str, str], session_factory: SessionFactory
) -> None:
    await empty_shop(session_factory)
    await add_customers(session_factory, 3, first_chat=100_000)
    await add_customers(session_factory, 2, first_chat=200_000, language="en")
    csrf = await signed_in_as(console, "Mona")

    created = await console.post("/api/campaigns", json=DRAFT, headers=csrf)
    assert created.status_code == 201, created.text
    campaign_id = created.json()["id"]
    preview = (await console.get(f"/api/campaigns/{campaign_id}/preview")).json()
    assert preview["audience"] == 3
    assert preview["samples"]["zh"] == "顾客100000，双十二您的0积分可抵现"

    scheduled = await console.post(
        f"/api/campaigns/{campaign_id}/schedule", json={"at": "2030-12-12T10:00:00+08:00"}, headers=csrf
    )
    assert scheduled.json() == {"status": "scheduled", "scheduled_at": "2030-12-12T02:00:00+00:00"}
    paused = await console.post(f"/api/campaigns/{campaign_id}/pause", headers=csrf)
    assert paused.json()["status"] == "draft", "a campaign paused before it started is a draft again"
    shown = (await console.get(f"/api/campaigns/{campaign_id}")).json()
    assert shown["figures"]["targeted"] == 0 and shown["button"]["label_en"] == "Have a look"
    async with session_factory() as session:
        actions = (await session.scalars(select(AuditLog.action).where(AuditLog.target_type == "campaign"))).all()
    assert actions == ["campaign.create", "campaign.schedule", "campaign.pause"]


async def test_bad_campaigns_are_refused_with_the_reason_and_nothing_is_stored(
    console: httpx.AsyncClient, staff_accounts: dict[str, str], session_factory: SessionFactory
) -> None:
    await empty_shop(session_factory)
    csrf = await signed_in_as(console, "Mona")
    cases = {
        "unknown placeholder {balance}": DRAFT | {"text_en": "You have {balance} points"},
        "malformed braces": DRAFT | {"text_zh": "您好{name"},
        "unknown segment": DRAFT | {"audience": {"segment": "whales"}},
        "both languages": DRAFT | {"button_label_en": None},
        "https://": DRAFT | {"button_url": "javascript:alert(1)"},
        "paid_cap": DRAFT | {"paid_broadcast": True},
        "not permitted": DRAFT | {"send_to_everyone": True},
    }
    for expected, body in cases.items():
        answer = await console.post("/api/campaigns", json=body, headers=csrf)
        assert answer.status_code == 400 and expected in answer.text, (expected, answer.text)
    assert (await console.post("/api/campaigns", content=b"[1, 2", headers=csrf)).status_code == 400
    ok = await console.post("/api/campaigns", json=DRAFT, headers=csrf)
    again = await console.post("/api/campaigns", json=DRAFT, headers=csrf)
    assert (ok.status_code, again.status_code) == (201, 409)
    when = await console.post(f"/api/campaigns/{ok.json()['id']}/schedule", json={"at": "tomorrow"}, headers=csrf)
    assert when.status_code == 400 and "ISO 8601" in when.text
    assert (await console.post("/api/campaigns/999/pause", headers=csrf)).status_code == 404
    async with session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(Campaign)) == 1
        assert await session.scalar(select(func.count()).select_from(Delivery)) == 0


async def test_only_marketers_and_admins_with_the_csrf_token(
    console: httpx.AsyncClient, staff_accounts: dict[str, str], session_factory: SessionFactory
) -> None:
    await empty_shop(session_factory)
    csrf = await signed_in_as(console, "Lily")  # an agent
    assert (await console.post("/api/campaigns", json=DRAFT, headers=csrf)).status_code == 403
    await console.post("/logout", headers=csrf)
    await signed_in_as(console, "Ada")  # an admin, but the request lacks the token
    assert (await console.post("/api/campaigns", json=DRAFT)).status_code == 403
    async with session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(Campaign)) == 0
    assert datetime.now(UTC)  # the clock is real: nothing above depends on it
