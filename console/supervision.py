"""Pages for supervisors: the audit log of staff actions."""

# No `from __future__ import annotations`: FastAPI reads the routes' Annotated dependencies, which are
# built inside the router factories, at definition time.
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select

from console.web import Console, SignedIn
from storage.models import AuditLog

AUDIT_ROWS = 200


def supervision_router(console: Console) -> APIRouter:
    """GET /audit."""
    router = APIRouter()
    supervisor = Annotated[SignedIn, Depends(console.staff("audit.view"))]

    @router.get("/audit")
    async def audit_page(request: Request, who: supervisor) -> Response:
        """The latest staff actions, newest first."""
        async with console.services.session_factory() as session:
            query = select(AuditLog).order_by(AuditLog.created_at.desc(), AuditLog.id.desc()).limit(AUDIT_ROWS)
            rows = list((await session.scalars(query)).all())
        return console.render(request, "audit.html", who, rows=rows)

    return router
