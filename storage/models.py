"""CRM tables. Constraints live here so every writer (bot, worker, console, imports) is held to them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.base import Base, BigId, Created, IntPk, Money, Name, ShortText, UtcDateTime

LANGUAGES = ("zh", "en")
ORDER_STATUSES = ("paid", "refunded", "cancelled")
LEDGER_REASONS = (
    "order",
    "order_reversal",
    "birthday",
    "referral",
    "adjustment",
    "redemption",
    "expiry",
    "import",
)
REDEMPTION_STATUSES = ("issued", "used", "cancelled")
TICKET_STATUSES = ("open", "in_progress", "waiting_customer", "resolved", "closed")
TICKET_SEVERITIES = ("low", "normal", "high", "critical")
HANDOFF_STATUSES = ("waiting", "active", "closed")
CAMPAIGN_STATUSES = ("draft", "scheduled", "sending", "paused", "done", "cancelled")
DELIVERY_STATUSES = (
    "pending",
    "claimed",
    "sending",
    "sent",
    "failed",
    "blocked",
    "skipped",
    "unknown",
    "holdout",
)
STAFF_ROLES = ("agent", "supervisor", "marketer", "admin")
MESSAGE_DIRECTIONS = ("in", "out")
T = TypeVar("T")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def localized(zh: T, en: T, language: str) -> T:
    """The Chinese value for "zh", the English one for any other language: the one rule for bilingual columns."""
    return zh if language == "zh" else en


class Tier(Base):
    __tablename__ = "tiers"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_zh: Mapped[Name]
    name_en: Mapped[Name]
    min_spend: Mapped[Money]
    multiplier: Mapped[Decimal] = mapped_column(Numeric(4, 2))
    priority_service: Mapped[bool] = mapped_column(Boolean, default=False)
    benefits_zh: Mapped[str] = mapped_column(Text, default="")
    benefits_en: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        CheckConstraint("min_spend >= 0", name="min_spend_non_negative"),
        CheckConstraint("multiplier > 0", name="multiplier_positive"),
    )

    def name_in(self, language: str) -> str:
        return localized(self.name_zh, self.name_en, language)

    def benefits_in(self, language: str) -> str:
        return localized(self.benefits_zh, self.benefits_en, language)


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[IntPk]
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    telegram_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    telegram_username: Mapped[str | None] = mapped_column(String(64))
    telegram_language_code: Mapped[str | None] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str | None] = mapped_column(String(32))
    birthday: Mapped[date | None] = mapped_column(Date)
    language: Mapped[str | None] = mapped_column(String(2))
    timezone: Mapped[str | None] = mapped_column(String(64))
    tags: Mapped[str] = mapped_column(String(500), default="")
    tier_code: Mapped[str] = mapped_column(ForeignKey("tiers.code"), default="basic")
    points_balance: Mapped[int] = mapped_column(Integer, default=0)
    marketing_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    opted_out_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    blocked_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    referral_code: Mapped[str | None] = mapped_column(String(16), unique=True)
    referred_by_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    segment: Mapped[str | None] = mapped_column(String(32))
    lifecycle_stage: Mapped[str | None] = mapped_column(String(32))
    rfm_score: Mapped[str | None] = mapped_column(String(3))
    created_at: Mapped[Created]
    last_seen_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    tier: Mapped[Tier] = relationship(lazy="raise")

    __table_args__ = (
        CheckConstraint("points_balance >= 0", name="balance_non_negative"),
        CheckConstraint(f"language IS NULL OR {_one_of('language', LANGUAGES)}", name="language_known"),
        Index("ix_customers_last_seen_at", "last_seen_at"),
    )


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[IntPk]
    source: Mapped[str] = mapped_column(String(32), default="shop")
    order_id: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    amount: Mapped[Money]
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    ordered_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(16))
    shipping_status: Mapped[str | None] = mapped_column(String(32))
    tracking_number: Mapped[str | None] = mapped_column(String(64))
    # When the customer received it, if the shop says: the 7-day return window starts here (else at ordered_at).
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[Created]
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (
        UniqueConstraint("source", "order_id", name="uq_orders_source_order_id"),
        CheckConstraint("amount >= 0", name="amount_non_negative"),
        CheckConstraint(_one_of("status", ORDER_STATUSES), name="status_known"),
        Index("ix_orders_customer_ordered", "customer_id", "ordered_at"),
    )


class LedgerEntry(Base):
    """Append-only points ledger: every balance change, with the balance after it."""

    __tablename__ = "points_ledger"

    id: Mapped[IntPk]
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    reason: Mapped[str] = mapped_column(String(32))
    delta: Mapped[int] = mapped_column(Integer)
    balance_after: Mapped[int] = mapped_column(Integer)
    # For earnings: points of this entry not yet spent or expired (first earned, first spent).
    remaining: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    note: Mapped[str] = mapped_column(String(500), default="")
    actor: Mapped[str] = mapped_column(String(64), default="system")
    created_at: Mapped[Created]

    __table_args__ = (
        CheckConstraint("balance_after >= 0", name="balance_after_non_negative"),
        CheckConstraint("remaining >= 0", name="remaining_non_negative"),
        CheckConstraint(_one_of("reason", LEDGER_REASONS), name="reason_known"),
        Index("ix_points_ledger_customer_created", "customer_id", "created_at"),
        Index(
            "ix_points_ledger_open_earnings",
            "customer_id",
            "expires_at",
            postgresql_where=text("remaining > 0"),
            sqlite_where=text("remaining > 0"),
        ),
    )


class Reward(Base):
    __tablename__ = "rewards"

    id: Mapped[IntPk]
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_zh: Mapped[Name]
    name_en: Mapped[Name]
    cost_points: Mapped[int] = mapped_column(Integer)
    stock: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (
        CheckConstraint("cost_points > 0", name="cost_positive"),
        CheckConstraint("stock IS NULL OR stock >= 0", name="stock_non_negative"),
    )

    def name_in(self, language: str) -> str:
        return localized(self.name_zh, self.name_en, language)


class Redemption(Base):
    __tablename__ = "redemptions"

    id: Mapped[IntPk]
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    reward_id: Mapped[int] = mapped_column(ForeignKey("rewards.id"))
    points: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="issued")
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[Created]

    __table_args__ = (
        CheckConstraint("points > 0", name="points_positive"),
        CheckConstraint(_one_of("status", REDEMPTION_STATUSES), name="status_known"),
    )


class Staff(Base):
    """A registered staff member. Only active staff with a Telegram user id act in the staff group; the name
    is what customers see, unique so it names one person (removed staff are deactivated, never deleted)."""

    __tablename__ = "staff"

    id: Mapped[IntPk]
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    name: Mapped[Name]
    email: Mapped[str | None] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # An argon2 hash (pwdlib) for the web console; None: this person cannot log in to the console.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[Created]

    __table_args__ = (
        CheckConstraint(_one_of("role", STAFF_ROLES), name="role_known"),
        UniqueConstraint("name", name="uq_staff_name"),
    )


class Ticket(Base):
    __tablename__ = "tickets"

    id: Mapped[IntPk]
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    category: Mapped[ShortText]
    severity: Mapped[str] = mapped_column(String(16), default="normal")
    # Lower number = served first; VIP customers get a better priority.
    priority: Mapped[int] = mapped_column(Integer, default=3)
    status: Mapped[str] = mapped_column(String(20), default="open")
    description: Mapped[str] = mapped_column(Text)
    order_ref: Mapped[str | None] = mapped_column(String(64))
    sla_due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    resolution: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[int | None] = mapped_column(Integer)
    abusive: Mapped[bool] = mapped_column(Boolean, default=False)
    idempotency_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    created_at: Mapped[Created]
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # When staff first answered (moved it on from "open"): the first-response SLA is met or missed there.
    first_response_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # When the staff group was told it is overdue: announced once.
    overdue_announced_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (
        CheckConstraint(_one_of("status", TICKET_STATUSES), name="status_known"),
        CheckConstraint(_one_of("severity", TICKET_SEVERITIES), name="severity_known"),
        CheckConstraint("priority BETWEEN 1 AND 5", name="priority_range"),
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating_range"),
        Index("ix_tickets_open_by_priority", "status", "priority", "sla_due_at"),
        Index("ix_tickets_customer", "customer_id"),
    )


class TicketAttachment(Base):
    """A photo the customer sent with a request (the returns flow): Telegram keeps the file, we keep its ids."""

    __tablename__ = "ticket_attachments"

    id: Mapped[IntPk]
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    kind: Mapped[str] = mapped_column(String(16), default="photo")
    telegram_file_id: Mapped[str | None] = mapped_column(String(200))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[Created]

    __table_args__ = (Index("ix_ticket_attachments_ticket", "ticket_id"),)


class TicketNote(Base):
    """A note on a ticket: an internal note by staff (never shown to the customer), or what the customer wrote
    that reopened their resolved ticket (`from_customer`, no staff member)."""

    __tablename__ = "ticket_notes"

    id: Mapped[IntPk]
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    from_customer: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[Created]

    __table_args__ = (
        CheckConstraint("from_customer OR staff_id IS NOT NULL", name="author_known"),
        Index("ix_ticket_notes_ticket", "ticket_id", "created_at"),
    )


class Handoff(Base):
    __tablename__ = "handoffs"

    id: Mapped[IntPk]
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    staff_topic_id: Mapped[int | None] = mapped_column(BigInteger)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    reason: Mapped[str] = mapped_column(String(200), default="")
    priority: Mapped[int] = mapped_column(Integer, default=3)
    opened_at: Mapped[Created]
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    rating: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        CheckConstraint(_one_of("status", HANDOFF_STATUSES), name="status_known"),
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating_range"),
        Index("ix_handoffs_customer_status", "customer_id", "status"),
        Index("ix_handoffs_topic", "staff_topic_id"),
    )


class MessageLog(Base):
    """One conversation turn (customer text in, or a reply out), for reports and NLU review."""

    __tablename__ = "messages"

    id: Mapped[IntPk]
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    direction: Mapped[str] = mapped_column(String(3))
    text: Mapped[str] = mapped_column(Text, default="")
    intent: Mapped[str | None] = mapped_column(String(64))
    confidence: Mapped[float | None] = mapped_column(Float)
    handler: Mapped[str | None] = mapped_column(String(64))
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    update_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[Created]

    __table_args__ = (
        CheckConstraint(_one_of("direction", MESSAGE_DIRECTIONS), name="direction_known"),
        Index("ix_messages_customer_created", "customer_id", "created_at"),
    )


class IntentLabel(Base):
    """The intent staff say a customer's turn really meant: training data for the next NLU model."""

    __tablename__ = "intent_labels"

    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), primary_key=True, autoincrement=False)
    intent: Mapped[str] = mapped_column(String(64))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[Created]


