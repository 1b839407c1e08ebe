"""The console's app factories. For now it serves the shop's orders API and a health check;
staff and marketer pages come with the console issue."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from actions.rules import LoyaltyRules
from console.orders_api import orders_router
from runtime.logs import log_unexpected
from runtime.services import Services, open_services
from runtime.settings import Settings
from storage.base import utcnow
from storage.engine import SessionFactory

logger = logging.getLogger(__name__)

ServicesFactory = Callable[[Settings], AbstractAsyncContextManager[Services]]


def create_orders_app(
    *,
    session_factory: SessionFactory,
    api_key: str,
    rules: LoyaltyRules,
    clock: Callable[[], datetime] = utcnow,
) -> FastAPI:
    """An app over an existing session factory (tests, or a host that owns the engine)."""
    app = _bare_app()
    app.include_router(orders_router(session_factory=session_factory, api_key=api_key, rules=rules, clock=clock))
    return app


def create_app(settings: Settings, *, services_factory: ServicesFactory = open_services) -> FastAPI:
    """The console process: its services are opened at start-up and closed when the server stops."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with services_factory(settings) as services:
            # Routes are bound to the services this process opened (the same object for every request).
            app.include_router(
                orders_router(
                    session_factory=services.session_factory,
                    api_key=settings.console.shop_api_key,
                    rules=services.rules,
                )
            )
            yield

    return _bare_app(lifespan=lifespan)


def _bare_app(**options: object) -> FastAPI:
    app = FastAPI(title="CareBot console", docs_url=None, redoc_url=None, **options)  # type: ignore[arg-type]
    app.middleware("http")(_unexpected_errors)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


async def _unexpected_errors(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """The console's one error edge: log the failure (redacted) and answer 500 without details."""
    try:
        return await call_next(request)
    except Exception as error:
        log_unexpected(logger, error, what=f"{request.method} {request.url.path}")
        return JSONResponse({"errors": [{"field": "server", "message": "unexpected error"}]}, status_code=500)
