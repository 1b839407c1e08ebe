"""A bot process killed (SIGKILL) while updates are in flight, restarted, fed again by Telegram's redelivery.

The real `carebot bot --webhook` runs as a subprocess against the fake Bot API, the test database, a
shared Redis and the real NLU server. Customers send their messages one after another (as people do),
many customers at once; while several webhook calls wait for answers the process is killed, a new one
is started, and the fake Bot API redelivers every update that was not answered 2xx. Afterwards every
update is processed exactly once (one logged turn, one claim), every effect (return ticket, redemption)
exists exactly once, and every customer got at least one reply per message. (Tickets and redemptions
also carry idempotency keys of their own; the logged turn per update id is the effect without one.)
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from nlu.local_server import free_port
from storage.engine import SessionFactory
from storage.models import Customer, MessageLog, ProcessedUpdate, Redemption, Reward, Ticket
from tests.bot.telegram.conftest import EN_CUSTOMER, ZH_CUSTOMER
from tests.support.fake_bot_api import JSON, FakeBotApi

pytestmark = pytest.mark.nlu

NEW_CUSTOMERS = {800_000 + number: ("zh" if number % 2 else "en") for number in range(1, 9)}
RETURNING = {
    "zh": ["你好", "我要退货", "我的积分还有多少"],
    "en": ["hello", "I want to return my order", "what's my points balance"],
}
REDEEM = {"zh": ("我想用积分兑换礼品", "是"), "en": ("I want to redeem my points", "yes")}


@pytest.fixture
def shared_redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("needs a Redis server the bot processes share (TEST_REDIS_URL); `.ci/run` sets it")
    return url


class BotProcess:
    """`carebot bot --webhook` in its own process, started and killed like an operator's service manager."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self._env = env
        self._log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self._log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "carebot", "bot", "--webhook"], env=self._env, stdout=log, stderr=log
            )

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)


@asynccontextmanager
async def bot_process(env: dict[str, str], log: Path) -> AsyncIterator[BotProcess]:
    bot = BotProcess(env, log)
    bot.start()
    try:
        yield bot
    finally:
        await asyncio.to_thread(bot.stop)


def bot_environment(api: FakeBotApi, *, database_url: str, redis_url: str, nlu_url: str) -> dict[str, str]:
    port = free_port()
    return {
        **os.environ,
        "CAREBOT_ENV": "test",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "NLU_URL": nlu_url,
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_BASE_URL": api.base_url,
        "WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
        "WEBHOOK_SECRET": secrets.token_urlsafe(16),
        "WEBHOOK_LISTEN": "127.0.0.1",
        "WEBHOOK_PORT": str(port),
        "RESEND_UNSENT_AFTER_SECONDS": "1",
        "PYTHONIOENCODING": "utf-8",
    }


async def one_customer(api: FakeBotApi, updates: list[Callable[[], JSON]], sent: list[int]) -> None:
    """A customer's messages, each sent once its predecessor was accepted (as a person waits for a reply)."""
    for build in updates:
        update = build()
        sent.append(update["update_id"])
        await api.inject_until_accepted(update)


async def count(shop: SessionFactory, statement: Any) -> int:
    async with shop() as session:
        return int(await session.scalar(statement) or 0)


async def test_a_killed_bot_loses_and_repeats_nothing(
    fake_bot_api: FakeBotApi,
    shop: SessionFactory,
    database_url: str,
    shared_redis_url: str,
    redis: object,
    nlu_server: str,
    tmp_path: Path,
) -> None:
    api = fake_bot_api
    env = bot_environment(api, database_url=database_url, redis_url=shared_redis_url, nlu_url=nlu_server)
    async with shop() as session:
        voucher = await session.scalar(select(Reward.id).where(Reward.code == "SHIPFREE"))
    scripts: dict[int, list[Callable[[], JSON]]] = {}
    for user, language in NEW_CUSTOMERS.items():
        hello, return_request, points = RETURNING[language]
        scripts[user] = [
            lambda u=user, t=hello, lang=language: api.user_message(u, t, language_code=lang),
            lambda u=user, t=return_request, lang=language: api.user_message(u, t, language_code=lang),
            lambda u=user: api.callback(u, "v1:return:start:none", 1),  # the "start a return" button
            lambda u=user, t=points, lang=language: api.user_message(u, t, language_code=lang),
        ]
    for user, language in ((ZH_CUSTOMER, "zh"), (EN_CUSTOMER, "en")):
        ask, confirm = REDEEM[language]
        scripts[user] = [
            lambda u=user, t=ask, lang=language: api.user_message(u, t, language_code=lang),
            lambda u=user: api.callback(u, f"v1:redeem:pick:{voucher}", 1),
            lambda u=user, t=confirm, lang=language: api.user_message(u, t, language_code=lang),
        ]
    sent: dict[int, list[int]] = {user: [] for user in scripts}

    async with bot_process(env, tmp_path / "bot.log") as bot:
        await api.wait_for("setWebhook", timeout=60)
        customers = [asyncio.create_task(one_customer(api, updates, sent[user])) for user, updates in scripts.items()]
        await api.delivery.wait_in_flight(3)
        await asyncio.to_thread(bot.kill)
        killed_at = len(api.delivery.deliveries)
        bot.start()
        await asyncio.wait_for(asyncio.gather(*customers), timeout=120)

    everything = [update_id for ids in sent.values() for update_id in ids]
    assert any(d.status == 0 for d in api.delivery.deliveries), "the kill cut webhook calls off"
    assert len(api.delivery.deliveries) > killed_at
    assert await count(shop, select(func.count()).select_from(ProcessedUpdate)) == len(everything)
    for update_id in everything:
        turns = select(func.count()).where(MessageLog.update_id == update_id, MessageLog.direction == "in")
        assert await count(shop, turns) == 1, f"update {update_id} was logged once"
    for user in NEW_CUSTOMERS:
        returns = (
            select(func.count())
            .select_from(Ticket)
            .join(Customer, Customer.id == Ticket.customer_id)
            .where(Customer.telegram_user_id == user, Ticket.category == "return")
        )
        assert await count(shop, returns) == 1, f"customer {user} has one return ticket"
    for user in (ZH_CUSTOMER, EN_CUSTOMER):
        redemptions = (
            select(func.count())
            .select_from(Redemption)
            .join(Customer, Customer.id == Redemption.customer_id)
            .where(Customer.telegram_user_id == user)
        )
        assert await count(shop, redemptions) == 1, f"customer {user} redeemed once"
    for user, ids in sent.items():
        assert len(api.sent_messages(user)) >= len(ids), f"customer {user} got a reply to each message"
