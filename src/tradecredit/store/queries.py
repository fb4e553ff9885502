"""Read models for reports and batch analytics: plain columns, no domain objects, one query each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, bindparam, case, func, literal, select, union_all
from sqlalchemy.orm import Session

from tradecredit.domain.statements import LINE_ITEMS
from tradecredit.store.tables import (
    AdjustmentRecord,
    AllocationRecord,
    BuyerRecord,
    FxRateRecord,
    ImportBatchRecord,
    InvoiceRecord,
    PaymentRecord,
    StatementRecord,
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
    industry: str | None


def _columns(session: Session, query: Any, names: list[str]) -> Columns:
    columns: Columns = {name: [] for name in names}
    for row in session.execute(query):
        for name, value in zip(names, row, strict=True):
            columns[name].append(value)
    return columns


def buyers(session: Session, ids: list[int] | None = None) -> list[BuyerRow]:
    """Every buyer, or only those of ``ids``, by id."""
    query = select(BuyerRecord.id, BuyerRecord.ref, BuyerRecord.name, BuyerRecord.country,
                   BuyerRecord.parent_id, BuyerRecord.currency, BuyerRecord.payment_terms_days,
                   BuyerRecord.industry)
    if ids is not None:
        query = query.where(BuyerRecord.id.in_(ids))
    return [BuyerRow(*row) for row in session.execute(query.order_by(BuyerRecord.id))]


def invoice_columns(session: Session, *, issued_on_or_before: date, buyer_ids: list[int] | None = None) -> Columns:
    """Invoices as columns for the analytics engine (amounts as Decimal in invoice currency); all buyers', or
    only those of ``buyer_ids``."""
    query = (select(InvoiceRecord.id, InvoiceRecord.buyer_id, InvoiceRecord.issue_date, InvoiceRecord.due_date,
                    InvoiceRecord.currency, InvoiceRecord.amount, InvoiceRecord.disputed)
             .where(InvoiceRecord.issue_date <= issued_on_or_before))
    if buyer_ids is not None:
        query = query.where(InvoiceRecord.buyer_id.in_(buyer_ids))
    return _columns(session, query, ["invoice_id", "buyer_id", "issue_date", "due_date", "currency", "amount",
                                     "disputed"])


def settlement_columns(session: Session, *, on_or_before: date, buyer_ids: list[int] | None = None) -> Columns:
    """Allocations, credit notes and write-offs effective on or before the date, as columns (of the invoices of
    ``buyer_ids`` when given)."""
    allocations = select(AllocationRecord.invoice_id, AllocationRecord.effective_date.label("on"),
                         AllocationRecord.amount, literal("payment").label("kind")).where(
        AllocationRecord.effective_date <= on_or_before)
    adjustments = select(AdjustmentRecord.invoice_id, AdjustmentRecord.adjustment_date.label("on"),
                         AdjustmentRecord.amount, AdjustmentRecord.kind).where(
        AdjustmentRecord.adjustment_date <= on_or_before)
    if buyer_ids is not None:
        theirs = select(InvoiceRecord.id).where(InvoiceRecord.buyer_id.in_(buyer_ids))
        allocations = allocations.where(AllocationRecord.invoice_id.in_(theirs))
        adjustments = adjustments.where(AdjustmentRecord.invoice_id.in_(theirs))
    return _columns(session, union_all(allocations, adjustments), ["invoice_id", "date", "amount", "kind"])


def currencies_in_use(session: Session) -> list[str]:
    query = select(InvoiceRecord.currency).union(select(PaymentRecord.currency))
    return sorted(session.scalars(query))


def ledger_counts(session: Session) -> dict[str, int]:
    counts = {}
    for name, record in (("buyers", BuyerRecord), ("invoices", InvoiceRecord), ("payments", PaymentRecord)):
        counts[name] = int(session.scalar(select(func.count()).select_from(record)) or 0)
    return counts


SORTS: dict[str, Any] = {"ref": BuyerRecord.ref, "name": BuyerRecord.name, "country": BuyerRecord.country,
         "created": BuyerRecord.created_at, "updated": BuyerRecord.updated_at}


def _buyer_with_parent_statement() -> Any:
    buyers = BuyerRecord.__table__
    parent = buyers.alias("parent")
    return (select(buyers, parent.c.ref.label("parent_ref"))
            .outerjoin(parent, parent.c.id == buyers.c.parent_id).where(buyers.c.ref == bindparam("ref")))


_BUYER_WITH_PARENT = _buyer_with_parent_statement()
_CHILDREN = (select(BuyerRecord.ref).where(BuyerRecord.parent_id == bindparam("parent_id"))
             .order_by(BuyerRecord.ref))


def buyer_with_parent(session: Session, ref: str) -> Any:
    """The buyer's row (every column) plus ``parent_ref``, or None; Core on the hot path, no ORM objects."""
    return session.connection().execute(_BUYER_WITH_PARENT, {"ref": ref}).first()


