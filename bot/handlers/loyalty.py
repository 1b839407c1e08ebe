"""Points balance and history, membership tier, and the start of a redemption."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from actions import points, rewards, tiers
from bot.conversation import Reply
from bot.flows import redeem
from bot.flows.yesno import is_question
from bot.patterns import fold
from bot.turn import Turn
from storage.models import Reward, Tier

HISTORY_LENGTH = 8
EXPIRY_LINES = 5
MAX_REWARD_TALK = 40  # "20元优惠券要多少分？": short; a longer message naming a reward is about something else
REMINDER_CONTEXT = timedelta(days=2)  # "换这个" after a reminder that named a reward: that reward
REDEEM_WORDS = re.compile(r"换|兑|redeem|exchange|\bget\b|use my points|用积分")
COST_QUESTION = re.compile(r"多少|几分|几个积分|how many|how much|\bcost|\bneed|\benough")


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


async def start_redeem(turn: Turn) -> list[Reply]:
    """Offer the rewards the balance covers, one button each."""
    balance = await points.balance(session=turn.session, customer_id=turn.customer.id, now=turn.now)
    affordable = await rewards.affordable_rewards(session=turn.session, customer_id=turn.customer.id, now=turn.now)
    if not affordable:
        offered = await rewards.active_rewards(session=turn.session)
        cheapest = min((reward.cost_points for reward in offered), default=None)
        if cheapest is None:
            return [turn.reply("redeem.no_rewards")]
        return [turn.reply("redeem.not_enough", balance=balance, cheapest=cheapest)]
    turn.start_flow("redeem", step="pick")
    if len(affordable) == 1:
        redeem.remember(turn, affordable[0])  # "换这个" next: the one shown
    else:
        turn.state.pop("reward_id", None)  # a list: "this one" alone is not enough to tell which
    buttons = [
        [
            turn.button(
                "redeem.option",
                "redeem",
                "pick",
                reward.id,
                name=reward.name_in(turn.language),
                cost=reward.cost_points,
            )
        ]
        for reward in affordable[:8]
    ]
    buttons.append([turn.button("flow.cancel_button", "flow", "cancel")])
    return [turn.reply("redeem.choose", balance=balance, buttons=buttons)]


async def reward_in_words(turn: Turn) -> list[Reply] | None:
    """A reward named ("20元优惠券要多少分", "换免运费券") or pointed at after it was talked about ("换这个",
    "I'll take that one"): its cost, or the redemption's confirmation. None when the message is not that."""
    text = turn.incoming.text
    if redeem.is_take_this(text):
        pointed = await _reward_in_context(turn)
        return await redeem.offer(turn, pointed) if pointed is not None else None
    if len(text) > MAX_REWARD_TALK:
        return None
    named = await rewards.reward_named(session=turn.session, text=text)
    if named is None:
        return None
    folded = fold(text)
    if REDEEM_WORDS.search(folded):
        return await redeem.offer(turn, named)
    if COST_QUESTION.search(folded) or is_question(text):
        return await _reward_cost(turn, named)
    return None


async def _reward_in_context(turn: Turn) -> Reward | None:
    """The reward the conversation is about: remembered, else one a reminder sent in the last days named."""
    remembered = turn.state.get("reward_id")
    if isinstance(remembered, int):
        reward = await rewards.get_reward(session=turn.session, reward_id=remembered)
        return reward if reward is not None and reward.active else None
    if turn.state.get("product_id") is not None:  # talking about a product: "换这个" is not about a reminder
        return None
    return await rewards.last_reward_sent(
        session=turn.session, customer_id=turn.customer.id, since=turn.now - REMINDER_CONTEXT
    )


async def _reward_cost(turn: Turn, reward: Reward) -> list[Reply]:
    redeem.remember(turn, reward)
    balance = await points.balance(session=turn.session, customer_id=turn.customer.id, now=turn.now)
    name, cost = reward.name_in(turn.language), reward.cost_points
    if balance < cost:
        return [turn.reply("redeem.cost_short", name=name, cost=cost, balance=balance, missing=cost - balance)]
    buttons = [[turn.button("redeem.take_button", "redeem", "offer", reward.id)]]
    return [turn.reply("redeem.cost_enough", name=name, cost=cost, balance=balance, buttons=buttons)]
