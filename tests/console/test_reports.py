"""The reports page and its CSV over HTTP: roles, one row per conversation, formula-like cells made inert."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select

from actions import handoff
from actions.staff import add_staff
from storage.engine import SessionFactory
from storage.models import AuditLog
from tests.console.conftest import csrf_of, log_in
from tests.support.loyalty import make_customer


async def test_reports_and_the_conversations_csv(
    console: httpx.AsyncClient, staff_accounts: dict[str, str], session_factory: SessionFactory
) -> None:
    now = datetime.now(UTC)
    async with session_factory() as session, session.begin():
        evil, _ = await add_staff(session=session, name="=cmd|'/c calc'!A1", role="agent", telegram_user_id=None,
                                  actor="t", now=now)  # fmt: skip
        customer = await make_customer(session)
        chat, _ = await handoff.request_handoff(session=session, customer_id=customer.id, reason="", now=now)
        await handoff.claim_handoff(
            session=session, handoff_id=chat.id, staff_id=evil.id, now=now + timedelta(minutes=3)
        )
        await handoff.close_handoff(session=session, handoff_id=chat.id, now=now + timedelta(minutes=9))
        await handoff.rate_handoff(session=session, customer_id=customer.id, handoff_id=chat.id, rating=5, now=now)

    await log_in(console, "Lily")
    assert (await console.get("/reports")).status_code == 403, "agents see no reports"
    await console.post("/logout", headers={"X-CSRF-Token": csrf_of((await console.get("/")).text)})

    await log_in(console, "Mona")  # a marketer
    page = await console.get("/reports?days=7")
    assert page.status_code == 200 and 'data-testid="chats">1<' in page.text and "5.0/5" in page.text
    download = await console.get("/reports/conversations.csv?days=7")
    assert download.headers["content-type"].startswith("text/csv")
    assert download.headers["content-disposition"].startswith('attachment; filename="conversations-')
    rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert len(rows) == 1, "one row per conversation"
    assert rows[0]["agent"] == "'=cmd|'/c calc'!A1" and rows[0]["wait_minutes"] == "3.0" and rows[0]["rating"] == "5"
    async with session_factory() as session:
        exported = await session.scalar(select(AuditLog).where(AuditLog.action == "report.exported"))
    assert exported is not None and exported.actor == "console:Mona" and exported.details["rows"] == 1
