"""staff names are unique: the name customers see names one registered person

Revision ID: c3e8f1a6d5b2
Revises: a9c1e0d2b7f3
Create Date: 2026-12-02 13:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "c3e8f1a6d5b2"
down_revision: str | None = "a9c1e0d2b7f3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.create_unique_constraint(op.f("uq_staff_name"), ["name"])


def downgrade() -> None:
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("uq_staff_name"), type_="unique")
