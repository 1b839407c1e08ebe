"""`carebot db upgrade|downgrade`: Alembic migrations on the configured database."""

from __future__ import annotations

from collections.abc import Callable

import typer
from alembic.util import CommandError

from carebot.context import settings_of
from storage import migrate

REVISIONS = "expected head, base, a step such as -1 or +1, or a revision id from storage/migrations/versions"

db_app = typer.Typer(help="Database migrations (SQLite by default, PostgreSQL by DATABASE_URL).")


@db_app.command("upgrade")
def upgrade(ctx: typer.Context, revision: str = typer.Argument("head")) -> None:
    """Apply migrations up to REVISION (default: the latest)."""
    _migrate(migrate.upgrade, settings_of(ctx).database.database_url, revision)


@db_app.command("downgrade")
def downgrade(ctx: typer.Context, revision: str = typer.Argument("-1")) -> None:
    """Revert migrations down to REVISION (default: one step; `base` empties the database)."""
    _migrate(migrate.downgrade, settings_of(ctx).database.database_url, revision)


def _migrate(step: Callable[[str, str], None], database_url: str, revision: str) -> None:
    """Run one Alembic command; a revision Alembic cannot find or reach is one line, not a traceback."""
    try:
        step(database_url, revision)
    except CommandError as error:
        typer.echo(f"error: {revision!r}: {error} ({REVISIONS})", err=True)
        raise typer.Exit(2) from None


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
