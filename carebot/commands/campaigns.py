"""`carebot campaigns …`: a marketer's broadcasts from the shell (the console's /api/campaigns does the same).

create → preview → test (to a staff member's Telegram) → schedule (now or at a time) → status; pause, resume,
cancel, resend-unknown. A running `carebot worker` starts a scheduled campaign within a minute of its time.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import typer

from actions import campaigns
from actions.campaigns import CampaignError
from actions.deliveries import Outgoing, render
from actions.staff import find_staff
from carebot.commands.worker import outreach_sender
from carebot.context import command_session, run, settings_of
from runtime.services import open_services
from runtime.settings import Settings
from storage.base import utcnow
from storage.models import Campaign, Customer, localized

campaigns_app = typer.Typer(help="Broadcasts to customer segments: create, preview, test, schedule, follow.")
CLI_ACTOR = "cli"
# Options whose defaults are lists or paths, made once (typer reads them at import).
TIERS = typer.Option([], "--tier", help="tier code (repeat for several)")
LANGUAGES = typer.Option([], "--language", help="zh or en (repeat for both)")
TAGS = typer.Option([], "--tag", help="customers with any of these tags")
FROM_FILE = typer.Option(None, "--file", help="a JSON file with the same fields as the HTTP API")


@campaigns_app.command("create")
def create_command(
    ctx: typer.Context,
    name: str = typer.Option("", "--name", help="a unique name, e.g. 双十二 2026"),
    text_zh: str = typer.Option("", "--text-zh", help="Chinese text; placeholders {name}, {points}, {tier}"),
    text_en: str = typer.Option("", "--text-en", help="English text; the same placeholders"),
    segment: str = typer.Option("", "--segment", help="value segment: vip, active, occasional, at_risk, lapsed, new"),
    tiers: list[str] = TIERS,
    languages: list[str] = LANGUAGES,
    tags: list[str] = TAGS,
    active_within: int = typer.Option(0, "--active-within", help="seen in the last N days"),
    inactive_for: int = typer.Option(0, "--inactive-for", help="not seen for N days"),
    birthday_month: int = typer.Option(0, "--birthday-month", help="born in this month (1-12)"),
    button_zh: str = typer.Option("", "--button-zh", help="button label in Chinese"),
    button_en: str = typer.Option("", "--button-en", help="button label in English"),
    button_url: str = typer.Option("", "--button-url", help="https:// link; without it the button opens the chat"),
    holdout: int = typer.Option(0, "--holdout", help="percent selected but not messaged, to measure the uplift"),
    paid_cap: int = typer.Option(0, "--paid-cap", help="paid broadcast (Stars) up to this many messages"),
    service: bool = typer.Option(False, "--service", help="a service message (no consent needed): use with care"),
    from_file: Path | None = FROM_FILE,
) -> None:
    """Create a draft campaign (checked: texts, placeholders, audience, button)."""
    if from_file is not None:
        data = _read_json(from_file)
    else:
        audience = {
            "segment": segment or None,
            "tiers": tiers,
            "languages": languages,
            "tags": tags,
            "active_within_days": active_within or None,
            "inactive_for_days": inactive_for or None,
            "birthday_month": birthday_month or None,
        }
        data = {
            "name": name,
            "text_zh": text_zh,
            "text_en": text_en,
            "audience": {key: value for key, value in audience.items() if value},
            "button_label_zh": button_zh or None,
            "button_label_en": button_en or None,
            "button_url": button_url or None,
            "holdout_percent": holdout,
            "paid_broadcast": paid_cap > 0,
            "paid_cap": paid_cap,
            "kind": "service" if service else "marketing",
        }
    settings = settings_of(ctx)

    async def body() -> dict[str, Any]:
        draft = campaigns.parse_draft(data)
        async with command_session(settings) as session:
            campaign = await campaigns.create_audited(session, draft=draft, actor=CLI_ACTOR, now=utcnow())
            return campaigns.describe(campaign)

    created = _run_checked(body())
    typer.echo(f"campaign #{created['id']} {created['name']!r} created as a draft")
    typer.echo(f"next: carebot campaigns preview {created['id']}")


@campaigns_app.command("list")
def list_command(ctx: typer.Context) -> None:
    """Every campaign, newest first."""
    settings = settings_of(ctx)

    async def body() -> list[dict[str, Any]]:
        async with command_session(settings) as session:
            return [campaigns.describe(c) for c in await campaigns.list_campaigns(session)]

    rows = run(body())
    if not rows:
        typer.echo("no campaigns yet: carebot campaigns create --help")
    for row in rows:
        when = _local(row["scheduled_at"], settings)
        typer.echo(f"#{row['id']:<4} {row['status']:<10} {when:<22} {row['name']}")


@campaigns_app.command("preview")
def preview_command(ctx: typer.Context, key: str = typer.Argument(..., help="campaign id or name")) -> None:
    """The audience size now and the text as customers of each language will read it."""
    settings = settings_of(ctx)

    async def body() -> dict[str, Any]:
        async with command_session(settings) as session:
            campaign = await campaigns.get_campaign(session, key=key)
            return await campaigns.preview(session, campaign=campaign, now=utcnow())

    preview = _run_checked(body())
    typer.echo(f"audience now: {preview['audience']} customers (hold-out {preview['holdout_percent']}%)")
    for language, text in preview["samples"].items():
        typer.echo(f"[{language}] {text}")
    if not preview["samples"]:
        typer.echo("nobody in the audience yet: no sample to show")


@campaigns_app.command("test")
def test_command(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="campaign id or name"),
    staff: str = typer.Option(..., "--staff", help="the staff member (name or id) who receives the test"),
) -> None:
    """Send the campaign in both languages to a staff member's Telegram, rendered for a sample customer."""
    settings = settings_of(ctx)
    sent = _run_checked(_test_send(settings, key=key, staff_key=staff))
    typer.echo(f"test sent to {staff}: {sent} message(s)")


