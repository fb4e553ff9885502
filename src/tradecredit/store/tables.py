"""Typed table records. Relationships load lazily with ``raise`` so an N+1 query fails loudly."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tradecredit.store.types import ExactDecimal, UtcDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

AMOUNT = ExactDecimal(18, 4)
RATE = ExactDecimal(20, 10)
STATEMENT_ITEM = ExactDecimal(22, 4)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class BuyerRecord(Base):
    __tablename__ = "buyers"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    country: Mapped[str] = mapped_column(String(2), index=True)
    registration_id: Mapped[str | None] = mapped_column(String(64), index=True)
    registration_scheme: Mapped[str | None] = mapped_column(String(32))
    lei: Mapped[str | None] = mapped_column(String(20))
    industry: Mapped[str | None] = mapped_column(String(8))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("buyers.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    payment_terms_days: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class StatementRecord(Base):
    __tablename__ = "financial_statements"
    __table_args__ = (UniqueConstraint("buyer_id", "period_end"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyers.id"))
    period_end: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # One column per domain LINE_ITEMS entry (a test keeps the two lists equal).
    revenue: Mapped[Decimal | None] = mapped_column(STATEMENT_ITEM)
    cost_of_sales: Mapped[Decimal | None] = mapped_column(STATEMENT_ITEM)
    gross_profit: Mapped[Decimal | None] = mapped_column(STATEMENT_ITEM)
    operating_expenses: Mapped[Decimal | None] = mapped_column(STATEMENT_ITEM)
    ebit: Mapped[Decimal | None] = mapped_column(STATEMENT_ITEM)
    depreciation: Mapped[Decimal | None] = mapped_column(STATEMENT_ITEM)
    interest_expense: Mapped[Decimal | None] = mapped_column(STATEMENT_ITEM)
    net_income: Mapped[Decimal | None] = mapped_column(STATEMENT_ITEM)
    total_assets: Mapped[Decimal | None] = mapped_column(STATEMENT_ITEM)
    fixed_assets: Mapped[Decimal | None] = mapped_column(STATEMENT_ITEM)
    current_assets: Mapped[Decimal | None] = mapped_column(STATEMENT_ITEM)
    inventory: Mapped[Decimal | None] = mapped_column(STATEMENT_ITEM)
    receivables: Mapped[Decimal | None] = mapped_column(STATEMENT_ITEM)
    cash: Mapped[Decimal | None] = mapped_column(STATEMENT_ITEM)
    total_liabilities: Mapped[Decimal | None] = mapped_column(STATEMENT_ITEM)
    current_liabilities: Mapped[Decimal | None] = mapped_column(STATEMENT_ITEM)
    long_term_liabilities: Mapped[Decimal | None] = mapped_column(STATEMENT_ITEM)
    equity: Mapped[Decimal | None] = mapped_column(STATEMENT_ITEM)
    retained_earnings: Mapped[Decimal | None] = mapped_column(STATEMENT_ITEM)
    share_capital: Mapped[Decimal | None] = mapped_column(STATEMENT_ITEM)
    operating_cash_flow: Mapped[Decimal | None] = mapped_column(STATEMENT_ITEM)


class InvoiceRecord(Base):
    __tablename__ = "invoices"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("due_date >= issue_date", name="due_after_issue"),
        Index("ix_invoices_buyer_id_due_date", "buyer_id", "due_date"),
        # Covers the exposure read (store.limits): the order check reads a buyer's invoices from the index alone.
        Index("ix_invoices_exposure", "buyer_id", "issue_date", "amount", "currency", "due_date", "disputed",
              "settled_on", "has_settlements"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), unique=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyers.id"))
    issue_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    delivery_date: Mapped[date | None] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(AMOUNT)
    disputed: Mapped[bool] = mapped_column(Boolean, default=False)
    dispute_reason: Mapped[str | None] = mapped_column(Text)
    order_ref: Mapped[str | None] = mapped_column(String(64), index=True)  # the checked order it invoices
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # The day its payments, credit notes and write-offs reached its amount; None while open (or not worked out,
    # which only costs speed). Kept by the writers of settlements (store.settlement), so the exposure read skips
    # invoices settled before its day instead of summing their settlements on every order check.
    settled_on: Mapped[date | None] = mapped_column(Date)
    # Whether any allocation or adjustment is recorded against it. The exposure read takes an invoice without any
    # at its amount, without looking for settlements to sum. True unless known otherwise (the database's default,
    # which only costs speed): the importer writes False for a new invoice, and the settlement writers keep it.
    has_settlements: Mapped[bool] = mapped_column(Boolean, server_default=true())


class PaymentRecord(Base):
    __tablename__ = "payments"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), unique=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyers.id"), index=True)
    payment_date: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(AMOUNT)
    invoice_ref: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AllocationRecord(Base):
    __tablename__ = "allocations"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(AMOUNT)
    effective_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AdjustmentRecord(Base):
    __tablename__ = "adjustments"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), unique=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    adjustment_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(AMOUNT)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class FxRateRecord(Base):
    __tablename__ = "fx_rates"
    __table_args__ = (UniqueConstraint("currency", "rate_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rate_date: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    rate_to_base: Mapped[Decimal] = mapped_column(RATE)


class ImportBatchRecord(Base):
    """One imported file: who loaded what, when, and what it changed (append-only)."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    file_name: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)
    inserted: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)
    imported_by: Mapped[str] = mapped_column(String(100))
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime())


