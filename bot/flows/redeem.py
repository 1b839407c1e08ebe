"""Redeem: choose an affordable reward -> confirm -> code. Balance and stock are re-checked at the end."""

from __future__ import annotations

import secrets

from actions import points, rewards
from actions.points import InsufficientPoints
from actions.rewards import RewardOutOfStock, UnknownReward
from bot.callbacks import Callback
from bot.conversation import Reply
from bot.flows.yesno import is_question, yes_or_no
from bot.replies import stale_button
from bot.slots import ask_again
from bot.turn import Turn


async def on_button(turn: Turn, callback: Callback) -> list[Reply]:
    flow = turn.flow
    if flow is None or flow.get("name") != "redeem":
        return stale_button(turn)
    if callback.part(0) == "pick" and flow.get("step") == "pick":
        return await _picked(turn, callback.part(1) or "")
    if callback.part(0) == "confirm" and flow.get("step") == "confirm":
        return await _confirmed(turn)
    return stale_button(turn)


def reprompt(turn: Turn) -> list[Reply]:
    """The question the redemption is waiting on, asked again (the reward buttons above still work)."""
    if (turn.flow or {}).get("step") == "confirm":
        buttons = [[turn.button("flow.yes", "redeem", "confirm"), turn.button("flow.no", "flow", "cancel")]]
        return [turn.reply("redeem.confirm_again", buttons=buttons)]
    return [turn.reply("redeem.pick_button")]


async def on_text(turn: Turn, text: str) -> list[Reply]:
    flow = turn.flow or {}
    if flow.get("step") == "confirm":
        answer = await yes_or_no(turn, text)
        if answer is True:
            return await _confirmed(turn)
        if answer is False:
            turn.end_flow()
            return [turn.reply("flow.cancelled")]
        buttons = [[turn.button("flow.yes", "redeem", "confirm"), turn.button("flow.no", "flow", "cancel")]]
        reward = await rewards.get_reward(session=turn.session, reward_id=int(flow["reward_id"]))
        if is_question(text) and reward is not None:  # "嗯？": what is being confirmed, said again in full
            name = reward.name_in(turn.language)
            return ask_again(turn, "redeem.confirm_question", name=name, cost=reward.cost_points, buttons=buttons)
        return ask_again(turn, "redeem.confirm_again", buttons=buttons)
    return ask_again(turn, "redeem.pick_button")


async def _picked(turn: Turn, reward_part: str) -> list[Reply]:
    if not reward_part.isdigit():
        return stale_button(turn)
    affordable = {
        r.id: r
        for r in await rewards.affordable_rewards(session=turn.session, customer_id=turn.customer.id, now=turn.now)
    }
    reward = affordable.get(int(reward_part))
    if reward is None:
        turn.end_flow()
        return [turn.reply("redeem.unavailable")]
    turn.start_flow("redeem", step="confirm", reward_id=reward.id, key=secrets.token_hex(8))
    buttons = [[turn.button("flow.yes", "redeem", "confirm"), turn.button("flow.no", "flow", "cancel")]]
    return [turn.reply("redeem.confirm", name=reward.name_in(turn.language), cost=reward.cost_points, buttons=buttons)]


async def _confirmed(turn: Turn) -> list[Reply]:
    flow = turn.flow or {}
    turn.end_flow()
    try:
        redemption = await rewards.redeem(
            session=turn.session,
            customer_id=turn.customer.id,
            reward_id=int(flow["reward_id"]),
            idempotency_key=f"redeem:{turn.customer.id}:{flow['key']}",
            now=turn.now,
        )
    except InsufficientPoints:
        return [turn.reply("redeem.not_enough_now")]
    except (UnknownReward, RewardOutOfStock):
        return [turn.reply("redeem.unavailable")]
    balance = await points.balance(session=turn.session, customer_id=turn.customer.id, now=turn.now)
    return [turn.reply("redeem.done", code=redemption.code, points=redemption.points, balance=balance)]
