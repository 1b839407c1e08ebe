"""Webhook mode for production: Telegram posts updates to /telegram, load balancers probe /healthz.

PTB's built-in webhook server cannot serve extra routes, so the Application runs next to a small
Starlette app under uvicorn (PTB's "customwebhookbot" pattern). Every replica registers the same
webhook at start and leaves it in place at shutdown, since the other replicas keep serving it.

An update is answered 200 only once it is processed and its transaction committed; a failure answers
500 so that Telegram delivers it again (the update id claimed with the effects makes that safe).
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Bot, Update

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_PATH = "/telegram"
MAX_BODY_BYTES = 1024 * 1024  # Telegram's updates are far smaller; anything bigger is not from Telegram
HealthCheck = Callable[[], Awaitable[dict[str, bool]]]
ProcessUpdate = Callable[[Update], Awaitable[bool]]  # True once the update's effects are committed


def webhook_path(webhook_url: str) -> str:
    """The route Telegram posts to: the path of WEBHOOK_URL, or /telegram when it has none."""
    path = urlsplit(webhook_url).path.rstrip("/")
    return path or DEFAULT_PATH


def create_webhook_app(
    bot: Bot,
    *,
    process: ProcessUpdate,
    secret_token: str,
    health: HealthCheck,
    path: str = DEFAULT_PATH,
) -> Starlette:
    """Starlette routes: POST `path` (secret checked) processes the update; GET /healthz reports db and redis."""

    async def telegram(request: Request) -> Response:
        supplied = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(supplied.encode(), secret_token.encode()):
            logger.warning("webhook call with a missing or wrong secret token refused")
            return Response(status_code=403)
        body = await _body_within_limit(request)
        if body is None:
            logger.warning("webhook call with a body over %d bytes refused", MAX_BODY_BYTES)
            return Response(status_code=413)
        try:
            update = Update.de_json(json.loads(body), bot)
        except (ValueError, TypeError, KeyError, AttributeError):
            logger.warning("webhook call with a malformed update refused")
            return Response(status_code=400)
        if not await process(update):
            return Response(status_code=500)  # not committed: Telegram will deliver it again
        return Response(status_code=200)

    async def healthz(_: Request) -> JSONResponse:
        checks = await health()
        healthy = bool(checks) and all(checks.values())
        body = {"status": "ok" if healthy else "degraded", **checks}
        return JSONResponse(body, status_code=200 if healthy else 503)

    return Starlette(routes=[Route(path, telegram, methods=["POST"]), Route("/healthz", healthz, methods=["GET"])])


async def _body_within_limit(request: Request) -> bytes | None:
    """The request body, or None when it is (or says it is) larger than MAX_BODY_BYTES."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_BODY_BYTES:
            return None
    return bytes(body)


def webhook_server(app: Starlette, *, host: str, port: int) -> uvicorn.Server:
    """A uvicorn server for the webhook app; run it with `await server.serve()`, stop with `should_exit`."""
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False, lifespan="off")
    return uvicorn.Server(config)
