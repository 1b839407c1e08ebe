"""Housekeeping jobs: forget what is only kept for a while (update claims past Telegram's redelivery window)."""

from __future__ import annotations

import logging
from datetime import datetime

from actions.updates import prune_claims
from storage.engine import SessionFactory

logger = logging.getLogger(__name__)


async def prune_update_claims(*, session_factory: SessionFactory, now: datetime) -> int:
    """Delete update claims older than a week (they may still hold unsent replies); returns how many."""
    async with session_factory() as session, session.begin():
        pruned = await prune_claims(session=session, now=now)
    logger.info("update claims: %d pruned", pruned)
    return pruned
