"""Sending the ledger: claim due rows, check their guards, mark them `sending`, hand them to the transport,
record what happened. Any number of these loops may run, in one worker or in many (rows are leased).

A batch is about one second of sending at the configured rate; within it, groups of `concurrency` rows are
marked `sending` just before they go out and recorded right after, so a crash leaves at most
`loops × concurrency` rows `unknown` (the in-flight ones); everything else is sent or still pending.
Paid broadcasts (up to 1,000 a second) use bigger batches and groups, `paid_batch_size` and
`paid_concurrency`, so that the database work per message stays small; a crash then leaves at most
`loops × paid_concurrency` rows unknown, still a fraction of a second of sending.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from actions import deliveries
from actions.deliveries import Outcome, Outgoing
from actions.outreach_guards import GuardPolicy
from storage.engine import SessionFactory

logger = logging.getLogger(__name__)

Transport = Callable[[Outgoing], Awaitable[Outcome]]
Clock = Callable[[], datetime]
DRAIN_POLL_SECONDS = 1.0
RETRY_AFTER = timedelta(seconds=30)  # a message that never reached Telegram is tried again this much later


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class SendReport:
    sent: int = 0
    blocked: int = 0
    failed: int = 0
    unknown: int = 0
    retried: int = 0
    held: int = 0
    skipped: dict[str, int] = field(default_factory=dict)

    def add(self, outcomes: list[Outcome], preparation: deliveries.Preparation) -> None:
        for outcome in outcomes:
            if outcome.status == "retry":
                self.retried += 1
            else:
                setattr(self, outcome.status, getattr(self, outcome.status) + 1)
        self.held += preparation.held
        for reason, count in preparation.skipped.items():
            self.skipped[reason] = self.skipped.get(reason, 0) + count


@dataclass(frozen=True)
class OutreachSender:
    """One sending loop's dependencies: the store, the transport, the guards and this worker's name."""

    session_factory: SessionFactory
    transport: Transport
    policy: GuardPolicy
    worker: str
    batch_size: int = 30
    # Sends in flight at once per loop: at most the transport's connection pool, or requests queue for a
    # connection and time out without having reached Telegram (indistinguishable from a real timeout).
    concurrency: int = 8
    # Batches in progress at once: one is sending while another is claimed, checked and recorded, so the
    # database work between batches does not leave the rate limit unused.
    loops: int = 3
    paid_batch_size: int = 30
    paid_concurrency: int = 8
    lease: timedelta = deliveries.CLAIM_LEASE  # how long a dead worker's rows stay untouched
    clock: Clock = utc_now
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    async def send_due(self, *, drain: bool = False) -> SendReport:
        """Send until nothing is due; with `drain`, also wait for rows other senders hold to be finished or
        their leases to lapse (a dead worker's rows are then taken over), so that nothing is left open."""
        report = SendReport()
        while True:
            await self.sweep()
            await asyncio.gather(*(self._send_batches(report) for _ in range(self.loops)))
            lease_end = await self._next_lease_end() if drain else None
            if lease_end is None:
                return report
            # Look again at least every DRAIN_POLL: other senders usually finish long before their leases end.
            until_lapse = max((lease_end - self.clock()).total_seconds(), 0.0) + 0.1
            await self.sleep(min(until_lapse, DRAIN_POLL_SECONDS))

    async def _send_batches(self, report: SendReport) -> None:
        limit = self.batch_size
        while (paid := await self._send_batch(report, limit=limit)) is not None:
            limit = self.paid_batch_size if paid else self.batch_size  # the next rows are likely alike

    async def _next_lease_end(self) -> datetime | None:
        async with self.session_factory() as session:
            return await deliveries.next_lease_end(session)

    async def sweep(self) -> None:
        async with self.session_factory() as session, session.begin():
            released, unknown = await deliveries.sweep_lapsed(session, now=self.clock())
        if released or unknown:
            logger.warning("outreach sweep: %d lapsed claims released, %d lapsed sends now unknown", released, unknown)

    async def _send_batch(self, report: SendReport, *, limit: int) -> bool | None:
        """Claim, check and send up to `limit` due rows; None when nothing was due, else whether any was paid."""
        async with self.session_factory() as session, session.begin():
            now = self.clock()
            ids = await deliveries.claim_due(session, worker=self.worker, now=now, limit=limit, lease=self.lease)
        if not ids:
            return None
        async with self.session_factory() as session, session.begin():
            preparation = await deliveries.prepare(
                session, ids=ids, worker=self.worker, now=self.clock(), policy=self.policy, sending_lease=self.lease
            )
        outcomes: list[Outcome] = []
        for group in self._groups(preparation.outgoing):
            outcomes += await self._send_group(group)
        report.add(outcomes, preparation)
        return any(item.paid for item in preparation.outgoing)

    def _groups(self, outgoing: list[Outgoing]) -> list[list[Outgoing]]:
        """Free messages in groups of `concurrency`, paid ones in groups of `paid_concurrency`."""
        groups = []
        for paid, size in ((False, self.concurrency), (True, self.paid_concurrency)):
            alike = [item for item in outgoing if item.paid is paid]
            groups += [alike[start : start + size] for start in range(0, len(alike), size)]
        return groups

    async def _send_group(self, group: list[Outgoing]) -> list[Outcome]:
        """Mark a group `sending` (committed), send it, record what happened: at most `concurrency` rows of
        this loop are ever `sending`, so a crash leaves at most that many `unknown`."""
        async with self.session_factory() as session, session.begin():
            held = await deliveries.mark_sending(
                session,
                ids=[item.delivery_id for item in group],
                worker=self.worker,
                now=self.clock(),
                lease=self.lease,
            )
        outcomes = list(await asyncio.gather(*(self._send_one(item) for item in group if item.delivery_id in held)))
        async with self.session_factory() as session, session.begin():
            await deliveries.record_outcomes(session, outcomes=outcomes, now=self.clock(), retry_after=RETRY_AFTER)
        return outcomes

    async def _send_one(self, item: Outgoing) -> Outcome:
        try:
            return await self.transport(item)
        except Exception:  # the transport's own bug: the message may or may not have gone out
            logger.exception("outreach transport failed for delivery %s", item.delivery_id)
            return Outcome(delivery_id=item.delivery_id, status="unknown", reason="transport_error")