class UserRecord(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(5), default="en")
    email: Mapped[str | None] = mapped_column(String(254))
    daily_digest: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ApiTokenRecord(Base):
    """An integration token: only its SHA-256 is stored; the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class WebSessionRecord(Base):
    """A browser session: the cookie holds a random id, the table its SHA-256 and the CSRF token."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AuditRecord(Base):
    """Append-only: who did what to which record, with the state before and after. Never updated or deleted."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_entity_key", "entity", "entity_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(100), index=True)
    action: Mapped[str] = mapped_column(String(50))
    entity: Mapped[str] = mapped_column(String(50))
    entity_key: Mapped[str] = mapped_column(String(200))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class CountryRatingRecord(Base):
    """A country rating imported from an official or insurer source; kept as given, never overwritten."""

    __tablename__ = "country_ratings"
    __table_args__ = (UniqueConstraint("country", "scale", "as_of"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    country: Mapped[str] = mapped_column(String(2), index=True)
    scale: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(8))
    grade: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(200))
    imported_by: Mapped[str] = mapped_column(String(100))
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CountrySettingsRecord(Base):
    """What a credit manager decides for a country; versioned for optimistic concurrency."""

    __tablename__ = "country_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    country: Mapped[str] = mapped_column(String(2), unique=True)
    transfer_restrictions: Mapped[str | None] = mapped_column(Text)
    payment_delay_days: Mapped[int | None] = mapped_column(Integer)
    legal_notes: Mapped[str | None] = mapped_column(Text)
    max_credit_period_days: Mapped[int | None] = mapped_column(Integer)
    required_terms: Mapped[str | None] = mapped_column(String(32))
    insured: Mapped[bool | None] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CountryGradeEventRecord(Base):
    """A change of a country's effective grade (monitoring alerts on these)."""

    __tablename__ = "country_grade_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    country: Mapped[str] = mapped_column(String(2), index=True)
    effective_on: Mapped[date] = mapped_column(Date)
    old_grade: Mapped[int | None] = mapped_column(Integer)
    new_grade: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AssessmentRecord(Base):
    """One assessment of one buyer: inputs, model version and outputs as they were. Append-only: a new assessment
    is a new row, so the history of grades and limits is never overwritten."""

    __tablename__ = "assessments"
    __table_args__ = (Index("ix_assessments_buyer_id_id", "buyer_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyers.id"))
    as_of: Mapped[date] = mapped_column(Date)
    assessed_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(100))
    trigger: Mapped[str] = mapped_column(String(200))
    model_version: Mapped[str] = mapped_column(String(50))
    statement_id: Mapped[int | None] = mapped_column(ForeignKey("financial_statements.id"))
    statement_period_end: Mapped[date | None] = mapped_column(Date)
    financial_pd: Mapped[float | None] = mapped_column()
    pd: Mapped[float] = mapped_column()
    grade: Mapped[int] = mapped_column(Integer)
    score: Mapped[int] = mapped_column(Integer)
    limited_information: Mapped[bool] = mapped_column(Boolean)
    stale_statement: Mapped[bool] = mapped_column(Boolean)
    recommended_limit: Mapped[Decimal] = mapped_column(AMOUNT)
    currency: Mapped[str] = mapped_column(String(3))
    terms: Mapped[str] = mapped_column(String(32))
    terms_days: Mapped[int] = mapped_column(Integer)
    drivers: Mapped[dict[str, Any]] = mapped_column(JSON)  # what the next assessment compares with (small)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    outputs: Mapped[dict[str, Any]] = mapped_column(JSON)


