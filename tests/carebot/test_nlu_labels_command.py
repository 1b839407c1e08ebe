"""`carebot nlu labels export`: labelled turns become Rasa data per language, masked, minus known texts."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import yaml
from typer.testing import CliRunner

from actions.conversation_log import log_turn
from actions.intent_labels import label_turn
from actions.staff import add_staff
from carebot.cli import app
from runtime.services import open_services
from runtime.settings import load_settings
from storage import migrate
from storage.models import Customer

LABELLED = {
    "hi": "greet",  # already a training example: left out
    "my order SO-20261101-007 never came, 2 cups, call 13800138000": "order_status",
    "我的积分为什么一下子少了好多": "check_points",
}


def _label_turns() -> None:
    async def seed() -> None:
        now = datetime.now(UTC)
        async with open_services(load_settings()) as services, services.session_factory() as session, session.begin():
            customer = Customer(name="Test", tier_code="basic")
            session.add(customer)
            staff, _ = await add_staff(
                session=session, name="Lily", role="agent", telegram_user_id=None, actor="t", now=now
            )
            await session.flush()
            for text, intent in LABELLED.items():
                turn = await log_turn(session=session, customer_id=customer.id, direction="in", text=text, now=now)
                await label_turn(
                    session=session, message_id=turn.id, intent=intent, known=set(LABELLED.values()), staff=staff,
                    now=now,
                )  # fmt: skip

    asyncio.run(seed())


def test_export_writes_one_file_per_language(cli: CliRunner, cli_database_url: str, tmp_path: Path) -> None:
    migrate.upgrade(cli_database_url)
    _label_turns()
    out = tmp_path / "out"
    result = cli.invoke(app, ["nlu", "labels", "export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "wrote 1 zh examples" in result.output and "wrote 1 en examples" in result.output
    english = yaml.safe_load((out / "en" / "labelled.yml").read_text(encoding="utf-8"))
    chinese = yaml.safe_load((out / "zh" / "labelled.yml").read_text(encoding="utf-8"))
    assert english["nlu"] == [
        {"intent": "order_status", "examples": "- my order SO-20000101-001 never came, 2 cups, call 13800000000\n"}
    ]
    assert chinese["nlu"] == [{"intent": "check_points", "examples": "- 我的积分为什么一下子少了好多\n"}]
