"""Service reminders: points about to expire (once per expiring month, whatever the consent) and a
congratulation for each tier upgrade that an order from the API or the CSV import recorded, once."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.imports import import_orders
from actions.reminders import plan_expiry_reminders, plan_tier_congratulations
from actions.tiers import downgrade_tiers
from storage.models import AuditLog, Delivery, Tier
from tests.support.care import NOW, care_customer, earn, order, rows_of
from tests.support.loyalty import RULES, make_reward


async def _expiry(session: AsyncSession, days_later: float = 0) -> int:
    return await plan_expiry_reminders(session, now=NOW + timedelta(days=days_later), within_days=30)


async def _all_rows(session: AsyncSession) -> list[Delivery]:
    return list((await session.scalars(select(Delivery).order_by(Delivery.id))).all())


async def test_points_expiring_are_reminded_once_per_expiring_month(session: AsyncSession) -> None:
    await make_reward(session, code="CPN20", cost=200)
    fang = await care_customer(session, user_id=1, consent=False)  # a service message needs no consent
    await earn(session, fang, 120, expires_in_days=10, key="dec-12")
    await earn(session, fang, 30, expires_in_days=18, key="dec-20")
    await earn(session, fang, 500, expires_in_days=44, key="jan-15")
    assert await _expiry(session) == 1
    [row] = await rows_of(session, "expiry:2026-12")
    assert (row.customer_id, row.kind, row.status, row.button_label) == (fang.id, "service", "pending", "看看我的积分")
    assert row.text == (
        "王芳，温馨提醒：您有 120 积分将于12月12日到期，12月共有 150 积分到期。您现在共有 650 积分。"
        "这些积分已经可以兑换「20元优惠券」。到期前记得使用哦。"
    )
    assert row.expires_at == NOW + timedelta(days=10)  # never sent once those points are gone
    for days_later in (1, 5, 15):  # Dec 20 and then Jan 15 come within 30 days: still December's batch
        assert await _expiry(session, days_later) == 0
    assert await _expiry(session, 19) == 1  # after Dec 20 the soonest points are January's
    [january] = await rows_of(session, "expiry:2027-01")
    assert "500 积分将于2027年1月15日到期" in january.text
    assert len(await _all_rows(session)) == 2


async def test_english_reminder_and_who_is_never_reminded(session: AsyncSession) -> None:
    tom = await care_customer(session, user_id=2, name="Tom", language="en")
    await earn(session, tom, 40, expires_in_days=3, key="t")
    later = await care_customer(session, user_id=3)
    await earn(session, later, 40, expires_in_days=31, key="l")  # beyond the 30 days
    blocked = await care_customer(session, user_id=4)
    await earn(session, blocked, 40, expires_in_days=3, key="b")
    blocked.blocked_bot = True
    spent = await care_customer(session, user_id=5)
    await earn(session, spent, 40, expires_in_days=-2, key="s")  # expired already
    assert await _expiry(session) == 1
    [row] = await _all_rows(session)
    assert row.customer_id == tom.id and row.source == "expiry:2026-12"
    assert row.text == (
        "Hi Tom, a friendly reminder: 40 of your points expire on 5 December. You have 40 points in all. "
        "Use them before they expire."
    )
    assert row.button_label == "See my points"


async def test_the_expiring_month_is_the_customers_own(session: AsyncSession) -> None:
    # 2026-12-31 20:00 UTC is already 1 January in Shanghai.
    fang = await care_customer(session, user_id=6)
    fang.timezone = "Asia/Shanghai"
    await earn(session, fang, 70, expires_in_days=29.75, key="nye")
    tom = await care_customer(session, user_id=7, name="Tom", language="en")
    await earn(session, tom, 70, expires_in_days=29.75, key="nye-t")
    assert await plan_expiry_reminders(session, now=NOW, within_days=30, zone=ZoneInfo("Europe/London")) == 2
    sources = {row.customer_id: row.source for row in await _all_rows(session)}
    assert sources == {fang.id: "expiry:2027-01", tom.id: "expiry:2026-12"}


async def _upgrade_events(session: AsyncSession) -> list[AuditLog]:
    query = select(AuditLog).where(AuditLog.action == "tier.upgraded").order_by(AuditLog.id)
    return list((await session.scalars(query)).all())


async def test_an_upgrade_from_an_api_order_is_congratulated_once(session: AsyncSession) -> None:
    fang = await care_customer(session, user_id=10, consent=False)
    silver = await session.get(Tier, "silver")
    assert silver is not None
    silver.benefits_zh = "积分1.2倍，生日双倍积分"
    await order(session, fang, "SO-1", "2500", at=NOW - timedelta(days=1))
    [event] = await _upgrade_events(session)
    assert await plan_tier_congratulations(session, now=NOW) == 1
    assert await plan_tier_congratulations(session, now=NOW + timedelta(hours=1)) == 0
    [row] = await rows_of(session, f"tier_upgrade:{event.id}")
    assert (row.customer_id, row.kind, row.status) == (fang.id, "service", "pending")
    assert row.text == "恭喜王芳升级为银卡会员！您现在享有：积分1.2倍，生日双倍积分。感谢您一直以来的支持。"
    assert len(await _all_rows(session)) == 1


async def test_an_upgrade_from_the_csv_import_is_congratulated_once(session: AsyncSession) -> None:
    tom = await care_customer(session, user_id=11, name="Tom", language="en")
    tom.external_id = "C11"
    csv = b"order_id,customer_external_id,amount,currency,ordered_at,status\nSO-9,C11,9000,CNY,2026-11-30 10:00,paid\n"
    report = await import_orders(
        session=session, file=BytesIO(csv), rules=RULES, shop_timezone=ZoneInfo("Asia/Shanghai"), now=NOW
    )
    assert report.created == 1 and tom.tier_code == "gold"
    for _ in range(2):
        await plan_tier_congratulations(session, now=NOW + timedelta(minutes=10))
    [row] = await _all_rows(session)
    assert row.text == "Congratulations, Tom: you have moved up to Gold! Thank you for shopping with us."
    assert row.button_label == "See my membership"


async def test_only_the_tier_still_held_is_congratulated(session: AsyncSession) -> None:
    climber = await care_customer(session, user_id=20)
    await order(session, climber, "SO-20", "2500", at=NOW - timedelta(days=2))  # silver
    await order(session, climber, "SO-21", "6000", at=NOW - timedelta(days=1))  # then gold
    dropped = await care_customer(session, user_id=21)
    await order(session, dropped, "SO-22", "2500", at=NOW - timedelta(days=2))
    await order(session, dropped, "SO-22", "2500", at=NOW - timedelta(days=2))  # the same order again: no event
    await order(session, dropped, "SO-22", "2500", at=NOW - timedelta(days=2), status="refunded", now=NOW)
    await downgrade_tiers(session=session, now=NOW)
    old = await care_customer(session, user_id=22)
    await order(session, old, "SO-23", "2500", at=NOW - timedelta(days=8))  # news no more
    assert len(await _upgrade_events(session)) == 4
    assert await plan_tier_congratulations(session, now=NOW) == 1
    [row] = await _all_rows(session)
    assert row.customer_id == climber.id and "金卡会员" in row.text


async def test_erased_or_blocked_customers_are_not_congratulated(session: AsyncSession) -> None:
    blocked = await care_customer(session, user_id=30)
    await order(session, blocked, "SO-30", "2500", at=NOW - timedelta(days=1))
    blocked.blocked_bot = True
    await session.flush()
    assert await plan_tier_congratulations(session, now=NOW) == 0
