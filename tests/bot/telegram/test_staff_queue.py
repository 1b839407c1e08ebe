"""Staff notices are queued off the customer's path, posted in order, and coalesced when they pile up."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from bot.conversation import StaffNotice
from bot.telegram.staff_queue import StaffNoticeQueue, coalesce


def relay(text: str, topic: int | None = 7, customer: int = 1) -> StaffNotice:
    return StaffNotice(kind="relay", customer_id=customer, text=text, topic_id=topic)


def test_consecutive_relays_to_one_topic_become_one_message() -> None:
    handoff = StaffNotice(kind="handoff", customer_id=2, text="王芳 asks for a person")
    photo = StaffNotice(kind="relay", customer_id=1, text="[photo]", topic_id=7, copy_from=(1, 5))
    merged = coalesce([relay("a"), relay("b"), handoff, relay("c"), photo, relay("d"), relay("e", topic=8)])
    assert [(n.kind, n.text, n.topic_id) for n in merged] == [
        ("relay", "a\nb", 7),
        ("handoff", "王芳 asks for a person", None),
        ("relay", "c", 7),
        ("relay", "[photo]", 7),  # a copied message keeps its own place
        ("relay", "d", 7),
        ("relay", "e", 8),
    ]


def test_a_relay_without_a_topic_yet_is_not_merged() -> None:
    assert len(coalesce([relay("a", topic=None), relay("b", topic=None)])) == 2


def test_merging_stops_before_a_message_gets_too_long() -> None:
    assert len(coalesce([relay("x" * 3000), relay("y" * 3000)])) == 2


async def test_put_never_waits_and_a_backlog_is_posted_coalesced_in_order() -> None:
    posting, group_free = asyncio.Event(), asyncio.Event()
    posted: list[list[str]] = []

    async def deliver(notices: Sequence[StaffNotice]) -> None:
        posting.set()
        await group_free.wait()  # the staff group's limit is reached
        posted.append([notice.text for notice in notices])

    queue = StaffNoticeQueue(deliver)
    queue.start()
    queue.put([relay("1")])
    await posting.wait()  # the task took the first notice and waits for the group
    for text in ("2", "3", "4"):
        queue.put([relay(text)])  # the customer's updates are not held up
    group_free.set()
    await queue.join()
    await queue.aclose()
    assert posted == [["1"], ["2\n3\n4"]]


async def test_a_failing_batch_does_not_stop_the_relay() -> None:
    posted: list[str] = []

    async def deliver(notices: Sequence[StaffNotice]) -> None:
        if notices[0].text == "boom":
            raise RuntimeError("the staff group is gone")
        posted.extend(notice.text for notice in notices)

    queue = StaffNoticeQueue(deliver)
    queue.start()
    queue.put([relay("boom", topic=1)])
    await queue.join()
    queue.put([relay("next", topic=2)])
    await queue.join()
    await queue.aclose()
    assert posted == ["next"]
