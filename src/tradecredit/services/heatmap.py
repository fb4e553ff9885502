"""The early-warning heat map: open exposure by buyer grade × country, with the open alerts in each cell.

Rows are the grades 1 (best) … 10 (default) of each buyer's latest assessment, then "not assessed"; columns are the
buyer countries, largest exposure first. A cell holds the open exposure in the base currency (the ledger snapshot
at ``as_of``, converted at that day's rates, as every report), its share of the total, the buyers in it, their
open alerts (new, acknowledged or snoozed) by severity and the worst of them. A buyer counts when it has open
exposure or an open alert. The dashboard colours a cell by its share of the exposure and frames it by its worst
alert; the numbers are in the cell, so nothing is told by colour alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl

from tradecredit.domain.signals import Severity
from tradecredit.services.reports import check_as_of, read_snapshot
from tradecredit.store import digests as alert_reads
from tradecredit.store.uow import SqlUnitOfWork

GRADES: tuple[int | None, ...] = (*range(1, 11), None)  # None: not assessed
SEVERITIES = (Severity.CRITICAL.value, Severity.WARNING.value, Severity.INFO.value)
_RANK = {severity.value: severity.rank for severity in Severity}


@dataclass
class HeatCell:
    grade: int | None
    country: str
    exposure: Decimal = Decimal(0)
    share: float = 0.0  # of the total exposure
    buyers: int = 0
    alerts: dict[str, int] = field(default_factory=dict)  # severity → open alerts

    @property
    def open_alerts(self) -> int:
        return sum(self.alerts.values())

    @property
    def worst(self) -> str | None:
        """The most severe open alert in the cell (None when there is none)."""
        return max(self.alerts, key=lambda severity: _RANK[severity], default=None)


@dataclass(frozen=True)
class HeatMap:
    as_of: date
    base_currency: str
    total: Decimal
    countries: list[str]  # largest exposure first, then by code
    cells: dict[tuple[int | None, str], HeatCell]
    country_totals: dict[str, HeatCell]
    grade_totals: dict[int | None, HeatCell]

    def cell(self, grade: int | None, country: str) -> HeatCell:
        return self.cells.get((grade, country)) or HeatCell(grade, country)

    @property
    def grades(self) -> tuple[int | None, ...]:
        return GRADES

    def rows(self) -> list[tuple[int | None, list[HeatCell], HeatCell]]:
        """(grade, its cells in column order, its total) for every grade that has a buyer."""
        return [(grade, [self.cell(grade, country) for country in self.countries], self.grade_totals[grade])
                for grade in GRADES if grade in self.grade_totals]


def _add(cell: HeatCell, minor: int, alerts: dict[str, int]) -> None:
    cell.exposure += Decimal(minor)
    cell.buyers += 1
    for severity, count in alerts.items():
        cell.alerts[severity] = cell.alerts.get(severity, 0) + count


def _finish(cells: dict[object, HeatCell], total_minor: int, exponent: int) -> None:
    """Exposure from minor units to money, and each cell's share of the total."""
    for cell in cells.values():
        minor = cell.exposure
        cell.share = float(minor / total_minor) if total_minor else 0.0
        cell.exposure = minor.scaleb(-exponent)


def heat_map(uow: SqlUnitOfWork, *, as_of: date, base_currency: str) -> HeatMap:
    """The grade × country grid at ``as_of``; raises FxRateMissing as the other reports do."""
    check_as_of(as_of)
    with uow:
        snap = read_snapshot(uow, as_of=as_of, base_currency=base_currency)
        grades = {buyer_id: grade for buyer_id, grade, _ in uow.assessments.grades()}
        alerts = alert_reads.open_by_buyer(uow.session)
    frame = snap.open_items().group_by("buyer_id").agg(pl.col("open_minor").sum())
    exposure = {int(b): int(m) for b, m in frame.iter_rows() if m}
    cells: dict[tuple[int | None, str], HeatCell] = {}
    by_country: dict[str, HeatCell] = {}
    by_grade: dict[int | None, HeatCell] = {}
    for buyer_id in sorted(set(exposure) | set(alerts)):
        buyer = snap.buyers.get(buyer_id)
        if buyer is None:
            continue
        grade, minor, found = grades.get(buyer_id), exposure.get(buyer_id, 0), alerts.get(buyer_id, {})
        _add(cells.setdefault((grade, buyer.country), HeatCell(grade, buyer.country)), minor, found)
        _add(by_country.setdefault(buyer.country, HeatCell(None, buyer.country)), minor, found)
        _add(by_grade.setdefault(grade, HeatCell(grade, "")), minor, found)
    total_minor = sum(exposure.values())
    for group in (cells, by_country, by_grade):
        _finish(group, total_minor, snap.exponent)  # type: ignore[arg-type]
    countries = sorted(by_country, key=lambda code: (-by_country[code].exposure, code))
    return HeatMap(as_of, base_currency, snap.money(total_minor), countries, cells, by_country, by_grade)


def _cell_document(cell: HeatCell) -> dict[str, Any]:
    return {"exposure": str(cell.exposure), "share": cell.share, "buyers": cell.buyers,
            "open_alerts": cell.open_alerts, "alerts": {s: cell.alerts.get(s, 0) for s in SEVERITIES},
            "worst_severity": cell.worst}


def as_document(found: HeatMap) -> dict[str, Any]:
    """The heat map as JSON-ready data (the API's and `tradecredit report heatmap --format json`'s shape): one row
    per grade with buyers (``grade`` null: not assessed), its occupied cells by country, and the country totals."""
    return {"as_of": found.as_of.isoformat(), "base_currency": found.base_currency, "total": str(found.total),
            "countries": found.countries,
            "rows": [{"grade": grade, **_cell_document(total),
                      "cells": [{"country": cell.country, **_cell_document(cell)} for cell in cells if cell.buyers]}
                     for grade, cells, total in found.rows()],
            "country_totals": [{"country": code, **_cell_document(found.country_totals[code])}
                               for code in found.countries]}
