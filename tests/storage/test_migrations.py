"""The same migrations run forwards, backwards and forwards again on SQLite and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import inspect

from storage import migrate
from storage.models import Base
from tests.support.database import fresh_database, postgres_server_url


def _tables(url: str) -> set[str]:
    sync_url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_sync_engine(sync_url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_upgrade_downgrade_upgrade(backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if backend == "sqlite":
        monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    elif postgres_server_url() is None:
        pytest.skip("TEST_DATABASE_URL not set")
    with fresh_database(tmp_path) as url:
        migrate.upgrade(url)
        assert _tables(url) == set(Base.metadata.tables)
        migrate.downgrade(url, "base")
        assert _tables(url) == set()
        migrate.upgrade(url)
        assert _tables(url) == set(Base.metadata.tables)


def test_models_and_migrations_agree(database_url: str) -> None:
    """Autogenerate finds nothing to add: the migrations describe exactly the models."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    sync_url = database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_sync_engine(sync_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert differences == []
