"""Campaign pages for marketers: the list, a new campaign's form (checked by the same rules as the CLI and
the JSON API), and a campaign's page with its audience preview, statistics and the schedule, pause, resume,
cancel and re-send-unknown buttons. Every change is audited (`campaigns.apply`, `campaigns.create_audited`)."""

# No `from __future__ import annotations`: FastAPI reads the routes' Annotated dependencies at definition time.
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from starlette.datastructures import FormData

from actions import campaigns
from actions.campaigns import CampaignError
from actions.segments import SEGMENTS
from console.web import Console, SignedIn
from storage.models import Campaign, Tier

ACTION_LABELS = {
    "schedule": "Schedule",
    "pause": "Pause",
    "resume": "Resume",
    "cancel": "Cancel",
    "resend-unknown": "Re-send the unknown ones",
}
# What each status lets a marketer do (the rules themselves are in actions.campaigns).
ACTIONS_BY_STATUS = {
    "draft": ("schedule", "cancel"),
    "scheduled": ("schedule", "pause", "cancel"),  # pausing a scheduled campaign makes it a draft again
    "sending": ("pause", "cancel", "resend-unknown"),
    "paused": ("resume", "cancel", "resend-unknown"),
    "done": ("resend-unknown",),
}
NOTICES = {
    "created": "Campaign created as a draft: check the preview, then schedule it.",
    "schedule": "Scheduled.",
    "pause": "Paused: nothing more goes out until you resume.",
    "resume": "Resumed.",
    "cancel": "Cancelled: what was not sent yet will not be.",
    "resend-unknown": "The messages whose delivery is unknown will be sent again.",
}


def campaigns_pages_router(console: Console) -> APIRouter:
    """/campaigns, /campaigns/new and /campaigns/{id} with its action form."""
    router = APIRouter()
    marketer = Annotated[SignedIn, Depends(console.staff("campaigns.manage"))]
    factory = console.services.session_factory

    @router.get("/campaigns")
    async def campaign_list(request: Request, who: marketer) -> Response:
        async with factory() as session:
            rows = [
                (campaign, await campaigns.campaign_statistics(session, campaign=campaign))
                for campaign in await campaigns.list_campaigns(session)
            ]
        return console.render(request, "campaigns.html", who, rows=rows)

    @router.get("/campaigns/new")
    async def new_form(request: Request, who: marketer) -> Response:
        return await _form_page(console, request, who, values={"holdout_percent": "10"})

    @router.post("/campaigns/new")
    async def create(request: Request, who: marketer) -> Response:
        form = await request.form()
        try:
            draft = campaigns.parse_draft(draft_fields(form))
            async with factory() as session, session.begin():
                campaign = await campaigns.create_audited(
                    session, draft=draft, actor=who.actor, now=console.services.clock()
                )
        except CampaignError as error:
            return await _form_page(console, request, who, values=dict(form), error=str(error), status_code=400)
        return RedirectResponse(f"/campaigns/{campaign.id}?notice=created", status_code=303)

    @router.get("/campaigns/{campaign_id}")
    async def campaign_page(request: Request, campaign_id: int, who: marketer) -> Response:
        return await _campaign_page(console, request, who, campaign_id)

    @router.post("/campaigns/{campaign_id}/action")
    async def act(request: Request, campaign_id: int, who: marketer) -> Response:
        form = await request.form()
        action = str(form.get("action", ""))
        now = console.services.clock()
        try:
            at = schedule_time(str(form.get("at", "")), console.services.timezone) if action == "schedule" else None
            async with factory() as session, session.begin():
                campaign = await session.get(Campaign, campaign_id)
                if campaign is None:
                    return console.render(request, "error.html", who, status_code=404, message="No such campaign.")
                await campaigns.apply(session, campaign=campaign, action=action, actor=who.actor, now=now, at=at)
        except CampaignError as error:
            return await _campaign_page(console, request, who, campaign_id, error=str(error), status_code=409)
        return RedirectResponse(f"/campaigns/{campaign_id}?notice={action}", status_code=303)

    return router


def draft_fields(form: FormData) -> dict[str, Any]:
    """The form's fields as the draft `campaigns.parse_draft` checks (blank fields left out)."""

    def text(name: str) -> str:
        return str(form.get(name, "")).strip()

    def number(name: str) -> int | str | None:
        value = text(name)
        return None if not value else int(value) if value.isdigit() else value  # "abc" is refused by the check

    audience: dict[str, Any] = {
        "segment": text("segment") or None,
        "tiers": [str(tier) for tier in form.getlist("tiers")],
        "languages": [str(language) for language in form.getlist("languages")],
        "tags": [tag.strip() for tag in text("tags").replace("，", ",").split(",") if tag.strip()],
        "active_within_days": number("active_within_days"),
        "inactive_for_days": number("inactive_for_days"),
        "birthday_month": number("birthday_month"),
    }
    fields: dict[str, Any] = {
        "name": text("name"),
        "text_zh": text("text_zh"),
        "text_en": text("text_en"),
        "audience": {key: value for key, value in audience.items() if value not in (None, [])},
        "button_label_zh": text("button_label_zh") or None,
        "button_label_en": text("button_label_en") or None,
        "button_url": text("button_url") or None,
        "holdout_percent": number("holdout_percent") or 0,
        "paid_broadcast": form.get("paid_broadcast") == "on",
        "paid_cap": number("paid_cap") or 0,
    }
    return fields


def schedule_time(value: str, tz: ZoneInfo) -> datetime | None:
    """A `datetime-local` value in the shop's time zone; blank means now."""
    if not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip()).replace(tzinfo=tz)
    except ValueError:
        raise CampaignError(f"{value!r} is not a date and time such as 2026-12-12T10:00") from None


async def _form_page(
    console: Console,
    request: Request,
    who: SignedIn,
    *,
    values: dict[str, Any],
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    async with console.services.session_factory() as session:
        tiers = (await session.scalars(select(Tier).order_by(Tier.min_spend))).all()
    form = await request.form() if request.method == "POST" else None
    chosen = {
        "tiers": set(form.getlist("tiers")) if form else set(),
        "languages": set(form.getlist("languages")) if form else set(),
    }
    return console.render(
        request,
        "campaign_new.html",
        who,
        status_code=status_code,
        values=values,
        chosen=chosen,
        error=error,
        tiers=tiers,
        segments=SEGMENTS,
    )


async def _campaign_page(
    console: Console,
    request: Request,
    who: SignedIn,
    campaign_id: int,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    async with console.services.session_factory() as session:
        campaign = await session.get(Campaign, campaign_id)
        if campaign is None:
            return console.render(request, "error.html", who, status_code=404, message="No such campaign.")
        preview = await campaigns.preview(session, campaign=campaign, now=console.services.clock())
        figures = await campaigns.campaign_statistics(session, campaign=campaign)
    return console.render(
        request,
        "campaign.html",
        who,
        status_code=status_code,
        campaign=campaign,
        preview=preview,
        figures=figures,
        actions=ACTIONS_BY_STATUS.get(campaign.status, ()),
        action_labels=ACTION_LABELS,
        notice=NOTICES.get(request.query_params.get("notice", "")),
        error=error,
    )
