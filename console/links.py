"""`/go/<token>`: a customer pressed a campaign's link button; the press is counted on the delivery and the
browser goes on to the marketer's URL. No login (customers have none); a forged or unknown token is a 404
that counts nothing. Served only when CONSOLE_PUBLIC_URL and LINK_SECRET are set."""

from collections.abc import Callable
from datetime import datetime

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse, RedirectResponse, Response

from actions.tracked_links import delivery_of, follow_link
from storage.engine import SessionFactory


def links_router(*, session_factory: SessionFactory, secret: str, clock: Callable[[], datetime]) -> APIRouter:
    router = APIRouter()

    @router.get("/go/{token}")
    async def follow(token: str) -> Response:
        delivery_id = delivery_of(token, secret)
        url = None
        if delivery_id is not None:
            async with session_factory() as session, session.begin():
                url = await follow_link(session, delivery_id=delivery_id, now=clock())
        if url is None:
            return PlainTextResponse("This link is not valid.", status_code=404)
        return RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})

    return router