@campaigns_app.command("schedule")
def schedule_command(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="campaign id or name"),
    at: str = typer.Option("", "--at", help="local time in the shop's zone, e.g. '2026-12-12 10:00'; default now"),
) -> None:
    """Send now or at a time; the worker starts it within a minute of that time."""
    settings = settings_of(ctx)
    when = _parse_local(at, settings) if at else None
    result = _apply(settings, key, "schedule", at=when)
    typer.echo(f"scheduled for {_local(result['scheduled_at'], settings)} (a running `carebot worker` sends it)")


@campaigns_app.command("pause")
def pause_command(ctx: typer.Context, key: str = typer.Argument(..., help="campaign id or name")) -> None:
    """Stop sending for now (resume continues where it stopped)."""
    typer.echo(f"status: {_apply(settings_of(ctx), key, 'pause')['status']}")


@campaigns_app.command("resume")
def resume_command(ctx: typer.Context, key: str = typer.Argument(..., help="campaign id or name")) -> None:
    """Continue a paused campaign."""
    typer.echo(f"status: {_apply(settings_of(ctx), key, 'resume')['status']}")


@campaigns_app.command("cancel")
def cancel_command(ctx: typer.Context, key: str = typer.Argument(..., help="campaign id or name")) -> None:
    """Stop for good: what was not sent yet is skipped."""
    result = _apply(settings_of(ctx), key, "cancel")
    typer.echo(f"cancelled; {result['skipped']} message(s) not sent")


@campaigns_app.command("resend-unknown")
def resend_command(ctx: typer.Context, key: str = typer.Argument(..., help="campaign id or name")) -> None:
    """Send again the messages whose fate is unknown (a crash or timeout while sending): some customers may
    get them twice, which is why this is never done automatically."""
    result = _apply(settings_of(ctx), key, "resend-unknown")
    typer.echo(f"{result['resent']} message(s) will be sent again")


