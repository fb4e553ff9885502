"""Repositories: records <-> domain objects, and the bulk reads and writes the importer needs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import ARRAY, Row, any_, bindparam, func, select, tuple_, update
from sqlalchemy.orm import Session

from tradecredit.domain.errors import NotFound
from tradecredit.domain.fx import FxRate
from tradecredit.domain.ledger import Adjustment, AdjustmentKind, Allocation, Invoice, Payment
from tradecredit.domain.money import Money
from tradecredit.store.settlement import settle
from tradecredit.store.tables import (
    AdjustmentRecord,
    AllocationRecord,
    Base,
    BuyerRecord,
    FxRateRecord,
    ImportBatchRecord,
    InvoiceRecord,
    PaymentRecord,
    StatementRecord,
)

# SQLite accepts 32,766 bound parameters per statement; stay well below for IN lists.
_IN_CHUNK = 2000


def _chunks(items: Sequence[Any], size: int = _IN_CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


class BulkRepository:
    """Keyed bulk access to one table: look rows up by their natural key, insert and update in batches."""

    record: ClassVar[type[Base]]
    key: ClassVar[tuple[str, ...]]

    def __init__(self, session: Session) -> None:
        self.session = session

    @property
    def table(self) -> Any:
        return self.record.__table__

    def existing(self, keys: Sequence[Any]) -> dict[Any, dict[str, Any]]:
        """Stored rows whose natural key is in ``keys`` (a key is a value, or a tuple for composite keys)."""
        found: dict[Any, dict[str, Any]] = {}
        columns = [self.table.c[name] for name in self.key]
        for chunk in _chunks(list(dict.fromkeys(keys))):
            condition = self._key_in(columns, chunk)
            for row in self.session.execute(select(self.table).where(condition)).mappings():
                key = row[self.key[0]] if len(self.key) == 1 else tuple(row[name] for name in self.key)
                found[key] = dict(row)
        return found

    def _key_in(self, columns: list[Any], keys: Sequence[Any]) -> Any:
        """``key IN (...)``; on PostgreSQL one array parameter (= ANY) instead of thousands of bound parameters."""
        if len(columns) > 1:
            return tuple_(*columns).in_(keys)
        if self.session.get_bind().dialect.name == "postgresql":
            return columns[0] == any_(bindparam("keys", list(keys), type_=ARRAY(columns[0].type)))
        return columns[0].in_(keys)

    def insert_many(self, rows: list[dict[str, Any]]) -> None:
        """Insert rows (dicts with the same keys) in the open transaction, by the fastest path per database.

        PostgreSQL gets COPY; elsewhere one executemany of tuples already converted by the column types.
        Row-by-row ORM inserts cost several times more on a million-row import.
        """
        if not rows:
            return
        columns = list(rows[0])
        connection = self.session.connection()
        if connection.dialect.name == "postgresql":
            self._copy(connection, columns, rows)
        else:
            self._executemany(connection, columns, rows)

    def _copy(self, connection: Any, columns: list[str], rows: list[dict[str, Any]]) -> None:
        names = ", ".join(columns)
        driver = connection.connection.driver_connection
        with driver.cursor() as cursor, cursor.copy(f"COPY {self.table.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[name] for name in columns])

    def _executemany(self, connection: Any, columns: list[str], rows: list[dict[str, Any]]) -> None:
        dialect = connection.dialect
        processors = [self.table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns]
        converted = [[row[name] for row in rows] for name in columns]
        for index, processor in enumerate(processors):
            if processor is not None:
                converted[index] = [None if v is None else processor(v) for v in converted[index]]
        marks = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO {self.table.name} ({', '.join(columns)}) VALUES ({marks})"
        connection.exec_driver_sql(sql, list(zip(*converted, strict=True)))

    def update_many(self, rows: list[dict[str, Any]]) -> None:
        """Update by primary key; every row carries ``id`` and the columns to set."""
        if rows:
            self.session.execute(update(self.record), rows)

    def count(self) -> int:
        return int(self.session.scalar(select(func.count()).select_from(self.table)) or 0)


class BuyerRepository(BulkRepository):
    record = BuyerRecord
    key = ("ref",)

    def ids_by_ref(self) -> dict[str, int]:
        return dict(self.session.execute(select(BuyerRecord.ref, BuyerRecord.id)).all())

    def parent_links(self) -> dict[int, int | None]:
        return dict(self.session.execute(select(BuyerRecord.id, BuyerRecord.parent_id)).all())

    def find(self, ref: str) -> BuyerRecord | None:
        return self.session.scalar(select(BuyerRecord).where(BuyerRecord.ref == ref))

    def get(self, ref: str) -> BuyerRecord:
        record = self.find(ref)
        if record is None:
            raise NotFound("buyer", ref)
        return record

    def add(self, **values: Any) -> BuyerRecord:
        record = BuyerRecord(**values)
        self.session.add(record)
        self.session.flush()
        return record

    def ref_of(self, buyer_id: int) -> str | None:
        return self.session.scalar(select(BuyerRecord.ref).where(BuyerRecord.id == buyer_id))

    def labels(self, buyer_ids: Collection[int]) -> dict[int, tuple[str, str]]:
        """buyer id → (ref, name), for lists that show who a row is about (one query for a page)."""
        if not buyer_ids:
            return {}
        rows = self.session.execute(select(BuyerRecord.id, BuyerRecord.ref, BuyerRecord.name)
                                    .where(BuyerRecord.id.in_(sorted(set(buyer_ids)))))
        return {buyer_id: (ref, name) for buyer_id, ref, name in rows}

    def ancestor_refs(self, buyer_id: int, *, limit: int = 64) -> list[str]:
        """Refs of the buyer's parent, grandparent, … (groups are shallow: one query per level)."""
        refs: list[str] = []
        current: int | None = buyer_id
        while current is not None and len(refs) < limit:
            row = self.session.execute(select(BuyerRecord.parent_id).where(BuyerRecord.id == current)).first()
            current = row[0] if row else None
            if current is not None:
                refs.append(self.ref_of(current) or "")
        return refs


