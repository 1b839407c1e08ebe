"""Staff are told in the customer's topic when the customer has blocked the bot (their reply did not arrive)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from storage.engine import SessionFactory
from storage.models import Customer, Handoff
from tests.bot.telegram.conftest import STAFF_AGENT, STAFF_GROUP_ID, ZH_CUSTOMER


async def test_a_reply_to_a_customer_who_blocked_the_bot_is_flagged_in_the_topic(
    start_bot: Callable[[str], object], shop: SessionFactory, agent: str, stopped_nlu_url: str
) -> None:
    async with start_bot(stopped_nlu_url) as bot:  # type: ignore[attr-defined]
        await bot.customer(ZH_CUSTOMER, "zh").say("/human")
        await bot.api.wait_for(
            "sendMessage",
            predicate=lambda call: (
                call.params.get("chat_id") == STAFF_GROUP_ID and call.params.get("message_thread_id")
            ),
        )
        async with shop() as session:
            thread_id = await session.scalar(
                select(Handoff.staff_topic_id).join(Customer).where(Customer.telegram_user_id == ZH_CUSTOMER)
            )
        assert thread_id is not None
        bot.api.block_user(ZH_CUSTOMER)
        reply = bot.api.group_message(STAFF_GROUP_ID, thread_id, STAFF_AGENT, "您好，在吗？", first_name="Lily")
        await bot.api.inject(reply)
        await bot.tracker.wait(reply["update_id"])

        notices = [m for m in bot.api.sent_messages(STAFF_GROUP_ID) if "屏蔽" in m["text"]]
        assert len(notices) == 1 and notices[0].get("message_thread_id") == thread_id
        async with shop() as session:
            blocked = await session.scalar(select(Customer.blocked_bot).where(Customer.telegram_user_id == ZH_CUSTOMER))
        assert blocked is True
