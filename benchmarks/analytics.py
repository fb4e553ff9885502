"""Benchmark: open items + aging + DSO + exposure through the engine, against the same SQL in DuckDB.

Generates a seeded synthetic ledger with numpy, runs both, checks they agree (aging bucket sums exactly,
DSO to 1e-6) and prints one figure per line as ``name: value unit``::

    python benchmarks/analytics.py [--invoices 1000000 --buyers 100000 --repeat 5]
"""

from __future__ import annotations

import argparse
import itertools
import resource
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import polars as pl

try:
    import tradecredit  # noqa: F401
except ImportError:  # running from a checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from tradecredit.engine.analytics import aging, aging_labels, dso, exposure, open_items
from tradecredit.engine.dso import COUNTBACK_MAX_MONTHS, add_months, countback_days
from tradecredit.engine.receivables import currency_table

AS_OF = date(2025, 6, 30)
BASE = "EUR"
BASE_MINOR = 2
PERIOD_DAYS = 90
EDGES = (0, 30, 60, 90, 180, 365)
CURRENCIES = ("EUR", "USD", "GBP", "JPY", "KWD")
CURRENCY_WEIGHTS = (0.6, 0.2, 0.1, 0.07, 0.03)
MINOR_UNITS = {"EUR": 2, "USD": 2, "GBP": 2, "JPY": 0, "KWD": 3}
RATES = {"EUR": 1.0, "USD": 0.92, "GBP": 1.17, "JPY": 0.0061, "KWD": 3.0}
SIZE_IN_CURRENCY = {"EUR": 1.0, "USD": 1.1, "GBP": 0.85, "JPY": 160.0, "KWD": 0.33}


@dataclass(frozen=True)
class Ledger:
    invoices: pl.DataFrame
    settlements: pl.DataFrame


