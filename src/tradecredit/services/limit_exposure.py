"""Exposure against a credit limit, by configurable buckets, in the base currency at the latest rates.

Buckets (the ``exposure_buckets`` setting), as ERPs' credit management splits them:

- ``open_invoices``: every open invoice, overdue or not;
- ``overdue_invoices``: only the open invoices past their due date (a part of ``open_invoices``, so a setting
  counts one or the other);
- ``delivered_not_invoiced``: orders the credit check released, that the ERP reported delivered, and that no
  invoice references yet;
- ``open_orders``: orders the credit check released that are neither delivered nor invoiced yet.

A group limit counts the buckets of every member of the group.

Both the limit views and the order credit check read the same rows (:func:`store.limits.exposure_items`, one
statement) and sum them here, so the check and the page a credit manager looks at never disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from tradecredit.domain.fx import FxRate, FxTable
from tradecredit.domain.money import round_money
from tradecredit.domain.order_check import CheckPolicy
from tradecredit.store import limits as limit_queries
from tradecredit.store.uow import SqlUnitOfWork

ZERO = Decimal(0)


@dataclass(frozen=True)
class Exposure:
    open_invoices: Decimal
    overdue: Decimal
    delivered_not_invoiced: Decimal
    open_orders: Decimal
    counted: tuple[str, ...]

    @property
    def overdue_invoices(self) -> Decimal:
        """The bucket's name for ``overdue``."""
        return self.overdue

    @property
    def total(self) -> Decimal:
        return sum((getattr(self, bucket) for bucket in self.counted), Decimal(0))


def _in_base(totals: dict[str, Decimal], table: FxTable, day: date, base: str) -> Decimal:
    """Each currency's total converted and rounded, then summed (the same rounding everywhere)."""
    converted = (round_money(amount * table.rate(currency, day), base) for currency, amount in totals.items())
    return round_money(sum(converted, Decimal(0)), base)


def fx_table(latest: Callable[[date], Iterable[FxRate]], day: date, base: str, currencies: set[str]) -> FxTable:
    """The latest rates on ``day``, read (``latest(day)``) only when some amount is in another currency: the order
    check usually needs none."""
    return FxTable(base, latest(day)) if currencies - {base} else FxTable(base)


def exposure_from(items: Sequence[Any], *, table: FxTable, day: date, base: str,
                  buckets: Sequence[str]) -> Exposure:
    """The buckets of these rows (all of one buyer, or of a whole group), in the base currency. One pass: the order
    check sums a buyer's rows on every order."""
    open_invoices: dict[str, Decimal] = {}
    overdue: dict[str, Decimal] = {}
    orders: dict[str, Decimal] = {}
    delivered: dict[str, Decimal] = {}
    for row in items:
        currency, amount = row.currency, row.amount
        if row.kind == "invoice":
            open_invoices[currency] = open_invoices.get(currency, ZERO) + amount
            if row.due_date < day:
                overdue[currency] = overdue.get(currency, ZERO) + amount
        elif row.kind == "delivery":
            delivered[currency] = delivered.get(currency, ZERO) + amount
        else:
            orders[currency] = orders.get(currency, ZERO) + amount
    return Exposure(_in_base(open_invoices, table, day, base), _in_base(overdue, table, day, base),
                    _in_base(delivered, table, day, base), _in_base(orders, table, day, base), tuple(buckets))


def overdue_beyond(items: Sequence[Any], *, table: FxTable, day: date, base: str, policy: CheckPolicy) -> Decimal:
    """What the overdue rule counts: undisputed invoices due more than ``policy.overdue_days`` ago, each above the
    residual (a few cents left on an invoice do not stop deliveries)."""
    before = day - timedelta(days=policy.overdue_days)
    total = round_money(ZERO, base)
    for row in items:
        if row.kind == "invoice" and not row.disputed and row.due_date < before:
            amount = round_money(row.amount * table.rate(row.currency, day), base)
            if amount > policy.residual:
                total += amount
    return total


def exposure_of(uow: SqlUnitOfWork, holder_id: int, *, group: bool, day: date, base: str,
                buckets: Sequence[str]) -> Exposure:
    """The buyer's exposure, or its whole group's when ``group`` (``holder_id`` is then the top-level buyer).
    Inside an open unit of work; raises FxRateMissing when an amount's currency has no rate."""
    items = limit_queries.exposure_items(uow.session, holder_id, group=group, as_of=day)
    table = fx_table(uow.fx.latest, day, base, {row.currency for row in items})
    return exposure_from(items, table=table, day=day, base=base, buckets=buckets)
