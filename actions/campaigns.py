"""Campaigns (broadcasts): a marketer's audience, bilingual text and optional button, sent now or later.

Draft → scheduled → sending (its audience written to the ledger in one statement when it starts) → done;
paused and resumed, or cancelled, at any point before done. The figures come from the ledger.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import ColumnElement, Select, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from actions.audit import record_event
from actions.deliveries import check_template, enqueue_selected, render, resend_unknown
from actions.errors import DomainError
from actions.segments import SEGMENTS
from storage.models import LANGUAGES, Campaign, Customer, Delivery, MessageLog, Order, Tier

RETURN_WINDOW = timedelta(days=7)
EDITABLE = ("draft", "scheduled", "paused")


class CampaignError(DomainError):
    """A campaign request that cannot be done as asked (the message says what to change)."""


class Audience(BaseModel):
    """Who a campaign is for; every field narrows it (empty = everyone reachable who consented)."""

    model_config = ConfigDict(extra="forbid")

    segment: str | None = None
    tiers: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)  # any of them
    active_within_days: int | None = Field(None, ge=1)
    inactive_for_days: int | None = Field(None, ge=1)
    birthday_month: int | None = Field(None, ge=1, le=12)

    @field_validator("segment")
    @classmethod
    def _known_segment(cls, value: str | None) -> str | None:
        if value is not None and value not in SEGMENTS:
            raise ValueError(f"unknown segment {value!r}; segments: {', '.join(SEGMENTS)}")
        return value

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, value: list[str]) -> list[str]:
        unknown = [language for language in value if language not in LANGUAGES]
        if unknown:
            raise ValueError(f"unknown language {unknown[0]!r}; use zh or en")
        return value


class CampaignDraft(BaseModel):
    """What a marketer gives to create a campaign (CLI or HTTP API); checked before anything is stored."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    text_zh: str = Field(min_length=1, max_length=4000)
    text_en: str = Field(min_length=1, max_length=4000)
    audience: Audience = Field(default_factory=lambda: Audience.model_validate({}))
    kind: str = "marketing"
    button_label_zh: str | None = Field(None, max_length=64)
    button_label_en: str | None = Field(None, max_length=64)
    button_url: str | None = Field(None, max_length=500)
    holdout_percent: int = Field(0, ge=0, le=50)
    paid_broadcast: bool = False
    paid_cap: int = Field(0, ge=0)

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in {"marketing", "service"}:
            raise ValueError("kind is marketing or service")
        return value

    @field_validator("text_zh", "text_en")
    @classmethod
    def _placeholders(cls, value: str) -> str:
        try:
            check_template(value)
        except DomainError as error:
            raise ValueError(str(error)) from None
        return value

    @field_validator("button_url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "tg://")):
            raise ValueError("a button link starts with https:// (or tg://)")
        return value

    @model_validator(mode="after")
    def _button_complete(self) -> CampaignDraft:
        labels = (self.button_label_zh, self.button_label_en)
        if any(labels) and not all(labels):
            raise ValueError("a button needs a label in both languages (button_label_zh and button_label_en)")
        if self.button_url and not any(labels):
            raise ValueError("a button link needs labels (button_label_zh and button_label_en)")
        if self.paid_broadcast and self.paid_cap == 0:
            raise ValueError("a paid broadcast needs paid_cap, the most paid messages (each costs Stars)")
        return self


def parse_draft(data: dict[str, Any]) -> CampaignDraft:
    """A draft from untrusted input, or a CampaignError that lists every problem."""
    try:
        return CampaignDraft.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'campaign'}: {e['msg']}" for e in error.errors())
        raise CampaignError(problems) from None


async def create_campaign(session: AsyncSession, *, draft: CampaignDraft, actor: str, now: datetime) -> Campaign:
    if await session.scalar(select(Campaign.id).where(Campaign.name == draft.name)) is not None:
        raise CampaignError(f"a campaign named {draft.name!r} exists already; choose another name")
    campaign = Campaign(
        **draft.model_dump(exclude={"audience"}),
        audience=draft.audience.model_dump(exclude_defaults=True),
        status="draft",
        created_by=actor,
        created_at=now,
    )
    session.add(campaign)
    await session.flush()
    return campaign


