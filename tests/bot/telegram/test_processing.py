"""Per-chat update processing: one chat's updates in order, other chats not held up."""

from __future__ import annotations

import asyncio

from telegram import Chat, Message, Update

from bot.telegram.processing import PerChatUpdateProcessor


def update(update_id: int, chat_id: int) -> Update:
    chat = Chat(chat_id, Chat.PRIVATE)
    return Update(update_id, message=Message(update_id, date=None, chat=chat, text="hi"))  # type: ignore[arg-type]


async def test_same_chat_waits_other_chats_do_not() -> None:
    processor = PerChatUpdateProcessor(8)
    release_first = asyncio.Event()
    order: list[str] = []

    async def slow_first() -> None:
        order.append("chat1:first:start")
        await release_first.wait()
        order.append("chat1:first:end")

    async def second_same_chat() -> None:
        order.append("chat1:second")

    async def other_chat() -> None:
        order.append("chat2")
        release_first.set()

    async with processor:
        await asyncio.gather(
            processor.process_update(update(1, 1), slow_first()),
            processor.process_update(update(2, 1), second_same_chat()),
            processor.process_update(update(3, 2), other_chat()),
        )

    assert order == ["chat1:first:start", "chat2", "chat1:first:end", "chat1:second"]


async def test_locks_are_released_when_idle() -> None:
    processor = PerChatUpdateProcessor(4)

    async def nothing() -> None:
        return None

    await processor.process_update(update(1, 5), nothing())

    assert processor._locks == {}


async def test_a_flooding_chat_does_not_take_the_slots_of_other_chats() -> None:
    processor = PerChatUpdateProcessor(2)  # two updates processed at a time
    release_flood = asyncio.Event()
    done: list[str] = []

    async def flood_message(number: int) -> None:
        await release_flood.wait()
        done.append(f"flood{number}")

    async def other_customer(chat: int) -> None:
        done.append(f"chat{chat}")

    async with processor:
        flood = [asyncio.create_task(processor.process_update(update(n, 1), flood_message(n))) for n in range(50)]
        # With 49 flood messages queued behind the first, other customers still get the free slot.
        await asyncio.gather(*(processor.process_update(update(100 + c, c), other_customer(c)) for c in range(2, 12)))
        assert done == [f"chat{c}" for c in range(2, 12)]
        release_flood.set()
        await asyncio.gather(*flood)

    assert done[10:] == [f"flood{n}" for n in range(50)]  # the flood still runs in its own order
