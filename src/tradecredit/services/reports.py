"""Receivables reports: aging, DSO and DBT, exposure, concentration, and the portfolio summary.

Every figure is computed by the analytics engine on a snapshot of the ledger at the as-of date, converted
to the base currency at the closing rate of that date, and returned as Decimal amounts rounded to the base
currency's minor unit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl

from tradecredit.domain.buyer import group_roots
from tradecredit.domain.errors import ValidationError
from tradecredit.domain.fx import FxTable
from tradecredit.domain.money import minor_unit
from tradecredit.engine import analytics
from tradecredit.store import queries
from tradecredit.store.queries import BuyerRow
from tradecredit.store.uow import SqlUnitOfWork

TREND_MONTHS = 12


@dataclass(frozen=True)
class Snapshot:
    """The ledger at a date, as engine frames, with what is needed to name buyers and convert money."""

    as_of: date
    base_currency: str
    invoices: pl.DataFrame
    settlements: pl.DataFrame
    rates: dict[str, float]
    buyers: dict[int, BuyerRow]

    @property
    def exponent(self) -> int:
        return minor_unit(self.base_currency)

    def money(self, minor: int) -> Decimal:
        return Decimal(int(minor)).scaleb(-self.exponent)

    def days_beyond_terms(self) -> tuple[pl.DataFrame, float | None]:
        return analytics.days_beyond_terms(self.invoices, self.settlements, as_of=self.as_of, rates=self.rates,
                                           base_currency=self.base_currency, base_minor_unit=self.exponent)

    def open_items(self) -> pl.DataFrame:
        return analytics.open_items(self.invoices, self.settlements, as_of=self.as_of, rates=self.rates,
                                    base_currency=self.base_currency, base_minor_unit=self.exponent)


EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)


def check_as_of(as_of: date) -> date:
    """Reports look back up to 24 months and forward a period; keep that inside the calendar."""
    if not EARLIEST <= as_of <= LATEST:
        raise ValidationError("as_of", f"expected a date from {EARLIEST} to {LATEST}; got {as_of}")
    return as_of


def snapshot(uow: SqlUnitOfWork, *, as_of: date, base_currency: str) -> Snapshot:
    """Read the ledger once; raises FxRateMissing when an invoice currency has no rate on or before as_of."""
    check_as_of(as_of)
    with uow:
        return read_snapshot(uow, as_of=as_of, base_currency=base_currency)


def _buyers_and_roots(uow: SqlUnitOfWork,
                      buyer_ids: list[int] | None) -> tuple[dict[int, queries.BuyerRow], dict[int, int]]:
    """The buyers by id and their groups' top-level ids: all of them, or ``buyer_ids`` and their top-level
    buyers only (re-assessing one buyer of 100,000 read every buyer's row: 0.92 s a buyer, now 0.28 s)."""
    if buyer_ids is None:
        buyers = {row.id: row for row in queries.buyers(uow.session)}
        return buyers, group_roots({id_: row.parent_id for id_, row in buyers.items()})
    roots = group_roots(uow.buyers.parent_links(), of=buyer_ids)
    wanted = sorted(set(buyer_ids) | {roots[id_] for id_ in buyer_ids})
    return {row.id: row for row in queries.buyers(uow.session, wanted)}, roots


def read_snapshot(uow: SqlUnitOfWork, *, as_of: date, base_currency: str,
                  buyer_ids: list[int] | None = None) -> Snapshot:
    """:func:`snapshot` inside a unit of work the caller has open; only ``buyer_ids``' invoices when given."""
    buyers, roots = _buyers_and_roots(uow, buyer_ids)
    invoices = queries.invoice_columns(uow.session, issued_on_or_before=as_of, buyer_ids=buyer_ids)
    settlements = queries.settlement_columns(uow.session, on_or_before=as_of, buyer_ids=buyer_ids)
    table = FxTable(base_currency, uow.fx.latest(as_of))
    rates = {code: float(table.rate(code, as_of)) for code in sorted(set(invoices["currency"]))}
    invoice_frame = pl.DataFrame(
        {**invoices, "group_id": [roots[b] for b in invoices["buyer_id"]],
         "amount": [float(a) for a in invoices["amount"]]},
        schema=dict(analytics.INVOICE_SCHEMA))
    settlement_frame = pl.DataFrame({**settlements, "amount": [float(a) for a in settlements["amount"]]},
                                    schema=dict(analytics.SETTLEMENT_SCHEMA))
    return Snapshot(as_of, base_currency, invoice_frame, settlement_frame, rates, buyers)


@dataclass(frozen=True)
class AgingBucket:
    bucket: str
    amount: Decimal
    invoices: int
    share: float


@dataclass(frozen=True)
class AgingReport:
    as_of: date
    base_currency: str
    total: Decimal
    overdue: Decimal
    buckets: list[AgingBucket]


def aging_report(snap: Snapshot, *, edges: Sequence[int]) -> AgingReport:
    table = analytics.aging(snap.open_items(), edges=edges)
    buckets = [AgingBucket(row["bucket"], snap.money(row["amount_minor"]), row["invoices"], row["share"])
               for row in table.iter_rows(named=True)]
    total = sum((b.amount for b in buckets), Decimal(0))
    return AgingReport(snap.as_of, snap.base_currency, total, total - buckets[0].amount, buckets)


@dataclass(frozen=True)
class DsoPoint:
    month_end: date
    receivables: Decimal
    sales: Decimal
    dso_days: float | None


@dataclass(frozen=True)
class DsoReport:
    as_of: date
    base_currency: str
    period_days: int
    receivables: Decimal
    sales: Decimal
    standard_days: float | None
    countback_days: float | None
    dbt_days: float | None
    trend: list[DsoPoint]


def dso_report(snap: Snapshot, *, period_days: int, months: int = TREND_MONTHS) -> DsoReport:
    result = analytics.dso(snap.invoices, snap.settlements, as_of=snap.as_of, period_days=period_days,
                           rates=snap.rates, base_currency=snap.base_currency, base_minor_unit=snap.exponent)
    _, dbt = snap.days_beyond_terms()
    trend = analytics.dso_by_month(snap.invoices, snap.settlements, as_of=snap.as_of, months=months,
                                   period_days=period_days, rates=snap.rates, base_currency=snap.base_currency,
                                   base_minor_unit=snap.exponent)
    return DsoReport(snap.as_of, snap.base_currency, period_days, snap.money(result.receivables_minor),
                     snap.money(result.sales_minor), result.standard_days, result.countback_days, dbt,
                     [DsoPoint(r["month_end"], snap.money(r["receivables_minor"]), snap.money(r["sales_minor"]),
                               r["dso_days"]) for r in trend.iter_rows(named=True)])


@dataclass(frozen=True)
class ExposureLine:
    ref: str
    name: str
    country: str
    group_ref: str
    open: Decimal
    overdue: Decimal
    not_due: Decimal
    disputed: Decimal
    invoices: int
    oldest_days_past_due: int
    dbt_days: float | None


@dataclass(frozen=True)
class ExposureReport:
    as_of: date
    base_currency: str
    by: str
    total: Decimal
    overdue: Decimal
    lines: list[ExposureLine]


def exposure_report(snap: Snapshot, *, by: str = "buyer", limit: int | None = None) -> ExposureReport:
    """Exposure per buyer, or per group (a top-level parent with its subsidiaries), largest first."""
    items = snap.open_items()
    frame = analytics.exposure(items) if by == "buyer" else analytics.group_exposure(items).rename(
        {"group_id": "buyer_id"})
    dbt_frame, _ = snap.days_beyond_terms()
    dbt = dict(zip(dbt_frame["buyer_id"].to_list(), dbt_frame["dbt_days"].to_list(), strict=True))
    ranked = analytics.top_debtors(frame, n=max(len(frame), 1)) if len(frame) else frame
    lines = [_exposure_line(snap, row, dbt.get(row["buyer_id"]) if by == "buyer" else None)
             for row in ranked.head(limit or len(ranked)).iter_rows(named=True)]
    return ExposureReport(snap.as_of, snap.base_currency, by, snap.money(int(frame["open_minor"].sum())),
                          snap.money(int(frame["overdue_minor"].sum())), lines)


def _exposure_line(snap: Snapshot, row: dict[str, Any], dbt: float | None) -> ExposureLine:
    buyer = snap.buyers[row["buyer_id"]]
    group = snap.buyers.get(row.get("group_id", row["buyer_id"]))
    return ExposureLine(buyer.ref, buyer.name, buyer.country, group.ref if group else buyer.ref,
                        snap.money(row["open_minor"]), snap.money(row["overdue_minor"]),
                        snap.money(row["not_due_minor"]), snap.money(row["disputed_minor"]), row["invoices"],
                        row["oldest_days_past_due"], dbt)


@dataclass(frozen=True)
class CountryExposure:
    country: str
    buyers: int
    open: Decimal
    overdue: Decimal
    share: float


def exposure_by_country(snap: Snapshot) -> list[CountryExposure]:
    """Open and overdue exposure per buyer country, largest first."""
    report = exposure_report(snap)
    sums: dict[str, tuple[int, Decimal, Decimal]] = {}
    for line in report.lines:
        count, total, late = sums.get(line.country, (0, Decimal(0), Decimal(0)))
        sums[line.country] = (count + 1, total + line.open, late + line.overdue)
    grand = report.total or Decimal(1)
    rows = [CountryExposure(country, count, total, late, float(total / grand))
            for country, (count, total, late) in sums.items()]
    return sorted(rows, key=lambda row: (-row.open, row.country))


@dataclass(frozen=True)
class ConcentrationLine:
    ref: str
    name: str
    open: Decimal
    share: float
    cumulative_share: float


@dataclass(frozen=True)
class ConcentrationReport:
    as_of: date
    base_currency: str
    by: str
    total: Decimal
    top_n: int
    top_share: float
    herfindahl: float
    effective_count: float
    top: list[ConcentrationLine]


def concentration_report(snap: Snapshot, *, by: str = "group", top_n: int = 10) -> ConcentrationReport:
    """Top-n share and Herfindahl index, by buyer or by group (the default: one group is one risk)."""
    frame = analytics.exposure(snap.open_items())
    key = "buyer_id" if by == "buyer" else "group_id"
    result = analytics.concentration(frame, key=key, top_n=top_n)
    top = [ConcentrationLine(snap.buyers[row[key]].ref, snap.buyers[row[key]].name, snap.money(row["open_minor"]),
                             row["share"], row["cumulative_share"]) for row in result.top.iter_rows(named=True)]
    return ConcentrationReport(snap.as_of, snap.base_currency, by, snap.money(result.total_minor), top_n,
                               result.top_share, result.herfindahl, result.effective_count, top)


@dataclass(frozen=True)
class Summary:
    aging: AgingReport
    dso: DsoReport
    top_debtors: ExposureReport
    concentration: ConcentrationReport


def summary_report(snap: Snapshot, *, edges: Sequence[int], period_days: int, top_n: int) -> Summary:
    return Summary(aging_report(snap, edges=edges), dso_report(snap, period_days=period_days),
                   exposure_report(snap, limit=top_n), concentration_report(snap, top_n=top_n))


def as_document(report: object) -> dict[str, Any]:
    """A report as JSON-ready data: amounts as decimal strings, dates ISO 8601 (the documented shape)."""
    return _plain(dataclasses.asdict(report))  # type: ignore[call-overload, no-any-return]


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value
