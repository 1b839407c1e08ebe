"""processed updates: update ids recorded in the same transaction as their effects

Revision ID: a9c1e0d2b7f3
Revises: 4177da976f61
Create Date: 2026-12-02 13:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.base

revision: str = "a9c1e0d2b7f3"
down_revision: str | None = "4177da976f61"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "processed_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("processed_at", storage.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.JSON(), nullable=True),
        sa.Column("answered_at", storage.base.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_processed_updates")),
    )
    with op.batch_alter_table("processed_updates", schema=None) as batch_op:
        batch_op.create_index("ix_processed_updates_processed_at", ["processed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("processed_updates", schema=None) as batch_op:
        batch_op.drop_index("ix_processed_updates_processed_at")
    op.drop_table("processed_updates")