def children_refs(session: Session, buyer_id: int) -> list[str]:
    return list(session.connection().execute(_CHILDREN, {"parent_id": buyer_id}).scalars())


def _like(text: str) -> str:
    """A LIKE pattern that matches ``text`` literally (%, _ and \\ escaped)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_buyers(session: Session, *, q: str | None, country: str | None, parent_id: int | None, sort: str,
                  offset: int, limit: int) -> tuple[list[BuyerRecord], int]:
    """Buyers matching a text (name, ref or registration id, case-insensitive), stable order (sort key, id)."""
    query = select(BuyerRecord)
    if q:
        pattern = _like(q.lower())
        query = query.where(func.lower(BuyerRecord.name).like(pattern, escape="\\")
                            | func.lower(BuyerRecord.ref).like(pattern, escape="\\")
                            | func.lower(func.coalesce(BuyerRecord.registration_id, "")).like(pattern, escape="\\"))
    if country:
        query = query.where(BuyerRecord.country == country)
    if parent_id is not None:
        query = query.where(BuyerRecord.parent_id == parent_id)
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    column = SORTS[sort.removeprefix("-")]
    order: list[Any] = [column.desc() if sort.startswith("-") else column.asc(), BuyerRecord.id.asc()]
    return list(session.scalars(query.order_by(*order).offset(offset).limit(limit))), total


@dataclass(frozen=True, slots=True)
class OpenByCurrency:
    currency: str
    open: Decimal
    overdue: Decimal
    invoices: int
    oldest_due: date | None


def _open_by_currency_statement() -> Any:
    """Built once: the ids and the date are bound parameters, so each call only executes it (hot path)."""
    buyer_ids: Any = bindparam("buyer_ids", expanding=True)
    as_of = bindparam("as_of", type_=Date())
    parts = [select(r.invoice_id.label("invoice_id"), r.amount.label("amount"))
             .join(InvoiceRecord, InvoiceRecord.id == r.invoice_id)
             .where(InvoiceRecord.buyer_id.in_(buyer_ids), date_column <= as_of)
             for r, date_column in ((AllocationRecord, AllocationRecord.effective_date),
                                    (AdjustmentRecord, AdjustmentRecord.adjustment_date))]
    settled_rows = union_all(*parts).subquery()
    settled = (select(settled_rows.c.invoice_id, func.sum(settled_rows.c.amount).label("total"))
               .group_by(settled_rows.c.invoice_id).subquery())
    open_amount = InvoiceRecord.amount - func.coalesce(settled.c.total, 0)
    overdue = case((InvoiceRecord.due_date < as_of, open_amount), else_=0)
    return (select(InvoiceRecord.currency, func.sum(open_amount), func.sum(overdue), func.count(),
                   func.min(InvoiceRecord.due_date))
            .outerjoin(settled, settled.c.invoice_id == InvoiceRecord.id)
            .where(InvoiceRecord.buyer_id.in_(buyer_ids), InvoiceRecord.issue_date <= as_of, open_amount > 0)
            .group_by(InvoiceRecord.currency))


_OPEN_BY_CURRENCY = _open_by_currency_statement()


def open_by_currency(session: Session, *, buyer_ids: list[int], as_of: date) -> list[OpenByCurrency]:
    """Open and overdue amounts of these buyers' invoices at ``as_of``, per invoice currency (one query)."""
    rows = session.connection().execute(_OPEN_BY_CURRENCY, {"buyer_ids": buyer_ids, "as_of": as_of})
    return [OpenByCurrency(currency, Decimal(total), Decimal(late), count, oldest)
            for currency, total, late, count, oldest in rows]


