"""Exposure against a credit limit, by configurable buckets, in the base currency at the latest rates.

Buckets (the ``exposure_buckets`` setting): ``open_invoices`` (every open invoice, overdue or not) and
``open_orders`` (orders the credit check released that no invoice references yet). A group limit counts the
buckets of every member of the group.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tradecredit.domain.fx import FxTable
from tradecredit.domain.money import round_money
from tradecredit.store import limits as limit_queries
from tradecredit.store import queries
from tradecredit.store.uow import SqlUnitOfWork

BUCKETS = ("open_invoices", "open_orders")


@dataclass(frozen=True)
class Exposure:
    open_invoices: Decimal
    open_orders: Decimal
    overdue: Decimal
    counted: tuple[str, ...]

    @property
    def total(self) -> Decimal:
        return sum((getattr(self, bucket) for bucket in self.counted), Decimal(0))


def _in_base(rows: Sequence[tuple[str, Decimal]], table: FxTable, day: date, base: str) -> Decimal:
    total = sum((round_money(amount * table.rate(currency, day), base) for currency, amount in rows), Decimal(0))
    return round_money(total, base)


def fx_table(uow: SqlUnitOfWork, day: date, base: str, currencies: set[str]) -> FxTable:
    """Rates only when some amount is in another currency (the hot path usually needs none)."""
    return FxTable(base, uow.fx.latest(day)) if currencies - {base} else FxTable(base)


def exposure_of(uow: SqlUnitOfWork, buyer_ids: list[int], *, day: date, base: str,
                buckets: Sequence[str]) -> Exposure:
    """Inside an open unit of work; raises FxRateMissing when an amount's currency has no rate."""
    invoices = queries.open_by_currency(uow.session, buyer_ids=buyer_ids, as_of=day)
    orders = limit_queries.open_orders(uow.session, buyer_ids)
    table = fx_table(uow, day, base, {r.currency for r in invoices} | {c for c, _ in orders})
    open_invoices = _in_base([(r.currency, r.open) for r in invoices], table, day, base)
    overdue = _in_base([(r.currency, r.overdue) for r in invoices], table, day, base)
    return Exposure(open_invoices, _in_base(orders, table, day, base), overdue, tuple(buckets))
