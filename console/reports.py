"""Reports for supervisors and marketers: first-response and resolution times, SLA met, CSAT (average and
distribution), chats per day, by agent and by category, with bar charts (inline SVG, no script); and the CSV
export with one row per conversation (cells escaped against formula injection; the export is audited)."""

# No `from __future__ import annotations`: FastAPI reads the routes' Annotated dependencies at definition time.
import csv
import io
from datetime import datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from actions.audit import record_event
from actions.reports import build_report, conversation_rows, csv_cell
from console.web import Console, SignedIn

MAX_DAYS = 366
CSV_COLUMNS = (
    "handoff_id",
    "customer_id",
    "opened_at",
    "accepted_at",
    "closed_at",
    "agent",
    "wait_minutes",
    "handling_minutes",
    "rating",
    "status",
)


def reports_router(console: Console) -> APIRouter:
    """GET /reports and /reports/conversations.csv (the last `days` days, today included)."""
    router = APIRouter()
    viewer = Annotated[SignedIn, Depends(console.staff("reports.view"))]

    def period(days: int) -> tuple[datetime, datetime, int]:
        days = min(max(days, 1), MAX_DAYS)
        today = console.services.clock().astimezone(console.services.timezone).date()
        until = datetime.combine(today + timedelta(days=1), time(), tzinfo=console.services.timezone)
        return until - timedelta(days=days), until, days

    @router.get("/reports")
    async def reports_page(request: Request, who: viewer, days: int = 30) -> Response:
        """The figures of the period."""
        since, until, days = period(days)
        async with console.services.session_factory() as session:
            report = await build_report(
                session=session, since=since, until=until, timezone=console.services.timezone,
                business=console.business, targets=console.targets, now=console.services.clock(),
            )  # fmt: skip
        return console.render(request, "reports.html", who, report=report, days=days)

    @router.get("/reports/conversations.csv")
    async def conversations_csv(who: viewer, days: int = 30) -> Response:
        """One row per conversation of the period."""
        since, until, days = period(days)
        async with console.services.session_factory() as session, session.begin():
            rows = await conversation_rows(session=session, since=since, until=until)
            record_event(
                session, actor=who.actor, action="report.exported", target=("report", "conversations"),
                details={"days": days, "rows": len(rows)}, now=console.services.clock(),
            )  # fmt: skip
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        for row in rows:
            writer.writerow([csv_cell(getattr(row, column)) for column in CSV_COLUMNS])
        filename = f"conversations-{since.date().isoformat()}-{days}d.csv"
        return Response(
            buffer.getvalue().encode("utf-8-sig"),  # the BOM lets spreadsheet programs read Chinese names
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    return router
