"""Labelling turns in the console: unsure turns first, one form per turn, only known intents, audited."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from sqlalchemy import select

from actions.conversation_log import log_turn
from storage.engine import SessionFactory
from storage.models import AuditLog, IntentLabel
from tests.console.conftest import csrf_of, log_in
from tests.support.loyalty import make_customer


async def test_staff_label_a_turn_from_the_review_list(
    console: httpx.AsyncClient, staff_accounts: dict[str, str], session_factory: SessionFactory
) -> None:
    now = datetime.now(UTC)
    async with session_factory() as session, session.begin():
        customer = await make_customer(session)
        await log_turn(session=session, customer_id=customer.id, direction="in", text="hello there",
                              intent="greet", confidence=0.98, now=now)  # fmt: skip
        unsure = await log_turn(session=session, customer_id=customer.id, direction="in", text="where's my parcel",
                                intent="greet", confidence=0.3, handler="fallback", now=now)  # fmt: skip

    await log_in(console, "Mona")
    assert (await console.get("/labels")).status_code == 403, "marketers do not label"
    await console.post("/logout", headers={"X-CSRF-Token": csrf_of((await console.get("/")).text)})

    await log_in(console, "Lily")
    page = await console.get("/labels")
    assert page.text.index("where&#39;s my parcel") < page.text.index("hello there"), "the fallback first"
    token = csrf_of(page.text)
    bad = await console.post(f"/labels/{unsure.id}", data={"csrf_token": token, "intent": "made_up"})
    assert bad.status_code == 422
    saved = await console.post(f"/labels/{unsure.id}", data={"csrf_token": token, "intent": "order_status"})
    assert saved.status_code == 303
    after = (await console.get("/labels")).text
    assert "where&#39;s my parcel" not in after and "hello there" in after
    assert "where&#39;s my parcel" in (await console.get(f"/labels?message={unsure.id}")).text  # from a transcript
    async with session_factory() as session:
        label = await session.get(IntentLabel, unsure.id)
        audit = await session.scalar(select(AuditLog).where(AuditLog.action == "nlu.labelled"))
    assert label is not None and label.intent == "order_status"
    assert audit is not None and audit.details == {"intent": "order_status", "predicted": "greet"}