class ApprovalAuthorityRecord(Base):
    """The authority matrix: what each user may approve (set by an admin, versioned, audited)."""

    __tablename__ = "approval_authorities"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    max_amount: Mapped[Decimal] = mapped_column(AMOUNT)
    worst_grade: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class LimitRequestRecord(Base):
    """A request for a credit limit and, once decided, who decided what and why."""

    __tablename__ = "limit_requests"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),
                      Index("ix_limit_requests_status_id", "status", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyers.id"), index=True)
    scope: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column(AMOUNT)
    currency: Mapped[str] = mapped_column(String(3))
    amount_base: Mapped[Decimal] = mapped_column(AMOUNT)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16))  # manual | proposal (from an assessment)
    requested_by: Mapped[str] = mapped_column(String(100))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(24))
    decided_amount: Mapped[Decimal | None] = mapped_column(AMOUNT)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    decision_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)


class CreditLimitRecord(Base):
    """A limit in the base currency with its validity; a reduction ends it and starts a new row, a cancellation
    ends it (both audited), so the history of limits is the table itself."""

    __tablename__ = "credit_limits"
    __table_args__ = (CheckConstraint("amount >= 0", name="amount_not_negative"),
                      Index("ix_credit_limits_buyer_id_valid_from", "buyer_id", "valid_from"))

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyers.id"))
    scope: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column(AMOUNT)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    review_on: Mapped[date | None] = mapped_column(Date)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("limit_requests.id"))
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("credit_limits.id"))
    decided_by: Mapped[str] = mapped_column(String(100))
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime())
    reason: Mapped[str] = mapped_column(Text)
    ended_reason: Mapped[str | None] = mapped_column(Text)


class OrderCheckRecord(Base):
    """An order credit check and, for a hold, how it was resolved. Released orders count as exposure until an
    invoice carries their order reference."""

    __tablename__ = "order_checks"
    __table_args__ = (Index("ix_order_checks_buyer_id_status", "buyer_id", "status"),
                      Index("ix_order_checks_status_id", "status", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyers.id"))
    order_ref: Mapped[str] = mapped_column(String(64), unique=True)
    amount: Mapped[Decimal] = mapped_column(AMOUNT)
    currency: Mapped[str] = mapped_column(String(3))
    amount_base: Mapped[Decimal] = mapped_column(AMOUNT)
    ship_date: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))  # released | held | rejected
    reasons: Mapped[list[Any]] = mapped_column(JSON)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    checked_by: Mapped[str] = mapped_column(String(100))
    checked_at: Mapped[datetime] = mapped_column(UtcDateTime())
    resolved_by: Mapped[str | None] = mapped_column(String(100))
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    resolution_reason: Mapped[str | None] = mapped_column(Text)
    released_amount: Mapped[Decimal | None] = mapped_column(AMOUNT)  # a partial release; None: the whole order
    version: Mapped[int] = mapped_column(Integer)
    # The day the ERP reported the released order delivered; until an invoice carries its reference it then counts
    # as delivered-not-invoiced instead of as an open order.
    delivered_on: Mapped[date | None] = mapped_column(Date)


class WebhookEndpointRecord(Base):
    """A receiver of webhook events. The secret signs every delivery; it is shown once, when the endpoint is
    added, and never listed."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(100))
    event_types: Mapped[list[str]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean)
    description: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer)


class WebhookDeliveryRecord(Base):
    """The outbox and the delivery log: one event for one endpoint, written in the transaction of the change it
    reports, then sent (and retried) by the dispatcher. ``next_attempt_at`` is when a pending delivery is due; a
    dispatcher moves it forward to claim the row while it sends."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'delivered', 'failed')", name="status_known"),
        Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_endpoint_id_id", "endpoint_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id"))
    event_type: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(36))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class BuyerEventRecord(Base):
    """An external event about a buyer from a feed (docs/events.md). Append-only: never updated or deleted;
    ``fingerprint`` (SHA-256 of buyer, date, type, source and text) makes a re-imported event a duplicate."""

    __tablename__ = "buyer_events"
    __table_args__ = (UniqueConstraint("fingerprint"),
                      Index("ix_buyer_events_buyer_id_event_date", "buyer_id", "event_date"),
                      Index("ix_buyer_events_type_event_date", "type", "event_date"))

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyers.id"))
    event_date: Mapped[date] = mapped_column(Date)
    type: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(64))
    imported_by: Mapped[str] = mapped_column(String(100))
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime())