@campaigns_app.command("status")
def status_command(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="campaign id or name"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Targeted, sent, failed, blocked, skipped by reason, unknown, button presses, replies, hold-out uplift."""
    settings = settings_of(ctx)

    async def body() -> dict[str, Any]:
        async with command_session(settings) as session:
            campaign = await campaigns.get_campaign(session, key=key)
            figures = await campaigns.campaign_statistics(session, campaign=campaign)
            return campaigns.describe(campaign) | {"figures": figures}

    shown = _run_checked(body())
    if as_json:
        typer.echo(json.dumps(shown, ensure_ascii=False, indent=2))
        return
    figures = shown["figures"]
    typer.echo(f"#{shown['id']} {shown['name']}: {shown['status']}")
    typer.echo(f"targeted {figures['targeted']}; " + ", ".join(f"{k} {v}" for k, v in figures["statuses"].items()))
    if figures["skipped"]:
        typer.echo("skipped: " + ", ".join(f"{reason} {count}" for reason, count in figures["skipped"].items()))
    typer.echo(f"button presses {figures['button_presses']}, replies within 7 days {figures['replied_within_7_days']}")
    if figures["uplift"] is not None:
        typer.echo(
            f"return rate: messaged {figures['return_rate_messaged']:.1%}, "
            f"hold-out {figures['return_rate_holdout']:.1%} (uplift {figures['uplift']:+.1%})"
        )


def _apply(settings: Settings, key: str, action: str, *, at: datetime | None = None) -> Any:
    async def body() -> dict[str, Any]:
        async with command_session(settings) as session:
            campaign = await campaigns.get_campaign(session, key=key)
            return await campaigns.apply(
                session, campaign=campaign, action=action, actor=CLI_ACTOR, now=utcnow(), at=at
            )

    return _run_checked(body())


async def _test_send(settings: Settings, *, key: str, staff_key: str) -> int:
    async with open_services(settings) as services, outreach_sender(settings, services) as outreach:
        if outreach is None:
            raise CampaignError("set TELEGRAM_BOT_TOKEN to send a test")
        async with services.session_factory() as session:
            campaign = await campaigns.get_campaign(session, key=key)
            member = await find_staff(session=session, key=staff_key)
            if member is None or member.telegram_user_id is None:
                raise CampaignError(f"no staff member {staff_key!r} with a Telegram id (carebot staff list)")
            texts = [await _sample_text(session, campaign, language) for language in ("zh", "en")]
        sent = 0
        for language, text in zip(("zh", "en"), texts, strict=True):
            label = localized(campaign.button_label_zh, campaign.button_label_en, language)
            item = Outgoing(0, member.telegram_user_id, f"[TEST] {text}", label, campaign.button_url, paid=False)
            outcome = await outreach.transport(item)
            sent += outcome.status == "sent"
        return sent


async def _sample_text(session: Any, campaign: Campaign, language: str) -> str:
    preview = await campaigns.preview(session, campaign=campaign, now=utcnow())
    if language in preview["samples"]:
        return str(preview["samples"][language])
    stand_in = Customer(name="王芳" if language == "zh" else "Alex", language=language, points_balance=1200)
    return render(localized(campaign.text_zh, campaign.text_en, language), customer=stand_in, tier=None)


def _run_checked(coroutine: Any) -> Any:
    try:
        return run(coroutine)
    except CampaignError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        typer.echo(f"error: {path}: cannot read it as UTF-8 JSON ({error})", err=True)
        raise typer.Exit(1) from None
    if not isinstance(data, dict):
        typer.echo(f"error: {path}: expected a JSON object with the campaign's fields", err=True)
        raise typer.Exit(1)
    return data


def _parse_local(text: str, settings: Settings) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter("expected a time like '2026-12-12 10:00'", param_hint="--at") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(settings.care.timezone))


def _local(iso: str | None, settings: Settings) -> str:
    if iso is None:
        return "-"
    return datetime.fromisoformat(iso).astimezone(ZoneInfo(settings.care.timezone)).strftime("%Y-%m-%d %H:%M %Z")


def register(app: typer.Typer) -> None:
    app.add_typer(campaigns_app, name="campaigns")
