"""Loading the demo portfolio through the same import pipeline a user's files go through (the buyer events last,
through the events importer)."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from tradecredit.services.demo_portfolio import DemoPortfolio, generate_portfolio
from tradecredit.services.events import import_events_into
from tradecredit.services.imports import ImportSummary, import_into
from tradecredit.store.uow import SqlUnitOfWork

# Order matters: buyers before what refers to them, credit notes before the payments that settle the rest.
LOAD_ORDER = ("buyers", "financials", "fx", "invoices", "adjustments", "payments")
Step = Callable[[str, int, int], None]


@dataclass(frozen=True)
class DemoResult:
    loaded: bool
    imports: list[ImportSummary]


def load_demo(
    uow: SqlUnitOfWork,
    *,
    buyers: int,
    seed: int,
    today: date,
    base_currency: str,
    actor: str,
    if_empty: bool = False,
    step: Step | None = None,
) -> DemoResult:
    """Generate the demo portfolio and load it in one transaction (nothing is written if any file fails)."""
    portfolio = generate_portfolio(buyers=buyers, seed=seed, today=today, base_currency=base_currency)
    with uow, tempfile.TemporaryDirectory(prefix="tradecredit-demo-") as folder:
        if if_empty and uow.buyers.count() > 0:
            return DemoResult(False, [])
        summaries = []
        for index, kind in enumerate(LOAD_ORDER):
            if step:
                step(kind, index, len(LOAD_ORDER))
            rows = _rows(portfolio, kind)
            if not rows:
                continue
            path = _write_csv(Path(folder), kind, rows)
            summaries.append(import_into(uow, kind=kind, path=path, base_currency=base_currency, actor=actor,
                                         display_name=f"demo/{kind}.csv"))
        if portfolio.events:  # not a KINDS file: the events feed has its own importer (docs/events.md)
            path = _write_csv(Path(folder), "events", portfolio.events)
            summaries.append(import_events_into(uow, path=path, actor=actor, base_currency=base_currency,
                                                display_name="demo/events.csv")[0])
        uow.commit()
        return DemoResult(True, summaries)


def _rows(portfolio: DemoPortfolio, kind: str) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = getattr(portfolio, kind)
    return rows


def _write_csv(folder: Path, kind: str, rows: list[dict[str, str]]) -> Path:
    path = folder / f"{kind}.csv"
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path
