"""``invoices.settled_on``: the day an invoice's settlements reached its amount, kept by the settlement writers.

The order check reads a buyer's invoices open on its day, each open amount a sum over the invoice's allocations
and adjustments. Without a mark, a buyer with years of paid invoices cost every check those sums for every paid
invoice. With it, the read passes over invoices settled by its day in the index.

Settlements only ever add up (allocations and adjustments are positive, never changed or removed), so an
invoice's open amount only falls with time, and once it reaches zero it stays there: ``settled_on`` is the first
day on which the settlements dated up to it cover the amount. Two writes move that day, and both work it out again
from all of the invoice's settlements: a new settlement (a backdated credit note can make it earlier), and a
corrected invoice amount (a higher one can make a settled invoice open again). A missing mark (None) is always
safe: the invoice is read and summed as before; a mark later than the truth only costs speed.

``has_settlements`` does the same for the open invoices a buyer has not paid any of (most of them): False lets
the read take the amount as it is, without looking up settlements to sum. A new invoice has none (the importer
writes False), and the same writers set it again from the invoice's settlements. Its default, True, is the safe
one: the settlements are then looked up and summed.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import bindparam, func, or_, select, union_all, update
from sqlalchemy.orm import Session

from tradecredit.store.tables import AdjustmentRecord, AllocationRecord, InvoiceRecord

CHUNK = 2000  # invoice ids per statement (SQLite's bound-parameter limit is far above)


def _settled_on() -> Any:
    """For each invoice: the earliest settlement day whose running total (that day's settlements included)
    reaches the amount; NULL when none does."""
    settlements = union_all(
        select(AllocationRecord.effective_date.label("day"), AllocationRecord.amount.label("amount"))
        .where(AllocationRecord.invoice_id == InvoiceRecord.id).correlate(InvoiceRecord),
        select(AdjustmentRecord.adjustment_date, AdjustmentRecord.amount)
        .where(AdjustmentRecord.invoice_id == InvoiceRecord.id).correlate(InvoiceRecord),
    ).subquery("settlements")
    running = select(settlements.c.day,
                     func.sum(settlements.c.amount).over(order_by=settlements.c.day).label("total")
                     ).subquery("running")
    return (select(func.min(running.c.day)).where(running.c.total >= InvoiceRecord.amount)
            .scalar_subquery().correlate(InvoiceRecord))


def _has_settlements() -> Any:
    allocated = select(AllocationRecord.id).where(AllocationRecord.invoice_id == InvoiceRecord.id).exists()
    adjusted = select(AdjustmentRecord.id).where(AdjustmentRecord.invoice_id == InvoiceRecord.id).exists()
    return or_(allocated, adjusted)


SETTLE = (update(InvoiceRecord).where(InvoiceRecord.id.in_(bindparam("ids", expanding=True)))
          .values(settled_on=_settled_on(), has_settlements=_has_settlements()))


def settle(session: Session, invoice_ids: Collection[int]) -> None:
    """Work out ``settled_on`` and ``has_settlements`` again for these invoices, in the open transaction (after
    their new settlements)."""
    ids = sorted(set(invoice_ids))
    for start in range(0, len(ids), CHUNK):
        session.execute(SETTLE, {"ids": ids[start:start + CHUNK]})
