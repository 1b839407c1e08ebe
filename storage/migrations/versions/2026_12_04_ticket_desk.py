"""ticket desk: first response time, overdue announced once, internal notes

Revision ID: d8e2f4a6c1b3
Revises: b6d9e1f3a7c2
Create Date: 2026-12-04 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.base

revision: str = "d8e2f4a6c1b3"
down_revision: str | None = "b6d9e1f3a7c2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_response_at", storage.base.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("overdue_announced_at", storage.base.UtcDateTime(timezone=True), nullable=True))
    op.create_table(
        "ticket_notes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("ticket_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("staff_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", storage.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_ticket_notes_staff_id_staff")),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_notes_ticket_id_tickets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_notes")),
    )
    op.create_index("ix_ticket_notes_ticket", "ticket_notes", ["ticket_id", "created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_ticket_notes_ticket", table_name="ticket_notes")
    op.drop_table("ticket_notes")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("overdue_announced_at")
        batch_op.drop_column("first_response_at")