class StatementRepository(BulkRepository):
    record = StatementRecord
    key = ("buyer_id", "period_end")


def _latest_rates_statement() -> Any:
    last = (select(FxRateRecord.currency, func.max(FxRateRecord.rate_date).label("rate_date"))
            .where(FxRateRecord.rate_date <= bindparam("on")).group_by(FxRateRecord.currency).subquery())
    return select(FxRateRecord.rate_date, FxRateRecord.currency, FxRateRecord.rate_to_base).join(
        last, (last.c.currency == FxRateRecord.currency) & (last.c.rate_date == FxRateRecord.rate_date))


LATEST_RATES = _latest_rates_statement()  # (rate date, currency, rate) per currency as of ``on``


class FxRateRepository(BulkRepository):
    record = FxRateRecord
    key = ("currency", "rate_date")

    def rates(self, *, on_or_before: date | None = None) -> list[FxRate]:
        query = select(FxRateRecord.rate_date, FxRateRecord.currency, FxRateRecord.rate_to_base)
        if on_or_before is not None:
            query = query.where(FxRateRecord.rate_date <= on_or_before)
        return [FxRate(on, currency, rate) for on, currency, rate in self.session.execute(query)]

    def latest(self, on: date) -> list[FxRate]:
        """The latest rate of each currency on or before ``on``."""
        return [FxRate(day, currency, rate) for day, currency, rate in self.session.execute(LATEST_RATES, {"on": on})]


