"""Photos attached to a ticket: each message once, and gone with an erasure."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actions import tickets
from actions.privacy import erase_customer
from storage.models import TicketAttachment
from tests.support.loyalty import NOW, make_customer


async def test_photos_of_an_erased_customer_are_deleted(session: AsyncSession) -> None:
    customer = await make_customer(session, telegram_chat_id=5001)
    ticket = await tickets.start_return_request(
        session=session, customer_id=customer.id, order_ref=None, reason="退货", now=NOW
    )
    photos = [tickets.Photo(chat_id=5001, message_id=7, file_id="AgAD"), tickets.Photo(chat_id=5001, message_id=7)]
    assert await tickets.attach_photos(session=session, ticket_id=ticket.id, photos=photos, now=NOW) == 1
    assert await tickets.attach_photos(session=session, ticket_id=ticket.id, photos=photos, now=NOW) == 0
    await erase_customer(session=session, customer_id=customer.id, actor="test", now=NOW)
    assert await session.scalar(select(func.count()).select_from(TicketAttachment)) == 0
