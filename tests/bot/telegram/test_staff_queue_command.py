"""`/queue` in the staff group lists the waiting chats (VIP first) with claim buttons; a claim takes the chat
and is announced in its topic; people who are not staff are refused."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select, update

from storage.engine import SessionFactory
from storage.models import Customer, Handoff
from tests.bot.telegram.conftest import EN_CUSTOMER, STAFF_AGENT, STAFF_GROUP_ID, ZH_CUSTOMER
from tests.bot.telegram.harness import button_data

STRANGER = 778


async def test_queue_and_claim_from_the_staff_group(
    start_bot: Callable[[str], object], shop: SessionFactory, agent: str, stopped_nlu_url: str
) -> None:
    async with shop() as session, session.begin():
        await session.execute(update(Customer).where(Customer.telegram_user_id == ZH_CUSTOMER).values(tier_code="gold"))
    async with start_bot(stopped_nlu_url) as bot:  # type: ignore[attr-defined]
        await bot.customer(EN_CUSTOMER, "en").say("/human")
        await bot.customer(ZH_CUSTOMER, "zh").say("/human")
        await bot.api.wait_for(
            "sendMessage",
            count=2,
            predicate=lambda call: (
                call.params.get("chat_id") == STAFF_GROUP_ID and call.params.get("message_thread_id")
            ),
        )

        async def command(user_id: int) -> dict[str, object]:
            message = bot.api.group_message(STAFF_GROUP_ID, None, user_id, "/queue", first_name="X")
            await bot.api.inject(message)
            await bot.tracker.wait(message["update_id"])
            return bot.api.sent_messages(STAFF_GROUP_ID)[-1]

        refused = await command(STRANGER)
        assert "carebot staff add" in str(refused["text"])
        listing = await command(STAFF_AGENT)
        lines = str(listing["text"]).splitlines()
        assert lines[1].startswith("⭐ #") and "王芳" in lines[1] and "Li Lei" in lines[2], "VIP first"
        buttons = button_data(listing)
        assert len(buttons) == 2 and all(data.startswith("v1:claim:") for data in buttons)

        shown_in = next(
            message_id
            for message_id in range(len(bot.api.calls()) + 10, 0, -1)
            if buttons[0] in button_data(bot.api.message(STAFF_GROUP_ID, message_id) or {})
        )
        press = bot.api.callback(STAFF_AGENT, buttons[0], shown_in, chat_id=STAFF_GROUP_ID)
        await bot.api.inject(press)
        await bot.tracker.wait(press["update_id"])
        async with shop() as session:
            vip = await session.scalar(select(Handoff).join(Customer).where(Customer.telegram_user_id == ZH_CUSTOMER))
        assert vip is not None and vip.status == "active" and vip.staff_id is not None
        announced = [m for m in bot.api.sent_messages(STAFF_GROUP_ID) if "已接待会话" in str(m["text"])]
        assert len(announced) == 1 and announced[0].get("message_thread_id") == vip.staff_topic_id
        assert "Li Lei" in str((await command(STAFF_AGENT))["text"]) and "王芳" not in str(
            bot.api.sent_messages(STAFF_GROUP_ID)[-1]["text"]
        )
