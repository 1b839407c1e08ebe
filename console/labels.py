"""Labelling customer turns with the intent they meant (teaching the NLU): the review list puts the model's
fallbacks and least confident turns first; one form per turn. `carebot nlu labels export` turns the labels
into training data."""

# No `from __future__ import annotations`: FastAPI reads the routes' Annotated dependencies at definition time.
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from actions.errors import DomainError
from actions.intent_labels import label_turn, review_queue
from console.web import Console, SignedIn
from storage.models import Staff

PAGE = 100


def labels_router(console: Console) -> APIRouter:
    """GET /labels (optionally `?message=ID` first, from a transcript), POST /labels/{message_id}."""
    router = APIRouter()
    labeller = Annotated[SignedIn, Depends(console.staff("labels.set"))]

    @router.get("/labels")
    async def labels_page(request: Request, who: labeller, message: int = 0, done: int = 0) -> Response:
        """Turns to label, the unsure ones first (or the one asked for, even if labelled)."""
        async with console.services.session_factory() as session:
            turns = await review_queue(session=session, limit=PAGE, unlabelled_only=not message)
        if message:
            turns = [turn for turn in turns if turn.message_id == message]
        return console.render(
            request, "labels.html", who, turns=turns, intents=console.intents, focus=message, done=done
        )

    @router.post("/labels/{message_id}")
    async def set_label(request: Request, message_id: int, who: labeller, intent: str = Form("")) -> Response:
        """Save the intent of one turn (audited)."""
        try:
            async with console.services.session_factory() as session, session.begin():
                staff = await session.get(Staff, who.staff_id)
                assert staff is not None
                await label_turn(
                    session=session, message_id=message_id, intent=intent, known=console.intents, staff=staff,
                    now=console.services.clock(),
                )  # fmt: skip
        except DomainError as refused:
            return console.render(request, "error.html", who, status_code=422, message=str(refused))
        return RedirectResponse(f"/labels?done={message_id}", status_code=303)

    return router
