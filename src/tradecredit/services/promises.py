"""Payment promise use cases: record a promise, cancel it, list them, and count each buyer's broken promises for
the monitoring run and the assessment.

A promise is never deleted: cancelling keeps the row with who, when and why, and names the version it was read
at (an older one gets StaleVersion and nothing changes). Recording and cancelling are audited (entity
``payment_promise``). Whether a promise was kept is computed from the ledger's allocations each time it is read
(:mod:`tradecredit.domain.promises`); ``docs/promises.md`` explains the rule.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from tradecredit.domain.errors import Conflict, NotFound, StaleVersion, ValidationError
from tradecredit.domain.money import round_money
from tradecredit.domain.promises import (
    MAX_NOTE,
    YEAR,
    PromisePolicy,
    PromiseStatus,
    broken_within_year,
    new_promise,
    paid_towards,
    status,
)
from tradecredit.services.paging import check_page
from tradecredit.store.promises import PromiseRow
from tradecredit.store.tables import BuyerRecord
from tradecredit.store.uow import SqlUnitOfWork

__all__ = ["STATUSES", "PromisePage", "PromiseView", "broken_promises", "cancel_promise", "list_promises",
           "record_promise"]

STATUSES = tuple(s.value for s in PromiseStatus)


@dataclass(frozen=True)
class PromiseView:
    id: int
    buyer_ref: str
    buyer_name: str
    invoice_ref: str | None
    amount: Decimal
    currency: str
    made_on: date
    promised_date: date
    deadline: date
    paid: Decimal
    status: str
    note: str | None
    recorded_by: str
    recorded_at: datetime
    cancelled_by: str | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    version: int


@dataclass(frozen=True)
class PromisePage:
    items: list[PromiseView]
    total: int
    page: int
    size: int


def _views(uow: SqlUnitOfWork, rows: Sequence[PromiseRow], *, policy: PromisePolicy) -> list[PromiseView]:
    """Each promise with what was paid towards it and its status today."""
    today = uow.clock.today()
    paid = uow.promises.payments(rows, through=today)
    views = []
    for row in rows:
        promise, payments = row.promise, paid.get(row.id, [])
        towards = paid_towards(promise, payments, on=today, policy=policy)
        views.append(PromiseView(
            row.id, row.buyer_ref, row.buyer_name, row.invoice_ref, round_money(row.amount, row.currency),
            row.currency, row.made_on, row.promised_date, promise.deadline(policy), round_money(towards, row.currency),
            status(promise, payments, on=today, policy=policy).value, row.note, row.recorded_by, row.recorded_at,
            row.cancelled_by, row.cancelled_at, row.cancel_reason, row.version))
    return views


def _text(value: str | None, field: str, *, required: bool) -> str | None:
    text = (value or "").strip()
    if len(text) > MAX_NOTE or (required and not text):
        raise ValidationError(field, f"expected {1 if required else 0}–{MAX_NOTE} characters; got {len(text)}")
    return text or None


def _invoice(uow: SqlUnitOfWork, buyer: BuyerRecord, ref: str) -> dict[str, Any]:
    found = uow.invoices.existing([ref]).get(ref)
    if found is None:
        raise NotFound("invoice", ref)
    if found["buyer_id"] != buyer.id:
        raise ValidationError("invoice_ref", f"invoice {ref} is not an invoice of buyer {buyer.ref}")
    return found


def record_promise(uow: SqlUnitOfWork, *, buyer_ref: str, amount: Decimal, promised_date: date, actor: str,
                   policy: PromisePolicy, invoice_ref: str | None = None, currency: str | None = None,
                   made_on: date | None = None, note: str | None = None) -> PromiseView:
    """Record that the buyer promised to pay ``amount`` by ``promised_date``, for one invoice or (no invoice) its
    overdue balance. The currency defaults to the invoice's, else the buyer's; made today unless ``made_on``."""
    text = _text(note, "note", required=False)
    with uow:
        buyer = uow.buyers.get(buyer_ref)
        invoice = _invoice(uow, buyer, invoice_ref) if invoice_ref is not None else None
        code = currency or (invoice["currency"] if invoice else buyer.currency)
        promise = new_promise(amount=amount, currency=code, made_on=made_on or uow.clock.today(),
                              promised_date=promised_date, today=uow.clock.today())
        if invoice is not None and promise.currency != invoice["currency"]:
            raise ValidationError("currency", f"invoice {invoice_ref} is in {invoice['currency']}; a promise for it "
                                              f"is too, not {promise.currency}")
        now = uow.clock.now()
        record = uow.promises.add(
            buyer_id=buyer.id, invoice_id=invoice["id"] if invoice else None, amount=promise.amount,
            currency=promise.currency, made_on=promise.made_on, promised_date=promise.promised_date, note=text,
            recorded_by=actor, recorded_at=now, version=1)
        uow.audit.record(at=now, actor=actor, action="create", entity="payment_promise", key=str(record.id),
                         after={"buyer_ref": buyer.ref, "invoice_ref": invoice_ref, "amount": str(promise.amount),
                                "currency": promise.currency, "made_on": promise.made_on.isoformat(),
                                "promised_date": promise.promised_date.isoformat(), "note": text})
        uow.commit()
        return _one(uow, record.id, policy)


def _one(uow: SqlUnitOfWork, promise_id: int, policy: PromisePolicy) -> PromiseView:
    row = uow.promises.row(promise_id)
    if row is None:
        raise NotFound("payment promise", promise_id)
    return _views(uow, [row], policy=policy)[0]


def cancel_promise(uow: SqlUnitOfWork, *, promise_id: int, version: int, reason: str, actor: str,
                   policy: PromisePolicy) -> PromiseView:
    """Cancel a promise (recorded in error, or replaced by another), saying why; it then never counts as broken.
    ``version`` is the one read: a promise changed since gets StaleVersion."""
    why = _text(reason, "reason", required=True)
    with uow:
        record = uow.promises.get(promise_id)
        if record is None:
            raise NotFound("payment promise", promise_id)
        if record.cancelled_at is not None:
            raise Conflict(f"payment promise {promise_id} was already cancelled on {record.cancelled_at:%Y-%m-%d} "
                           f"by {record.cancelled_by}")
        if version != record.version:
            raise StaleVersion("payment promise", promise_id, version, record.version)
        now = uow.clock.now()
        record.cancelled_by, record.cancelled_at, record.cancel_reason = actor, now, why
        record.version += 1
        uow.audit.record(at=now, actor=actor, action="cancel", entity="payment_promise", key=str(promise_id),
                         before={"version": version}, after={"reason": why, "version": record.version})
        uow.commit()
        return _one(uow, promise_id, policy)


def _check_status(value: str | None) -> PromiseStatus | None:
    if value is None:
        return None
    try:
        return PromiseStatus(value)
    except ValueError:
        raise ValidationError("status", f"unknown promise status {value!r}; expected one of "
                                        f"{', '.join(STATUSES)}") from None


def list_promises(uow: SqlUnitOfWork, *, policy: PromisePolicy, buyer_ref: str | None = None,
                  status: str | None = None, page: int = 1, size: int = 50) -> PromisePage:
    """Promises latest promised date first, of one buyer and in one status today (each filter optional). The
    status is computed, so the buyer's (or everyone's) promises are read and filtered here."""
    offset = check_page(page, size)
    wanted = _check_status(status)
    with uow:
        buyer_id = uow.buyers.get(buyer_ref).id if buyer_ref is not None else None
        cancelled = None if wanted is None else wanted is PromiseStatus.CANCELLED
        views = _views(uow, uow.promises.listed(buyer_id=buyer_id, cancelled=cancelled), policy=policy)
    matching = [v for v in views if wanted is None or v.status == wanted.value]
    return PromisePage(matching[offset:offset + size], len(matching), page, size)


def broken_promises(uow: SqlUnitOfWork, *, as_of: date, policy: PromisePolicy,
                    buyer_ids: Sequence[int] | None = None) -> dict[int, int]:
    """buyer_id → promises broken on ``as_of`` with a promised date in the 365 days up to it, inside the caller's
    open unit of work; buyers with none are left out. Two reads for the whole portfolio (or ``buyer_ids``)."""
    rows = uow.promises.standing_on(as_of, promised_after=as_of - YEAR, promised_by=as_of, buyer_ids=buyer_ids)
    paid = uow.promises.payments(rows, through=as_of)
    broken = Counter(row.buyer_id for row in rows
                     if broken_within_year(row.promise, paid.get(row.id, []), on=as_of, policy=policy))
    return dict(broken)
