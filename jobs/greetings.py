"""Care greetings: keep the occasions table filled for the next years, then plan today's and tomorrow's
festival greetings and today's birthday wishes (with the birthday bonus) into the delivery ledger.

Safe to run often and on several workers at once: every step inserts only what is missing, and the
ledger's unique (source, customer) keeps each greeting to one message. The outreach sender does the
sending (consent, quiet hours and the weekly cap are checked again there).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from actions.occasions import due_occasions, occasion_source, plan_birthdays, plan_greetings_page, sync_occasions
from actions.rules import LoyaltyRules
from storage.engine import SessionFactory

logger = logging.getLogger(__name__)

YEARS_AHEAD = 5  # the occasions table holds this year and the next four


async def plan_care_greetings(
    *,
    session_factory: SessionFactory,
    now: datetime,
    shop_zone: ZoneInfo,
    late_window: timedelta,
    rules: LoyaltyRules,
) -> dict[str, int]:
    """Sync the occasions, plan greetings (a transaction per page of customers, so a crash keeps what was
    planned and a rerun adds the rest), plan birthdays; returns the counts (occasions_added, greetings,
    birthday_bonuses, birthday_wishes)."""
    this_year = now.astimezone(shop_zone).year
    async with session_factory() as session, session.begin():
        added = await sync_occasions(session, years=range(this_year, this_year + YEARS_AHEAD))
    greetings = await _plan_greetings(
        session_factory=session_factory, now=now, shop_zone=shop_zone, late_window=late_window
    )
    async with session_factory() as session, session.begin():
        birthdays = await plan_birthdays(session, now=now, shop_zone=shop_zone, late_window=late_window, rules=rules)
    counts = {
        "occasions_added": added,
        "greetings": sum(greetings.values()),
        "birthday_bonuses": birthdays.bonuses,
        "birthday_wishes": birthdays.wishes,
    }
    logger.info("care greetings: %s; greetings by source %s", counts, greetings or "none")
    return counts


async def _plan_greetings(
    *, session_factory: SessionFactory, now: datetime, shop_zone: ZoneInfo, late_window: timedelta
) -> dict[str, int]:
    async with session_factory() as session:
        occasions = [(item.id, occasion_source(item.code, item.year)) for item in await due_occasions(session, now=now)]
    planned: dict[str, int] = {}
    for occasion_id, source in occasions:
        planned[source], after = 0, 0
        while True:
            async with session_factory() as session, session.begin():
                page = await plan_greetings_page(
                    session, occasion_id=occasion_id, now=now, shop_zone=shop_zone, late_window=late_window,
                    after_id=after,
                )  # fmt: skip
            planned[source] += page.planned
            if page.last_id is None:
                break
            after = page.last_id
    return planned
