"""restock requests: customers to tell when an out-of-stock product is back

Revision ID: a7c9e1b3d5f8
Revises: f4a6c8e0b2d5
Create Date: 2026-12-07 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.base

revision: str = "a7c9e1b3d5f8"
down_revision: str | None = "f4a6c8e0b2d5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "restock_requests",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("product_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("requested_at", storage.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("notified_at", storage.base.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_restock_requests_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], name=op.f("fk_restock_requests_product_id_products")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_restock_requests")),
        sa.UniqueConstraint("customer_id", "product_id", name="uq_restock_requests_customer_product"),
    )
    op.create_index(
        "ix_restock_requests_product_waiting", "restock_requests", ["product_id", "notified_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_restock_requests_product_waiting", table_name="restock_requests")
    op.drop_table("restock_requests")
