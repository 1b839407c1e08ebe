"""The console's app factories: the staff desk's pages (login, queue, conversations, audit log) and the shop's
orders API under one FastAPI app, with security headers on every answer and one error edge."""

# No `from __future__ import annotations`: FastAPI reads the routes' Annotated dependencies, which are
# built inside the router factories, at definition time.
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from actions.rules import LoyaltyRules
from console.auth import auth_router
from console.campaigns import campaigns_pages_router
from console.campaigns_api import campaigns_router
from console.customers import customers_router
from console.labels import labels_router
from console.links import links_router
from console.orders_api import orders_router
from console.reports import reports_router
from console.security import security_headers
from console.sessions import SessionStore
from console.staff_pages import staff_router
from console.supervision import supervision_router
from console.takeover import takeover_router
from console.tickets import tickets_router
from console.web import STATIC, ChannelFactory, Console, NotSignedIn, Refused, SignedIn, console_templates, to_login
from runtime.logs import log_unexpected
from runtime.services import Services, open_services, service_levels
from runtime.settings import Settings
from storage.base import utcnow
from storage.engine import SessionFactory
from storage.redis_state import RateLimiter

logger = logging.getLogger(__name__)

ServicesFactory = Callable[[Settings], AbstractAsyncContextManager[Services]]
LOGIN_LIMIT_PREFIX = "carebot:console-login:"


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


def create_app(
    settings: Settings,
    *,
    services_factory: ServicesFactory = open_services,
    channel_factory: ChannelFactory | None = None,
    intents: Sequence[str] = (),
) -> FastAPI:
    """The console process: its services (and the channel to customers, when given) are opened at start-up
    and closed when the server stops. Without a channel the pages work but replies cannot be sent."""
    https = settings.is_production
    templates = console_templates()
    business, targets = service_levels(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with services_factory(settings) as services, AsyncExitStack() as stack:
            channel = await stack.enter_async_context(channel_factory(services)) if channel_factory else None
            console = Console(
                services=services,
                sessions=SessionStore(services.redis),
                login_limiter=RateLimiter(services.redis, prefix=LOGIN_LIMIT_PREFIX),
                channel=channel,
                https=https,
                business=business,
                targets=targets,
                intents=tuple(intents),
                templates=templates,
            )
            # Routes are bound to the services this process opened (the same object for every request).
            app.include_router(
                orders_router(
                    session_factory=services.session_factory,
                    api_key=settings.console.shop_api_key,
                    rules=services.rules,
                )
            )
            if settings.console.tracks_links:
                app.include_router(
                    links_router(
                        session_factory=services.session_factory,
                        secret=settings.console.link_secret,
                        clock=services.clock,
                    )
                )
            routers = (
                auth_router,
                takeover_router,
                tickets_router,
                customers_router,
                labels_router,
                reports_router,
                supervision_router,
                campaigns_router,
                campaigns_pages_router,
                staff_router,
                _home_router,
            )
            for router in routers:
                app.include_router(router(console))
            yield

    app = _bare_app(lifespan=lifespan)
    app.middleware("http")(security_headers(https=https))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_exception_handler(NotSignedIn, _not_signed_in)

    async def refused(request: Request, error: Exception) -> Response:
        reason = error.reason if isinstance(error, Refused) else "refused"
        return templates.TemplateResponse(request, "error.html", {"who": None, "message": reason}, status_code=403)

    app.add_exception_handler(Refused, refused)
    return app


async def _not_signed_in(request: Request, _: Exception) -> Response:
    return to_login(request)


def _home_router(console: Console) -> APIRouter:
    router = APIRouter()

    @router.get("/")
    async def home(request: Request, who: Annotated[SignedIn, Depends(console.staff())]) -> Response:
        """The start page: what this role may do, with links."""
        return console.render(request, "home.html", who)

    return router


def _bare_app(**options: object) -> FastAPI:
    app = FastAPI(title="CareBot console", docs_url=None, redoc_url=None, openapi_url=None, **options)  # type: ignore[arg-type]
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
