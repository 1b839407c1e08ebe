"""The takeover desk: the live queue of handoffs (VIPs first, then the longest waiting), claiming one, the
conversation page (transcript and reply box) and closing, which hands the chat back to the bot.

Replies and closings reach the customer through the `CustomerChannel` (the bot's rate-limited sender in
`carebot console`); the queue and the transcript refresh themselves with htmx polling.
"""

# No `from __future__ import annotations`: FastAPI reads the routes' Annotated dependencies, which are
# built inside the router factories, at definition time.
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from actions.audit import record_event
from actions.errors import DomainError
from actions.handoff import claim_handoff
from actions.takeover import QueueEntry, customer_card, open_queue, transcript
from console.web import Console, SignedIn, is_htmx
from storage.models import Handoff

MAX_REPLY = 4000


def takeover_router(console: Console) -> APIRouter:
    """/queue, /handoffs/{id}/claim, /conversations/{id} (with transcript, reply and close)."""
    router = APIRouter()
    agent = Annotated[SignedIn, Depends(console.staff("conversation.reply"))]
    viewer = Annotated[SignedIn, Depends(console.staff("queue.view"))]

    @router.get("/queue")
    async def queue_page(request: Request, who: viewer) -> Response:
        """The queue page; its rows refresh every few seconds."""
        return console.render(request, "queue.html", who, entries=await _queue(console))

    @router.get("/queue/rows")
    async def queue_rows(request: Request, who: viewer) -> Response:
        """The queue's rows alone, for htmx polling."""
        return console.render(request, "_queue_rows.html", who, entries=await _queue(console))

    @router.post("/handoffs/{handoff_id}/claim")
    async def claim(request: Request, handoff_id: int, who: agent) -> Response:
        """Take a waiting handoff: it leaves the queue for everyone else."""
        now = console.services.clock()
        try:
            async with console.services.session_factory() as session, session.begin():
                await claim_handoff(session=session, handoff_id=handoff_id, staff_id=who.staff_id, now=now)
                record_event(
                    session, actor=who.actor, action="handoff.claimed", target=("handoff", handoff_id), details={},
                    now=now,
                )  # fmt: skip
        except DomainError:
            return console.render(
                request, "error.html", who, status_code=409, message="Someone else took this chat, or it is closed."
            )
        return RedirectResponse(f"/conversations/{handoff_id}", status_code=303)

    @router.get("/conversations/{handoff_id}")
    async def conversation(request: Request, handoff_id: int, who: agent) -> Response:
        """The conversation page: customer card, transcript, reply box, close button."""
        async with console.services.session_factory() as session:
            handoff = await session.get(Handoff, handoff_id)
            if handoff is None:
                return console.render(request, "error.html", who, status_code=404, message="No such conversation.")
            card = await customer_card(
                session=session, customer_id=handoff.customer_id, default_language=console.services.default_language
            )
            turns = await transcript(session=session, customer_id=handoff.customer_id)
        return console.render(
            request,
            "conversation.html",
            who,
            handoff=handoff,
            card=card,
            turns=turns,
            can_send=console.channel is not None,
            notice=request.query_params.get("notice"),
        )

    @router.get("/conversations/{handoff_id}/transcript")
    async def transcript_rows(request: Request, handoff_id: int, who: agent) -> Response:
        """The transcript alone, for htmx polling."""
        async with console.services.session_factory() as session:
            handoff = await session.get(Handoff, handoff_id)
            turns = [] if handoff is None else await transcript(session=session, customer_id=handoff.customer_id)
        return console.render(request, "_transcript.html", who, turns=turns)

    @router.post("/conversations/{handoff_id}/reply")
    async def reply(request: Request, handoff_id: int, who: agent, text: str = Form("")) -> Response:
        """Send a reply to the customer (claiming the chat if it was still waiting)."""
        channel = console.channel
        if channel is None:
            return _no_channel(console, request, who)
        try:
            outcome = await channel.reply(handoff_id=handoff_id, staff_id=who.staff_id, text=text[:MAX_REPLY])
        except DomainError:
            return console.render(
                request, "error.html", who, status_code=409, message="Someone else has this chat, or it is closed."
            )
        await _audit(console, who, "handoff.replied", handoff_id, {"outcome": outcome, "length": len(text)})
        return RedirectResponse(f"/conversations/{handoff_id}?notice={outcome}", status_code=303)

    @router.post("/conversations/{handoff_id}/close")
    async def close(request: Request, handoff_id: int, who: agent) -> Response:
        """Hand the chat back to the bot: the customer is told and asked for a 1-5 rating."""
        channel = console.channel
        if channel is None:
            return _no_channel(console, request, who)
        try:
            outcome = await channel.close(handoff_id=handoff_id, staff_id=who.staff_id)
        except DomainError:
            return console.render(
                request, "error.html", who, status_code=409, message="Someone else has this chat, or it is closed."
            )
        await _audit(console, who, "handoff.closed", handoff_id, {"outcome": outcome})
        target = "/queue"
        if is_htmx(request):
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    return router


async def _queue(console: Console) -> list[QueueEntry]:
    async with console.services.session_factory() as session:
        return await open_queue(session=session, default_language=console.services.default_language)


async def _audit(console: Console, who: SignedIn, action: str, handoff_id: int, details: dict[str, object]) -> None:
    async with console.services.session_factory() as session, session.begin():
        record_event(
            session, actor=who.actor, action=action, target=("handoff", handoff_id), details=details,
            now=console.services.clock(),
        )  # fmt: skip


def _no_channel(console: Console, request: Request, who: SignedIn) -> Response:
    message = "Replies need the bot's token (TELEGRAM_BOT_TOKEN) in the console's settings."
    return console.render(request, "error.html", who, status_code=503, message=message)
