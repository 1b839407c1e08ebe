"""Occasions: the table filled without overwriting the shop's edits, edits checked, greetings planned once
per occasion and year at the local morning hour of each customer, birthdays with their bonus once a year."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.deliveries import render
from actions.festivals import FESTIVALS
from actions.occasions import (
    OccasionError,
    UnknownOccasion,
    edit_occasion,
    fill,
    get_occasion,
    is_birthday,
    list_occasions,
    plan_birthdays,
    plan_greetings,
    plan_greetings_page,
    sync_occasions,
)
from actions.rules import MAX_POINTS, LoyaltyRules
from storage.models import AuditLog, Customer, Delivery, LedgerEntry, Tier
from tests.support.loyalty import make_customer

SHANGHAI = ZoneInfo("Asia/Shanghai")
LATE = timedelta(hours=6)
RULES = LoyaltyRules(birthday_bonus=100)
_chat_ids = itertools.count(9000)


async def reachable_customer(session: AsyncSession, name: str, **values: object) -> Customer:
    defaults: dict[str, object] = {"telegram_chat_id": next(_chat_ids), "marketing_consent": True, "language": "zh"}
    return await make_customer(session, name=name, **(defaults | values))


async def ledger(session: AsyncSession, source: str) -> dict[int, Delivery]:
    rows = await session.scalars(select(Delivery).where(Delivery.source == source))
    return {row.customer_id: row for row in rows}


async def plan(session: AsyncSession, now: datetime) -> dict[str, int]:
    return await plan_greetings(session, now=now, shop_zone=SHANGHAI, late_window=LATE)


# --- the table -----------------------------------------------------------------------------------------


async def test_sync_adds_missing_years_and_keeps_the_shops_edits(session: AsyncSession) -> None:
    assert await sync_occasions(session, years=[2027, 2028]) == 2 * len(FESTIVALS)
    edited = await edit_occasion(
        session, code="mid_autumn", year=2027, actor="test", now=datetime(2026, 12, 2, tzinfo=UTC),
        text_zh="{name}，中秋节快乐！本店全场九折。", send_hour=10,
    )  # fmt: skip
    assert edited.withdrawn == 0
    assert await sync_occasions(session, years=[2027, 2028, 2029]) == len(FESTIVALS)
    assert await sync_occasions(session, years=range(2027, 2030)) == 0
    kept = await get_occasion(session, code="mid_autumn", year=2027)
    assert (kept.text_zh, kept.send_hour, kept.on_date) == ("{name}，中秋节快乐！本店全场九折。", 10, date(2027, 9, 15))
    listed = await list_occasions(session, year=2027)
    assert [item.on_date for item in listed] == sorted(item.on_date for item in listed)
    assert len(listed) == len(FESTIVALS) and len(await list_occasions(session)) == 3 * len(FESTIVALS)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"on_date": date(2028, 1, 1)}, "the 2027 occasion must fall in 2027, not on 2028-01-01"),
        ({"send_hour": 24}, "the send hour is a local hour from 0 to 23, not 24"),
        ({"text_zh": "{name}，{coupon}"}, "the zh text: unknown placeholder {coupon}; use {name}, {points} or {tier}"),
        ({"text_en": "Hi {name"}, "the en text: malformed braces"),
        ({"text_zh": "  "}, "the zh text may not be empty while customers writing zh are greeted"),
        ({"audience_language": "fr"}, "unknown audience 'fr': use zh, en or all"),
        ({"text_en": "x" * 2001}, "the en text has 2001 characters; at most 2000"),
    ],
)
async def test_edits_are_checked_before_anything_changes(
    session: AsyncSession, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(OccasionError) as raised:
        await edit_occasion(
            session, code="mid_autumn", year=2027, actor="test", now=datetime(2026, 12, 2, tzinfo=UTC),
            active=False, **changes,  # type: ignore[arg-type]
        )  # fmt: skip
    assert str(raised.value).startswith(message)
    occasion = await get_occasion(session, code="mid_autumn", year=2027)
    assert occasion.active and occasion.send_hour == 9 and occasion.text_zh.startswith("{name}，中秋快乐")


async def test_unknown_occasions_and_years(session: AsyncSession) -> None:
    now = datetime(2026, 12, 2, tzinfo=UTC)
    with pytest.raises(UnknownOccasion, match="no occasion 'halloween' in 2027"):
        await edit_occasion(session, code="halloween", year=2027, actor="test", now=now, active=False)
    with pytest.raises(OccasionError, match="1900-2099, not 2150"):
        await sync_occasions(session, years=[2150])


async def test_an_edit_withdraws_unsent_greetings_to_plan_them_again(session: AsyncSession) -> None:
    customer = await reachable_customer(session, "王芳")
    now = datetime(2027, 9, 14, 6, 0, tzinfo=UTC)
    await sync_occasions(session, years=[2027])
    assert await plan(session, now) == {"occasion:mid_autumn:2027": 1}
    edit = await edit_occasion(session, code="mid_autumn", year=2027, actor="cli:amy", now=now, send_hour=8)
    assert edit.withdrawn == 1 and await ledger(session, "occasion:mid_autumn:2027") == {}
    assert await plan(session, now) == {"occasion:mid_autumn:2027": 1}
    row = (await ledger(session, "occasion:mid_autumn:2027"))[customer.id]
    assert row.not_before == datetime(2027, 9, 15, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai

    off = await edit_occasion(session, code="mid_autumn", year=2027, actor="cli:amy", now=now, active=False)
    assert off.withdrawn == 1 and await plan(session, now) == {}
    audit = await session.scalars(select(AuditLog).where(AuditLog.action == "occasion.edit").order_by(AuditLog.id))
    assert [(row.actor, row.details["changed"]) for row in audit] == [
        ("cli:amy", ["send_hour"]),
        ("cli:amy", ["active"]),
    ]
    same = await edit_occasion(session, code="mid_autumn", year=2027, actor="cli:amy", now=now, active=False)
    assert same.withdrawn == 0


async def test_editing_a_year_never_synced_creates_it_first(session: AsyncSession) -> None:
    edit = await edit_occasion(
        session, code="christmas", year=2035, actor="test", now=datetime(2026, 12, 2, tzinfo=UTC),
        on_date=date(2035, 12, 24), audience_language="all",
    )  # fmt: skip
    assert (edit.occasion.on_date, edit.occasion.audience_language) == (date(2035, 12, 24), "all")
    assert len(await list_occasions(session, year=2035)) == len(FESTIVALS)


# --- greetings -----------------------------------------------------------------------------------------


async def test_greetings_at_the_local_morning_hour_in_each_language(session: AsyncSession) -> None:
    await sync_occasions(session, years=[2026, 2027])
    shanghai = await reachable_customer(session, "王芳", timezone="Asia/Shanghai")
    london = await reachable_customer(session, "Emma", language="en", timezone="Europe/London")
    honolulu = await reachable_customer(session, "Kai", language="en", timezone="Pacific/Honolulu")
    shop_zone = await reachable_customer(session, "李雷", timezone=None, points_balance=320)

    # 31 December, 12:00 UTC: New Year's Day is tomorrow everywhere (audience: everyone).
    now = datetime(2026, 12, 31, 12, 0, tzinfo=UTC)
    assert await plan(session, now) == {"occasion:new_year:2027": 4}
    rows = await ledger(session, "occasion:new_year:2027")
    assert rows[shanghai.id].not_before == datetime(2027, 1, 1, 1, 0, tzinfo=UTC)
    assert rows[london.id].not_before == datetime(2027, 1, 1, 9, 0, tzinfo=UTC)
    assert rows[honolulu.id].not_before == datetime(2027, 1, 1, 19, 0, tzinfo=UTC)
    assert rows[shop_zone.id].not_before == datetime(2027, 1, 1, 1, 0, tzinfo=UTC)
    for row in rows.values():
        assert row.expires_at == row.not_before + LATE
        assert (row.kind, row.status, row.campaign_id) == ("marketing", "pending", None)
    assert rows[shanghai.id].text.startswith("王芳，元旦快乐！")
    assert rows[london.id].text.startswith("Happy New Year, Emma!")


async def test_only_today_or_tomorrow_in_the_customers_zone(session: AsyncSession) -> None:
    await sync_occasions(session, years=[2027])
    shanghai = await reachable_customer(session, "王芳", timezone="Asia/Shanghai")
    honolulu = await reachable_customer(session, "阿凯", timezone="Pacific/Honolulu")
    # 13 September 20:00 UTC: 14 September in Shanghai (Mid-Autumn is tomorrow), 13th in Honolulu.
    assert await plan(session, datetime(2027, 9, 13, 20, 0, tzinfo=UTC)) == {"occasion:mid_autumn:2027": 1}
    assert list(await ledger(session, "occasion:mid_autumn:2027")) == [shanghai.id]
    assert await plan(session, datetime(2027, 9, 14, 12, 0, tzinfo=UTC)) == {"occasion:mid_autumn:2027": 1}
    assert set(await ledger(session, "occasion:mid_autumn:2027")) == {shanghai.id, honolulu.id}


async def test_planned_once_per_occasion_and_year(session: AsyncSession) -> None:
    await sync_occasions(session, years=[2027])
    customer = await reachable_customer(session, "王芳")
    for hour in (0, 1, 2, 12):
        await plan(session, datetime(2027, 9, 14, hour, tzinfo=UTC))
    assert list(await ledger(session, "occasion:mid_autumn:2027")) == [customer.id]
    await sync_occasions(session, years=[2028])
    await plan(session, datetime(2028, 10, 2, 12, tzinfo=UTC))
    assert list(await ledger(session, "occasion:mid_autumn:2028")) == [customer.id]
    count = await session.scalar(select(func.count()).select_from(Delivery).where(Delivery.customer_id == customer.id))
    assert count == 2  # Mid-Autumn 2027 and 2028 (National Day 2028 was yesterday: never planned)


async def test_audience_and_reachability(session: AsyncSession) -> None:
    await sync_occasions(session, years=[2027])
    greeted = await reachable_customer(session, "王芳")
    unknown_language = await reachable_customer(session, "张伟", language=None)
    await reachable_customer(session, "Emma", language="en")  # Mid-Autumn is for Chinese-speaking customers
    await reachable_customer(session, "无同意", marketing_consent=False)
    await reachable_customer(session, "退订", opted_out_at=datetime(2027, 1, 1, tzinfo=UTC))
    await reachable_customer(session, "拉黑", blocked_bot=True)
    await reachable_customer(session, "", erased_at=datetime(2027, 1, 1, tzinfo=UTC))
    await reachable_customer(session, "无聊天", telegram_chat_id=None)
    await plan(session, datetime(2027, 9, 14, 12, tzinfo=UTC))
    rows = await ledger(session, "occasion:mid_autumn:2027")
    assert set(rows) == {greeted.id, unknown_language.id}
    assert rows[unknown_language.id].text.startswith("张伟，中秋快乐！")


async def test_planned_a_page_at_a_time(session: AsyncSession) -> None:
    await sync_occasions(session, years=[2027])
    occasion = await get_occasion(session, code="mid_autumn", year=2027)
    first = await reachable_customer(session, "王芳")
    await reachable_customer(session, "Emma", language="en")
    third = await reachable_customer(session, "李雷")
    now = datetime(2027, 9, 14, 12, tzinfo=UTC)
    pages = []
    after = 0
    while True:
        page = await plan_greetings_page(
            session, occasion_id=occasion.id, now=now, shop_zone=SHANGHAI, late_window=LATE, after_id=after, limit=1
        )
        pages.append((page.planned, page.last_id))
        if page.last_id is None:
            break
        after = page.last_id
    assert pages == [(1, first.id), (1, third.id), (0, None)]  # Emma (English) is not in the audience
    again = await plan_greetings_page(session, occasion_id=occasion.id, now=now, shop_zone=SHANGHAI, late_window=LATE)
    assert (again.source, again.planned, again.last_id) == ("occasion:mid_autumn:2027", 0, third.id)


async def test_after_downtime_sent_late_only_within_the_window(session: AsyncSession) -> None:
    await sync_occasions(session, years=[2027])
    customer = await reachable_customer(session, "王芳")  # due 2027-09-15 01:00 UTC, stale after 07:00
    assert await plan(session, datetime(2027, 9, 15, 7, 1, tzinfo=UTC)) == {"occasion:mid_autumn:2027": 0}
    assert await plan(session, datetime(2027, 9, 15, 6, 59, tzinfo=UTC)) == {"occasion:mid_autumn:2027": 1}
    assert list(await ledger(session, "occasion:mid_autumn:2027")) == [customer.id]


async def test_placeholders_filled_for_each_customer(session: AsyncSession) -> None:
    await sync_occasions(session, years=[2027])
    now = datetime(2027, 9, 14, 12, tzinfo=UTC)
    await edit_occasion(
        session, code="mid_autumn", year=2027, actor="test", now=now,
        text_zh="{name}您好，{tier}的您有{points}积分，中秋快乐！", audience_language="all",
    )  # fmt: skip
    zh = await reachable_customer(session, "王芳", points_balance=450, tier_code="gold")
    en = await reachable_customer(session, "", language="en", points_balance=5)
    await plan(session, now)
    rows = await ledger(session, "occasion:mid_autumn:2027")
    assert rows[zh.id].text == "王芳您好，金卡会员的您有450积分，中秋快乐！"
    assert rows[en.id].text.startswith("Happy Mid-Autumn Festival, there!")


async def test_greetings_are_filled_in_as_render_does(session: AsyncSession) -> None:
    """Planning fills texts from plain values (a million rows): the same words as `render`."""
    template = "{name}: {points} / {tier} {{ok}}"
    await make_customer(session)  # and the tier ladder
    gold = await session.get(Tier, "gold")
    assert gold is not None
    for name, language, points, tier in [("王芳", "zh", 5, gold), ("", "zh", 0, gold), ("", "en", 7, None)]:
        customer = Customer(name=name, language=language, points_balance=points, tier_code="gold")
        tier_name = tier.name_in(language) if tier is not None else "gold"
        expected = render(template, customer=customer, tier=tier)
        assert fill(template, language=language, name=name, points=points, tier_name=tier_name) == expected


# --- birthdays -----------------------------------------------------------------------------------------


def test_29_february_is_celebrated_on_28_february_in_other_years() -> None:
    leap = date(2004, 2, 29)
    assert is_birthday(leap, date(2027, 2, 28)) and not is_birthday(leap, date(2027, 3, 1))
    assert is_birthday(leap, date(2028, 2, 29)) and not is_birthday(leap, date(2028, 2, 28))
    assert is_birthday(date(1990, 2, 28), date(2028, 2, 28)) and not is_birthday(date(1990, 2, 28), date(2028, 2, 29))


async def birthdays(session: AsyncSession, now: datetime, rules: LoyaltyRules = RULES) -> tuple[int, int]:
    report = await plan_birthdays(session, now=now, shop_zone=SHANGHAI, late_window=LATE, rules=rules)
    return report.bonuses, report.wishes


async def bonus_keys(session: AsyncSession, customer: Customer) -> list[str]:
    keys = await session.scalars(
        select(LedgerEntry.idempotency_key).where(LedgerEntry.customer_id == customer.id).order_by(LedgerEntry.id)
    )
    return list(keys)


async def test_birthday_bonus_and_wish_once_a_year_in_the_customers_zone(session: AsyncSession) -> None:
    shanghai = await reachable_customer(session, "王芳", birthday=date(1990, 12, 2), points_balance=50)
    london = await reachable_customer(session, "Emma", language="en", birthday=date(1990, 12, 2),
                                      timezone="Europe/London")  # fmt: skip
    silent = await reachable_customer(session, "无同意", birthday=date(1990, 12, 2), marketing_consent=False)

    # 1 December 17:00 UTC: already 2 December in Shanghai, not yet in London.
    now = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
    assert await birthdays(session, now) == (2, 1)
    assert await birthdays(session, now + timedelta(hours=1)) == (0, 0)
    wishes = await ledger(session, "birthday:2026")
    assert list(wishes) == [shanghai.id]
    assert wishes[shanghai.id].not_before == datetime(2026, 12, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    assert "我们为您送上100积分作为生日礼物，您现在共有150积分。" in wishes[shanghai.id].text
    assert await bonus_keys(session, silent) == [f"birthday:{silent.id}:2026"]  # points without a message

    # London's morning: its bonus and an English wish at 09:00 there.
    assert await birthdays(session, datetime(2026, 12, 2, 8, 0, tzinfo=UTC)) == (1, 1)
    wish = (await ledger(session, "birthday:2026"))[london.id]
    assert wish.not_before == datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    assert wish.text.startswith("Happy birthday, Emma! 🎂 We've added 100 points")
    assert await birthdays(session, datetime(2026, 12, 2, 20, 0, tzinfo=UTC)) == (0, 0)

    # The next year: again, once.
    assert await birthdays(session, datetime(2027, 12, 2, 2, 0, tzinfo=UTC)) == (3, 2)
    assert await bonus_keys(session, shanghai) == [f"birthday:{shanghai.id}:2026", f"birthday:{shanghai.id}:2027"]


async def test_the_bonus_belongs_to_the_local_year(session: AsyncSession) -> None:
    """1 January in Shanghai starts while it is still 31 December in UTC: that is the new year's bonus."""
    customer = await reachable_customer(session, "王芳", birthday=date(1990, 1, 1))
    assert await birthdays(session, datetime(2026, 1, 1, 3, 0, tzinfo=UTC)) == (1, 1)
    assert await birthdays(session, datetime(2026, 12, 31, 16, 30, tzinfo=UTC)) == (1, 1)
    assert await bonus_keys(session, customer) == [f"birthday:{customer.id}:2026", f"birthday:{customer.id}:2027"]
    assert set(await ledger(session, "birthday:2027")) == {customer.id}


