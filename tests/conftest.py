"""Shared fixtures: a migrated database per run, a rolled-back session per test, Redis per test."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest
from redis.asyncio import Redis
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage import migrate
from storage.engine import SessionFactory, create_engine
from storage.models import Base
from storage.redis_state import MEMORY_URL, connect_redis
from tests.support.database import fresh_database

pytest_plugins = ["tests.support.nlu_fixtures", "tests.support.fixtures"]

# Fixtures that need the Rasa side: `project` runs Rasa's tools in .venv-nlu, `nlu_server` also the trained model.
NLU_FIXTURES = frozenset({"project", "nlu_server"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark `nlu` every test whose fixtures, direct or not, reach the Rasa side, so `-m "not nlu"` is app-only."""
    for item in items:
        if NLU_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.nlu)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh database for the whole run, migrated to head."""
    with fresh_database(tmp_path_factory.mktemp("db")) as url:
        migrate.upgrade(url)
        yield url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session inside a transaction that is rolled back after the test (commits become savepoints)."""
    async with engine.connect() as connection:
        transaction = await connection.begin()
        session = AsyncSession(bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint")
        try:
            yield session
        finally:
            await session.close()
            await transaction.rollback()


@pytest.fixture
async def session_factory(engine: AsyncEngine) -> AsyncIterator[SessionFactory]:
    """Real commits (for concurrency and multi-session tests); every table is emptied afterwards."""
    yield async_sessionmaker(engine, expire_on_commit=False)
    async with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            await connection.execute(delete(table))


@pytest.fixture
def redis_url() -> str:
    return os.environ.get("TEST_REDIS_URL") or MEMORY_URL


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    """Redis for one test: the real server's database is flushed before and after."""
    client = connect_redis(redis_url)
    await client.flushdb()
    yield client
    await client.flushdb()
    await client.aclose()