class InvoiceRepository(BulkRepository):
    record = InvoiceRecord
    key = ("ref",)

    def insert_many(self, rows: list[dict[str, Any]]) -> None:
        """New invoices: none has a settlement yet (:mod:`store.settlement`)."""
        super().insert_many([{**row, "has_settlements": False} for row in rows])

    def update_many(self, rows: list[dict[str, Any]]) -> None:
        """A corrected amount moves the day the settlements cover it (a settled invoice may be open again)."""
        super().update_many(rows)
        settle(self.session, {row["id"] for row in rows if "amount" in row})

    def settled_totals(self, invoice_ids: Sequence[int]) -> dict[int, Decimal]:
        """Payments, credit notes and write-offs applied so far, per invoice id."""
        totals: dict[int, Decimal] = defaultdict(Decimal)
        for chunk in _chunks(invoice_ids):
            for record in (AllocationRecord, AdjustmentRecord):
                query = (select(record.invoice_id, func.sum(record.amount))
                                      .where(record.invoice_id.in_(chunk)).group_by(record.invoice_id))
                for invoice_id, total in self.session.execute(query):
                    totals[invoice_id] += Decimal(total)
        return dict(totals)

    def open_for_buyers(self, buyer_ids: Sequence[int], refs: Mapping[int, str]) -> dict[int, Invoice]:
        """Domain invoices (with their settlements) still open, by invoice id, for the given buyers.

        The settled total is a correlated sum per invoice (an index look-up in allocations and adjustments), not
        a join to a grouped subquery: that one aggregates the whole allocations table on every call, which made
        allocating a large import quadratic (every chunk of buyers scanned every allocation made so far).
        """
        query = (select(*_INVOICE_COLUMNS).where(InvoiceRecord.buyer_id.in_(buyer_ids))
                 .where(InvoiceRecord.amount > _settled_total()))
        invoices = {row.id: _invoice(row, refs) for row in self.session.execute(query)}
        self._load_settlements(invoices)
        return invoices

    def by_ids(self, ids: Sequence[int], refs: Mapping[int, str]) -> dict[int, Invoice]:
        invoices: dict[int, Invoice] = {}
        for chunk in _chunks(ids):
            for row in self.session.execute(select(*_INVOICE_COLUMNS).where(InvoiceRecord.id.in_(chunk))):
                invoices[row.id] = _invoice(row, refs)
        self._load_settlements(invoices)
        return invoices

    def _load_settlements(self, invoices: dict[int, Invoice]) -> None:
        ids = list(invoices)
        for chunk in _chunks(ids):
            allocations = (select(AllocationRecord, PaymentRecord.ref)
                           .join(PaymentRecord, PaymentRecord.id == AllocationRecord.payment_id)
                           .where(AllocationRecord.invoice_id.in_(chunk)))
            for allocation, payment_ref in self.session.execute(allocations):
                invoice = invoices[allocation.invoice_id]
                invoice.allocations.append(Allocation(payment_ref, invoice.ref, Money(allocation.amount,
                                                      invoice.currency), allocation.effective_date))
            adjustments = select(AdjustmentRecord).where(AdjustmentRecord.invoice_id.in_(chunk))
            for adjustment in self.session.scalars(adjustments):
                invoice = invoices[adjustment.invoice_id]
                invoice.adjustments.append(Adjustment(
                    adjustment.ref, invoice.ref, AdjustmentKind(adjustment.kind), adjustment.adjustment_date,
                    Money(adjustment.amount, invoice.currency), adjustment.reason))

    def for_buyer(self, buyer_id: int, refs: Mapping[int, str]) -> dict[int, Invoice]:
        ids = list(self.session.scalars(select(InvoiceRecord.id).where(InvoiceRecord.buyer_id == buyer_id)))
        return self.by_ids(ids, refs)

    def set_dispute(self, invoice_id: int, *, disputed: bool, reason: str | None) -> None:
        self.session.execute(update(InvoiceRecord).where(InvoiceRecord.id == invoice_id)
                             .values(disputed=disputed, dispute_reason=reason))


_INVOICE_COLUMNS = (InvoiceRecord.id, InvoiceRecord.ref, InvoiceRecord.buyer_id, InvoiceRecord.issue_date,
                    InvoiceRecord.due_date, InvoiceRecord.currency, InvoiceRecord.amount, InvoiceRecord.delivery_date,
                    InvoiceRecord.disputed, InvoiceRecord.dispute_reason)
_PAYMENT_COLUMNS = (PaymentRecord.id, PaymentRecord.ref, PaymentRecord.buyer_id, PaymentRecord.payment_date,
                    PaymentRecord.currency, PaymentRecord.amount, PaymentRecord.invoice_ref)


def _sum_for(record: Any, column: Any, outer: Any) -> Any:
    """``coalesce((SELECT sum(amount) FROM record WHERE column = outer), 0)``: one index look-up per outer row."""
    return func.coalesce(select(func.sum(record.amount)).where(column == outer).scalar_subquery(), 0)


def _settled_total() -> Any:
    """Allocations plus adjustments of the invoice in the outer query."""
    return (_sum_for(AllocationRecord, AllocationRecord.invoice_id, InvoiceRecord.id)
            + _sum_for(AdjustmentRecord, AdjustmentRecord.invoice_id, InvoiceRecord.id))


