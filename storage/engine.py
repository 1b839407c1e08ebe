"""One async engine per process; sessions are made from it and passed in, never global."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

SessionFactory = async_sessionmaker[AsyncSession]


def async_database_url(url: str) -> str:
    """Choose the async driver for plain `sqlite://` and `postgresql://` URLs."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif backend in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+asyncpg")
    else:
        raise ValueError(f"unsupported database {backend!r}: use sqlite:/// or postgresql://")
    return parsed.render_as_string(hide_password=False)


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """Create the process's engine; SQLite gets foreign keys on and a busy timeout for concurrent writers."""
    async_url = async_database_url(url)
    # Statement parameters are customers' data: never in error messages or echo output.
    options: dict[str, Any] = {"echo": echo, "hide_parameters": True}
    if async_url.startswith("sqlite"):
        database = make_url(async_url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        options["connect_args"] = {"timeout": 30}
    else:
        options.update(pool_size=10, max_overflow=20, pool_pre_ping=True)
    engine = create_async_engine(async_url, **options)
    if async_url.startswith("sqlite"):
        event.listen(engine.sync_engine, "connect", _configure_sqlite)
        event.listen(engine.sync_engine, "begin", _begin_sqlite)
    return engine


def create_session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, expire_on_commit=False)


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite opens transactions lazily and its SAVEPOINT handling then commits on RELEASE; let
    # SQLAlchemy emit BEGIN itself so nested transactions roll back as they do on PostgreSQL.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _begin_sqlite(connection: Any) -> None:
    # IMMEDIATE: take the write lock up front, so concurrent writers wait (busy_timeout) instead of
    # failing when a read transaction tries to become a write transaction.
    connection.exec_driver_sql("BEGIN IMMEDIATE")