async def test_29_february_birthdays(session: AsyncSession) -> None:
    customer = await reachable_customer(session, "王芳", birthday=date(2004, 2, 29))
    assert await birthdays(session, datetime(2027, 2, 27, 3, tzinfo=UTC)) == (0, 0)
    assert await birthdays(session, datetime(2027, 2, 28, 3, tzinfo=UTC)) == (1, 1)
    assert await birthdays(session, datetime(2027, 3, 1, 3, tzinfo=UTC)) == (0, 0)
    assert await birthdays(session, datetime(2028, 2, 28, 3, tzinfo=UTC)) == (0, 0)
    assert await birthdays(session, datetime(2028, 2, 29, 3, tzinfo=UTC)) == (1, 1)
    assert await bonus_keys(session, customer) == [f"birthday:{customer.id}:2027", f"birthday:{customer.id}:2028"]


async def test_birthday_wishes_without_a_bonus_and_too_late(session: AsyncSession) -> None:
    customer = await reachable_customer(session, "王芳", birthday=date(1990, 12, 2))
    no_bonus = LoyaltyRules(birthday_bonus=0)
    late = datetime(2026, 12, 2, 7, 30, tzinfo=UTC)  # 15:30 in Shanghai: past 09:00 + 6 hours
    report = await plan_birthdays(session, now=late, shop_zone=SHANGHAI, late_window=LATE, rules=no_bonus)
    assert (report.bonuses, report.wishes, report.skipped) == (0, 0, {"too_late": 1})
    assert await birthdays(session, datetime(2026, 12, 2, 2, 0, tzinfo=UTC), no_bonus) == (0, 1)
    assert await birthdays(session, datetime(2026, 12, 2, 3, 0, tzinfo=UTC), no_bonus) == (0, 0)
    wish = (await ledger(session, "birthday:2026"))[customer.id]
    assert wish.text == "王芳，生日快乐！🎂 祝您新的一岁平安喜乐，万事顺心！"
    assert await bonus_keys(session, customer) == []


async def test_a_balance_at_the_points_limit_does_not_stop_the_others(session: AsyncSession) -> None:
    full = await reachable_customer(session, "满额", birthday=date(1990, 12, 2), points_balance=MAX_POINTS - 10)
    other = await reachable_customer(session, "王芳", birthday=date(1990, 12, 2))
    assert await birthdays(session, datetime(2026, 12, 2, 0, 0, tzinfo=UTC)) == (1, 1)
    assert await bonus_keys(session, full) == [] and await bonus_keys(session, other) == [f"birthday:{other.id}:2026"]
