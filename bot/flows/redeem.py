"""Redeem: choose an affordable reward -> confirm -> code. Balance and stock are re-checked at the end.

The reward can also be named ("换20元优惠券") or pointed at ("换这个", "I'll take that one") when it was
just talked about: it is remembered in the dialogue state (`reward_id`) whenever one reward is the subject.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from actions import points, rewards
from actions.points import InsufficientPoints
from actions.rewards import RewardOutOfStock, UnknownReward
from bot.callbacks import Callback
from bot.conversation import Reply
from bot.flows.yesno import is_question, normalise, yes_or_no
from bot.patterns import fold
from bot.replies import stale_button
from bot.slots import ask_again
from bot.turn import Turn
from storage.models import Reward

MAX_REWARD_TALK = 40  # "20元优惠券要多少分？": short; a longer message naming a reward is about something else
REMINDER_CONTEXT = timedelta(days=2)  # "换这个" after a reminder that named a reward: that reward
REDEEM_WORDS = re.compile(r"换|兑|redeem|exchange|\bget\b|use my points|用积分")
COST_QUESTION = re.compile(r"多少|几分|几个积分|how many|how much|\bcost|\bneed|\benough")
# "换这个", "还是换这个吧", "就要它", "I'll take that one": the reward just talked about.
TAKE_THIS = re.compile(
    r"^(?:还是|那|那就|就|我|我就|好|好的|嗯)*[，,\s]*(?:换|兑换|兑|要|选|拿)(?:这个|那个|这款|那款|它|这张|那张)(?:吧|了|啊|呀|呢)*$|"
    r"^(?:就|那就)?(?:这个|那个)吧$|"
    r"^(?:ok |okay |then |yes |great )?(?:i'?ll|i will|let me|i'?d like to|i want to|i want|can i)\s+"
    r"(?:take|get|have|redeem|choose|pick)\s+(?:that|this|it)(?:\s+one)?(?: please)?$|"
    r"^(?:that|this) one(?: please)?$|^redeem (?:that|this|it)(?: one)?(?: please)?$"
)


def is_take_this(text: str) -> bool:
    """ "换这个" / "I'll take that one": a reward pointed at, not named."""
    return bool(TAKE_THIS.match(normalise(fold(text))))


async def on_button(turn: Turn, callback: Callback) -> list[Reply]:
    flow = turn.flow
    offered = callback.part(1) or ""
    if callback.part(0) == "offer" and offered.isdigit():  # "兑换这个" under an answer about one reward
        reward = await rewards.get_reward(session=turn.session, reward_id=int(offered))
        return await offer(turn, reward) if reward is not None and reward.active else stale_button(turn)
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
    chosen = await rewards.reward_named(session=turn.session, text=text)  # typed instead of tapped
    if chosen is None and is_take_this(text):
        affordable = await rewards.affordable_rewards(session=turn.session, customer_id=turn.customer.id, now=turn.now)
        remembered = turn.state.get("reward_id")
        if len(affordable) == 1:  # only one was offered: that one
            chosen = affordable[0]
        else:
            chosen = next((reward for reward in affordable if reward.id == remembered), None)
    if chosen is not None:
        return await offer(turn, chosen)
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
    return _ask_confirmation(turn, reward)


async def offer(turn: Turn, reward: Reward) -> list[Reply]:
    """One reward chosen in words: the confirmation when the balance covers it, else how many points it
    still needs. Either way it is the reward talked about now ("换这个" next means it)."""
    remember(turn, reward)
    balance = await points.balance(session=turn.session, customer_id=turn.customer.id, now=turn.now)
    if reward.cost_points > balance:
        turn.end_flow()
        name = reward.name_in(turn.language)
        return [
            turn.reply(
                "redeem.not_enough_for", name=name, cost=reward.cost_points, balance=balance,
                missing=reward.cost_points - balance,
            )
        ]  # fmt: skip
    return _ask_confirmation(turn, reward)


def remember(turn: Turn, reward: Reward) -> None:
    """The reward is what the conversation is about now (not the product discussed before it)."""
    turn.state["reward_id"] = reward.id
    turn.state.pop("product_id", None)


def _ask_confirmation(turn: Turn, reward: Reward) -> list[Reply]:
    remember(turn, reward)
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


async def start(turn: Turn) -> list[Reply]:
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
        remember(turn, affordable[0])  # "换这个" next: the one shown
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
    if is_take_this(text):
        pointed = await _reward_in_context(turn)
        return await offer(turn, pointed) if pointed is not None else None
    if len(text) > MAX_REWARD_TALK:
        return None
    named = await rewards.reward_named(session=turn.session, text=text)
    if named is None:
        return None
    folded = fold(text)
    if REDEEM_WORDS.search(folded):
        return await offer(turn, named)
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
    remember(turn, reward)
    balance = await points.balance(session=turn.session, customer_id=turn.customer.id, now=turn.now)
    name, cost = reward.name_in(turn.language), reward.cost_points
    if balance < cost:
        return [turn.reply("redeem.cost_short", name=name, cost=cost, balance=balance, missing=cost - balance)]
    buttons = [[turn.button("redeem.take_button", "redeem", "offer", reward.id)]]
    return [turn.reply("redeem.cost_enough", name=name, cost=cost, balance=balance, buttons=buttons)]
