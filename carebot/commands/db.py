"""`carebot db upgrade|downgrade`: Alembic migrations on the configured database."""

from __future__ import annotations

import typer

from carebot.context import settings_of
from storage import migrate

db_app = typer.Typer(help="Database migrations (SQLite by default, PostgreSQL by DATABASE_URL).")


@db_app.command("upgrade")
def upgrade(ctx: typer.Context, revision: str = typer.Argument("head")) -> None:
    """Apply migrations up to REVISION (default: the latest)."""
    migrate.upgrade(settings_of(ctx).database.database_url, revision)


@db_app.command("downgrade")
def downgrade(ctx: typer.Context, revision: str = typer.Argument("-1")) -> None:
    """Revert migrations down to REVISION (default: one step; `base` empties the database)."""
    migrate.downgrade(settings_of(ctx).database.database_url, revision)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
