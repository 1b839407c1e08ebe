"""`carebot campaigns` as a marketer uses it, from an operator's empty database (no demo data)."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from carebot.cli import app
from storage.engine import create_engine, create_session_factory
from tests.support.fake_bot_api import FakeBotApi
from tests.support.outreach import add_customers, empty_shop


def seed_customers(database_url: str) -> None:
    async def seed() -> None:
        engine = create_engine(database_url)
        try:
            factory = create_session_factory(engine)
            await empty_shop(factory)
            await add_customers(factory, 4, first_chat=100_000)
            await add_customers(factory, 2, first_chat=200_000, language="en", marketing_consent=False)
        finally:
            await engine.dispose()

    asyncio.run(seed())


def test_create_preview_schedule_and_follow_a_campaign(cli: CliRunner, cli_database_url: str) -> None:
    assert cli.invoke(app, ["db", "upgrade"]).exit_code == 0
    seed_customers(cli_database_url)
    created = cli.invoke(
        app,
        ["campaigns", "create", "--name", "双十二", "--text-zh", "{name}，您有{points}积分", "--text-en",
         "{name}, you have {points} points", "--language", "zh", "--button-zh", "去看看", "--button-en", "Look"],
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    assert "campaign #1 '双十二' created as a draft" in created.output

    preview = cli.invoke(app, ["campaigns", "preview", "双十二"])
    assert "audience now: 4 customers" in preview.output and "[zh] 顾客100000，您有0积分" in preview.output

    scheduled = cli.invoke(app, ["campaigns", "schedule", "1", "--at", "2030-12-12 10:00"])
    assert scheduled.exit_code == 0 and "2030-12-12 10:00 CST" in scheduled.output
    listed = cli.invoke(app, ["campaigns", "list"])
    assert "#1    scheduled  2030-12-12 10:00 CST" in listed.output

    status = cli.invoke(app, ["campaigns", "status", "1", "--json"])
    assert json.loads(status.output)["figures"]["targeted"] == 0
    cancelled = cli.invoke(app, ["campaigns", "cancel", "1"])
    assert "cancelled; 0 message(s) not sent" in cancelled.output
    again = cli.invoke(app, ["campaigns", "cancel", "1"])
    assert again.exit_code == 1 and "is cancelled already" in again.stderr


def test_mistakes_get_a_message_and_change_nothing(cli: CliRunner, tmp_path: Path) -> None:
    bad = cli.invoke(app, ["campaigns", "create", "--name", "x", "--text-zh", "{积分}", "--text-en", "hi"])
    assert bad.exit_code == 1 and "unknown placeholder {积分}" in bad.stderr
    missing = cli.invoke(app, ["campaigns", "preview", "nope"])
    assert missing.exit_code == 1 and "no campaign 'nope'" in missing.stderr
    (tmp_path / "c.json").write_text("[1]", encoding="utf-8")
    not_object = cli.invoke(app, ["campaigns", "create", "--file", str(tmp_path / "c.json")])
    assert not_object.exit_code == 1 and "expected a JSON object" in not_object.stderr
    no_bot = cli.invoke(app, ["campaigns", "test", "1", "--staff", "Lily"])
    assert no_bot.exit_code == 1 and "TELEGRAM_BOT_TOKEN" in no_bot.stderr
    assert "no campaigns yet" in cli.invoke(app, ["campaigns", "list"]).output


@contextmanager
def fake_bot_api_in_a_thread() -> Iterator[FakeBotApi]:
    """The fake Bot API on an event loop of its own: the command under test runs its own loop."""
    ready = threading.Event()
    stop: asyncio.Future[None] | None = None
    api = FakeBotApi()
    loop = asyncio.new_event_loop()

    async def serve() -> None:
        nonlocal stop
        stop = loop.create_future()
        async with api:
            ready.set()
            await stop

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),))
    thread.start()
    ready.wait(10)
    try:
        yield api
    finally:
        loop.call_soon_threadsafe(lambda: stop is not None and stop.set_result(None))
        thread.join(10)
        loop.close()


def test_a_test_send_reaches_the_staff_members_telegram_in_both_languages(
    cli: CliRunner, cli_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli.invoke(app, ["db", "upgrade"]).exit_code == 0
    seed_customers(cli_database_url)
    added = cli.invoke(app, ["staff", "add", "Lily", "--role", "marketer", "--telegram-id", "777"])
    assert added.exit_code == 0, added.output
    created = cli.invoke(
        app,
        ["campaigns", "create", "--name", "双十二", "--text-zh", "{name}，您有{points}积分", "--text-en",
         "{name}, you have {points} points", "--button-zh", "去看看", "--button-en", "Look"],
    )  # fmt: skip
    assert created.exit_code == 0, created.output

    with fake_bot_api_in_a_thread() as api:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", api.token)
        monkeypatch.setenv("TELEGRAM_BASE_URL", api.base_url)
        sent = cli.invoke(app, ["campaigns", "test", "双十二", "--staff", "Lily"])
        messages = api.sent_messages(777)

    assert sent.exit_code == 0, sent.output
    assert "test sent to Lily: 2 message(s)" in sent.output
    assert [m["text"] for m in messages] == ["[TEST] 顾客100000，您有0积分", "[TEST] Alex, you have 1200 points"]
    assert [m["reply_markup"]["inline_keyboard"][0][0]["text"] for m in messages] == ["去看看", "Look"]
    status = cli.invoke(app, ["campaigns", "status", "1", "--json"])
    assert json.loads(status.output)["status"] == "draft", "a test send changes nothing in the campaign"
