"""Counted link buttons: a campaign's link goes through the console (`/go/<token>`), which records the
press on the delivery and redirects to the marketer's URL. The token names the delivery and carries an
HMAC of it, so presses cannot be forged for other deliveries by changing a number."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Delivery

SIGNATURE_CHARS = 16  # 64 bits of HMAC-SHA256: plenty against guessing, short enough for a link


def _signature(delivery_id: int, secret: str) -> str:
    digest = hmac.new(secret.encode(), f"delivery:{delivery_id}".encode(), hashlib.sha256).hexdigest()
    return digest[:SIGNATURE_CHARS]


def link_token(delivery_id: int, secret: str) -> str:
    """The path part that identifies one delivery's link, e.g. `1234.9f86d081884c7d65`."""
    return f"{delivery_id}.{_signature(delivery_id, secret)}"


def delivery_of(token: str, secret: str) -> int | None:
    """The delivery a token names, or None when it is malformed or its signature does not match."""
    number, _, signature = token.partition(".")
    if not number.isdigit() or len(number) > 18 or not signature:
        return None
    delivery_id = int(number)
    return delivery_id if hmac.compare_digest(signature, _signature(delivery_id, secret)) else None


async def follow_link(session: AsyncSession, *, delivery_id: int, now: datetime) -> str | None:
    """Count the first press of the delivery's link button; the URL to send the browser to, or None when
    the delivery has no link (cancelled campaigns' links still lead to their page: the message was sent)."""
    delivery = await session.scalar(select(Delivery).where(Delivery.id == delivery_id))
    if delivery is None or not delivery.button_url:
        return None
    if delivery.button_pressed_at is None:
        delivery.button_pressed_at = now
        await session.flush()
    return delivery.button_url