async def get_campaign(session: AsyncSession, *, key: str) -> Campaign:
    """A campaign by id or by name."""
    query = select(Campaign).where(Campaign.id == int(key)) if key.isdigit() else None
    campaign = await session.scalar(query) if query is not None else None
    if campaign is None:
        campaign = await session.scalar(select(Campaign).where(Campaign.name == key))
    if campaign is None:
        raise CampaignError(f"no campaign {key!r} (carebot campaigns list shows them)")
    return campaign


async def list_campaigns(session: AsyncSession) -> list[Campaign]:
    return list((await session.scalars(select(Campaign).order_by(Campaign.id.desc()))).all())


def reachable(kind: str) -> list[ColumnElement[bool]]:
    """Customers a message of this kind may go to at all (the guards check again when it is sent)."""
    rules: list[ColumnElement[bool]] = [
        Customer.telegram_chat_id.is_not(None),
        Customer.erased_at.is_(None),
        Customer.blocked_bot.is_(False),
    ]
    if kind == "marketing":
        rules += [Customer.marketing_consent.is_(True), Customer.opted_out_at.is_(None)]
    return rules


def audience_filter(audience: Audience, *, now: datetime) -> list[ColumnElement[bool]]:
    """The audience's conditions on customers (set-based: a million customers is one query)."""
    rules: list[ColumnElement[bool]] = []
    if audience.segment:
        rules.append(Customer.segment == audience.segment)
    if audience.tiers:
        rules.append(Customer.tier_code.in_(audience.tiers))
    if audience.languages:
        rules.append(Customer.language.in_(audience.languages))
    if audience.tags:
        rules.append(or_(*(func.lower(Customer.tags).contains(tag.lower()) for tag in audience.tags)))
    if audience.active_within_days:
        rules.append(Customer.last_seen_at >= now - timedelta(days=audience.active_within_days))
    if audience.inactive_for_days:
        cutoff = now - timedelta(days=audience.inactive_for_days)
        rules.append(or_(Customer.last_seen_at < cutoff, Customer.last_seen_at.is_(None)))
    if audience.birthday_month:
        rules.append(func.extract("month", Customer.birthday) == audience.birthday_month)
    return rules


def audience_of(campaign: Campaign, *, now: datetime) -> Select[Any]:
    audience = Audience.model_validate(campaign.audience)
    return select(Customer.id).where(*reachable(campaign.kind), *audience_filter(audience, now=now))


async def preview(session: AsyncSession, *, campaign: Campaign, now: datetime) -> dict[str, Any]:
    """The audience size now and the text rendered for a sample customer of each language."""
    members = audience_of(campaign, now=now).subquery()
    size = int(await session.scalar(select(func.count()).select_from(members)) or 0)
    samples: dict[str, str] = {}
    for language, template in (("zh", campaign.text_zh), ("en", campaign.text_en)):
        row = (
            await session.execute(
                select(Customer, Tier)
                .join(members, members.c.id == Customer.id)
                .outerjoin(Tier, Tier.code == Customer.tier_code)
                .where(Customer.language == language)
                .order_by(Customer.id)
                .limit(1)
            )
        ).first()
        if row is not None:
            samples[language] = render(template, customer=row[0], tier=row[1])
    return {"audience": size, "holdout_percent": campaign.holdout_percent, "samples": samples}


async def schedule(session: AsyncSession, *, campaign: Campaign, at: datetime, now: datetime) -> Campaign:
    """Send at `at` (now or later); a draft or paused campaign only."""
    if campaign.status not in ("draft", "scheduled"):
        raise CampaignError(f"campaign {campaign.name!r} is {campaign.status}; only a draft can be scheduled")
    campaign.status, campaign.scheduled_at = "scheduled", max(at, now).astimezone(UTC)
    await session.flush()
    return campaign


