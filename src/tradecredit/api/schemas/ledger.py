"""Invoices, payments, statements and FX rates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import Field

from tradecredit.api.schemas.common import ReadModel, Schema


class InvoiceCreate(Schema):
    invoice_ref: str = Field(min_length=1, max_length=64)
    buyer_ref: str = Field(min_length=1, max_length=64)
    issue_date: date
    due_date: date
    currency: str = Field(min_length=3, max_length=3)
    amount: Decimal = Field(examples=["1250.00"])
    delivery_date: date | None = None
    disputed: bool = False
    dispute_reason: str | None = Field(default=None, max_length=500)


class InvoiceRead(ReadModel):
    ref: str
    buyer_ref: str
    issue_date: date
    due_date: date
    currency: str
    amount: Decimal
    open_amount: Decimal
    status: str
    days_past_due: int
    dispute_reason: str | None


class SettlementRead(ReadModel):
    ref: str
    kind: str
    date: date
    amount: Decimal


class InvoiceDetailRead(InvoiceRead):
    settlements: list[SettlementRead]


class DisputeCreate(Schema):
    reason: str = Field(min_length=1, max_length=500)


class PaymentCreate(Schema):
    payment_ref: str = Field(min_length=1, max_length=64)
    buyer_ref: str = Field(min_length=1, max_length=64)
    payment_date: date
    currency: str = Field(min_length=3, max_length=3)
    amount: Decimal
    invoice_ref: str | None = Field(default=None, max_length=64)


class AllocationRead(ReadModel):
    invoice_ref: str
    amount: Decimal
    date: date


class PaymentRead(ReadModel):
    ref: str
    buyer_ref: str
    payment_date: date
    currency: str
    amount: Decimal
    unallocated: Decimal
    invoice_ref: str | None
    allocations: list[AllocationRead]


class StatementCreate(Schema):
    period_end: date
    currency: str = Field(min_length=3, max_length=3)
    items: dict[str, Decimal | None] = Field(default_factory=dict, examples=[{"revenue": "1000000.00"}])


class StatementRead(ReadModel):
    buyer_ref: str
    period_end: date
    currency: str
    items: dict[str, Decimal | None]


class FxRateCreate(Schema):
    date: date
    currency: str = Field(min_length=3, max_length=3)
    rate_to_base: Decimal


class FxRateRead(ReadModel):
    date: date
    currency: str
    rate_to_base: Decimal


class ImportRead(ReadModel):
    kind: str
    file: str
    rows: int
    inserted: int
    updated: int
    unchanged: int
    dry_run: bool
    notes: dict[str, int]
