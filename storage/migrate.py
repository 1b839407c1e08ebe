"""Alembic driven from code, so `carebot db …` and the tests need no alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url)
    config.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(slug)s")
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "-1") -> None:
    command.downgrade(alembic_config(database_url), revision)


async def upgrade_engine(engine: AsyncEngine, revision: str = "head") -> None:
    """Upgrade through an engine that is already running (inside an event loop)."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade_on_connection, revision)


def _upgrade_on_connection(connection: Connection, revision: str) -> None:
    config = alembic_config(connection.engine.url.render_as_string(hide_password=False))
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


class SchemaNotCurrent(Exception):
    """The database's schema is not the one this code was written for; the message says what to run."""


async def require_head(engine: AsyncEngine) -> None:
    """Refuse to run on a database whose schema is missing or behind (or ahead of) the code's migrations."""
    async with engine.connect() as connection:
        current = await connection.run_sync(_current_revision)
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    if current != head:
        raise SchemaNotCurrent(
            f"the database schema is at {current or 'nothing (empty database)'} but this version needs {head}: "
            "run `carebot db upgrade` first"
        )


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()
