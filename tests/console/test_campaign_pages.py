"""The campaign pages as a marketer uses them, from an empty shop: a form with a mistake shows the reason and
keeps what was typed; a draft shows the audience and the texts customers will get; schedule, pause, cancel;
only marketers and admins; forms need their CSRF token."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select

from storage.engine import SessionFactory
from storage.models import AuditLog, Campaign
from tests.console.conftest import csrf_of, log_in
from tests.support.outreach import add_customers, empty_shop

FORM = {
    "name": "双十二",
    "text_zh": "{name}，双十二您的{points}积分可抵现",
    "text_en": "{name}, use your {points} points this 12.12",
    "languages": "zh",
    "tags": "vip，tea",
    "holdout_percent": "10",
    "button_label_zh": "去看看",
    "button_label_en": "Have a look",
}


async def marketer_form_token(console: httpx.AsyncClient) -> str:
    await log_in(console, "Mona")
    return csrf_of((await console.get("/campaigns/new")).text)


async def test_a_marketer_drafts_checks_and_schedules_a_campaign_in_the_console(
    console: httpx.AsyncClient, staff_accounts: dict[str, str], session_factory: SessionFactory
) -> None:
    await empty_shop(session_factory)
    await add_customers(session_factory, 3, first_chat=100_000)
    await add_customers(session_factory, 2, first_chat=200_000, language="en")
    token = await marketer_form_token(console)

    mistake = await console.post("/campaigns/new", data=FORM | {"text_en": "Hi {积分}", "csrf_token": token})
    assert mistake.status_code == 400
    assert "unknown placeholder {积分}" in mistake.text and "双十二您的{points}积分可抵现" in mistake.text

    created = await console.post("/campaigns/new", data=FORM | {"tags": "", "csrf_token": token})
    assert created.status_code == 303, created.text
    page = await console.get(created.headers["location"])
    assert "Campaign created as a draft" in page.text
    assert 'data-testid="audience-size">3<' in page.text, "the three Chinese-speaking customers"
    assert "顾客100000，双十二您的0积分可抵现" in page.text

    campaign_id = created.headers["location"].split("/")[-1].split("?")[0]
    scheduled = await console.post(
        f"/campaigns/{campaign_id}/action", data={"action": "schedule", "at": "2030-12-12T10:00", "csrf_token": token}
    )
    assert scheduled.status_code == 303
    page = await console.get(f"/campaigns/{campaign_id}")
    assert "2030-12-12 10:00" in page.text and 'data-testid="campaign-status">scheduled<' in page.text
    cancel = {"action": "cancel", "csrf_token": token}
    assert (await console.post(f"/campaigns/{campaign_id}/action", data=cancel)).status_code == 303
    again = await console.post(f"/campaigns/{campaign_id}/action", data=cancel)
    assert again.status_code == 409 and "is cancelled already" in again.text

    listing = await console.get("/campaigns")
    assert "双十二" in listing.text and "cancelled" in listing.text
    async with session_factory() as session:
        actions = (await session.scalars(select(AuditLog.action).where(AuditLog.target_type == "campaign"))).all()
        campaign = await session.scalar(select(Campaign))
    assert actions == ["campaign.create", "campaign.schedule", "campaign.cancel"]
    assert campaign is not None and campaign.audience == {"languages": ["zh"]} and campaign.holdout_percent == 10


async def test_bad_form_input_is_explained_and_stores_nothing(
    console: httpx.AsyncClient, staff_accounts: dict[str, str], session_factory: SessionFactory
) -> None:
    token = await marketer_form_token(console)
    cases = {
        "birthday_month": ("13", "birthday_month"),
        "holdout_percent": ("abc", "holdout_percent"),
        "button_url": ("http://plain.example", "https://"),
        "paid_broadcast": ("on", "paid_cap"),
    }
    for field, (value, said) in cases.items():
        refused = await console.post("/campaigns/new", data=FORM | {field: value, "csrf_token": token})
        assert refused.status_code == 400 and said in refused.text, field
    schedule_garbage = await console.post("/campaigns/1/action", data={"action": "explode", "csrf_token": token})
    assert schedule_garbage.status_code == 404
    async with session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(Campaign)) == 0


async def test_agents_may_not_and_forms_need_their_token(
    console: httpx.AsyncClient, staff_accounts: dict[str, str], session_factory: SessionFactory
) -> None:
    await log_in(console, "Lily")
    refused = await console.get("/campaigns")
    assert refused.status_code == 403 and "your role (agent) may not do this" in refused.text
    assert 'href="/campaigns"' not in (await console.get("/")).text

    console.cookies.clear()
    await marketer_form_token(console)
    forged = await console.post("/campaigns/new", data=FORM)
    assert forged.status_code == 403
    async with session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(Campaign)) == 0