def _round_to_minor(amounts: np.ndarray[Any, Any], currencies: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    decimals = np.vectorize(MINOR_UNITS.__getitem__)(currencies)
    scale = 10.0**decimals
    return np.asarray(np.round(amounts * scale) / scale)


def generate(n_invoices: int, n_buyers: int, *, seed: int = 20250630) -> Ledger:
    """Invoices over two years before AS_OF, a fifth of buyers in groups, ~n/2 partial settlements."""
    rng = np.random.default_rng(seed)
    buyer_ids = np.arange(1, n_buyers + 1)
    parents = rng.integers(1, max(n_buyers // 10, 1) + 1, n_buyers)
    group_of = np.where(rng.random(n_buyers) < 0.2, parents, buyer_ids)
    buyer = rng.integers(1, n_buyers + 1, n_invoices)
    currency = rng.choice(np.array(CURRENCIES), n_invoices, p=CURRENCY_WEIGHTS)
    size = np.vectorize(SIZE_IN_CURRENCY.__getitem__)(currency)
    amount = _round_to_minor(rng.lognormal(7.0, 1.2, n_invoices) * size + 1.0, currency)
    issue = np.datetime64(AS_OF) - rng.integers(0, 730, n_invoices).astype("timedelta64[D]")
    due = issue + rng.choice(np.array([30, 60, 90]), n_invoices).astype("timedelta64[D]")
    invoices = pl.DataFrame({
        "invoice_id": np.arange(1, n_invoices + 1, dtype=np.int64), "buyer_id": buyer.astype(np.int64),
        "group_id": group_of[buyer - 1].astype(np.int64), "issue_date": issue, "due_date": due,
        "currency": currency, "amount": amount, "disputed": rng.random(n_invoices) < 0.02,
    })
    n_settlements = n_invoices // 2
    paid = rng.integers(0, n_invoices, n_settlements)
    settlements = pl.DataFrame({
        "invoice_id": paid.astype(np.int64) + 1,
        "date": issue[paid] + rng.integers(0, 150, n_settlements).astype("timedelta64[D]"),
        "amount": _round_to_minor(amount[paid] * rng.uniform(0.05, 0.3, n_settlements), currency[paid]),
        "kind": rng.choice(np.array(["payment", "credit_note", "write_off"]), n_settlements, p=(0.9, 0.07, 0.03)),
    })
    return Ledger(invoices=invoices, settlements=settlements)


@dataclass(frozen=True)
class Figures:
    """What both implementations must agree on."""

    aging_minor: list[int]
    standard_days: float | None
    countback_days: float | None
    exposure_minor: int


def run_engine(ledger: Ledger) -> Figures:
    """Open items, aging, DSO and exposure through the engine."""
    fx: dict[str, Any] = {"rates": RATES, "base_currency": BASE, "base_minor_unit": BASE_MINOR,
                          "minor_units": MINOR_UNITS}
    items = open_items(ledger.invoices, ledger.settlements, as_of=AS_OF, **fx)
    buckets = aging(items, edges=EDGES)
    result = dso(ledger.invoices, ledger.settlements, as_of=AS_OF, period_days=PERIOD_DAYS, **fx)
    per_buyer = exposure(items)
    return Figures(buckets["amount_minor"].to_list(), result.standard_days, result.countback_days,
                   int(per_buyer["open_minor"].sum()))


OPEN_ITEMS_SQL = """
CREATE OR REPLACE TEMP TABLE open_items AS
WITH issued AS (
    SELECT i.invoice_id, i.buyer_id, i.group_id, i.issue_date, i.due_date, i.disputed,
           f.factor, f.div, f.scale, CAST(round_even(i.amount * f.scale, 0) AS BIGINT) AS native_minor
    FROM invoices i JOIN fx f ON f.currency = i.currency
    WHERE i.issue_date <= $as_of
), settled AS (
    SELECT s.invoice_id, SUM(CAST(round_even(s.amount * issued.scale, 0) AS BIGINT)) AS settled_minor
    FROM settlements s JOIN issued ON issued.invoice_id = s.invoice_id
    WHERE s.date <= $as_of
    GROUP BY s.invoice_id
), open AS (
    SELECT issued.*, native_minor - COALESCE(settled.settled_minor, 0) AS open_native
    FROM issued LEFT JOIN settled ON settled.invoice_id = issued.invoice_id
)
SELECT invoice_id, buyer_id, group_id, issue_date, due_date, disputed,
       CAST(round_even(CAST(open_native AS DOUBLE) * factor / div, 0) AS BIGINT) AS open_minor,
       CAST($as_of - due_date AS INTEGER) AS days_past_due
FROM open WHERE open_native > 0
"""

AGING_SQL = """
WITH buckets AS (SELECT * FROM range(7) b(bucket_index)),
sums AS (
    SELECT CASE WHEN days_past_due <= 0 THEN 0 WHEN days_past_due <= 30 THEN 1 WHEN days_past_due <= 60 THEN 2
                WHEN days_past_due <= 90 THEN 3 WHEN days_past_due <= 180 THEN 4 WHEN days_past_due <= 365 THEN 5
                ELSE 6 END AS bucket_index,
           SUM(open_minor) AS amount_minor, COUNT(*) AS invoices
    FROM open_items GROUP BY 1
)
SELECT b.bucket_index, COALESCE(amount_minor, 0)::BIGINT AS amount_minor, COALESCE(invoices, 0) AS invoices,
       COALESCE(amount_minor / NULLIF(SUM(amount_minor) OVER (), 0), 0.0) AS share
FROM buckets b LEFT JOIN sums USING (bucket_index) ORDER BY b.bucket_index
"""

EXPOSURE_SQL = """
SELECT buyer_id, first(group_id) AS group_id, SUM(open_minor)::BIGINT AS open_minor,
       SUM(CASE WHEN days_past_due > 0 THEN open_minor ELSE 0 END)::BIGINT AS overdue_minor,
       SUM(CASE WHEN days_past_due > 0 THEN 0 ELSE open_minor END)::BIGINT AS not_due_minor,
       SUM(CASE WHEN disputed THEN open_minor ELSE 0 END)::BIGINT AS disputed_minor,
       COUNT(*) AS invoices, MAX(days_past_due) AS oldest_days_past_due
FROM open_items GROUP BY buyer_id ORDER BY buyer_id
"""

def run_duckdb(ledger: Ledger, con: duckdb.DuckDBPyConnection) -> Figures:
    """The same figures as :func:`run_engine`, written directly as DuckDB SQL over the same frames."""
    con.register("invoices", ledger.invoices)
    con.register("settlements", ledger.settlements)
    con.register("fx", _fx_table())
    con.execute(OPEN_ITEMS_SQL, {"as_of": AS_OF})
    buckets = con.sql(AGING_SQL).pl()
    per_buyer = con.sql(EXPOSURE_SQL).pl()
    receivables = int(con.sql("SELECT COALESCE(SUM(open_minor), 0) FROM open_items").fetchall()[0][0])
    period_sales, monthly = _duckdb_sales(con)
    boundaries = [add_months(AS_OF, -months) for months in range(COUNTBACK_MAX_MONTHS + 1)]
    lengths = [(later - earlier).days for later, earlier in itertools.pairwise(boundaries)]
    standard = receivables / period_sales * PERIOD_DAYS if period_sales else None
    countback = countback_days(receivables, monthly, lengths) if any(monthly) else None
    return Figures(buckets["amount_minor"].to_list(), standard, countback, int(per_buyer["open_minor"].sum()))


def _duckdb_sales(con: duckdb.DuckDBPyConnection) -> tuple[int, list[int]]:
    """Sales in the DSO period and per countback month (1 = latest), from one grouped query."""
    boundaries = [add_months(AS_OF, -months) for months in range(COUNTBACK_MAX_MONTHS + 1)]
    period_start = AS_OF - timedelta(days=PERIOD_DAYS)
    since = min(period_start, boundaries[-1])
    month_case = " ".join(
        f"WHEN issue_date > DATE '{boundaries[k]}' THEN {k}" for k in range(1, COUNTBACK_MAX_MONTHS + 1)
    )
    rows = con.execute(
        f"""
        WITH sales AS (
            SELECT i.issue_date,
                   CAST(round_even(CAST(CAST(round_even(i.amount * f.scale, 0) AS BIGINT) AS DOUBLE)
                        * f.factor / f.div, 0) AS BIGINT) AS sales_minor
            FROM invoices i JOIN fx f ON f.currency = i.currency
            WHERE i.issue_date > $since AND i.issue_date <= $as_of
        )
        SELECT CASE {month_case} ELSE 0 END AS month,
               SUM(sales_minor) AS month_sales,
               SUM(sales_minor) FILTER (WHERE issue_date > $period_start) AS period_sales
        FROM sales GROUP BY 1
        """,
        {"since": since, "as_of": AS_OF, "period_start": period_start},
    ).fetchall()
    by_month = {int(month): int(total) for month, total, _ in rows}
    period_sales = sum(int(part or 0) for _, _, part in rows)
    return period_sales, [by_month.get(month, 0) for month in range(1, COUNTBACK_MAX_MONTHS + 1)]


def _fx_table() -> pl.DataFrame:
    return currency_table(
        pl.Series("currency", list(CURRENCIES)), as_of=AS_OF, rates=RATES, base_currency=BASE,
        base_minor_unit=BASE_MINOR, minor_units=MINOR_UNITS,
    )


def _interleaved_medians(runs: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """Median wall time of each run, alternating them so load from other processes hits both alike."""
    timings: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeat):
        for name, run in runs.items():
            started = time.perf_counter()
            run()
            timings[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in timings.items()}


def _check_agreement(engine: Figures, sql: Figures) -> None:
    """Aging bucket sums equal to the minor unit; DSO (standard and countback) equal to 1e-6 days."""
    assert len(engine.aging_minor) == len(aging_labels(EDGES))
    assert engine.aging_minor == sql.aging_minor, (engine.aging_minor, sql.aging_minor)
    assert engine.exposure_minor == sql.exposure_minor == sum(engine.aging_minor)
    for mine, theirs in ((engine.standard_days, sql.standard_days), (engine.countback_days, sql.countback_days)):
        assert mine is not None and theirs is not None and abs(mine - theirs) <= 1e-6, (mine, theirs)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--buyers", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    ledger = generate(args.invoices, args.buyers)
    con = duckdb.connect()

    engine_figures = run_engine(ledger)
    _check_agreement(engine_figures, run_duckdb(ledger, con))

    medians = _interleaved_medians(
        {"engine": lambda: run_engine(ledger), "duckdb": lambda: run_duckdb(ledger, con)}, args.repeat
    )
    engine_median, duckdb_median = medians["engine"], medians["duckdb"]
    open_count = open_items(
        ledger.invoices, ledger.settlements, as_of=AS_OF, rates=RATES, base_currency=BASE,
        base_minor_unit=BASE_MINOR, minor_units=MINOR_UNITS,
    ).height
    rss_peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"invoices: {args.invoices} count")
    print(f"open_invoices: {open_count} count")
    print(f"settlements: {ledger.settlements.height} count")
    print(f"buyers: {args.buyers} count")
    print(f"analytics_engine_median: {engine_median:.3f} s")
    print(f"analytics_duckdb_median: {duckdb_median:.3f} s")
    print(f"analytics_ratio_engine_to_duckdb: {engine_median / duckdb_median:.2f} x")
    print(f"dso_standard: {engine_figures.standard_days:.3f} days")
    print(f"dso_countback: {engine_figures.countback_days:.3f} days")
    print(f"rss_peak: {rss_peak_mib:.0f} MiB")


if __name__ == "__main__":
    main()
