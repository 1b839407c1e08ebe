"""Tickets in the console with the real bot: a ticket moves through its statuses and the customer is told
each time in their language, rates the resolution with the buttons; notes and the bad-faith flag; an
overdue ticket is highlighted and announced in the staff group once."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from actions.tickets import create_ticket
from bot.telegram.console_desk import open_telegram_desk
from jobs.tickets import announce_overdue_tickets
from runtime.services import open_services, service_levels
from runtime.settings import Settings
from storage.engine import SessionFactory
from storage.models import AuditLog, Customer, Ticket
from tests.bot.telegram.conftest import STAFF_GROUP_ID, ZH_CUSTOMER
from tests.bot.telegram.harness import button_data, texts
from tests.console.conftest import csrf_of, log_in
from tests.console.desk import Desk, running_desk
from tests.support.fake_bot_api import FakeBotApi


@pytest.fixture
async def desk(
    start_bot: Callable[[str], object],
    make_settings: Callable[..., Settings],
    fake_bot_api: FakeBotApi,
    shop: SessionFactory,
    stopped_nlu_url: str,
    staff_accounts: dict[str, str],
) -> AsyncIterator[tuple[Desk, httpx.AsyncClient, Settings]]:
    settings = make_settings(fake_bot_api, nlu_url=stopped_nlu_url)
    async with running_desk(start_bot, settings, shop, stopped_nlu_url) as running:
        app = running.app
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://console") as client,
        ):
            yield running, client, settings


async def _ticket_for(shop: SessionFactory, telegram_user_id: int, *, created_at: datetime) -> int:
    async with shop() as session, session.begin():
        customer_id = await session.scalar(select(Customer.id).where(Customer.telegram_user_id == telegram_user_id))
        assert customer_id is not None
        ticket = await create_ticket(
            session=session, customer_id=customer_id, category="delivery", description="包裹三天没动",
            order_ref="SO-1001", now=created_at,
        )  # fmt: skip
        return ticket.id


async def test_a_ticket_moves_through_its_statuses_and_the_customer_is_told(
    desk: tuple[Desk, httpx.AsyncClient, Settings],
) -> None:
    running, console, _ = desk
    wang_fang = running.customer(ZH_CUSTOMER, "zh")
    await wang_fang.say("/start")
    ticket_id = await _ticket_for(running.shop, ZH_CUSTOMER, created_at=datetime.now(UTC))
    await log_in(console, "Lily")
    listing = (await console.get("/tickets")).text
    assert f"#{ticket_id}" in listing and "overdue" not in listing

    told = []
    for status in ("in_progress", "waiting_customer", "resolved"):
        page = (await console.get(f"/tickets/{ticket_id}")).text
        before = len(running.bot.api.sent_messages(ZH_CUSTOMER))
        moved = await console.post(f"/tickets/{ticket_id}/status", data={"csrf_token": csrf_of(page), "status": status})
        assert moved.headers["location"] == f"/tickets/{ticket_id}?notice=sent"
        told.append(running.bot.api.sent_messages(ZH_CUSTOMER)[before:])
    assert texts(told[0]) == f"工单 #{ticket_id} 进度更新：客服正在处理中。"
    assert texts(told[1]).startswith(f"工单 #{ticket_id}：客服在等待您的回复")
    assert texts(told[2]).startswith(f"工单 #{ticket_id} 已解决。")
    buttons = button_data(told[2][-1])
    assert len(buttons) == 5 and all(f":ticket:{ticket_id}:" in data for data in buttons)
    await wang_fang.press(buttons[4])

    page = (await console.get(f"/tickets/{ticket_id}")).text
    assert "Resolved" in page and "5/5" in page and "Lily" in page  # the mover became the assignee
    refused = await console.post(f"/tickets/{ticket_id}/status", data={"csrf_token": csrf_of(page), "status": "open"})
    assert refused.status_code == 409

    await console.post(f"/tickets/{ticket_id}/notes", data={"csrf_token": csrf_of(page), "text": "打过电话了"})
    await console.post(f"/tickets/{ticket_id}/bad-faith", data={"csrf_token": csrf_of(page), "value": "1"})
    page = (await console.get(f"/tickets/{ticket_id}")).text
    assert "打过电话了" in page and "bad faith" in page
    async with running.shop() as session:
        ticket = await session.get(Ticket, ticket_id)
        actions = list(
            await session.scalars(select(AuditLog.action).where(AuditLog.target_type == "ticket").order_by(AuditLog.id))
        )
    assert ticket is not None and ticket.rating == 5 and ticket.abusive
    assert actions == ["ticket.status"] * 3 + ["ticket.note", "ticket.bad_faith"]


async def test_an_overdue_ticket_is_highlighted_and_announced_once(
    desk: tuple[Desk, httpx.AsyncClient, Settings],
) -> None:
    running, console, settings = desk
    await running.customer(ZH_CUSTOMER, "zh").say("/start")
    ticket_id = await _ticket_for(running.shop, ZH_CUSTOMER, created_at=datetime.now(UTC) - timedelta(days=3))
    await log_in(console, "Lily")
    assert 'class="overdue' in (await console.get("/tickets")).text

    business, targets = service_levels(settings)
    async with open_services(settings) as services, open_telegram_desk(settings, services) as channel:
        runs = [
            await announce_overdue_tickets(
                session_factory=services.session_factory,
                now=datetime.now(UTC),
                timezone=services.timezone,
                business=business,
                targets=targets,
                announce=channel.announce_overdue,
            )
            for _ in range(2)
        ]
    assert runs == [1, 0]
    announcements = [m for m in running.bot.api.sent_messages(STAFF_GROUP_ID) if "已超时" in m["text"]]
    assert len(announcements) == 1 and f"#{ticket_id}" in announcements[0]["text"]
