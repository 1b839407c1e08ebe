"""Counted campaign links: tokens that name one delivery and cannot be forged, a press counted once."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from actions.tracked_links import delivery_of, follow_link, link_token
from storage.engine import SessionFactory
from storage.models import Delivery
from tests.support.outreach import add_customers, empty_shop, start_campaign

SECRET = "s3cret-for-tests"
NOW = datetime(2026, 12, 12, 2, 0, tzinfo=UTC)


def test_a_token_names_its_delivery_and_nothing_else() -> None:
    token = link_token(1234, SECRET)
    assert delivery_of(token, SECRET) == 1234
    number, _, signature = token.partition(".")
    forged = [
        f"1235.{signature}",  # another delivery with this one's signature
        f"{number}.{signature[:-1]}0" if signature[-1] != "0" else f"{number}.{signature[:-1]}1",
        number,
        f"{number}.",
        f"-1.{signature}",
        "abc.def",
        "9" * 40 + "." + signature,
        "",
    ]
    assert [delivery_of(candidate, SECRET) for candidate in forged] == [None] * len(forged)
    assert delivery_of(token, "another shop's secret") is None


async def test_following_a_link_counts_the_first_press_and_leads_to_the_campaigns_url(
    session_factory: SessionFactory,
) -> None:
    await empty_shop(session_factory)
    await add_customers(session_factory, 1, first_chat=100)
    await start_campaign(
        session_factory, now=NOW, button_label_zh="看看", button_label_en="Look", button_url="https://shop.example/1212"
    )
    async with session_factory() as session, session.begin():
        delivery = await session.scalar(select(Delivery))
        assert delivery is not None
        delivery.button_label, delivery.button_url = "看看", "https://shop.example/1212"  # as prepared for sending
    async with session_factory() as session, session.begin():
        assert await follow_link(session, delivery_id=delivery.id, now=NOW) == "https://shop.example/1212"
        later = NOW.replace(hour=5)
        assert await follow_link(session, delivery_id=delivery.id, now=later) == "https://shop.example/1212"
        assert await follow_link(session, delivery_id=delivery.id + 1, now=NOW) is None
    async with session_factory() as session:
        pressed = await session.scalar(select(Delivery.button_pressed_at))
    assert pressed == NOW, "the first press is the one counted"
