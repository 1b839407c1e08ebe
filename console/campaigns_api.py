"""The campaigns API (JSON) for marketers, under the console app: the same rules as `carebot campaigns`.

GET  /api/campaigns                   list
POST /api/campaigns                   create (a draft; body as `CampaignDraft`)
GET  /api/campaigns/{key}             one campaign with its figures
GET  /api/campaigns/{key}/preview     audience size and rendered samples
POST /api/campaigns/{key}/{action}    schedule (body {"at": ISO 8601, optional}), pause, resume, cancel,
                                      resend-unknown

Signed-in staff with the campaigns.manage permission (marketer, admin); state changes carry the CSRF token
in the X-CSRF-Token header like every console form. Errors: 400/404/409 with {"errors": [{field, message}]}.
"""

# No `from __future__ import annotations`: FastAPI reads the routes' Annotated dependencies at definition time.
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from actions import campaigns
from actions.campaigns import CampaignError
from console.web import Console, SignedIn
from storage.base import utcnow


def campaigns_router(console: Console) -> APIRouter:
    router = APIRouter(prefix="/api/campaigns")
    marketer = Depends(console.staff("campaigns.manage"))
    factory = console.services.session_factory

    @router.get("")
    async def list_all(who: Annotated[SignedIn, marketer]) -> dict[str, Any]:
        async with factory() as session:
            return {"campaigns": [campaigns.describe(c) for c in await campaigns.list_campaigns(session)]}

    @router.post("")
    async def create(request: Request, who: Annotated[SignedIn, marketer]) -> JSONResponse:
        body = await _json_object(request)
        if isinstance(body, JSONResponse):
            return body
        try:
            draft = campaigns.parse_draft(body)
            async with factory() as session, session.begin():
                campaign = await campaigns.create_audited(session, draft=draft, actor=who.actor, now=utcnow())
                return JSONResponse(campaigns.describe(campaign), status_code=201)
        except CampaignError as error:
            return _error(str(error), status=409 if "exists already" in str(error) else 400)

    @router.get("/{key}")
    async def show(key: str, who: Annotated[SignedIn, marketer]) -> JSONResponse:
        async with factory() as session:
            try:
                campaign = await campaigns.get_campaign(session, key=key)
            except CampaignError as error:
                return _error(str(error), status=404)
            figures = await campaigns.campaign_statistics(session, campaign=campaign)
            return JSONResponse(campaigns.describe(campaign) | {"figures": figures})

    @router.get("/{key}/preview")
    async def preview(key: str, who: Annotated[SignedIn, marketer]) -> JSONResponse:
        async with factory() as session:
            try:
                campaign = await campaigns.get_campaign(session, key=key)
            except CampaignError as error:
                return _error(str(error), status=404)
            return JSONResponse(await campaigns.preview(session, campaign=campaign, now=utcnow()))

    @router.post("/{key}/{action}")
    async def act(key: str, action: str, request: Request, who: Annotated[SignedIn, marketer]) -> JSONResponse:
        if action not in campaigns.ACTIONS:
            return _error(f"unknown action {action!r}; actions: {', '.join(campaigns.ACTIONS)}", status=404)
        at = await _schedule_time(request) if action == "schedule" else None
        if isinstance(at, JSONResponse):
            return at
        async with factory() as session, session.begin():
            try:
                campaign = await campaigns.get_campaign(session, key=key)
            except CampaignError as error:
                return _error(str(error), status=404)
            try:
                result = await campaigns.apply(
                    session, campaign=campaign, action=action, actor=who.actor, now=utcnow(), at=at
                )
            except CampaignError as error:
                return _error(str(error), status=409)
            return JSONResponse(result)

    return router


async def _json_object(request: Request) -> dict[str, Any] | JSONResponse:
    try:
        body = await request.json()
    except ValueError:
        return _error("the body is not JSON")
    if not isinstance(body, dict):
        return _error("the body must be a JSON object")
    return body


async def _schedule_time(request: Request) -> datetime | JSONResponse | None:
    """The optional "at" of a schedule request: an ISO 8601 time with its offset (no body: now)."""
    raw = await request.body()
    if not raw.strip():
        return None
    body = await _json_object(request)
    if isinstance(body, JSONResponse):
        return body
    value = body.get("at")
    if value is None:
        return None
    try:
        at = datetime.fromisoformat(str(value))
    except ValueError:
        return _error("at: expected an ISO 8601 time such as 2026-12-12T10:00:00+08:00", field="at")
    if at.tzinfo is None:
        return _error("at: give the time zone offset, e.g. +08:00", field="at")
    return at


def _error(message: str, *, status: int = 400, field: str = "campaign") -> JSONResponse:
    return JSONResponse({"errors": [{"field": field, "message": message}]}, status_code=status)
