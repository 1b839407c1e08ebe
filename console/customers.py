"""Customer pages: search, and the customer record (profile, tier, segment, consent, points ledger, orders,
tickets, chats, conversation history); points adjustments (supervisors), privacy export and erasure (admins),
all audited."""

# No `from __future__ import annotations`: FastAPI reads the routes' Annotated dependencies at definition time.
import json
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from actions.audit import record_audit
from actions.customer_record import customer_record, search_customers
from actions.customers import UnknownCustomer
from actions.errors import DomainError
from actions.points import adjust
from actions.privacy import erase_customer, export_customer_data
from console.web import Console, SignedIn
from storage.redis_state import forget_chat

ERASE_CONFIRMATION = "ERASE"


def customers_router(console: Console) -> APIRouter:
    """/customers, /customers/{id}, and its points, export and erase actions."""
    router = APIRouter()
    viewer = Annotated[SignedIn, Depends(console.staff("customers.view"))]
    supervisor = Annotated[SignedIn, Depends(console.staff("points.adjust"))]
    admin = Annotated[SignedIn, Depends(console.staff("privacy.manage"))]

    @router.get("/customers")
    async def search(request: Request, who: viewer, q: str = "") -> Response:
        """Find customers by name, phone, external id or Telegram user id."""
        async with console.services.session_factory() as session:
            found = await search_customers(session=session, text=q)
        return console.render(request, "customers.html", who, q=q, customers=found)

    @router.get("/customers/{customer_id}")
    async def record(request: Request, customer_id: int, who: viewer) -> Response:
        """The customer record."""
        try:
            async with console.services.session_factory() as session:
                data = await customer_record(session=session, customer_id=customer_id)
        except UnknownCustomer:
            return console.render(request, "error.html", who, status_code=404, message="No such customer.")
        return console.render(
            request, "customer.html", who, record=data, notice=request.query_params.get("notice"),
            confirmation=ERASE_CONFIRMATION,
        )  # fmt: skip

    @router.post("/customers/{customer_id}/points")
    async def adjust_points(
        request: Request, customer_id: int, who: supervisor, points: str = Form(""), reason: str = Form("")
    ) -> Response:
        """A points correction with its reason (ledger and audit log)."""
        try:
            amount = int(points.strip())
            async with console.services.session_factory() as session, session.begin():
                await adjust(
                    session=session, customer_id=customer_id, points=amount, reason_note=reason, actor=who.actor,
                    now=console.services.clock(), rules=console.services.rules,
                )  # fmt: skip
        except ValueError:
            return console.render(request, "error.html", who, status_code=422, message="Points are a whole number.")
        except DomainError as refused:
            return console.render(request, "error.html", who, status_code=422, message=str(refused))
        return RedirectResponse(f"/customers/{customer_id}?notice=adjusted", status_code=303)

    @router.get("/customers/{customer_id}/export.json")
    async def export(customer_id: int, who: admin) -> Response:
        """Everything held about the customer, as a JSON download (audited)."""
        now = console.services.clock()
        async with console.services.session_factory() as session, session.begin():
            data = await export_customer_data(session=session, customer_id=customer_id)
            record_audit(
                session, actor=who.actor, action="privacy.exported", customer_id=customer_id, details={}, now=now
            )
        return Response(
            json.dumps(data, ensure_ascii=False, indent=2),
            media_type="application/json",
            headers={"Content-Disposition": f'attachment; filename="customer-{customer_id}.json"'},
        )

    @router.post("/customers/{customer_id}/erase")
    async def erase(request: Request, customer_id: int, who: admin, confirm: str = Form("")) -> Response:
        """Anonymise the customer for good (typed confirmation); the bot deletes their staff topics."""
        if confirm != ERASE_CONFIRMATION:
            message = f"Type {ERASE_CONFIRMATION} to confirm the erasure."
            return console.render(request, "error.html", who, status_code=422, message=message)
        async with console.services.session_factory() as session, session.begin():
            erasure = await erase_customer(
                session=session, customer_id=customer_id, actor=who.actor, now=console.services.clock()
            )
        if erasure is not None and erasure.telegram_chat_id is not None:  # after the commit, like the CLI
            await forget_chat(console.services.redis, erasure.telegram_chat_id)
        return RedirectResponse(f"/customers/{customer_id}?notice=erased", status_code=303)

    return router
