"""No personal data in logs: failures forced with a planted name, phone number and message text, on the
customer path, the staff path, a scheduled job and a database error; none of them reaches a log line.

Logs are captured at INFO, the level the processes run at (`--verbose` turns on DEBUG, where libraries
such as python-telegram-bot may print whole updates: a diagnostic mode, not for production).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError

from actions import handoff
from bot.telegram.app import build_application, running
from jobs.scheduler import Retry, ScheduledJob, run_claimed
from nlu.client import NluResult
from runtime.services import Services, open_services
from runtime.settings import Settings
from storage.engine import SessionFactory
from storage.models import Customer
from storage.redis_state import DistributedLock
from tests.bot.telegram.conftest import STAFF_AGENT, STAFF_GROUP_ID
from tests.bot.telegram.harness import Conversation, UpdateTracker
from tests.support.fake_bot_api import FakeBotApi
from tests.support.fake_nlu import ScriptedNlu

NAME = "司马秘密"
PHONE = "13912345678"
TEXT = "我家住在幸福路88号，电话13912345678"
PLANTED = (NAME, PHONE, "幸福路88号")


class LeakyNlu(ScriptedNlu):
    async def parse(self, text: str) -> NluResult:
        raise RuntimeError(f"cannot parse {text!r} from {NAME}")  # an error message quoting the customer


def leaky_services(settings: Settings) -> Any:
    return open_services(settings, nlu=LeakyNlu())


def assert_nothing_planted(caplog: pytest.LogCaptureFixture) -> None:
    logged = caplog.text + "".join(str(record.args) for record in caplog.records)
    for planted in PLANTED:
        assert planted not in logged, f"{planted!r} reached the logs"


async def test_the_customer_and_staff_paths_log_failures_without_personal_data(
    fake_bot_api: FakeBotApi,
    make_settings: Callable[..., Settings],
    shop: SessionFactory,
    agent: str,
    stopped_nlu_url: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def leaky_topic_lookup(**_: object) -> None:
        raise LookupError(f"no topic for {NAME} {PHONE}: {TEXT}")

    monkeypatch.setattr(handoff, "handoff_for_topic", leaky_topic_lookup)
    application = build_application(
        make_settings(fake_bot_api, nlu_url=stopped_nlu_url), services_factory=leaky_services
    )
    tracker = UpdateTracker()
    tracker.install(application)
    caplog.set_level(logging.INFO)
    async with running(application, polling=True, poll_timeout=5):
        customer = Conversation(fake_bot_api, tracker, 4_242_001, "zh")
        await customer.send(fake_bot_api.user_message(4_242_001, TEXT, first_name=NAME, language_code="zh"))
        staff_update = fake_bot_api.group_message(STAFF_GROUP_ID, 77, STAFF_AGENT, f"{NAME}您好，{TEXT}")
        await fake_bot_api.inject(staff_update)
        await tracker.wait(staff_update["update_id"])

    failures = [record for record in caplog.records if "failed with" in record.getMessage()]
    assert len(failures) >= 2, "both failures were logged (update id and error type)"
    assert_nothing_planted(caplog)


async def test_a_failing_job_logs_without_personal_data(redis: Any, caplog: pytest.LogCaptureFixture) -> None:
    async def leaky_job(_: datetime) -> None:
        raise ValueError(f"customer {NAME} ({PHONE}) could not be greeted: {TEXT}")

    job = ScheduledJob("greetings", "0 9 * * *", leaky_job)
    caplog.set_level(logging.INFO)

    async def no_wait(_: float) -> None:
        return None

    ran = await run_claimed(
        job,
        fire_time=datetime(2026, 12, 2, tzinfo=UTC),
        lock=DistributedLock(redis),
        retry=Retry(attempts=1),
        sleep=no_wait,
    )
    assert ran is False
    assert "job greetings failed with ValueError" in caplog.text
    assert_nothing_planted(caplog)


async def test_database_errors_do_not_carry_statement_parameters(
    services_for_leaks: Services, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with services_for_leaks.session_factory() as session:
        session.add_all(
            [
                Customer(name=NAME, phone=PHONE, referral_code="LEAK0001", tier_code="basic"),
                Customer(name=NAME, phone=PHONE, referral_code="LEAK0001", tier_code="basic"),
            ]
        )
        with pytest.raises(IntegrityError) as raised:
            await session.flush()
        await session.rollback()
    assert PHONE not in str(raised.value) and NAME not in str(raised.value)
    assert_nothing_planted(caplog)


@pytest.fixture
async def services_for_leaks(database_url: str, shop: SessionFactory) -> Any:
    async with open_services(Settings(environment="test", DATABASE_URL=database_url)) as services:
        yield services
