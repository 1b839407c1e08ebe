"""Proactive messages through the real sender against the fake Bot API, which enforces Telegram's flood
limits and answers 429 and 403 as told: every eligible customer gets exactly one message, nobody else any."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import select, update

from actions import campaigns
from actions.deliveries import Planned, enqueue
from actions.outreach_guards import QuietHours
from storage.engine import SessionFactory
from storage.models import Customer, Delivery
from tests.bot.telegram.harness import button_data, texts
from tests.support.fake_bot_api import FakeBotApi, FloodLimits
from tests.support.outreach import add_customers, campaign_status, empty_shop, outreach_sender, start_campaign


def sends_per_chat(api: FakeBotApi) -> Counter[int]:
    return Counter(int(params["chat_id"]) for params in api.sent_messages())


async def statuses(session_factory: SessionFactory) -> Counter[str]:
    async with session_factory() as session:
        return Counter((await session.scalars(select(Delivery.status))).all())


async def test_a_2000_recipient_campaign_reaches_each_eligible_customer_once(
    session_factory: SessionFactory, redis: Redis
) -> None:
    await empty_shop(session_factory)
    eligible = await add_customers(session_factory, 2000, first_chat=100_000)
    others = [
        *await add_customers(session_factory, 20, first_chat=200_000, marketing_consent=False),
        *await add_customers(session_factory, 20, first_chat=201_000, opted_out_at=datetime.now(UTC)),
        *await add_customers(session_factory, 20, first_chat=202_000, blocked_bot=True),
        *await add_customers(session_factory, 20, first_chat=203_000, erased_at=datetime.now(UTC)),
        *await add_customers(session_factory, 20, first_chat=204_000, language="en"),  # not in the audience
    ]
    campaign = await start_campaign(session_factory, audience={"languages": ["zh"]})

    async with FakeBotApi() as api, outreach_sender(api, session_factory, redis, rate=1000) as sender:
        api.enforce_flood_limits(FloodLimits(overall_per_second=1000))
        report = await sender.send_due()

    per_chat = sends_per_chat(api)
    assert set(per_chat) == set(eligible) and set(per_chat.values()) == {1}
    assert not set(others) & set(per_chat)
    assert api.flood_refusals == 0
    assert report.sent == 2000 and await statuses(session_factory) == Counter(sent=2000)
    assert api.sent_messages(100_007)[0]["text"] == "顾客100007，您有7积分"
    async with session_factory() as session, session.begin():
        assert await campaigns.finish_sent_campaigns(session, now=datetime.now(UTC)) == [campaign.id]


async def test_a_paid_broadcast_goes_at_the_paid_rate_up_to_its_cap_then_at_the_free_one(
    session_factory: SessionFactory, redis: Redis
) -> None:
    await empty_shop(session_factory)
    chats = await add_customers(session_factory, 500, first_chat=100_000)
    await start_campaign(session_factory, paid_broadcast=True, paid_cap=300)

    async with FakeBotApi() as api, outreach_sender(api, session_factory, redis, rate=100) as sender:
        api.enforce_flood_limits(FloodLimits(overall_per_second=100, paid_per_second=1000))
        report = await sender.send_due()

    assert sends_per_chat(api) == Counter({chat: 1 for chat in chats})
    paid = Counter(bool(params.get("allow_paid_broadcast")) for params in api.sent_messages())
    assert paid == Counter({True: 300, False: 200})
    assert api.flood_refusals == 0 and report.sent == 500


async def test_two_workers_share_a_campaign_without_duplicates(session_factory: SessionFactory, redis: Redis) -> None:
    await empty_shop(session_factory)
    chats = await add_customers(session_factory, 600, first_chat=100_000)
    await start_campaign(session_factory)

    async with (
        FakeBotApi() as api,
        outreach_sender(api, session_factory, redis, rate=300, worker="a", batch_size=30) as first,
        outreach_sender(api, session_factory, redis, rate=300, worker="b", batch_size=30) as second,
    ):
        api.enforce_flood_limits(FloodLimits(overall_per_second=300))
        reports = await asyncio.gather(first.send_due(), second.send_due())

    assert sends_per_chat(api) == Counter({chat: 1 for chat in chats})
    assert sum(report.sent for report in reports) == 600
    assert api.flood_refusals == 0
    async with session_factory() as session:
        workers = Counter((await session.scalars(select(Delivery.claimed_by))).all())
    assert set(workers) == {"a", "b"}, "both workers took part"


async def test_customers_who_blocked_the_bot_are_marked_and_skipped_afterwards(
    session_factory: SessionFactory, redis: Redis
) -> None:
    await empty_shop(session_factory)
    chats = await add_customers(session_factory, 10, first_chat=100_000)
    await start_campaign(session_factory)

    async with FakeBotApi() as api, outreach_sender(api, session_factory, redis) as sender:
        api.block_user(chats[0])
        first = await sender.send_due()
        await start_campaign(session_factory, name="第二波")
        second = await sender.send_due()

    assert (first.sent, first.blocked) == (9, 1)
    assert second.sent == 9, "the second campaign's audience leaves the blocked customer out"
    async with session_factory() as session:
        blocked = await session.scalar(select(Customer.blocked_bot).where(Customer.telegram_chat_id == chats[0]))
        statuses_of_blocked = (
            await session.scalars(select(Delivery.status).join(Customer).where(Customer.telegram_chat_id == chats[0]))
        ).all()
    assert blocked is True and statuses_of_blocked == ["blocked"]


async def test_a_flood_answer_pauses_the_senders_and_loses_nothing(
    session_factory: SessionFactory, redis: Redis
) -> None:
    await empty_shop(session_factory)
    chats = await add_customers(session_factory, 40, first_chat=100_000)
    await start_campaign(session_factory)

    async with FakeBotApi() as api, outreach_sender(api, session_factory, redis) as sender:
        api.fail_next("sendMessage", 429, retry_after=1)
        report = await sender.send_due()

    assert sends_per_chat(api) == Counter({chat: 1 for chat in chats})
    assert report.sent == 40
    refused = [call for call in api.calls("sendMessage") if call.status == 429]
    during_pause = [
        call for call in api.calls("sendMessage") if call.ok and refused[0].at < call.at < refused[0].at + 0.9
    ]
    assert len(refused) == 1
    assert len(during_pause) <= sender.concurrency, "only sends already under way when the 429 came went on"


async def test_quiet_hours_hold_a_message_until_morning_in_the_customers_zone(
    session_factory: SessionFactory, redis: Redis
) -> None:
    await empty_shop(session_factory)
    [in_shanghai] = await add_customers(session_factory, 1, first_chat=100_000)
    [in_london] = await add_customers(session_factory, 1, first_chat=100_001, timezone="Europe/London")
    late_evening_in_shanghai = datetime(2026, 12, 2, 14, 30, tzinfo=UTC)  # 22:30 there, 14:30 in London
    now = late_evening_in_shanghai
    await start_campaign(session_factory, now=now)

    async with (
        FakeBotApi() as api,
        outreach_sender(api, session_factory, redis, quiet_hours=QuietHours(21, 9), clock=lambda: now) as sender,
    ):
        evening = await sender.send_due()
        assert [int(p["chat_id"]) for p in api.sent_messages()] == [in_london]
        async with session_factory() as session:
            held = await session.scalar(select(Delivery).join(Customer).where(Customer.telegram_chat_id == in_shanghai))
        assert held is not None and held.status == "pending"
        assert held.not_before == datetime(2026, 12, 3, 1, 0, tzinfo=UTC), "09:00 in Shanghai"
        now = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)
        morning = await sender.send_due()

    assert (evening.sent, evening.held, morning.sent) == (1, 1, 1)
    assert sends_per_chat(api) == Counter({in_shanghai: 1, in_london: 1})


async def test_a_lapsed_send_becomes_unknown_and_is_never_sent_again(
    session_factory: SessionFactory, redis: Redis
) -> None:
    await empty_shop(session_factory)
    await add_customers(session_factory, 3, first_chat=100_000)
    campaign = await start_campaign(session_factory)
    async with session_factory() as session, session.begin():  # a worker died between `sending` and the answer
        first = await session.scalar(select(Delivery.id).order_by(Delivery.id).limit(1))
        await session.execute(
            update(Delivery)
            .where(Delivery.id == first)
            .values(status="sending", claimed_by="dead", lease_until=datetime.now(UTC) - timedelta(seconds=1))
        )

    async with FakeBotApi() as api, outreach_sender(api, session_factory, redis) as sender:
        report = await sender.send_due()

    assert report.sent == 2 and len(api.sent_messages()) == 2
    assert await statuses(session_factory) == Counter(sent=2, unknown=1)
    async with session_factory() as session, session.begin():
        figures = await campaigns.statistics(session, source=f"campaign:{campaign.id}", started_at=None)
    assert figures["statuses"] == {"sent": 2, "unknown": 1}


async def test_paused_campaigns_wait_and_cancelled_ones_send_nothing_more(
    session_factory: SessionFactory, redis: Redis
) -> None:
    await empty_shop(session_factory)
    await add_customers(session_factory, 5, first_chat=100_000)
    paused = await start_campaign(session_factory)
    cancelled = await start_campaign(session_factory, name="取消的")
    async with session_factory() as session, session.begin():
        await campaigns.pause(session, campaign=await campaigns.get_campaign(session, key=str(paused.id)))
        skipped = await campaigns.cancel(
            session, campaign=await campaigns.get_campaign(session, key="取消的"), now=datetime.now(UTC)
        )

    async with FakeBotApi() as api, outreach_sender(api, session_factory, redis) as sender:
        while_paused = await sender.send_due()
        async with session_factory() as session, session.begin():
            await campaigns.resume(session, campaign=await campaigns.get_campaign(session, key=str(paused.id)))
        resumed = await sender.send_due()

    assert skipped == 5 and while_paused.sent == 0 and resumed.sent == 5
    assert await campaign_status(session_factory, cancelled.id) == "cancelled"


async def test_a_campaign_button_leads_back_into_the_chat_and_counts_each_customers_press_once(
    session_factory: SessionFactory,
    redis: Redis,
    fake_bot_api: FakeBotApi,
    start_bot: Any,
    stopped_nlu_url: str,
) -> None:
    await empty_shop(session_factory)
    [chat] = await add_customers(session_factory, 1, first_chat=910_500)
    campaign = await start_campaign(session_factory, button_label_zh="看看积分", button_label_en="My points")
    async with outreach_sender(fake_bot_api, session_factory, redis) as sender:
        await sender.send_due()
    [message] = fake_bot_api.sent_messages(chat)
    [data] = button_data(message)

    async with session_factory() as session, session.begin():  # a re-engagement message with its button
        customer_id = await session.scalar(select(Customer.id).where(Customer.telegram_chat_id == chat))
        assert customer_id is not None
        reminder = Planned(customer_id, "好久不见", datetime.now(UTC), button_label="看看我的积分")
        await enqueue(session, source="reengagement:2026-12-02", kind="marketing", planned=[reminder])
    async with outreach_sender(fake_bot_api, session_factory, redis) as sender:
        await sender.send_due()
    [care_data] = button_data(fake_bot_api.sent_messages(chat)[-1])

    async with start_bot(stopped_nlu_url) as bot:
        conversation = bot.customer(chat, "zh")
        first = await conversation.press(data)
        await conversation.press(data)
        forged = await conversation.send(fake_bot_api.callback(chat, "v1:campaign:999999", message_id=1))
        points = await conversation.press(care_data)

    assert first and forged, "every press gets an answer (the menu)"
    assert "积分" in texts(points) and texts(points) != texts(first), "a re-engagement button shows the points"
    async with session_factory() as session, session.begin():
        figures = await campaigns.statistics(session, source=f"campaign:{campaign.id}", started_at=None)
    assert figures["button_presses"] == 1
