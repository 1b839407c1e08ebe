"""Per-chat update processing: one chat's updates in order, other chats not held up."""

from __future__ import annotations

import asyncio

from telegram import Chat, Message, Update

from bot.telegram.processing import CHAT_BURST, CHAT_RATE, PerChatUpdateProcessor
from tests.support.clock import FakeClock


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
    clock = FakeClock(now=0.0)
    processor = PerChatUpdateProcessor(2, clock=clock, sleep=clock.sleep)  # two updates processed at a time
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


async def test_a_chat_beyond_its_burst_is_spread_out_while_other_chats_are_not() -> None:
    clock = FakeClock(now=0.0)
    processor = PerChatUpdateProcessor(4, clock=clock, sleep=clock.sleep)
    ran: list[tuple[int, float]] = []

    async def handled(chat: int) -> None:
        ran.append((chat, clock.now))

    async with processor:
        flood = [processor.process_update(update(n, 1), handled(1)) for n in range(CHAT_BURST + 3)]
        await asyncio.gather(*flood, processor.process_update(update(99, 2), handled(2)))

    flood_times = [at for chat, at in ran if chat == 1]
    assert flood_times[:CHAT_BURST] == [0.0] * CHAT_BURST  # a burst runs at once
    assert flood_times[CHAT_BURST:] == [n / CHAT_RATE for n in (1, 2, 3)]  # then CHAT_RATE a second
    assert clock.sleeps == [1 / CHAT_RATE] * 3 and any(chat == 2 for chat, _ in ran)  # only the flood waited
