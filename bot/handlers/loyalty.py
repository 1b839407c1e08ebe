"""Points balance and history, membership tier, and the start of a redemption."""

from __future__ import annotations

from actions import points, rewards, tiers
from bot.conversation import Reply
from bot.turn import Turn

HISTORY_LENGTH = 8


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


async def membership_info(turn: Turn) -> list[Reply]:
    status = await tiers.membership_status(session=turn.session, customer_id=turn.customer.id, now=turn.now)
    tier, benefits = status.tier.name_in(turn.language), status.tier.benefits_in(turn.language)
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
