"""Ledger use cases: a buyer's account, applying cash on account, disputes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from tradecredit.domain.errors import NotFound, ValidationError
from tradecredit.domain.ledger import Invoice, InvoiceStatus, Payment, allocate
from tradecredit.engine.aging import aging_labels
from tradecredit.store.uow import SqlUnitOfWork

ALLOCATION_CHUNK = 500


@dataclass(frozen=True)
class InvoiceLine:
    ref: str
    issue_date: date
    due_date: date
    currency: str
    amount: Decimal
    open_amount: Decimal
    status: InvoiceStatus
    days_past_due: int
    dispute_reason: str | None


@dataclass(frozen=True)
class PaymentLine:
    ref: str
    payment_date: date
    currency: str
    amount: Decimal
    unallocated: Decimal
    invoice_ref: str | None


@dataclass(frozen=True)
class BuyerAccount:
    ref: str
    name: str
    country: str
    currency: str
    payment_terms_days: int
    registration_id: str | None
    registration_verified: bool
    lei: str | None
    industry: str | None
    parent_ref: str | None
    members: list[str]
    invoices: list[InvoiceLine]
    payments: list[PaymentLine]


@dataclass(frozen=True)
class AgingLine:
    bucket: str
    currency: str
    amount: Decimal
    invoices: int


def account_aging(account: BuyerAccount, *, edges: Sequence[int]) -> list[AgingLine]:
    """The buyer's open invoices by days past due, per invoice currency (bucket labels as in the reports)."""
    labels = aging_labels(edges)
    bounds = tuple(edges) if edges[0] == 0 else (0, *edges)
    sums: dict[tuple[str, str], tuple[Decimal, int]] = {}
    for line in account.invoices:
        if line.open_amount > 0:
            index = sum(1 for edge in bounds if line.days_past_due > edge)
            amount, count = sums.get((labels[index], line.currency), (Decimal(0), 0))
            sums[(labels[index], line.currency)] = (amount + line.open_amount, count + 1)
    currencies = sorted({currency for _, currency in sums})
    return [AgingLine(label, currency, *sums.get((label, currency), (Decimal(0), 0)))
            for currency in currencies for label in labels]


def buyer_account(uow: SqlUnitOfWork, *, ref: str, as_of: date) -> BuyerAccount:
    """Identity, group, invoices with derived status and open amount at ``as_of``, and payments."""
    with uow:
        record = uow.buyers.get(ref)
        refs = {id_: r for r, id_ in uow.buyers.ids_by_ref().items()}
        links = uow.buyers.parent_links()
        invoices = sorted(uow.invoices.for_buyer(record.id, refs).values(), key=lambda i: (i.issue_date, i.ref))
        payments = sorted(uow.payments.for_buyer(record.id, refs).values(), key=lambda p: (p.on, p.ref))
        return BuyerAccount(
            record.ref, record.name, record.country, record.currency, record.payment_terms_days,
            record.registration_id, record.registration_scheme is not None, record.lei, record.industry,
            refs[record.parent_id] if record.parent_id else None,
            sorted(refs[child] for child, parent in links.items() if parent == record.id),
            [invoice_line(invoice, as_of) for invoice in invoices if invoice.issue_date <= as_of],
            [PaymentLine(p.ref, p.on, p.amount.currency, p.amount.amount, p.unallocated().amount, p.invoice_ref)
             for p in payments if p.on <= as_of])


def invoice_line(invoice: Invoice, as_of: date) -> InvoiceLine:
    return InvoiceLine(invoice.ref, invoice.issue_date, invoice.due_date, invoice.currency,
                       invoice.amount.amount, invoice.open_amount(as_of).amount, invoice.status(as_of),
                       invoice.days_past_due(as_of), invoice.dispute_reason)


