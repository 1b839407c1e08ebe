"""FAQ answers by topic, from the demo catalogue's entries."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from actions import faq
from actions.demo import load_catalogue, seed_faq


async def test_entry_by_topic_in_both_languages(session: AsyncSession) -> None:
    entries = load_catalogue()["faq"]
    await seed_faq(session=session, entries=entries)
    first = entries[0]
    entry = await faq.faq_entry(session=session, topic=first["topic"])
    assert entry is not None
    assert (entry.answer_zh, entry.answer_en) == (first["answer_zh"], first["answer_en"])


async def test_unknown_topic_is_none(session: AsyncSession) -> None:
    await seed_faq(session=session, entries=load_catalogue()["faq"])
    assert await faq.faq_entry(session=session, topic="time_travel") is None


async def test_topics_are_all_entries_sorted(session: AsyncSession) -> None:
    assert await faq.faq_topics(session=session) == []
    entries = load_catalogue()["faq"]
    await seed_faq(session=session, entries=entries)
    topics = [entry.topic for entry in await faq.faq_topics(session=session)]
    assert topics == sorted(item["topic"] for item in entries)
