"""The shop's tier ladder: validated with messages naming the entry, synced idempotently."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.shop_setup import InvalidShopRules, parse_shop_rules, sync_shop_rules
from storage.models import Tier


def ladder(**changes: Any) -> dict[str, Any]:
    tiers = [
        {"code": "member", "name_zh": "会员", "name_en": "Member", "min_spend": "0", "multiplier": "1"},
        {
            "code": "vip",
            "name_zh": "贵宾",
            "name_en": "VIP",
            "min_spend": "5000",
            "multiplier": "2",
            "priority_service": True,
        },
    ]
    for key, value in changes.items():
        tiers[1][key] = value
    return {"tiers": tiers}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (ladder(multiplier="0"), "tiers[2].multiplier"),
        (ladder(code="Gold Card"), "tiers[2].code"),
        (ladder(code="member"), "own code"),
        (ladder(min_spend="0"), "same min_spend"),
        ({"tiers": [ladder()["tiers"][1]]}, "min_spend = 0"),
        ({"tiers": []}, "tiers"),
        ({"tierz": []}, "tierz"),
        ({**ladder(), "currencies": {"usd": "7"}}, "currencies.usd"),
        ({**ladder(), "currencies": {"USD": "-1"}}, "currencies.USD"),
        ({**ladder(), "currencies": {}}, "currencies"),
        ({**ladder(), "opened_on": "yesterday"}, "opened_on"),
    ],
)
def test_a_bad_ladder_is_refused_with_the_entry_named(data: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidShopRules, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_shop_rules(data)


async def test_sync_adds_then_changes_nothing_then_applies_an_edit(session: AsyncSession) -> None:
    first = await sync_shop_rules(session=session, rules=parse_shop_rules(ladder()))
    again = await sync_shop_rules(session=session, rules=parse_shop_rules(ladder()))
    edited = await sync_shop_rules(session=session, rules=parse_shop_rules(ladder(multiplier="2.5")))

    assert (first.added, again.added, again.changed, again.unchanged) == (2, 0, 0, 2)
    assert (edited.changed, edited.unchanged) == (1, 1)
    vip = await session.get(Tier, "vip")
    assert vip is not None and vip.multiplier == Decimal("2.5") and vip.priority_service


async def test_a_tier_left_out_of_the_file_is_kept(session: AsyncSession) -> None:
    await sync_shop_rules(session=session, rules=parse_shop_rules(ladder()))
    await sync_shop_rules(session=session, rules=parse_shop_rules({"tiers": ladder()["tiers"][:1]}))
    assert set(await session.scalars(select(Tier.code))) == {"member", "vip"}
