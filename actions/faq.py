"""Store-policy answers (shipping, payment, hours, …) from the FAQ table, in zh and en."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import FaqEntry


async def faq_entry(*, session: AsyncSession, topic: str) -> FaqEntry | None:
    """The entry for an FAQ topic (the NLU's faq topic entity), or None when the shop has none."""
    entry: FaqEntry | None = await session.scalar(select(FaqEntry).where(FaqEntry.topic == topic))
    return entry


async def faq_topics(*, session: AsyncSession) -> list[FaqEntry]:
    """Every entry, by topic (for the FAQ menu)."""
    return list((await session.scalars(select(FaqEntry).order_by(FaqEntry.topic))).all())
