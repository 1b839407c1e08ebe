"""The delivery ledger's guards, checked when a row is sent (not when it was planned), with a recording
transport instead of Telegram: consent, the weekly cap, stale greetings, the paid cap, failures."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from actions.deliveries import (
    Outcome,
    Outgoing,
    Planned,
    claim_due,
    enqueue,
    mark_sending,
    prepare,
    sweep_lapsed,
)
from actions.outreach_guards import GuardPolicy, QuietHours
from jobs.outreach import OutreachSender
from storage.engine import SessionFactory
from storage.models import Customer, Delivery
from tests.support.outreach import add_customers, empty_shop, start_campaign

NOW = datetime(2026, 12, 2, 4, 0, tzinfo=UTC)  # noon in Shanghai
POLICY = GuardPolicy(quiet_hours=QuietHours(21, 9), weekly_cap=2, default_timezone=ZoneInfo("Asia/Shanghai"))


class Recorder:
    """A transport that records what it was given and answers `status`."""

    def __init__(self, status: str = "sent") -> None:
        self.sent: list[Outgoing] = []
        self.status = status

    async def __call__(self, item: Outgoing) -> Outcome:
        self.sent.append(item)
        if self.status == "raise":
            raise RuntimeError("transport bug")
        return Outcome(item.delivery_id, self.status, telegram_message_id=1 if self.status == "sent" else None)


def sender(session_factory: SessionFactory, transport: Recorder) -> OutreachSender:
    return OutreachSender(
        session_factory=session_factory, transport=transport, policy=POLICY, worker="w", clock=lambda: NOW
    )


async def ledger(session_factory: SessionFactory) -> Counter[tuple[str, str | None]]:
    async with session_factory() as session:
        return Counter(tuple(row) for row in await session.execute(select(Delivery.status, Delivery.reason)))


async def test_consent_withdrawn_after_planning_means_no_message(session_factory: SessionFactory) -> None:
    await empty_shop(session_factory)
    chats = await add_customers(session_factory, 3, first_chat=100)
    await start_campaign(session_factory, now=NOW)
    async with session_factory() as session, session.begin():  # one opts out, one blocks, before the send
        await session.execute(update(Customer).where(Customer.telegram_chat_id == chats[0]).values(opted_out_at=NOW))
        await session.execute(update(Customer).where(Customer.telegram_chat_id == chats[1]).values(blocked_bot=True))
    transport = Recorder()
    await sender(session_factory, transport).send_due()
    assert [item.chat_id for item in transport.sent] == [chats[2]]
    assert await ledger(session_factory) == Counter(
        {("skipped", "opted_out"): 1, ("skipped", "blocked"): 1, ("sent", None): 1}
    )


async def test_the_weekly_cap_holds_for_marketing_only(session_factory: SessionFactory) -> None:
    await empty_shop(session_factory)
    [chat] = await add_customers(session_factory, 1, first_chat=100)
    async with session_factory() as session, session.begin():
        customer_id = await session.scalar(select(Customer.id))
        assert customer_id is not None
        for week_day in (1, 3):  # two marketing messages this week already
            sent_at = NOW - timedelta(days=week_day)
            session.add(Delivery(source=f"earlier:{week_day}", customer_id=customer_id, kind="marketing",
                                 status="sent", text="x", not_before=NOW, sent_at=sent_at))  # fmt: skip
        await enqueue(session, source="campaign:x", kind="marketing", planned=[Planned(customer_id, "促销", NOW)])
        await enqueue(
            session, source="expiry:2026-12", kind="service", planned=[Planned(customer_id, "积分将过期", NOW)]
        )
    transport = Recorder()
    await sender(session_factory, transport).send_due()
    assert [item.text for item in transport.sent] == ["积分将过期"]
    assert (await ledger(session_factory))[("skipped", "weekly_cap")] == 1
    assert chat == transport.sent[0].chat_id


async def test_a_greeting_past_its_window_is_skipped_not_sent_late(session_factory: SessionFactory) -> None:
    await empty_shop(session_factory)
    await add_customers(session_factory, 1, first_chat=100)
    async with session_factory() as session, session.begin():
        customer_id = await session.scalar(select(Customer.id))
        assert customer_id is not None
        morning = NOW - timedelta(hours=8)
        late = Planned(customer_id, "中秋快乐", morning, expires_at=morning + timedelta(hours=6))
        await enqueue(session, source="occasion:mid_autumn:2026", kind="marketing", planned=[late])
        assert await enqueue(session, source="occasion:mid_autumn:2026", kind="marketing", planned=[late]) == 0
    transport = Recorder()
    await sender(session_factory, transport).send_due()
    assert transport.sent == [] and await ledger(session_factory) == Counter({("skipped", "too_late"): 1})


async def test_a_paid_broadcast_pays_for_at_most_its_cap(session_factory: SessionFactory) -> None:
    await empty_shop(session_factory)
    await add_customers(session_factory, 5, first_chat=100)
    await start_campaign(session_factory, now=NOW, paid_broadcast=True, paid_cap=3)
    transport = Recorder()
    await sender(session_factory, transport).send_due()
    assert sorted(item.paid for item in transport.sent) == [False, False, True, True, True]


async def test_failures_are_recorded_as_the_transport_says(session_factory: SessionFactory) -> None:
    await empty_shop(session_factory)
    await add_customers(session_factory, 2, first_chat=100)
    await start_campaign(session_factory, now=NOW)
    await sender(session_factory, Recorder("retry")).send_due()
    async with session_factory() as session:
        rows = (await session.scalars(select(Delivery))).all()
    assert {(row.status, row.not_before) for row in rows} == {("pending", NOW + timedelta(seconds=30))}
    await start_campaign(session_factory, now=NOW, name="第二个")
    await sender(session_factory, Recorder("raise")).send_due()
    assert (await ledger(session_factory))[("unknown", "transport_error")] == 2


async def test_a_row_whose_lease_lapsed_before_sending_is_left_to_its_new_holder(
    session_factory: SessionFactory,
) -> None:
    await empty_shop(session_factory)
    await add_customers(session_factory, 1, first_chat=100)
    await start_campaign(session_factory, now=NOW)
    lease = timedelta(seconds=60)
    async with session_factory() as session, session.begin():
        ids = await claim_due(session, worker="slow", now=NOW, limit=10, lease=lease)
        await prepare(session, ids=ids, worker="slow", now=NOW, policy=POLICY, sending_lease=lease)
    later = NOW + timedelta(minutes=5)  # "slow" stalled (a long 429 pause); its lease lapsed
    async with session_factory() as session, session.begin():
        await sweep_lapsed(session, now=later)
        assert await claim_due(session, worker="fast", now=later, limit=10, lease=lease) == ids
    async with session_factory() as session, session.begin():
        assert await mark_sending(session, ids=ids, worker="slow", now=later, lease=lease) == set()
        assert await mark_sending(session, ids=ids, worker="fast", now=later, lease=lease) == set(ids)


async def test_draining_waits_for_another_senders_rows_only_until_they_are_done(
    session_factory: SessionFactory,
) -> None:
    await empty_shop(session_factory)
    await add_customers(session_factory, 2, first_chat=100)
    await start_campaign(session_factory, now=NOW)
    async with session_factory() as session, session.begin():
        held = await claim_due(session, worker="other", now=NOW, limit=2)  # leased for minutes
    naps: list[float] = []

    async def other_sender_finishes_meanwhile(seconds: float) -> None:
        naps.append(seconds)
        async with session_factory() as session, session.begin():
            await session.execute(update(Delivery).where(Delivery.id.in_(held)).values(status="sent", lease_until=None))

    drainer = OutreachSender(
        session_factory=session_factory,
        transport=Recorder(),
        policy=POLICY,
        worker="w",
        clock=lambda: NOW,
        sleep=other_sender_finishes_meanwhile,
    )
    report = await drainer.send_due(drain=True)
    assert report.sent == 0 and naps == [1.0], "looked again after a second, not at the end of the lease"
