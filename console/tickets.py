"""Tickets in the console: the work list (overdue ones highlighted), a ticket's page with its customer, due
times, status moves, assignee, internal notes and the bad-faith flag. Customers are told about status
changes in their language through the `CustomerChannel` (and asked to rate a resolved ticket)."""

# No `from __future__ import annotations`: FastAPI reads the routes' Annotated dependencies at definition time.
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from actions import ticket_desk
from actions.errors import DomainError
from actions.takeover import customer_card
from actions.tickets import OPEN_STATUSES
from console.web import Console, SignedIn
from storage.models import TICKET_STATUSES, Staff, Ticket

STATUS_LABELS = {
    "open": "Open",
    "in_progress": "In progress",
    "waiting_customer": "Waiting for the customer",
    "resolved": "Resolved",
    "closed": "Closed",
}


def tickets_router(console: Console) -> APIRouter:
    """/tickets and /tickets/{id} with its status, assign, notes and bad-faith forms."""
    router = APIRouter()
    agent = Annotated[SignedIn, Depends(console.staff("tickets.work"))]

    @router.get("/tickets")
    async def ticket_list(request: Request, who: agent, status: str = "") -> Response:
        """Open tickets (or those with one status), most urgent first, overdue ones marked."""
        now = console.services.clock()
        chosen = status if status in TICKET_STATUSES else None
        async with console.services.session_factory() as session:
            tickets = await ticket_desk.work_list(session=session, status=chosen)
            rows = [(ticket, _times(console, ticket)) for ticket in tickets]
        return console.render(request, "tickets.html", who, rows=rows, status=chosen, labels=STATUS_LABELS, now=now)

    @router.get("/tickets/{ticket_id}")
    async def ticket_page(request: Request, ticket_id: int, who: agent) -> Response:
        """One ticket with everything staff need to work it."""
        async with console.services.session_factory() as session:
            ticket = await session.get(Ticket, ticket_id)
            if ticket is None:
                return console.render(request, "error.html", who, status_code=404, message="No such ticket.")
            card = await customer_card(
                session=session, customer_id=ticket.customer_id, default_language=console.services.default_language
            )
            notes = await ticket_desk.notes_of(session=session, ticket_id=ticket_id)
            assignee = await session.get(Staff, ticket.assignee_id) if ticket.assignee_id else None
        return console.render(
            request,
            "ticket.html",
            who,
            ticket=ticket,
            card=card,
            notes=notes,
            assignee=assignee,
            times=_times(console, ticket),
            moves=ticket_desk.TRANSITIONS.get(ticket.status, ()),
            labels=STATUS_LABELS,
            is_open=ticket.status in OPEN_STATUSES,
            notice=request.query_params.get("notice"),
        )

    @router.post("/tickets/{ticket_id}/status")
    async def move(request: Request, ticket_id: int, who: agent, status: str = Form("")) -> Response:
        """Move the ticket on and tell the customer."""

        async def change(session: AsyncSession, staff: Staff) -> None:
            await ticket_desk.change_status(
                session=session, ticket_id=ticket_id, status=status, staff=staff, now=console.services.clock()
            )

        refused = await _as_staff(console, request, who, change)
        if refused is not None:
            return refused
        outcome = "saved"
        if console.channel is not None:
            outcome = await console.channel.ticket_update(ticket_id=ticket_id)
        return RedirectResponse(f"/tickets/{ticket_id}?notice={outcome}", status_code=303)

    @router.post("/tickets/{ticket_id}/assign")
    async def take(request: Request, ticket_id: int, who: agent) -> Response:
        """Assign the ticket to oneself."""

        async def assign(session: AsyncSession, staff: Staff) -> None:
            await ticket_desk.assign(
                session=session, ticket_id=ticket_id, assignee=staff, staff=staff, now=console.services.clock()
            )

        return await _as_staff(console, request, who, assign) or _back(ticket_id)

    @router.post("/tickets/{ticket_id}/notes")
    async def note(request: Request, ticket_id: int, who: agent, text: str = Form("")) -> Response:
        """Add an internal note."""

        async def add(session: AsyncSession, staff: Staff) -> None:
            await ticket_desk.add_note(
                session=session, ticket_id=ticket_id, staff=staff, text=text, now=console.services.clock()
            )

        return await _as_staff(console, request, who, add) or _back(ticket_id)

    @router.post("/tickets/{ticket_id}/bad-faith")
    async def bad_faith(request: Request, ticket_id: int, who: agent, value: str = Form("")) -> Response:
        """Flag (value=1) or clear the bad-faith mark."""

        async def flag(session: AsyncSession, staff: Staff) -> None:
            await ticket_desk.flag_bad_faith(
                session=session, ticket_id=ticket_id, bad_faith=value == "1", staff=staff, now=console.services.clock()
            )

        return await _as_staff(console, request, who, flag) or _back(ticket_id)

    return router


def _times(console: Console, ticket: Ticket) -> ticket_desk.TicketTimes:
    return ticket_desk.ticket_times(
        ticket, now=console.services.clock(), business=console.business, targets=console.targets
    )


async def _as_staff(
    console: Console, request: Request, who: SignedIn, change: Callable[[AsyncSession, Staff], Awaitable[None]]
) -> Response | None:
    """Run a change as this staff member in one transaction; a refused rule is a 409 page."""
    try:
        async with console.services.session_factory() as session, session.begin():
            staff = await session.get(Staff, who.staff_id)
            assert staff is not None
            await change(session, staff)
    except DomainError as refused:
        return console.render(request, "error.html", who, status_code=409, message=str(refused))
    return None


def _back(ticket_id: int) -> Response:
    return RedirectResponse(f"/tickets/{ticket_id}", status_code=303)
