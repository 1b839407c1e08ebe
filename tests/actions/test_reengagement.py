"""Re-engagement: who is selected (inactive, consenting, not contacted lately), the personal text, one row per
day however often it runs, a stable hold-out that is never sent, and the uplift it makes measurable."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from actions import deliveries, reengagement
from actions.consent import unsubscribe
from actions.conversation_log import log_turn
from actions.customers import new_referral_code
from actions.deliveries import Planned
from actions.reengagement import Inactivity, in_holdout, plan_reengagement
from storage.models import Customer, Delivery
from tests.support.care import NOW, care_customer, earn, order, rows_of
from tests.support.loyalty import make_reward, seed_ladder

SOURCE = "reengagement:2026-12-02"


async def _plan(session: AsyncSession, **values: object) -> reengagement.ReengagementReport:
    arguments: dict[str, object] = {"inactive_days": 60, "cooldown_days": 30, "holdout_percent": 0} | values
    return await plan_reengagement(session, now=NOW, **arguments)  # type: ignore[arg-type]


async def test_an_inactive_consenting_customer_gets_a_personal_message(session: AsyncSession) -> None:
    await make_reward(session, code="CPN20", cost=200)
    await make_reward(session, code="BIG", cost=5000)
    fang = await care_customer(session, user_id=1, name="王芳", seen_days_ago=90)
    await earn(session, fang, 230, expires_in_days=300, key="a")
    await earn(session, fang, 120, expires_in_days=10, key="b")
    report = await _plan(session)
    assert report.as_dict() == {"source": SOURCE, "selected": 1, "messaged": 1, "holdout": 0}
    [row] = await rows_of(session, SOURCE)
    assert (row.customer_id, row.kind, row.status, row.button_label, row.button_url) == (
        fang.id, "marketing", "pending", "看看我的积分", None,
    )  # fmt: skip
    assert row.text == (
        "王芳，好久不见，我们想您了！您现在有 350 积分，其中 120 积分将于12月12日到期。"
        "这些积分已经可以兑换「20元优惠券」。点下面的按钮看看您的积分吧。"
    )
    assert row.not_before == NOW and row.expires_at == NOW + reengagement.STALE_AFTER


async def test_english_text_says_how_many_points_the_nearest_reward_needs(session: AsyncSession) -> None:
    await make_reward(session, code="CPN20", cost=200)
    tom = await care_customer(session, user_id=2, name="Tom", language="en", seen_days_ago=70)
    await earn(session, tom, 30, expires_in_days=5, key="a")
    await earn(session, tom, 20, expires_in_days=40, key="b")  # beyond the 30 days: not "about to expire"
    await _plan(session)
    [row] = await rows_of(session, SOURCE)
    assert row.text == (
        "Hi Tom, it's been a while and we've missed you! You have 50 points; 30 of them expire on 7 December. "
        "150 more points and “20-yuan coupon” is yours. Tap below to see your points."
    )
    assert row.button_label == "See my points"


async def test_points_already_expired_are_not_counted_in_the_balance(session: AsyncSession) -> None:
    fang = await care_customer(session, user_id=3, seen_days_ago=90)
    await earn(session, fang, 80, expires_in_days=-1, key="gone")  # the expiry job has not run yet
    await _plan(session)
    [row] = await rows_of(session, SOURCE)
    assert "您现在还没有积分" in row.text and "80" not in row.text


async def test_active_non_consenting_and_recently_contacted_customers_are_left_out(session: AsyncSession) -> None:
    inactive = await care_customer(session, user_id=10, seen_days_ago=61)
    await care_customer(session, user_id=11, seen_days_ago=59)  # seen recently
    await care_customer(session, user_id=12, consent=False)
    opted_out = await care_customer(session, user_id=13)
    await unsubscribe(session=session, customer=opted_out, now=NOW - timedelta(days=1))
    buyer = await care_customer(session, user_id=14)
    await order(session, buyer, "SO-1", "99", at=NOW - timedelta(days=20))  # bought lately, never chatted
    blocked = await care_customer(session, user_id=15)
    blocked.blocked_bot = True
    contacted = await care_customer(session, user_id=16)
    long_ago = await care_customer(session, user_id=17)
    served = await care_customer(session, user_id=18)
    await deliveries.enqueue(
        session,
        source="campaign:1",
        kind="marketing",
        planned=[
            Planned(contacted.id, "sale", not_before=NOW - timedelta(days=10)),
            Planned(long_ago.id, "sale", not_before=NOW - timedelta(days=45)),
        ],
    )
    await session.execute(
        update(Delivery).where(Delivery.source == "campaign:1").values(status="sent", sent_at=Delivery.not_before)
    )
    await deliveries.enqueue(
        session, source="expiry:2026-12", kind="service", planned=[Planned(served.id, "expiring", not_before=NOW)]
    )
    await session.flush()
    await _plan(session)
    planned = {row.customer_id for row in await rows_of(session, SOURCE)}
    assert planned == {inactive.id, long_ago.id, served.id}
    again = reengagement.new_run(now=NOW, inactive_days=60, cooldown_days=30, holdout_percent=0, seed_source="other")
    assert await reengagement.audience_size(session, run=again) == 0  # the SQL audience agrees: all contacted now


async def test_holdout_rows_of_an_earlier_run_count_as_contact(session: AsyncSession) -> None:
    held = await care_customer(session, user_id=20)
    await deliveries.enqueue(
        session,
        source="reengagement:2026-11-20",
        kind="marketing",
        planned=[Planned(held.id, "missed you", not_before=NOW - timedelta(days=12), status="holdout")],
    )
    assert (await _plan(session)).selected == 0


async def test_days_of_inactivity_per_segment(session: AsyncSession) -> None:
    vip = await care_customer(session, user_id=30, seen_days_ago=200)
    vip.segment = "vip"
    occasional = await care_customer(session, user_id=31, seen_days_ago=200)
    occasional.segment = "occasional"
    lapsed = await care_customer(session, user_id=32, seen_days_ago=100)
    lapsed.segment = "lapsed"
    vip_buyer = await care_customer(session, user_id=33, seen_days_ago=200)
    vip_buyer.segment = "vip"
    for customer, days in ((vip, 40), (occasional, 40), (vip_buyer, 20)):
        await order(session, customer, f"SO-{customer.id}", "99", at=NOW - timedelta(days=days))
    unsegmented = await care_customer(session, user_id=34, seen_days_ago=61)
    await session.flush()
    inactivity = Inactivity(60, {"vip": 30, "lapsed": 120})
    run = reengagement.new_run(now=NOW, inactive_days=inactivity, cooldown_days=30, holdout_percent=0)
    assert await reengagement.audience_size(session, run=run) == 2
    await _plan(session, inactive_days=inactivity)
    assert {row.customer_id for row in await rows_of(session, SOURCE)} == {vip.id, unsegmented.id}


def test_inactivity_from_a_setting_and_refused_values() -> None:
    assert Inactivity.parse(60, "vip=30, lapsed=120") == Inactivity(60, {"vip": 30, "lapsed": 120})
    assert Inactivity.parse(45, "") == Inactivity(45)
    with pytest.raises(reengagement.BadReengagement, match="unknown segment 'gold'"):
        Inactivity.parse(60, "gold=30")
    with pytest.raises(reengagement.BadReengagement, match="SEGMENT=DAYS"):
        Inactivity.parse(60, "vip:30")
    with pytest.raises(reengagement.BadReengagement, match="at least 1 day"):
        Inactivity(0)


async def test_running_twice_adds_nothing(session: AsyncSession) -> None:
    for user_id in (40, 41, 42):
        await care_customer(session, user_id=user_id)
    first = await _plan(session, holdout_percent=34)
    second = await _plan(session, holdout_percent=34)
    later_that_day = await plan_reengagement(
        session, now=NOW + timedelta(hours=5), inactive_days=60, cooldown_days=30, holdout_percent=34
    )
    assert first.selected == 3 and second.selected == 0 and later_that_day.selected == 0
    assert len(await rows_of(session, SOURCE)) == 3


async def test_a_tenth_is_held_out_the_same_way_every_time_and_never_sent(session: AsyncSession) -> None:
    await seed_ladder(session)
    seen = NOW - timedelta(days=90)
    for number in range(1000):
        session.add(
            Customer(
                name=f"C{number}", telegram_user_id=1000 + number, telegram_chat_id=1000 + number, language="zh",
                marketing_consent=True, last_seen_at=seen, created_at=seen, referral_code=new_referral_code(),
            )
        )  # fmt: skip
    await session.flush()
    report = await _plan(session, holdout_percent=10, batch_size=300)
    rows = await rows_of(session, SOURCE)
    held = {row.customer_id for row in rows if row.status == "holdout"}
    assert report.selected == len(rows) == 1000 and report.holdout == len(held)
    assert 80 <= len(held) <= 120
    assert held == {row.customer_id for row in rows if in_holdout(SOURCE, row.customer_id, 10)}
    assert all(row.text for row in rows)
    claimed = await deliveries.claim_due(session, worker="w1", now=NOW + timedelta(hours=1), limit=5000)
    assert len(claimed) == 1000 - len(held)
    assert not held & {row.customer_id for row in rows if row.id in set(claimed)}


def test_the_holdout_draw_depends_on_the_run_and_the_customer_only() -> None:
    first = [in_holdout("reengagement:2026-12-02", customer_id, 10) for customer_id in range(5000)]
    assert first == [in_holdout("reengagement:2026-12-02", customer_id, 10) for customer_id in range(5000)]
    assert first != [in_holdout("reengagement:2026-12-03", customer_id, 10) for customer_id in range(5000)]
    assert 450 <= sum(first) <= 550
    assert not any(in_holdout("x", customer_id, 0) for customer_id in range(1000))


async def test_uplift_is_the_return_rate_of_those_messaged_against_the_holdout(session: AsyncSession) -> None:
    customers = [await care_customer(session, user_id=100 + number) for number in range(10)]
    await _plan(session)
    messaged, held = customers[:6], customers[6:]
    await session.execute(
        update(Delivery)
        .where(Delivery.source == SOURCE, Delivery.customer_id.in_([c.id for c in held]))
        .values(status="holdout")
    )
    await session.execute(
        update(Delivery)
        .where(Delivery.source == SOURCE, Delivery.status == "pending")
        .values(status="sent", sent_at=NOW + timedelta(minutes=5))
    )
    # Messaged: two write back and one orders within 7 days (3 of 6); one writes only on day 8, and a reply
    # of the bot is not the customer coming back.
    for customer, direction, days in ((messaged[0], "in", 1), (messaged[1], "in", 6.9), (messaged[3], "in", 8)):
        await log_turn(
            session=session, customer_id=customer.id, direction=direction, text="hi", now=NOW + timedelta(days=days)
        )
    await log_turn(session=session, customer_id=messaged[4].id, direction="out", text="hello", now=NOW)
    await order(session, messaged[2], "SO-M", "50", at=NOW + timedelta(days=3))
    # Hold-out: one of four orders within 7 days.
    await order(session, held[0], "SO-H", "80", at=NOW + timedelta(days=2))
    figures = await reengagement.report(session, source=SOURCE)
    assert figures["targeted"] == 6 and figures["statuses"] == {"sent": 6, "holdout": 4}
    assert figures["replied_within_7_days"] == 2
    assert (figures["return_rate_messaged"], figures["return_rate_holdout"], figures["uplift"]) == (0.5, 0.25, 0.25)


async def test_a_source_without_rows_has_no_rates(session: AsyncSession) -> None:
    figures = await reengagement.report(session, source="reengagement:2020-01-01")
    assert figures["targeted"] == 0 and figures["uplift"] is None
