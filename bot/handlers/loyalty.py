"""Points balance and history, and the membership tier (redemptions: bot/flows/redeem.py)."""

from __future__ import annotations

import re
from decimal import Decimal

from actions import points, tiers
from bot.conversation import Reply
from bot.patterns import fold
from bot.turn import Turn
from storage.models import Tier

HISTORY_LENGTH = 8
EXPIRY_LINES = 5


async def check_points(turn: Turn) -> list[Reply]:
    balance = await points.balance(session=turn.session, customer_id=turn.customer.id, now=turn.now)
    local_now = turn.now.astimezone(turn.services.timezone)
    expiring = await points.expiring_soon(session=turn.session, customer_id=turn.customer.id, now=local_now)
    replies = [turn.reply("points.balance", balance=balance)]
    if expiring:
        first_day = expiring[0][0]
        total = sum(amount for _, amount in expiring)
        replies.append(turn.reply("points.expiring", points=total, date=first_day.isoformat()))
    buttons = [
        [turn.button("menu.redeem", "menu", "redeem_points"), turn.button("menu.history", "menu", "points_history")]
    ]
    replies.append(turn.reply("points.next", buttons=buttons))
    return replies


async def points_expiry(turn: Turn) -> list[Reply]:
    """ "When do my points expire?": the dates and amounts, and the rule behind them."""
    local_now = turn.now.astimezone(turn.services.timezone)
    months = turn.services.rules.expiry_months
    upcoming = await points.expiring_soon(
        session=turn.session, customer_id=turn.customer.id, now=local_now, within_days=(months + 1) * 31
    )
    rule = turn.t("points.expiry_rule", months=months)
    if not upcoming:
        return [Reply(turn.t("points.expiry_none") + "\n" + rule)]
    lines = [
        turn.t("points.expiry_line", date=day.isoformat(), points=amount) for day, amount in upcoming[:EXPIRY_LINES]
    ]
    return [Reply(turn.t("points.expiry_title") + "\n" + "\n".join(lines) + "\n" + rule)]


async def points_earning(turn: Turn) -> list[Reply]:
    """ "How do I earn points?": per yuan, the tier multiplier, birthday and referral bonuses."""
    rules = turn.services.rules
    rate = rules.points_per_unit.get("CNY", next(iter(rules.points_per_unit.values()), 0))
    status = await tiers.membership_status(session=turn.session, customer_id=turn.customer.id, now=turn.now)
    return [
        turn.reply(
            "points.earning",
            rate=f"{Decimal(rate).normalize():f}",
            tier=status.tier.name_in(turn.language),
            multiplier=f"{status.tier.multiplier.normalize():f}",
            birthday=rules.birthday_bonus,
            referral=rules.referral_bonus,
        )
    ]


async def points_history(turn: Turn) -> list[Reply]:
    entries = await points.history(session=turn.session, customer_id=turn.customer.id, limit=HISTORY_LENGTH)
    if not entries:
        return [turn.reply("points.history_empty")]
    lines = [
        turn.t(
            "points.history_line",
            date=entry.created_at.astimezone(turn.services.timezone).date().isoformat(),
            delta=f"{entry.delta:+d}",
            reason=turn.t(f"ledger.{entry.reason}"),
            balance=entry.balance_after,
        )
        for entry in entries
    ]
    return [Reply(turn.t("points.history_title") + "\n" + "\n".join(lines))]


def _tier_named(ladder: list[Tier], text: str) -> Tier | None:
    """The tier the message asks about ("金卡有什么权益", "what does Gold get"), longest name first."""
    lowered = fold(text)
    names = [
        (name, tier)
        for tier in ladder
        for name in {tier.name_zh, tier.name_zh.removesuffix("会员"), tier.name_en.lower(), tier.code.lower()}
        if len(name) >= 2
    ]
    for name, tier in sorted(names, key=lambda item: -len(item[0])):
        if re.search(rf"(?<![a-z]){re.escape(name)}(?![a-z])", lowered):
            return tier
    return None


async def membership_info(turn: Turn) -> list[Reply]:
    status = await tiers.membership_status(session=turn.session, customer_id=turn.customer.id, now=turn.now)
    tier, benefits = status.tier.name_in(turn.language), status.tier.benefits_in(turn.language)
    asked = _tier_named(await tiers.tier_ladder(session=turn.session), turn.incoming.text)
    if asked is not None and asked.code != status.tier.code:  # about another tier: that one first
        return [
            turn.reply(
                "tier.about",
                tier=asked.name_in(turn.language),
                spend=f"{asked.min_spend:.0f}",
                benefits=asked.benefits_in(turn.language),
            ),
            turn.reply("tier.yours", tier=tier, spend=status.spend_12m),
        ]
    replies = [turn.reply("tier.current", tier=tier, benefits=benefits, spend=status.spend_12m)]
    if status.next_tier is not None and status.spend_to_next is not None:
        replies.append(
            turn.reply("tier.next", tier=status.next_tier.name_in(turn.language), amount=status.spend_to_next)
        )
    else:
        replies.append(turn.reply("tier.top"))
    return replies