class WatchListRecord(Base):
    """A buyer under closer watch: the monitoring run applies the tighter thresholds to it (docs/monitoring.md)."""

    __tablename__ = "watch_list"

    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyers.id"), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CreditBlockRecord(Base):
    """Shipments stopped for a buyer: while a block is in force (``lifted_at`` empty) the order check holds every
    order of the buyer with the reason ``supply_suspended``. Set by a person (often from an alert) or by
    collections; lifting it keeps the row, so the history stays."""

    __tablename__ = "credit_blocks"
    __table_args__ = (Index("ix_credit_blocks_buyer_id_lifted_at", "buyer_id", "lifted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyers.id"))
    reason: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(32))  # manual | alert | collections
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id"))
    blocked_by: Mapped[str] = mapped_column(String(100))
    blocked_at: Mapped[datetime] = mapped_column(UtcDateTime())
    lifted_by: Mapped[str | None] = mapped_column(String(100))
    lifted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    lift_reason: Mapped[str | None] = mapped_column(Text)


class PaymentPromiseRecord(Base):
    """A buyer's promise to pay an amount by a date, for one invoice or (no invoice) its overdue balance
    (docs/promises.md). Whether it was kept is computed from the allocations, never stored. Never deleted:
    cancelling keeps the row with who, when and why; ``version`` guards the cancellation."""

    __tablename__ = "payment_promises"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),
                      CheckConstraint("promised_date >= made_on", name="promised_on_or_after_made"),
                      Index("ix_payment_promises_buyer_id_promised_date", "buyer_id", "promised_date"),
                      Index("ix_payment_promises_promised_date", "promised_date"))

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyers.id"))
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
    amount: Mapped[Decimal] = mapped_column(AMOUNT)
    currency: Mapped[str] = mapped_column(String(3))
    made_on: Mapped[date] = mapped_column(Date)
    promised_date: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    cancelled_by: Mapped[str | None] = mapped_column(String(100))
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)


class MonitorRunRecord(Base):
    """One monitoring run (``tradecredit monitor``, the daily scheduler): when, for which day, what it changed."""

    __tablename__ = "monitor_runs"
    __table_args__ = (Index("ix_monitor_runs_as_of", "as_of"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[date] = mapped_column(Date)
    actor: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime] = mapped_column(UtcDateTime())
    buyers: Mapped[int] = mapped_column(Integer)
    opened: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    closed: Mapped[int] = mapped_column(Integer)


class AlertRecord(Base):
    """One early-warning alert: a signal of one code for one buyer while its condition lasts. The monitoring run
    opens it, updates its evidence while the condition persists (one open alert per buyer and code), and closes it
    when the condition is gone; people acknowledge, snooze or resolve it. Every change is an
    :class:`AlertEventRecord`, so nothing is silently overwritten."""

    __tablename__ = "alerts"
    __table_args__ = (
        CheckConstraint("status IN ('new', 'acknowledged', 'snoozed', 'resolved')", name="status_known"),
        CheckConstraint("severity IN ('info', 'warning', 'critical')", name="severity_known"),
        Index("ix_alerts_buyer_id_code_status", "buyer_id", "code", "status"),
        Index("ix_alerts_status_severity", "status", "severity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyers.id"))
    code: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    opened_on: Mapped[date] = mapped_column(Date)
    last_seen_on: Mapped[date] = mapped_column(Date)
    resolved_on: Mapped[date | None] = mapped_column(Date)
    snoozed_until: Mapped[date | None] = mapped_column(Date)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    actions: Mapped[list[Any]] = mapped_column(JSON)
    text_en: Mapped[str] = mapped_column(Text)
    text_zh: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer)


class AlertEventRecord(Base):
    """The history of an alert, append-only: opened, updated (new evidence), acknowledged, snoozed, resolved,
    reopened, closed by the run, and every action taken from it, with who, when, the comment and the figures."""

    __tablename__ = "alert_events"
    __table_args__ = (Index("ix_alert_events_alert_id_id", "alert_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class DigestRecord(Base):
    """One daily alert digest to one recipient: at most one row per day and address, so a re-run never sends
    twice. ``sending`` is a claim (until ``claimed_until``) taken before the SMTP conversation; ``failed`` and
    ``skipped`` rows are tried again by the next call of the day."""

    __tablename__ = "digests"
    __table_args__ = (
        UniqueConstraint("day", "recipient"),
        CheckConstraint("status IN ('sending', 'sent', 'skipped', 'failed')", name="status_known"),
        Index("ix_digests_recipient_day", "recipient", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    recipient: Mapped[str] = mapped_column(String(254))
    username: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(5))
    status: Mapped[str] = mapped_column(String(16))
    since: Mapped[date] = mapped_column(Date)
    alerts: Mapped[int] = mapped_column(Integer)
    subject: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
