"""Read models for reports and batch analytics: plain columns, no domain objects, one query each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, literal, select, union_all
from sqlalchemy.orm import Session

from tradecredit.store.tables import (
    AdjustmentRecord,
    AllocationRecord,
    BuyerRecord,
    InvoiceRecord,
    PaymentRecord,
)

Columns = dict[str, list[Any]]


@dataclass(frozen=True, slots=True)
class BuyerRow:
    id: int
    ref: str
    name: str
    country: str
    parent_id: int | None
    currency: str
    payment_terms_days: int


def _columns(session: Session, query: Any, names: list[str]) -> Columns:
    columns: Columns = {name: [] for name in names}
    for row in session.execute(query):
        for name, value in zip(names, row, strict=True):
            columns[name].append(value)
    return columns


def buyers(session: Session) -> list[BuyerRow]:
    query = select(BuyerRecord.id, BuyerRecord.ref, BuyerRecord.name, BuyerRecord.country,
                   BuyerRecord.parent_id, BuyerRecord.currency, BuyerRecord.payment_terms_days)
    return [BuyerRow(*row) for row in session.execute(query.order_by(BuyerRecord.id))]


def invoice_columns(session: Session, *, issued_on_or_before: date) -> Columns:
    """Invoices as columns for the analytics engine (amounts as Decimal in invoice currency)."""
    query = (select(InvoiceRecord.id, InvoiceRecord.buyer_id, InvoiceRecord.issue_date, InvoiceRecord.due_date,
                    InvoiceRecord.currency, InvoiceRecord.amount, InvoiceRecord.disputed)
             .where(InvoiceRecord.issue_date <= issued_on_or_before))
    return _columns(session, query, ["invoice_id", "buyer_id", "issue_date", "due_date", "currency", "amount",
                                     "disputed"])


def settlement_columns(session: Session, *, on_or_before: date) -> Columns:
    """Allocations, credit notes and write-offs effective on or before the date, as columns."""
    allocations = select(AllocationRecord.invoice_id, AllocationRecord.effective_date.label("on"),
                         AllocationRecord.amount, literal("payment").label("kind")).where(
        AllocationRecord.effective_date <= on_or_before)
    adjustments = select(AdjustmentRecord.invoice_id, AdjustmentRecord.adjustment_date.label("on"),
                         AdjustmentRecord.amount, AdjustmentRecord.kind).where(
        AdjustmentRecord.adjustment_date <= on_or_before)
    return _columns(session, union_all(allocations, adjustments), ["invoice_id", "date", "amount", "kind"])


def currencies_in_use(session: Session) -> list[str]:
    query = select(InvoiceRecord.currency).union(select(PaymentRecord.currency))
    return sorted(session.scalars(query))


def ledger_counts(session: Session) -> dict[str, int]:
    counts = {}
    for name, record in (("buyers", BuyerRecord), ("invoices", InvoiceRecord), ("payments", PaymentRecord)):
        counts[name] = int(session.scalar(select(func.count()).select_from(record)) or 0)
    return counts