def _settled_totals() -> Any:
    parts = [select(r.invoice_id.label("invoice_id"), r.amount.label("amount"))
             for r in (AllocationRecord, AdjustmentRecord)]
    rows = union_all(*parts).subquery()
    return select(rows.c.invoice_id, func.sum(rows.c.amount).label("total")).group_by(rows.c.invoice_id).subquery()


def invoice_page(session: Session, *, buyer_id: int | None, open_only: bool, overdue_on: date | None,
                 disputed: bool | None, offset: int, limit: int) -> tuple[list[int], int]:
    """Ids of invoices matching the filters, newest issue first (ties by id), and the total count."""
    query = select(InvoiceRecord.id)
    if open_only or overdue_on is not None:
        settled = _settled_totals()
        query = query.outerjoin(settled, settled.c.invoice_id == InvoiceRecord.id).where(
            InvoiceRecord.amount > func.coalesce(settled.c.total, 0))
    if buyer_id is not None:
        query = query.where(InvoiceRecord.buyer_id == buyer_id)
    if overdue_on is not None:
        query = query.where(InvoiceRecord.due_date < overdue_on)
    if disputed is not None:
        query = query.where(InvoiceRecord.disputed.is_(disputed))
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    ordered = query.order_by(InvoiceRecord.issue_date.desc(), InvoiceRecord.id.desc()).offset(offset).limit(limit)
    return list(session.scalars(ordered)), total


def payment_page(session: Session, *, buyer_id: int | None, offset: int, limit: int) -> tuple[list[int], int]:
    query = select(PaymentRecord.id)
    if buyer_id is not None:
        query = query.where(PaymentRecord.buyer_id == buyer_id)
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    ordered = query.order_by(PaymentRecord.payment_date.desc(), PaymentRecord.id.desc()).offset(offset).limit(limit)
    return list(session.scalars(ordered)), total


def fx_page(session: Session, *, currency: str | None, offset: int, limit: int) -> tuple[list[Any], int]:
    query = select(FxRateRecord.rate_date, FxRateRecord.currency, FxRateRecord.rate_to_base)
    if currency:
        query = query.where(FxRateRecord.currency == currency)
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    ordered = query.order_by(FxRateRecord.rate_date.desc(), FxRateRecord.currency).offset(offset).limit(limit)
    return list(session.execute(ordered)), total


STATEMENT_COLUMNS = ("id", "buyer_id", "period_end", "currency", *LINE_ITEMS)


def statement_columns(session: Session, *, period_end_on_or_before: date,
                      buyer_ids: list[int] | None = None) -> Columns:
    """Statements as columns for the ratio engine (line items as Decimal or None)."""
    query = (select(*(getattr(StatementRecord, name) for name in STATEMENT_COLUMNS))
             .where(StatementRecord.period_end <= period_end_on_or_before))
    if buyer_ids is not None:
        query = query.where(StatementRecord.buyer_id.in_(buyer_ids))
    return _columns(session, query.order_by(StatementRecord.buyer_id, StatementRecord.period_end),
                    list(STATEMENT_COLUMNS))


def statements_of(session: Session, buyer_id: int) -> list[StatementRecord]:
    query = select(StatementRecord).where(StatementRecord.buyer_id == buyer_id).order_by(StatementRecord.period_end)
    return list(session.scalars(query))


def import_history(session: Session, *, offset: int, limit: int) -> tuple[list[ImportBatchRecord], int]:
    total = int(session.scalar(select(func.count()).select_from(ImportBatchRecord)) or 0)
    query = select(ImportBatchRecord).order_by(ImportBatchRecord.id.desc()).offset(offset).limit(limit)
    return list(session.scalars(query)), total