def apply_cash_on_account(uow: SqlUnitOfWork, *, actor: str, buyer_ref: str | None = None) -> int:
    """Allocate every buyer's (or one buyer's) unallocated cash to its oldest open invoices."""
    with uow:
        ids = uow.buyers.ids_by_ref()
        refs = {id_: ref for ref, id_ in ids.items()}
        buyer_ids = [uow.buyers.get(buyer_ref).id] if buyer_ref else sorted(refs)
        made = 0
        for start in range(0, len(buyer_ids), ALLOCATION_CHUNK):
            rows = list(allocate_cash(uow, buyer_ids[start:start + ALLOCATION_CHUNK], refs,
                                      now=uow.clock.now()))
            uow.allocations.insert_many(rows)
            made += len(rows)
        uow.audit.record(at=uow.clock.now(), actor=actor, action="apply_cash", entity="buyer", key=buyer_ref or "*",
                         after={"allocations": made})
        uow.commit()
        return made


def _candidates(payment: Payment, by_ref: dict[str, Invoice], by_buyer: dict[str, list[Invoice]]) -> list[Invoice]:
    """The open invoices offered to a payment: the one it names, if the buyer's, or all the buyer's.

    ``allocate`` picks the named invoice out of what it is given; handing it one invoice instead of the buyer's
    whole list keeps a large import from scanning every open invoice of the buyer for each payment.
    """
    if payment.invoice_ref is None:
        return by_buyer[payment.buyer_ref]
    named = by_ref[payment.invoice_ref]
    return [named] if named.buyer_ref == payment.buyer_ref else []


def set_dispute(uow: SqlUnitOfWork, *, invoice_ref: str, disputed: bool, reason: str | None, actor: str) -> None:
    """Mark an invoice disputed (with a reason) or resolve the dispute."""
    if disputed and not (reason or "").strip():
        raise ValidationError("reason", "a dispute needs a reason")
    with uow:
        before = uow.invoices.existing([invoice_ref]).get(invoice_ref)
        if before is None:
            raise NotFound("invoice", invoice_ref)
        new_reason = reason.strip() if disputed and reason else None
        uow.invoices.set_dispute(before["id"], disputed=disputed, reason=new_reason)
        uow.audit.record(at=uow.clock.now(), actor=actor, action="dispute" if disputed else "resolve_dispute",
                         entity="invoice", key=invoice_ref,
                         before={"disputed": before["disputed"], "dispute_reason": before["dispute_reason"]},
                         after={"disputed": disputed, "dispute_reason": new_reason})
        uow.commit()


def allocate_cash(uow: SqlUnitOfWork, buyer_ids: Sequence[int], refs: dict[int, str], *, now: datetime,
                  only: dict[int, set[str]] | None = None) -> Iterator[dict[str, Any]]:
    """Allocation rows for the buyers' unallocated cash (all of it, or only the payments in ``only``).

    Payments are taken in date order, so the result does not depend on the order rows arrived in.
    """
    invoices = uow.invoices.open_for_buyers(buyer_ids, refs)
    payments = uow.payments.with_cash_on_account(buyer_ids, refs)
    invoice_ids = {invoice.ref: id_ for id_, invoice in invoices.items()}
    by_ref = {invoice.ref: invoice for invoice in invoices.values()}
    by_buyer: dict[str, list[Invoice]] = defaultdict(list)
    for invoice in invoices.values():
        by_buyer[invoice.buyer_ref].append(invoice)
    payment_ids = {payment.ref: id_ for id_, payment in payments.items()}
    wanted = {ref for buyer_id in buyer_ids for ref in (only or {}).get(buyer_id, ())}
    for payment in sorted(payments.values(), key=lambda p: (p.on, p.ref)):
        if only is not None and payment.ref not in wanted:
            continue
        if payment.invoice_ref is not None and payment.invoice_ref not in invoice_ids:
            if only is not None:
                continue  # at import, cash for an already settled invoice stays on account
            payment.invoice_ref = None  # applying cash on account: the named invoice is settled, go oldest-first
        for allocation in allocate(payment, _candidates(payment, by_ref, by_buyer)):
            yield {"payment_id": payment_ids[payment.ref], "invoice_id": invoice_ids[allocation.invoice_ref],
                   "amount": allocation.amount.amount, "effective_date": allocation.on, "created_at": now}
