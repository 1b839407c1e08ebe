"""intent labels: the intent staff say a customer's turn meant, for NLU training

Revision ID: e3f5a7b9c2d4
Revises: 0c7e9a1b3d5f
Create Date: 2026-12-06 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.base

revision: str = "e3f5a7b9c2d4"
down_revision: str | None = "0c7e9a1b3d5f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "intent_labels",
        sa.Column("message_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("intent", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", storage.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], name=op.f("fk_intent_labels_message_id_messages")),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_intent_labels_staff_id_staff")),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_intent_labels")),
    )


def downgrade() -> None:
    op.drop_table("intent_labels")
