"""The payment promises repository: add, cancel (through the record), the lists, and the set-based reads the
monitoring run and the assessment count broken promises from — one query for the promises and two for what was
paid towards them, for the whole portfolio, never one per buyer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from tradecredit.domain.promises import Paid, Promise
from tradecredit.store.tables import AllocationRecord, BuyerRecord, InvoiceRecord, PaymentPromiseRecord

CHUNK = 5000  # promise ids per IN list, well under SQLite's and PostgreSQL's limits


@dataclass(frozen=True, slots=True)
class PromiseRow:
    id: int
    buyer_id: int
    buyer_ref: str
    buyer_name: str
    invoice_ref: str | None
    amount: Decimal
    currency: str
    made_on: date
    promised_date: date
    note: str | None
    recorded_by: str
    recorded_at: datetime
    cancelled_by: str | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    version: int

    @property
    def promise(self) -> Promise:
        cancelled_on = self.cancelled_at.date() if self.cancelled_at is not None else None
        return Promise(self.amount, self.currency, self.made_on, self.promised_date, cancelled_on)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


class PaymentPromiseRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, **values: Any) -> PaymentPromiseRecord:
        record = PaymentPromiseRecord(**values)
        self.session.add(record)
        self.session.flush()
        return record

    def get(self, promise_id: int) -> PaymentPromiseRecord | None:
        return self.session.get(PaymentPromiseRecord, promise_id)

    def _rows(self, *conditions: Any) -> list[PromiseRow]:
        p = PaymentPromiseRecord
        query = (select(p.id, p.buyer_id, BuyerRecord.ref, BuyerRecord.name, InvoiceRecord.ref, p.amount, p.currency,
                        p.made_on, p.promised_date, p.note, p.recorded_by, p.recorded_at, p.cancelled_by,
                        p.cancelled_at, p.cancel_reason, p.version)
                 .join(BuyerRecord, BuyerRecord.id == p.buyer_id)
                 .outerjoin(InvoiceRecord, InvoiceRecord.id == p.invoice_id)
                 .where(*conditions).order_by(p.promised_date.desc(), p.id.desc()))
        return [PromiseRow(*tuple(row)) for row in self.session.execute(query)]

    def row(self, promise_id: int) -> PromiseRow | None:
        found = self._rows(PaymentPromiseRecord.id == promise_id)
        return found[0] if found else None

    def listed(self, *, buyer_id: int | None, cancelled: bool | None) -> list[PromiseRow]:
        """Promises latest promised date first, of one buyer and cancelled or not (each filter optional)."""
        conditions = []
        if buyer_id is not None:
            conditions.append(PaymentPromiseRecord.buyer_id == buyer_id)
        if cancelled is not None:
            cancelled_at = PaymentPromiseRecord.cancelled_at
            conditions.append(cancelled_at.is_not(None) if cancelled else cancelled_at.is_(None))
        return self._rows(*conditions)

    def standing_on(self, on: date, *, promised_after: date, promised_by: date,
                    buyer_ids: Sequence[int] | None = None) -> list[PromiseRow]:
        """Promises with a promised date in (promised_after, promised_by] not cancelled by the end of ``on``."""
        p = PaymentPromiseRecord
        conditions = [p.promised_date > promised_after, p.promised_date <= promised_by,
                      or_(p.cancelled_at.is_(None), p.cancelled_at >= _start_of(on + timedelta(days=1)))]
        if buyer_ids is not None:
            conditions.append(p.buyer_id.in_(list(buyer_ids)))
        return self._rows(*conditions)

    def payments(self, rows: Sequence[PromiseRow], *, through: date) -> dict[int, list[Paid]]:
        """promise id → allocations by day, effective from the day it was made through ``through``: to its invoice,
        or (no invoice) to any invoice of its buyer in its currency."""
        found: dict[int, list[Paid]] = {}
        ids = [row.id for row in rows]
        for start in range(0, len(ids), CHUNK):
            for promise_id, on, amount in self._paid(ids[start:start + CHUNK], through):
                found.setdefault(promise_id, []).append(Paid(on, amount))
        return found

    def _paid(self, ids: Sequence[int], through: date) -> list[Any]:
        p, a, i = PaymentPromiseRecord, AllocationRecord, InvoiceRecord
        window = (a.effective_date >= p.made_on, a.effective_date <= through, p.id.in_(ids))
        one_invoice = (select(p.id, a.effective_date, func.sum(a.amount))
                       .join(a, a.invoice_id == p.invoice_id).where(*window)
                       .group_by(p.id, a.effective_date))
        balance = (select(p.id, a.effective_date, func.sum(a.amount))
                   .join(i, (i.buyer_id == p.buyer_id) & (i.currency == p.currency))
                   .join(a, a.invoice_id == i.id).where(p.invoice_id.is_(None), *window)
                   .group_by(p.id, a.effective_date))
        return [*self.session.execute(one_invoice), *self.session.execute(balance)]
