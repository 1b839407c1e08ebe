"""The shop's systems API: `POST /api/orders` (idempotent by the shop's order id) and
`PUT /api/products/{sku}/stock` (the stock count; a product back in stock notifies the customers waiting for
it). API key, JSON errors by field."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from actions.errors import DomainError
from actions.orders import InvalidOrder, OrderConflict, OrderOutcome, record_order
from actions.restock import UnknownProduct, set_stock
from actions.rules import LoyaltyRules
from storage.base import utcnow
from storage.engine import SessionFactory
from storage.models import Customer


class OrderIn(BaseModel):
    """One order as the shop sends it."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    order_id: str = Field(min_length=1, max_length=64)
    customer_external_id: str = Field(min_length=1, max_length=64)
    amount: Decimal = Field(ge=0, max_digits=12, decimal_places=2, allow_inf_nan=False)
    currency: str = Field(default="CNY", pattern=r"^[A-Za-z]{3}$")
    ordered_at: AwareDatetime
    status: Literal["paid", "refunded", "cancelled"]
    delivered_at: AwareDatetime | None = None  # when the customer received it: the return window starts there
    source: str = Field(default="shop", min_length=1, max_length=32, pattern=r"^[a-z0-9_-]+$")


class StockIn(BaseModel):
    """A product's stock count as the shop's systems send it."""

    model_config = ConfigDict(extra="forbid")

    stock: int = Field(ge=0, le=10_000_000)


def orders_router(
    *,
    session_factory: SessionFactory,
    api_key: str,
    rules: LoyaltyRules,
    clock: Callable[[], datetime] = utcnow,
) -> APIRouter:
    """The orders and stock endpoints bound to a database, the shop's API key and the loyalty rules."""
    router = APIRouter()

    def _refused(x_api_key: str | None) -> JSONResponse | None:
        if not api_key:
            return _errors(503, [("api_key", "the orders API is off: set SHOP_API_KEY")])
        if x_api_key is None or not secrets.compare_digest(x_api_key.encode(), api_key.encode()):
            return _errors(401, [("X-API-Key", "missing or wrong API key")])
        return None

    @router.put("/api/products/{sku}/stock")
    async def put_stock(sku: str, request: Request, x_api_key: str | None = Header(default=None)) -> JSONResponse:
        """Set a product's stock; when it is back in stock, restock notices go into the delivery ledger."""
        refused = _refused(x_api_key)
        if refused is not None:
            return refused
        try:
            body = StockIn.model_validate(await request.json())
        except ValidationError as error:
            return _errors(422, [(_field_name(item["loc"]), item["msg"]) for item in error.errors()])
        except ValueError:
            return _errors(422, [("body", "expected a JSON object")])
        try:
            async with session_factory() as session, session.begin():
                change = await set_stock(session=session, sku=sku, stock=body.stock, now=clock())
        except UnknownProduct:
            return _errors(404, [("sku", "unknown product")])
        return JSONResponse({"sku": sku, "stock": body.stock, "before": change.before, "notices": change.notices})

    @router.post("/api/orders", status_code=201)
    async def post_order(request: Request, x_api_key: str | None = Header(default=None)) -> JSONResponse:
        """Record a paid, refunded or cancelled order; 201 when new, 200 when known (changed or not)."""
        refused = _refused(x_api_key)
        if refused is not None:
            return refused
        try:
            order = OrderIn.model_validate(await request.json())
        except ValidationError as error:
            return _errors(422, [(_field_name(item["loc"]), item["msg"]) for item in error.errors()])
        except ValueError:
            return _errors(422, [("body", "expected a JSON object")])
        now = clock()
        for attempt in range(2):  # a concurrent post of the same order loses the unique race once: retry
            try:
                return await _record(session_factory, rules=rules, order=order, now=now)
            except IntegrityError:
                if attempt:
                    raise
        raise AssertionError("unreachable")

    return router


async def _record(
    session_factory: SessionFactory, *, rules: LoyaltyRules, order: OrderIn, now: datetime
) -> JSONResponse:
    async with session_factory() as session:
        try:
            async with session.begin():
                customer_id = await session.scalar(
                    select(Customer.id).where(Customer.external_id == order.customer_external_id)
                )
                if customer_id is None:
                    return _errors(422, [("customer_external_id", "unknown customer (send or import it first)")])
                outcome = await record_order(
                    session=session,
                    rules=rules,
                    source=order.source,
                    order_id=order.order_id,
                    customer_id=customer_id,
                    amount=order.amount,
                    currency=order.currency.upper(),
                    ordered_at=order.ordered_at,
                    status=order.status,
                    now=now,
                    delivered_at=order.delivered_at,
                )
        except OrderConflict as error:
            return _errors(409, [("order_id", str(error))])
        except InvalidOrder as error:  # currency, dates before the shop opened or in the future, amounts
            return _errors(422, [(error.field, error.problem)])
        except DomainError as error:
            return _errors(422, [("order", str(error))])
    return JSONResponse(_outcome_body(outcome), status_code=201 if outcome.created else 200)


def _outcome_body(outcome: OrderOutcome) -> dict[str, Any]:
    return {
        "source": outcome.order.source,
        "order_id": outcome.order.order_id,
        "status": outcome.order.status,
        "created": outcome.created,
        "changed": outcome.changed,
        "points_delta": outcome.points_delta,
        "upgraded_to": outcome.upgraded_to.code if outcome.upgraded_to is not None else None,
    }


def _field_name(location: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in location) or "body"


def _errors(status: int, problems: list[tuple[str, str]]) -> JSONResponse:
    return JSONResponse({"errors": [{"field": field, "message": message} for field, message in problems]}, status)
