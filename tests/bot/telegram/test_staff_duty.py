"""`/duty on` in the staff group: the staff member is mentioned (a Telegram mention) on each new escalation,
until `/duty off`."""

from __future__ import annotations

from collections.abc import Callable

from storage.engine import SessionFactory
from tests.bot.telegram.conftest import EN_CUSTOMER, STAFF_AGENT, STAFF_GROUP_ID, ZH_CUSTOMER


async def test_staff_on_duty_are_mentioned_on_new_escalations(
    start_bot: Callable[[str], object], shop: SessionFactory, agent: str, stopped_nlu_url: str
) -> None:
    async with start_bot(stopped_nlu_url) as bot:  # type: ignore[attr-defined]

        async def duty(argument: str) -> str:
            message = bot.api.group_message(STAFF_GROUP_ID, None, STAFF_AGENT, f"/duty {argument}", first_name="L")
            await bot.api.inject(message)
            await bot.tracker.wait(message["update_id"])
            return str(bot.api.sent_messages(STAFF_GROUP_ID)[-1]["text"])

        def mentions() -> list[dict[str, object]]:
            return [
                entity
                for message in bot.api.sent_messages(STAFF_GROUP_ID)
                for entity in message.get("entities") or []
                if entity.get("type") == "text_mention"
            ]

        assert (await duty("on")).startswith(f"{agent} 已上班")
        await bot.customer(ZH_CUSTOMER, "zh").say("/human")
        await bot.api.wait_for(
            "sendMessage", timeout=30, predicate=lambda call: str(call.params.get("text", "")).startswith("值班客服：")
        )
        (mention,) = mentions()
        assert mention["user"]["id"] == STAFF_AGENT  # type: ignore[index]
        announcement = next(m for m in bot.api.sent_messages(STAFF_GROUP_ID) if m["text"].startswith("值班客服："))
        assert announcement["text"] == f"值班客服：{agent}" and announcement.get("message_thread_id")
        assert (mention["offset"], mention["length"]) == (5, len(agent))

        assert (await duty("off")).startswith(f"{agent} 已下班")
        await bot.customer(EN_CUSTOMER, "en").say("/human")
        await bot.api.wait_for(  # the new topic's card is posted (the group's rate limit paces it); no mention
            "sendMessage",
            count=2,
            timeout=30,
            predicate=lambda call: (
                call.params.get("chat_id") == STAFF_GROUP_ID
                and call.params.get("message_thread_id")
                and not str(call.params.get("text", "")).startswith("值班")
            ),
        )
        assert len(mentions()) == 1