async def start_due_campaigns(session: AsyncSession, *, now: datetime) -> list[int]:
    """Write the audience of every campaign whose time has come into the ledger; their ids."""
    due = await session.scalars(
        select(Campaign)
        .where(Campaign.status == "scheduled", Campaign.scheduled_at <= now)
        .with_for_update(skip_locked=True)
    )
    started = []
    for campaign in due:
        await enqueue_selected(
            session,
            source=source_of(campaign),
            campaign=campaign,
            customers=audience_of(campaign, now=now),
            now=now,
        )
        campaign.status, campaign.started_at = "sending", now
        started.append(campaign.id)
    await session.flush()
    return started


async def finish_sent_campaigns(session: AsyncSession, *, now: datetime) -> list[int]:
    """Campaigns with nothing left to send are done."""
    open_rows = exists().where(
        Delivery.campaign_id == Campaign.id, Delivery.status.in_(("pending", "claimed", "sending"))
    )
    done = list((await session.scalars(select(Campaign).where(Campaign.status == "sending", ~open_rows))).all())
    for campaign in done:
        campaign.status, campaign.finished_at = "done", now
    await session.flush()
    return [campaign.id for campaign in done]


async def pause(session: AsyncSession, *, campaign: Campaign) -> Campaign:
    if campaign.status not in ("sending", "scheduled"):
        raise CampaignError(f"campaign {campaign.name!r} is {campaign.status}; only a sending or scheduled one pauses")
    campaign.status = "paused" if campaign.started_at else "draft"
    await session.flush()
    return campaign


async def resume(session: AsyncSession, *, campaign: Campaign) -> Campaign:
    if campaign.status != "paused":
        raise CampaignError(f"campaign {campaign.name!r} is {campaign.status}, not paused")
    campaign.status = "sending"
    await session.flush()
    return campaign


async def cancel(session: AsyncSession, *, campaign: Campaign, now: datetime) -> int:
    """Stop for good: what was not sent yet is skipped ("cancelled"); returns how many."""
    if campaign.status in ("done", "cancelled"):
        raise CampaignError(f"campaign {campaign.name!r} is {campaign.status} already")
    campaign.status, campaign.finished_at = "cancelled", now
    result: Any = await session.execute(
        update(Delivery)
        .where(Delivery.campaign_id == campaign.id, Delivery.status.in_(("pending", "claimed")))
        .values(status="skipped", reason="cancelled", claimed_by=None, lease_until=None)
    )
    await session.flush()
    return int(result.rowcount or 0)


async def statistics(session: AsyncSession, *, source: str, started_at: datetime | None) -> dict[str, Any]:
    """Targeted, each status, skips by reason, button presses, replies within 7 days, and the uplift: the
    return rate (a message or an order within 7 days of `started_at`) of those messaged against the hold-out,
    both counted from the same moment."""
    rows = (await session.execute(select(Delivery.status, Delivery.reason).where(Delivery.source == source))).all()
    by_status = Counter(status for status, _ in rows)
    skipped = Counter(reason or "unknown" for status, reason in rows if status == "skipped")
    presses = await session.scalar(
        select(func.count()).where(Delivery.source == source, Delivery.button_pressed_at.is_not(None))
    )
    figures: dict[str, Any] = {
        "targeted": len(rows) - by_status.get("holdout", 0),
        "statuses": dict(by_status),
        "skipped": dict(skipped),
        "button_presses": int(presses or 0),
        "replied_within_7_days": 0,
        "return_rate_messaged": None,
        "return_rate_holdout": None,
        "uplift": None,
    }
    if started_at is None:
        return figures
    end = started_at + RETURN_WINDOW
    figures["replied_within_7_days"] = await _count(session, source, "sent", _wrote(Delivery.sent_at, end))
    messaged = await _rate(session, source, "sent", _came_back(started_at, end))
    held = await _rate(session, source, "holdout", _came_back(started_at, end))
    figures["return_rate_messaged"], figures["return_rate_holdout"] = messaged, held
    if messaged is not None and held is not None:
        figures["uplift"] = round(messaged - held, 4)
    return figures


