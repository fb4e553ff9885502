"""The receivables ledger: invoices, credit notes and write-offs, payments and their allocation.

An invoice's open amount and status are never stored: they follow from the amount less what was settled
(payments allocated to it, credit notes, write-offs), so the ledger cannot disagree with itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from tradecredit.domain.errors import AllocationError, ValidationError
from tradecredit.domain.money import Money


class InvoiceStatus(StrEnum):
    OPEN = "open"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    DISPUTED = "disputed"
    WRITTEN_OFF = "written_off"


class AdjustmentKind(StrEnum):
    CREDIT_NOTE = "credit_note"
    WRITE_OFF = "write_off"


@dataclass(frozen=True, slots=True)
class Allocation:
    """Part of a payment applied to one invoice, effective on ``on`` (never before the invoice's issue)."""

    payment_ref: str
    invoice_ref: str
    amount: Money
    on: date


@dataclass(frozen=True, slots=True)
class Adjustment:
    """A credit note or write-off that reduces one invoice."""

    ref: str
    invoice_ref: str
    kind: AdjustmentKind
    on: date
    amount: Money
    reason: str | None = None


@dataclass(slots=True)
class Invoice:
    ref: str
    buyer_ref: str
    issue_date: date
    due_date: date
    amount: Money
    delivery_date: date | None = None
    disputed: bool = False
    dispute_reason: str | None = None
    allocations: list[Allocation] = field(default_factory=list)
    adjustments: list[Adjustment] = field(default_factory=list)

    @property
    def currency(self) -> str:
        return self.amount.currency

    def settled(self, as_of: date | None = None) -> Money:
        """Payments, credit notes and write-offs effective on or before ``as_of`` (all when None)."""
        items: list[Allocation | Adjustment] = [*self.allocations, *self.adjustments]
        total = sum((item.amount.amount for item in items if as_of is None or item.on <= as_of), Decimal(0))
        return Money(total, self.currency)

    def open_amount(self, as_of: date | None = None) -> Money:
        return self.amount - self.settled(as_of)

    def status(self, as_of: date | None = None) -> InvoiceStatus:
        """Derived status. A settled invoice is paid or written off; an open one disputed, partly paid or open."""
        if self.open_amount(as_of).is_zero():
            written_off = any(a.kind is AdjustmentKind.WRITE_OFF and (as_of is None or a.on <= as_of)
                              for a in self.adjustments)
            return InvoiceStatus.WRITTEN_OFF if written_off else InvoiceStatus.PAID
        if self.disputed:
            return InvoiceStatus.DISPUTED
        paid = any(as_of is None or a.on <= as_of for a in self.allocations)
        return InvoiceStatus.PARTIALLY_PAID if paid else InvoiceStatus.OPEN

    def days_past_due(self, as_of: date) -> int:
        return (as_of - self.due_date).days

    def adjust(self, adjustment: Adjustment) -> None:
        """Apply a credit note or write-off; it may not exceed what is open."""
        if adjustment.amount.currency != self.currency:
            raise ValidationError("amount", f"{adjustment.kind} is in {adjustment.amount.currency}; "
                                            f"invoice {self.ref} is in {self.currency}")
        if adjustment.on < self.issue_date:
            raise ValidationError("date", f"{adjustment.on} is before invoice {self.ref} was issued "
                                          f"({self.issue_date})")
        open_now = self.open_amount()
        if open_now < adjustment.amount:
            raise ValidationError("amount", f"{adjustment.amount} exceeds the open amount {open_now} of "
                                            f"invoice {self.ref}")
        self.adjustments.append(adjustment)


def new_invoice(
    *,
    ref: str,
    buyer_ref: str,
    issue_date: date,
    due_date: date,
    amount: Money,
    delivery_date: date | None = None,
    disputed: bool = False,
    dispute_reason: str | None = None,
) -> Invoice:
    if due_date < issue_date:
        raise ValidationError("due_date", f"{due_date} is before the issue date {issue_date}")
    if amount.amount <= 0:
        raise ValidationError("amount", f"expected an amount greater than zero; got {amount.amount}")
    return Invoice(ref, buyer_ref, issue_date, due_date, amount, delivery_date, disputed,
                   dispute_reason if disputed else None)


@dataclass(slots=True)
class Payment:
    ref: str
    buyer_ref: str
    on: date
    amount: Money
    invoice_ref: str | None = None
    allocations: list[Allocation] = field(default_factory=list)

    def unallocated(self) -> Money:
        """Cash on account: what no invoice has taken yet."""
        used = sum((a.amount.amount for a in self.allocations), Decimal(0))
        return self.amount - Money(used, self.amount.currency)


def new_payment(*, ref: str, buyer_ref: str, on: date, amount: Money, invoice_ref: str | None = None) -> Payment:
    if amount.amount <= 0:
        raise ValidationError("amount", f"expected an amount greater than zero; got {amount.amount}")
    return Payment(ref, buyer_ref, on, amount, invoice_ref)


def _oldest_first(invoice: Invoice) -> tuple[date, date, str]:
    return (invoice.due_date, invoice.issue_date, invoice.ref)


def allocate(payment: Payment, invoices: Sequence[Invoice]) -> list[Allocation]:
    """Apply the payment's unallocated cash and return the new allocations.

    A payment naming an invoice pays that invoice only, up to its open amount; otherwise it pays the buyer's
    oldest open invoices in its currency first (by due date, then issue date, then reference). Disputed
    invoices are skipped by oldest-first allocation: the buyer contests them. What is left stays on account.
    Each allocation takes effect on the later of the payment date and the invoice's issue date.
    """
    if payment.invoice_ref is not None:
        targets = [i for i in invoices if i.ref == payment.invoice_ref]
        if not targets:
            raise AllocationError(f"payment {payment.ref} names invoice {payment.invoice_ref}, which is not "
                                  f"an invoice of buyer {payment.buyer_ref}")
    else:
        currency = payment.amount.currency
        targets = sorted((i for i in invoices if not i.disputed and i.currency == currency), key=_oldest_first)
    made: list[Allocation] = []
    for invoice in targets:
        _check_allocatable(payment, invoice)
        remaining = payment.unallocated()
        if remaining.is_zero():
            break
        open_now = invoice.open_amount()
        if open_now.amount <= 0:
            continue
        take = open_now if open_now <= remaining else remaining
        allocation = Allocation(payment.ref, invoice.ref, take, max(payment.on, invoice.issue_date))
        invoice.allocations.append(allocation)
        payment.allocations.append(allocation)
        made.append(allocation)
    return made


def _check_allocatable(payment: Payment, invoice: Invoice) -> None:
    if invoice.buyer_ref != payment.buyer_ref:
        raise AllocationError(f"invoice {invoice.ref} belongs to buyer {invoice.buyer_ref}, payment "
                              f"{payment.ref} to buyer {payment.buyer_ref}")
    if invoice.currency != payment.amount.currency:
        raise AllocationError(f"invoice {invoice.ref} is in {invoice.currency}, payment {payment.ref} in "
                              f"{payment.amount.currency}")
