"""outreach: campaigns with audiences and buttons, occasions, and the delivery ledger of proactive messages

The campaigns and deliveries tables of the first schema were never written by the product; they are
replaced by the ledger's shape (source, lease, sending state, Telegram message id).

Revision ID: 0c7e9a1b3d5f
Revises: d8e2f4a6c1b3
Create Date: 2026-12-02 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.base

revision: str = "0c7e9a1b3d5f"
down_revision: str | None = "d8e2f4a6c1b3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = storage.base.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.drop_table("deliveries")
    op.drop_table("campaigns")
    op.create_table(
        "campaigns",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("text_zh", sa.Text(), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.Column("button_label_zh", sa.String(length=64), nullable=True),
        sa.Column("button_label_en", sa.String(length=64), nullable=True),
        sa.Column("button_url", sa.String(length=500), nullable=True),
        sa.Column("holdout_percent", sa.Integer(), nullable=False),
        sa.Column("paid_broadcast", sa.Boolean(), nullable=False),
        sa.Column("paid_cap", sa.Integer(), nullable=False),
        sa.Column("scheduled_at", UTC, nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("started_at", UTC, nullable=True),
        sa.Column("finished_at", UTC, nullable=True),
        sa.CheckConstraint("kind IN ('marketing', 'service')", name=op.f("ck_campaigns_kind_known")),
        sa.CheckConstraint(
            "status IN ('draft', 'scheduled', 'sending', 'paused', 'done', 'cancelled')",
            name=op.f("ck_campaigns_status_known"),
        ),
        sa.CheckConstraint("holdout_percent BETWEEN 0 AND 50", name=op.f("ck_campaigns_holdout_range")),
        sa.CheckConstraint("paid_cap >= 0", name=op.f("ck_campaigns_paid_cap_non_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
        sa.UniqueConstraint("name", name="uq_campaigns_name"),
    )
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.create_index("ix_campaigns_status_scheduled", ["status", "scheduled_at"], unique=False)

    op.create_table(
        "occasions",
        sa.Column("id", ID, nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("audience_language", sa.String(length=3), nullable=False),
        sa.Column("text_zh", sa.Text(), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.Column("send_hour", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "audience_language IN ('zh', 'en', 'all')", name=op.f("ck_occasions_audience_language_known")
        ),
        sa.CheckConstraint("send_hour BETWEEN 0 AND 23", name=op.f("ck_occasions_send_hour_range")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_occasions")),
        sa.UniqueConstraint("code", "year", name="uq_occasions_code_year"),
    )
    with op.batch_alter_table("occasions", schema=None) as batch_op:
        batch_op.create_index("ix_occasions_on_date", ["on_date"], unique=False)

    op.create_table(
        "deliveries",
        sa.Column("id", ID, nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("campaign_id", ID, nullable=True),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("button_label", sa.String(length=64), nullable=True),
        sa.Column("button_url", sa.String(length=500), nullable=True),
        sa.Column("paid", sa.Boolean(), nullable=False),
        sa.Column("not_before", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("lease_until", UTC, nullable=True),
        sa.Column("telegram_message_id", sa.BigInteger(), nullable=True),
        sa.Column("sent_at", UTC, nullable=True),
        sa.Column("button_pressed_at", UTC, nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'claimed', 'sending', 'sent', 'failed', 'blocked', 'skipped', 'unknown', 'holdout')",
            name=op.f("ck_deliveries_status_known"),
        ),
        sa.CheckConstraint("kind IN ('marketing', 'service')", name=op.f("ck_deliveries_kind_known")),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], name=op.f("fk_deliveries_campaign_id_campaigns")),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_deliveries_customer_id_customers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint("source", "customer_id", name="uq_deliveries_source_customer"),
    )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_deliveries_due", ["status", "not_before"], unique=False)
        batch_op.create_index("ix_deliveries_campaign", ["campaign_id", "status"], unique=False)
        batch_op.create_index("ix_deliveries_customer_sent", ["customer_id", "sent_at"], unique=False)


def downgrade() -> None:
    op.drop_table("deliveries")
    op.drop_table("occasions")
    op.drop_table("campaigns")
    op.create_table(
        "campaigns",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("segment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text_zh", sa.Text(), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.Column("scheduled_at", storage.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", storage.base.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('marketing', 'service')", name=op.f("ck_campaigns_kind_known")),
        sa.CheckConstraint(
            "status IN ('draft', 'scheduled', 'sending', 'done', 'cancelled')",
            name=op.f("ck_campaigns_status_known"),
        ),
        sa.ForeignKeyConstraint(["created_by_id"], ["staff.id"], name=op.f("fk_campaigns_created_by_id_staff")),
        sa.ForeignKeyConstraint(["segment_id"], ["segments.id"], name=op.f("fk_campaigns_segment_id_segments")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
    )
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.create_index("ix_campaigns_status_scheduled", ["status", "scheduled_at"], unique=False)

    op.create_table(
        "deliveries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("campaign_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.Column("sent_at", storage.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("created_at", storage.base.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'failed', 'skipped', 'blocked')",
            name=op.f("ck_deliveries_status_known"),
        ),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], name=op.f("fk_deliveries_campaign_id_campaigns")),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_deliveries_customer_id_customers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint("campaign_id", "customer_id", name="uq_deliveries_campaign_customer"),
    )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_deliveries_status", ["status", "campaign_id"], unique=False)
