"""Restock notices: a customer asks to be told when a sold-out product is back; a stock update that brings
it back puts one service message per waiting customer into the delivery ledger (`actions.deliveries`),
which the worker's sender delivers like every proactive message (quiet hours waited out, blocked or erased
customers skipped).

One request per customer and product (asking twice is one request); a request is notified once, and asking
again after it was notified (sold out once more) waits for the next restock. The notice's source is
`restock:<product id>:<request id>:<asked at>`, so a request is notified at most once per time it was made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.campaigns import reachable
from actions.deliveries import Planned, enqueue
from actions.errors import DomainError
from storage.models import Customer, Product, RestockRequest, localized

SOURCE_PREFIX = "restock:"
NOTICE_STALE_AFTER = timedelta(days=3)  # past this the stock may be gone again: not sent late
PRODUCT_BUTTON = {"zh": "看看这件商品", "en": "See the product"}


class UnknownProduct(DomainError):
    """No product with that SKU."""


class InStock(DomainError):
    """The product is in stock: there is nothing to wait for."""


@dataclass(frozen=True)
class StockChange:
    product: Product
    before: int
    notices: int  # restock notices planned by this change


async def request_notice(
    *, session: AsyncSession, customer_id: int, product: Product, now: datetime
) -> tuple[RestockRequest, bool]:
    """Remember that the customer wants to hear when `product` is back; the request, and whether it is new
    (False: they were already waiting). InStock when there is nothing to wait for."""
    if product.stock > 0:
        raise InStock()
    request = await session.scalar(
        select(RestockRequest).where(RestockRequest.customer_id == customer_id, RestockRequest.product_id == product.id)
    )
    if request is None:
        request = RestockRequest(customer_id=customer_id, product_id=product.id, requested_at=now)
        session.add(request)
        await session.flush()
        return request, True
    if request.notified_at is None:
        return request, False
    request.requested_at, request.notified_at = now, None  # told before, sold out again: wait for the next one
    await session.flush()
    return request, True


async def set_stock(*, session: AsyncSession, sku: str, stock: int, now: datetime) -> StockChange:
    """The one way stock changes (orders API, imports): the new count, and when the product is in stock
    afterwards, a notice planned for every customer waiting for it."""
    if stock < 0:
        raise ValueError("stock cannot be negative")
    product = await session.scalar(select(Product).where(Product.sku == sku).with_for_update())
    if product is None:
        raise UnknownProduct(sku)
    before = product.stock
    product.stock = stock
    await session.flush()
    notices = await plan_notices(session=session, product=product, now=now) if stock > 0 and product.active else 0
    return StockChange(product=product, before=before, notices=notices)


async def plan_notices(*, session: AsyncSession, product: Product, now: datetime) -> int:
    """Put a notice for each customer waiting for `product` into the delivery ledger and mark their requests
    notified; how many notices are new."""
    rows = (
        await session.execute(
            select(RestockRequest, Customer)
            .join(Customer, Customer.id == RestockRequest.customer_id)
            .where(RestockRequest.product_id == product.id, RestockRequest.notified_at.is_(None))
            .where(*reachable("service"))
            .order_by(RestockRequest.id)
            .with_for_update(of=RestockRequest)
        )
    ).all()
    planned = 0
    for request, customer in rows:
        language = customer.language or "zh"
        item = Planned(
            customer_id=customer.id,
            text=notice_text(customer, product),
            not_before=now,
            expires_at=now + NOTICE_STALE_AFTER,
            button_label=PRODUCT_BUTTON[localized("zh", "en", language)],
        )
        source = f"{SOURCE_PREFIX}{product.id}:{request.id}:{int(request.requested_at.timestamp())}"
        planned += await enqueue(session, source=source, kind="service", planned=[item])
        request.notified_at = now
    await session.flush()
    return planned


def product_of_source(source: str) -> int | None:
    """The product a restock notice was about, from its ledger source (None for another kind of message)."""
    if not source.startswith(SOURCE_PREFIX):
        return None
    product_id = source.removeprefix(SOURCE_PREFIX).split(":", 1)[0]
    return int(product_id) if product_id.isdigit() else None


def notice_text(customer: Customer, product: Product) -> str:
    """The product is back: its name and price, in the customer's language."""
    language = customer.language or "zh"
    if language == "zh":
        name = customer.name or "您好"
        return (
            f"{name}，您关注的【{product.name_zh}】到货了！现价 {product.price:.2f} 元，库存有限。"
            "点下面的按钮看看，或直接回复我下单相关的问题。"
        )
    greeting = f"Hi {customer.name}" if customer.name else "Hi"
    return (
        f"{greeting}, good news: {product.name_en} is back in stock at {product.price:.2f} yuan, while it lasts. "
        "Tap below to see it, or just ask me about it."
    )
