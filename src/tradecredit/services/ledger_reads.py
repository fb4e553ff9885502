"""Read use cases for the ledger's lists: invoices, payments, statements, FX rates and import history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from tradecredit.domain.errors import NotFound
from tradecredit.domain.money import round_money
from tradecredit.domain.statements import LINE_ITEMS
from tradecredit.services.ledger import InvoiceLine, PaymentLine, invoice_line
from tradecredit.services.paging import check_page
from tradecredit.store import queries
from tradecredit.store.uow import SqlUnitOfWork


@dataclass(frozen=True)
class Settlement:
    ref: str
    kind: str
    date: date
    amount: Decimal


@dataclass(frozen=True)
class InvoiceDetail:
    line: InvoiceLine
    buyer_ref: str
    settlements: list[Settlement]


@dataclass(frozen=True)
class Allocated:
    invoice_ref: str
    amount: Decimal
    date: date


@dataclass(frozen=True)
class PaymentDetail:
    line: PaymentLine
    buyer_ref: str
    allocations: list[Allocated]


@dataclass(frozen=True)
class StatementView:
    buyer_ref: str
    period_end: date
    currency: str
    items: dict[str, Decimal | None]


@dataclass(frozen=True)
class FxView:
    date: date
    currency: str
    rate_to_base: Decimal


@dataclass(frozen=True)
class ImportView:
    kind: str
    file_name: str
    sha256: str
    rows: int
    inserted: int
    updated: int
    unchanged: int
    imported_by: str
    imported_at: datetime


def list_invoices(uow: SqlUnitOfWork, *, buyer_ref: str | None = None, open_only: bool = False,
                  overdue_only: bool = False, disputed: bool | None = None, page: int = 1, size: int = 50,
                  as_of: date | None = None) -> tuple[list[InvoiceDetail], int]:
    offset = check_page(page, size)
    with uow:
        day = as_of or uow.clock.today()
        buyer_id = uow.buyers.get(buyer_ref).id if buyer_ref else None
        ids, total = queries.invoice_page(uow.session, buyer_id=buyer_id, open_only=open_only,
                                          overdue_on=day if overdue_only else None, disputed=disputed,
                                          offset=offset, limit=size)
        return _invoice_details(uow, ids, day), total


def invoice_detail(uow: SqlUnitOfWork, *, ref: str, as_of: date | None = None) -> InvoiceDetail:
    with uow:
        found = uow.invoices.existing([ref]).get(ref)
        if found is None:
            raise NotFound("invoice", ref)
        return _invoice_details(uow, [found["id"]], as_of or uow.clock.today())[0]


def _invoice_details(uow: SqlUnitOfWork, ids: list[int], day: date) -> list[InvoiceDetail]:
    refs = {id_: ref for ref, id_ in uow.buyers.ids_by_ref().items()}
    invoices = uow.invoices.by_ids(ids, refs)
    details = []
    for id_ in ids:
        invoice = invoices[id_]
        settlements = [Settlement(a.payment_ref, "payment", a.on, a.amount.amount) for a in invoice.allocations]
        settlements += [Settlement(a.ref, a.kind.value, a.on, a.amount.amount) for a in invoice.adjustments]
        details.append(InvoiceDetail(invoice_line(invoice, day), invoice.buyer_ref,
                                     sorted(settlements, key=lambda s: (s.date, s.ref))))
    return details


def list_payments(uow: SqlUnitOfWork, *, buyer_ref: str | None = None, page: int = 1,
                  size: int = 50) -> tuple[list[PaymentDetail], int]:
    offset = check_page(page, size)
    with uow:
        buyer_id = uow.buyers.get(buyer_ref).id if buyer_ref else None
        ids, total = queries.payment_page(uow.session, buyer_id=buyer_id, offset=offset, limit=size)
        return _payment_details(uow, ids), total


def payment_detail(uow: SqlUnitOfWork, *, ref: str) -> PaymentDetail:
    with uow:
        found = uow.payments.existing([ref]).get(ref)
        if found is None:
            raise NotFound("payment", ref)
        return _payment_details(uow, [found["id"]])[0]


def _payment_details(uow: SqlUnitOfWork, ids: list[int]) -> list[PaymentDetail]:
    refs = {id_: ref for ref, id_ in uow.buyers.ids_by_ref().items()}
    payments = uow.payments.by_ids(ids, refs)
    return [PaymentDetail(PaymentLine(p.ref, p.on, p.amount.currency, p.amount.amount, p.unallocated().amount,
                                      p.invoice_ref), p.buyer_ref,
                          [Allocated(a.invoice_ref, a.amount.amount, a.on) for a in p.allocations])
            for p in payments.values()]


def list_statements(uow: SqlUnitOfWork, *, buyer_ref: str) -> list[StatementView]:
    with uow:
        buyer = uow.buyers.get(buyer_ref)
        return [StatementView(buyer_ref, record.period_end, record.currency,
                              {item: _rounded(getattr(record, item), record.currency) for item in LINE_ITEMS})
                for record in queries.statements_of(uow.session, buyer.id)]


def _rounded(value: Decimal | None, currency: str) -> Decimal | None:
    return None if value is None else round_money(value, currency)


def list_fx_rates(uow: SqlUnitOfWork, *, currency: str | None = None, page: int = 1,
                  size: int = 50) -> tuple[list[FxView], int]:
    offset = check_page(page, size)
    with uow:
        rows, total = queries.fx_page(uow.session, currency=currency.upper() if currency else None, offset=offset,
                                      limit=size)
        return [FxView(day, code, rate.normalize()) for day, code, rate in rows], total


def import_history(uow: SqlUnitOfWork, *, page: int = 1, size: int = 50) -> tuple[list[ImportView], int]:
    offset = check_page(page, size)
    with uow:
        rows, total = queries.import_history(uow.session, offset=offset, limit=size)
        return [ImportView(r.kind, r.file_name, r.sha256, r.rows, r.inserted, r.updated, r.unchanged, r.imported_by,
                           r.imported_at) for r in rows], total
