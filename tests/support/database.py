"""A fresh database per test run: a new PostgreSQL database (TEST_DATABASE_URL) or a SQLite file."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url


def postgres_server_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


@contextmanager
def fresh_database(tmp_dir: Path, server: str | None = None) -> Iterator[str]:
    """Yield the URL of an empty database that is dropped afterwards (on `server`, else TEST_DATABASE_URL's)."""
    server = server or postgres_server_url()
    if server is None:
        yield f"sqlite:///{tmp_dir / 'carebot-test.db'}"
        return
    name = f"carebot_test_{uuid.uuid4().hex[:12]}"
    admin = _libpq_url(server)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _libpq_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