class InboxUpdate(Base):
    """An update fetched by long polling and not yet processed: stored before the offset confirms it to
    Telegram, deleted once processed, so neither a crash nor a database outage loses it."""

    __tablename__ = "inbox_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[Created]


class ProcessedUpdate(Base):
    """A Telegram update whose effects committed: written in the same transaction as those effects, so a
    redelivery after the commit changes nothing and one before it (a crash) is processed again.

    `outcome` keeps the replies until they are sent (`answered_at`), so a redelivery of an update whose
    replies were lost in a crash sends them then; it is cleared once sent (it may hold personal data).
    `customer_id` says whose replies they are, so erasing the customer clears those not yet sent.
    """

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[Created]
    outcome: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (Index("ix_processed_updates_processed_at", "processed_at"),)


class Product(Base):
    __tablename__ = "products"

    id: Mapped[IntPk]
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name_zh: Mapped[Name]
    name_en: Mapped[Name]
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    category: Mapped[ShortText]
    price: Mapped[Money]
    stock: Mapped[int] = mapped_column(Integer, default=0)
    colours_zh: Mapped[list[str]] = mapped_column(JSON, default=list)
    colours_en: Mapped[list[str]] = mapped_column(JSON, default=list)
    sizes: Mapped[list[str]] = mapped_column(JSON, default=list)
    specs_zh: Mapped[str] = mapped_column(Text, default="")
    specs_en: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (
        CheckConstraint("price >= 0", name="price_non_negative"),
        CheckConstraint("stock >= 0", name="stock_non_negative"),
    )

    def name_in(self, language: str) -> str:
        return localized(self.name_zh, self.name_en, language)

    def colours_in(self, language: str) -> list[str]:
        return localized(self.colours_zh, self.colours_en, language)

    def specs_in(self, language: str) -> str:
        return localized(self.specs_zh, self.specs_en, language)


