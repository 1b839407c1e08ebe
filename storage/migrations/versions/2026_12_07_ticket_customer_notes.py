"""ticket notes from the customer: what a customer wrote that reopened their resolved ticket

Revision ID: f4a6c8e0b2d5
Revises: e3f5a7b9c2d4
Create Date: 2026-12-07 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f4a6c8e0b2d5"
down_revision: str | None = "e3f5a7b9c2d4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ticket_notes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("from_customer", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.alter_column(
            "staff_id", existing_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        )
        batch_op.create_check_constraint("author_known", "from_customer OR staff_id IS NOT NULL")


def downgrade() -> None:
    op.execute("DELETE FROM ticket_notes WHERE staff_id IS NULL")
    with op.batch_alter_table("ticket_notes", schema=None) as batch_op:
        batch_op.drop_constraint("author_known", type_="check")
        batch_op.alter_column(
            "staff_id", existing_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        )
        batch_op.drop_column("from_customer")
