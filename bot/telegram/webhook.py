"""Webhook mode for production: Telegram posts updates to /telegram, load balancers probe /healthz.

PTB's built-in webhook server cannot serve extra routes, so the Application runs next to a small
Starlette app under uvicorn (PTB's "customwebhookbot" pattern). Every replica registers the same
webhook at start and leaves it in place at shutdown, since the other replicas keep serving it.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Update
from telegram.ext import Application

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_PATH = "/telegram"
HealthCheck = Callable[[], Awaitable[dict[str, bool]]]


def webhook_path(webhook_url: str) -> str:
    """The route Telegram posts to: the path of WEBHOOK_URL, or /telegram when it has none."""
    path = urlsplit(webhook_url).path.rstrip("/")
    return path or DEFAULT_PATH


def create_webhook_app(
    application: Application[Any, Any, Any, Any, Any, Any],
    *,
    secret_token: str,
    health: HealthCheck,
    path: str = DEFAULT_PATH,
) -> Starlette:
    """Starlette routes: POST `path` (secret checked) queues the update; GET /healthz reports db and redis."""

    async def telegram(request: Request) -> Response:
        supplied = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(supplied.encode(), secret_token.encode()):
            logger.warning("webhook call with a missing or wrong secret token refused")
            return Response(status_code=403)
        try:
            data = await request.json()
            update = Update.de_json(data, application.bot)
        except (ValueError, TypeError, KeyError):
            logger.warning("webhook call with a malformed update refused")
            return Response(status_code=400)
        await application.update_queue.put(update)
        return Response(status_code=200)

    async def healthz(_: Request) -> JSONResponse:
        checks = await health()
        healthy = bool(checks) and all(checks.values())
        body = {"status": "ok" if healthy else "degraded", **checks}
        return JSONResponse(body, status_code=200 if healthy else 503)

    return Starlette(routes=[Route(path, telegram, methods=["POST"]), Route("/healthz", healthz, methods=["GET"])])


def webhook_server(app: Starlette, *, host: str, port: int) -> uvicorn.Server:
    """A uvicorn server for the webhook app; run it with `await server.serve()`, stop with `should_exit`."""
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False, lifespan="off")
    return uvicorn.Server(config)
