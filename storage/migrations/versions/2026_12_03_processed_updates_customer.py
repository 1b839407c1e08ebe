"""processed updates: whose replies an unsent outcome holds, so erasing the customer clears them

Revision ID: e5b7d2c9a4f1
Revises: c3e8f1a6d5b2
Create Date: 2026-12-03 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e5b7d2c9a4f1"
down_revision: str | None = "c3e8f1a6d5b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("processed_updates", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_processed_updates_customer_id_customers"), "customers", ["customer_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("processed_updates", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_processed_updates_customer_id_customers"), type_="foreignkey")
        batch_op.drop_column("customer_id")