class RestockRequest(Base):
    """A customer asked to be told when an out-of-stock product is back: one per customer and product.

    `notified_at` is set when the notice is put in the delivery ledger; asking again later (sold out once
    more) clears it, and the next restock notifies again."""

    __tablename__ = "restock_requests"

    id: Mapped[IntPk]
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime())
    notified_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (
        UniqueConstraint("customer_id", "product_id", name="uq_restock_requests_customer_product"),
        Index("ix_restock_requests_product_waiting", "product_id", "notified_at"),
    )


class FaqEntry(Base):
    __tablename__ = "faq_entries"

    id: Mapped[IntPk]
    topic: Mapped[str] = mapped_column(String(64), unique=True)
    question_zh: Mapped[str] = mapped_column(Text)
    question_en: Mapped[str] = mapped_column(Text)
    answer_zh: Mapped[str] = mapped_column(Text)
    answer_en: Mapped[str] = mapped_column(Text)

    def answer_in(self, language: str) -> str:
        return localized(self.answer_zh, self.answer_en, language)


class Segment(Base):
    """A named customer segment; `rules` select customers (by value segment, tier, tags, language...)."""

    __tablename__ = "segments"

    id: Mapped[IntPk]
    name: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    rules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[Created]


class Campaign(Base):
    """A marketer's broadcast: who (`audience` filters), what (zh/en text, an optional button), when.

    Its deliveries are written when it starts (the audience as it is then), so the ledger, not this row,
    says who was messaged."""

    __tablename__ = "campaigns"

    id: Mapped[IntPk]
    name: Mapped[Name]
    kind: Mapped[str] = mapped_column(String(16), default="marketing")
    audience: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    text_zh: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    button_label_zh: Mapped[str | None] = mapped_column(String(64))
    button_label_en: Mapped[str | None] = mapped_column(String(64))
    # An https:// address, or None with a label: a button back into the chat whose presses are counted.
    button_url: Mapped[str | None] = mapped_column(String(500))
    holdout_percent: Mapped[int] = mapped_column(Integer, default=0)
    paid_broadcast: Mapped[bool] = mapped_column(Boolean, default=False)
    paid_cap: Mapped[int] = mapped_column(Integer, default=0)
    scheduled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(16), default="draft")
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[Created]
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (
        CheckConstraint(_one_of("status", CAMPAIGN_STATUSES), name="status_known"),
        CheckConstraint("kind IN ('marketing', 'service')", name="kind_known"),
        CheckConstraint("holdout_percent BETWEEN 0 AND 50", name="holdout_range"),
        CheckConstraint("paid_cap >= 0", name="paid_cap_non_negative"),
        UniqueConstraint("name", name="uq_campaigns_name"),
        Index("ix_campaigns_status_scheduled", "status", "scheduled_at"),
    )


