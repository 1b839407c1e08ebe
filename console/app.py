"""The console's app factory. For now it serves the shop's orders API and a health check;
staff and marketer pages come with the console issue."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from fastapi import FastAPI

from actions.rules import LoyaltyRules
from console.orders_api import orders_router
from storage.base import utcnow
from storage.engine import SessionFactory, create_engine, create_session_factory


def create_orders_app(
    *,
    session_factory: SessionFactory,
    api_key: str,
    rules: LoyaltyRules,
    clock: Callable[[], datetime] = utcnow,
) -> FastAPI:
    """An app over an existing session factory (tests, or a host that owns the engine)."""
    app = FastAPI(title="CareBot console", docs_url=None, redoc_url=None)
    app.include_router(orders_router(session_factory=session_factory, api_key=api_key, rules=rules, clock=clock))

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def create_app(*, database_url: str, api_key: str, rules: LoyaltyRules, echo: bool = False) -> FastAPI:
    """The console process: its own engine, disposed when the server stops."""
    engine = create_engine(database_url, echo=echo)
    app = create_orders_app(session_factory=create_session_factory(engine), api_key=api_key, rules=rules)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await engine.dispose()

    app.router.lifespan_context = lifespan
    return app
