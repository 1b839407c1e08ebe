"""Loyalty jobs: expire points, downgrade tiers, recompute segments. Plain async functions; each owns
its transactions (a job is an edge, like a CLI command); the scheduler calls them."""

from __future__ import annotations

import logging
from datetime import datetime

from actions import segments, tiers
from actions.points import expire_due_points
from storage.engine import SessionFactory

logger = logging.getLogger(__name__)


async def expire_points(*, session_factory: SessionFactory, now: datetime, batch_size: int = 500) -> int:
    """Expire every earning due by `now`, one committed batch at a time; returns how many expired."""
    total = 0
    while True:
        async with session_factory() as session, session.begin():
            expired = await expire_due_points(session=session, now=now, limit=batch_size)
        total += expired
        if expired < batch_size:
            break
    logger.info("points expiry: %d earnings expired", total)
    return total


async def evaluate_tier_downgrades(*, session_factory: SessionFactory, now: datetime) -> dict[str, int]:
    """Move customers down to the tier their last 12 months of spend still reach."""
    async with session_factory() as session, session.begin():
        moved = await tiers.downgrade_tiers(session=session, now=now)
    logger.info("tier downgrades: %s", moved or "none")
    return moved


async def recompute_segments(*, session_factory: SessionFactory, now: datetime) -> segments.SegmentReport:
    """Store fresh RFM scores, value segments and lifecycle stages for all customers."""
    async with session_factory() as session, session.begin():
        report = await segments.recompute_segments(session=session, now=now)
    logger.info("segments: %d customers changed; %s", report.updated, report.segments)
    return report