class Occasion(Base):
    """A dated greeting (a festival of one year): precomputed, editable by the shop for the next years."""

    __tablename__ = "occasions"

    id: Mapped[IntPk]
    code: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(Integer)
    on_date: Mapped[date] = mapped_column(Date)
    name_zh: Mapped[Name]
    name_en: Mapped[Name]
    # Who is greeted: customers writing Chinese, English, or everyone.
    audience_language: Mapped[str] = mapped_column(String(3), default="all")
    text_zh: Mapped[str] = mapped_column(Text, default="")
    text_en: Mapped[str] = mapped_column(Text, default="")
    send_hour: Mapped[int] = mapped_column(Integer, default=9)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (
        UniqueConstraint("code", "year", name="uq_occasions_code_year"),
        CheckConstraint("audience_language IN ('zh', 'en', 'all')", name="audience_language_known"),
        CheckConstraint("send_hour BETWEEN 0 AND 23", name="send_hour_range"),
        Index("ix_occasions_on_date", "on_date"),
    )


class Delivery(Base):
    """One proactive message to one customer: the ledger every sender works from.

    Unique per (source, customer), so a campaign, an occasion of a year or a reminder reaches a customer
    once whatever the workers do. `sending` is committed before the Bot API call; a row found `sending`
    after its lease is `unknown` (Telegram may have it) and is never sent again automatically."""

    __tablename__ = "deliveries"

    id: Mapped[IntPk]
    # "campaign:12", "occasion:mid_autumn:2027", "birthday:2027", "reengagement:2026-12-02", ...
    source: Mapped[str] = mapped_column(String(64))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    kind: Mapped[str] = mapped_column(String(16), default="marketing")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    reason: Mapped[str | None] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text, default="")
    button_label: Mapped[str | None] = mapped_column(String(64))
    button_url: Mapped[str | None] = mapped_column(String(500))
    paid: Mapped[bool] = mapped_column(Boolean, default=False)
    not_before: Mapped[datetime] = mapped_column(UtcDateTime())
    # Past this a greeting is stale (worker downtime): skipped, never sent late beyond the window.
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    button_pressed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[Created]

    __table_args__ = (
        UniqueConstraint("source", "customer_id", name="uq_deliveries_source_customer"),
        CheckConstraint(_one_of("status", DELIVERY_STATUSES), name="status_known"),
        CheckConstraint("kind IN ('marketing', 'service')", name="kind_known"),
        Index("ix_deliveries_due", "status", "not_before"),
        Index("ix_deliveries_campaign", "campaign_id", "status"),
        Index("ix_deliveries_customer_sent", "customer_id", "sent_at"),
    )


class AuditLog(Base):
    __tablename__ = "audit_log"

    id: Mapped[IntPk]
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[Created]

    __table_args__ = (Index("ix_audit_log_target", "target_type", "target_id"),)


__all__ = [
    "AuditLog",
    "Base",
    "BigId",
    "Campaign",
    "Customer",
    "Delivery",
    "FaqEntry",
    "Handoff",
    "IntentLabel",
    "LedgerEntry",
    "MessageLog",
    "Occasion",
    "Order",
    "Product",
    "Redemption",
    "RestockRequest",
    "Reward",
    "Segment",
    "Staff",
    "Ticket",
    "TicketAttachment",
    "TicketNote",
    "Tier",
]