def _invoice(row: Row[*tuple[Any, ...]], refs: Mapping[int, str]) -> Invoice:
    return Invoice(row.ref, refs[row.buyer_id], row.issue_date, row.due_date, Money(row.amount, row.currency),
                   row.delivery_date, row.disputed, row.dispute_reason)


class PaymentRepository(BulkRepository):
    record = PaymentRecord
    key = ("ref",)

    def with_cash_on_account(self, buyer_ids: Sequence[int], refs: Mapping[int, str]) -> dict[int, Payment]:
        """Domain payments of these buyers that still have unallocated cash, by payment id."""
        return self._payments(buyer_ids, refs, open_only=True)

    def for_buyer(self, buyer_id: int, refs: Mapping[int, str]) -> dict[int, Payment]:
        return self._payments([buyer_id], refs, open_only=False)

    def by_ids(self, ids: Sequence[int], refs: Mapping[int, str]) -> dict[int, Payment]:
        buyer_ids = list(self.session.scalars(select(PaymentRecord.buyer_id).where(PaymentRecord.id.in_(ids))
                                              .distinct())) if ids else []
        found = self._payments(buyer_ids, refs, open_only=False, ids=ids)
        return {id_: found[id_] for id_ in ids if id_ in found}

    def _payments(self, buyer_ids: Sequence[int], refs: Mapping[int, str], *, open_only: bool,
                  ids: Sequence[int] | None = None) -> dict[int, Payment]:
        query = select(*_PAYMENT_COLUMNS).where(PaymentRecord.buyer_id.in_(buyer_ids))
        if open_only:  # a correlated sum per payment, not a grouped scan of every allocation (see open_for_buyers)
            query = query.where(PaymentRecord.amount > _sum_for(AllocationRecord, AllocationRecord.payment_id,
                                                                 PaymentRecord.id))
        if ids is not None:
            query = query.where(PaymentRecord.id.in_(ids))
        payments: dict[int, Payment] = {}
        for row in self.session.execute(query):
            payments[row.id] = Payment(row.ref, refs[row.buyer_id], row.payment_date, Money(row.amount, row.currency),
                                       row.invoice_ref)
        for chunk in _chunks(list(payments)):
            allocations = (select(AllocationRecord, InvoiceRecord.ref)
                           .join(InvoiceRecord, InvoiceRecord.id == AllocationRecord.invoice_id)
                           .where(AllocationRecord.payment_id.in_(chunk)))
            for allocation, invoice_ref in self.session.execute(allocations):
                payment = payments[allocation.payment_id]
                payment.allocations.append(Allocation(payment.ref, invoice_ref, Money(
                    allocation.amount, payment.amount.currency), allocation.effective_date))
        return payments

    def cash_on_account(self) -> list[Row[Any]]:
        """Unallocated cash per buyer and currency."""
        used = (select(AllocationRecord.payment_id, func.sum(AllocationRecord.amount).label("used"))
                .group_by(AllocationRecord.payment_id).subquery())
        remaining = PaymentRecord.amount - func.coalesce(used.c.used, 0)
        query = (select(PaymentRecord.buyer_id, PaymentRecord.currency, func.sum(remaining))
                 .outerjoin(used, used.c.payment_id == PaymentRecord.id)
                 .where(remaining > 0).group_by(PaymentRecord.buyer_id, PaymentRecord.currency))
        return list(self.session.execute(query))


class _SettlementRepository(BulkRepository):
    """Allocations and adjustments: inserting them also works out their invoices' ``settled_on`` and
    ``has_settlements`` again."""

    def insert_many(self, rows: list[dict[str, Any]]) -> None:
        super().insert_many(rows)
        settle(self.session, {row["invoice_id"] for row in rows})


class AllocationRepository(_SettlementRepository):
    record = AllocationRecord
    key = ("id",)


class AdjustmentRepository(_SettlementRepository):
    record = AdjustmentRecord
    key = ("ref",)


class ImportBatchRepository(BulkRepository):
    record = ImportBatchRecord
    key = ("id",)

    def add(self, **values: Any) -> None:
        self.session.add(ImportBatchRecord(**values))
