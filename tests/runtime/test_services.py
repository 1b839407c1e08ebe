"""`open_services`: one migration rule at start for every process, and everything closed on exit."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import inspect

from runtime.services import open_services
from runtime.settings import Settings
from storage import migrate
from storage.migrate import SchemaNotCurrent
from tests.support.database import fresh_database, postgres_server_url


async def test_an_empty_sqlite_database_is_upgraded_at_start(tmp_path: Path) -> None:
    settings = Settings(environment="test", DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.db'}")
    async with open_services(settings) as services, services.engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    assert {"customers", "tiers", "points_ledger"} <= set(tables)


@pytest.mark.skipif(postgres_server_url() is None, reason="needs TEST_DATABASE_URL (PostgreSQL)")
async def test_postgresql_must_be_upgraded_first_and_the_error_says_how(tmp_path: Path) -> None:
    with fresh_database(tmp_path) as url:
        settings = Settings(environment="test", DATABASE_URL=url)
        with pytest.raises(SchemaNotCurrent, match="carebot db upgrade"):
            async with open_services(settings):
                pass
        await asyncio.to_thread(migrate.upgrade, url)  # alembic runs its own event loop
        async with open_services(settings) as services:
            assert services.rules.points_per_unit == {"CNY": Decimal(1)}