def _wrote(start: Any, end: datetime) -> ColumnElement[bool]:
    return exists().where(
        MessageLog.customer_id == Delivery.customer_id,
        MessageLog.direction == "in",
        MessageLog.created_at >= start,
        MessageLog.created_at < end,
    )


def _came_back(start: datetime, end: datetime) -> ColumnElement[bool]:
    ordered = exists().where(
        Order.customer_id == Delivery.customer_id, Order.ordered_at >= start, Order.ordered_at < end
    )
    return or_(_wrote(start, end), ordered)


async def _count(session: AsyncSession, source: str, status: str, *conditions: ColumnElement[bool]) -> int:
    query = select(func.count()).where(Delivery.source == source, Delivery.status == status, *conditions)
    return int(await session.scalar(query) or 0)


async def _rate(session: AsyncSession, source: str, status: str, returned: ColumnElement[bool]) -> float | None:
    total = await _count(session, source, status)
    return round(await _count(session, source, status, returned) / total, 4) if total else None


def describe(campaign: Campaign) -> dict[str, Any]:
    """A campaign as the CLI and the HTTP API show it (JSON-ready)."""
    return {
        "id": campaign.id,
        "name": campaign.name,
        "kind": campaign.kind,
        "status": campaign.status,
        "audience": campaign.audience,
        "text_zh": campaign.text_zh,
        "text_en": campaign.text_en,
        "button": (
            {"label_zh": campaign.button_label_zh, "label_en": campaign.button_label_en, "url": campaign.button_url}
            if campaign.button_label_zh
            else None
        ),
        "holdout_percent": campaign.holdout_percent,
        "paid_broadcast": campaign.paid_broadcast,
        "paid_cap": campaign.paid_cap,
        "scheduled_at": campaign.scheduled_at.isoformat() if campaign.scheduled_at else None,
        "started_at": campaign.started_at.isoformat() if campaign.started_at else None,
        "finished_at": campaign.finished_at.isoformat() if campaign.finished_at else None,
        "created_by": campaign.created_by,
    }


async def campaign_statistics(session: AsyncSession, *, campaign: Campaign) -> dict[str, Any]:
    return await statistics(session, source=source_of(campaign), started_at=campaign.started_at)


def source_of(campaign: Campaign) -> str:
    """The ledger's source key of a campaign's deliveries."""
    return f"campaign:{campaign.id}"


ACTIONS = ("schedule", "pause", "resume", "cancel", "resend-unknown")


async def apply(
    session: AsyncSession, *, campaign: Campaign, action: str, actor: str, now: datetime, at: datetime | None = None
) -> dict[str, Any]:
    """One of ACTIONS on a campaign, audited; what changed (the CLI and the HTTP API share this)."""
    details: dict[str, Any] = {}
    if action == "schedule":
        await schedule(session, campaign=campaign, at=at or now, now=now)
        details["scheduled_at"] = campaign.scheduled_at.isoformat() if campaign.scheduled_at else None
    elif action == "pause":
        await pause(session, campaign=campaign)
    elif action == "resume":
        await resume(session, campaign=campaign)
    elif action == "cancel":
        details["skipped"] = await cancel(session, campaign=campaign, now=now)
    elif action == "resend-unknown":
        if campaign.status not in ("sending", "paused", "done"):
            raise CampaignError(f"campaign {campaign.name!r} is {campaign.status}: nothing was sent yet")
        details["resent"] = await resend_unknown(session, source=source_of(campaign), now=now)
        if details["resent"] and campaign.status == "done":
            campaign.status, campaign.finished_at = "sending", None
    else:
        raise CampaignError(f"unknown action {action!r}; actions: {', '.join(ACTIONS)}")
    record_event(
        session, actor=actor, action=f"campaign.{action}", target=("campaign", campaign.id), details=details, now=now
    )
    await session.flush()
    return {"status": campaign.status, **details}


async def create_audited(session: AsyncSession, *, draft: CampaignDraft, actor: str, now: datetime) -> Campaign:
    campaign = await create_campaign(session, draft=draft, actor=actor, now=now)
    record_event(session, actor=actor, action="campaign.create", target=("campaign", campaign.id), details={}, now=now)
    return campaign
