"""Benchmark: `tradecredit score` on 1,000,000 statements, Parquet → ratios → PD → grade → top-3 reasons → Parquet.

Target (issue 5): at least 100,000 rows/s on the two-core machine. Generates seeded, plausible statements
(250,000 companies × 4 years, sorted by key and period end, about 1% inconsistent and so blocked, 3% of the
optional items empty) into ``benchmarks/.data/``, runs the whole pipeline through the service function in this
process ``--repeat`` times, and prints one figure per line as ``name: value unit``: the median wall time, rows/s,
peak RSS of the scoring runs, the ratio of the pipeline to a bare ``PdModel.predict_pd`` on the same feature
matrix, the first run's time (it loads, or compiles, the numba loops), and the machine's load average (1 minute)
before and after the scoring runs: other jobs on the machine slow every figure, so quote them with it::

    python benchmarks/score_batch.py [--rows 1000000 --years 4 --repeat 3 --batch-rows 100000]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

try:
    import tradecredit  # noqa: F401
except ImportError:  # running from a checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from tradecredit.engine.features import compute_features, feature_matrix
from tradecredit.engine.scoring import load_shipped_model
from tradecredit.services.scoring_files import score_file

DATA = Path(__file__).resolve().parent / ".data"
FIRST_YEAR = 2021
OPTIONAL = ("depreciation", "inventory", "receivables", "cash", "retained_earnings", "share_capital",
            "operating_cash_flow")


def generate(rows: int, years: int, *, seed: int = 20250630) -> pl.DataFrame:
    """Statements of ``rows // years`` companies over ``years`` years, as the demo portfolio draws them: a health
    score (0 = failing, 1 = excellent) per company sets margins, equity and current ratio; revenue trends."""
    rng = np.random.default_rng(seed)
    companies = rows // years
    n = companies * years

    def per_company(values: np.ndarray) -> np.ndarray:
        return np.repeat(values, years)

    def u(low: float, high: float) -> np.ndarray:
        return rng.uniform(low, high, n)

    year = np.tile(np.arange(years), companies)
    health = np.clip(per_company(rng.beta(2.5, 1.5, companies)) + rng.normal(0.0, 0.05, n), 0.0, 1.0)
    revenue = np.round(per_company(rng.lognormal(16.0, 1.5, companies)) * per_company(u(0.8, 1.12)[:companies])
                       ** year)
    gross_margin = per_company(rng.choice([0.17, 0.30], companies)) + u(-0.05, 0.05)
    ebit_margin = np.minimum(gross_margin - 0.03, -0.08 + 0.21 * health + u(-0.01, 0.01))
    cost, ebit = np.round(revenue * (1 - gross_margin)), np.round(revenue * ebit_margin)
    assets = np.round(revenue * u(0.55, 0.95))
    current = np.round(assets * u(0.45, 0.65))
    equity = np.round(assets * (-0.12 + 0.67 * health + u(-0.03, 0.03)))
    liabilities = assets - equity
    short = np.minimum(liabilities, np.round(current / ((0.65 + 1.65 * health) * u(0.93, 1.07))))
    interest = np.round((liabilities - 0.6 * short) * u(0.03, 0.07))
    depreciation = np.minimum(revenue - cost - ebit, np.round(revenue * u(0.02, 0.04)))
    net = ebit - interest - np.maximum(0.0, np.round((ebit - interest) * 0.25))
    capital = np.round(per_company(rng.uniform(0.01, 0.06, companies)) * revenue[year == 0].repeat(years))
    items = {
        "revenue": revenue, "cost_of_sales": cost, "gross_profit": revenue - cost,
        "operating_expenses": revenue - cost - ebit, "ebit": ebit, "depreciation": depreciation,
        "interest_expense": interest, "net_income": net, "total_assets": assets, "fixed_assets": assets - current,
        "current_assets": np.where(rng.random(n) < 0.01, assets * 1.2, current),  # ~1% inconsistent: blocked
        "inventory": np.round(current * u(0.22, 0.35)), "receivables": np.round(current * u(0.3, 0.4)),
        "cash": np.round(current * u(0.05, 0.2)), "total_liabilities": liabilities, "current_liabilities": short,
        "long_term_liabilities": liabilities - short, "equity": equity, "retained_earnings": equity - capital,
        "share_capital": capital, "operating_cash_flow": np.round(net + depreciation + assets * rng.normal(0, 0.03, n)),
    }
    for name in OPTIONAL:
        items[name] = np.where(rng.random(n) < 0.03, np.nan, items[name])
    keys = pl.Series("buyer_ref", np.arange(companies)).cast(pl.String).str.zfill(7)
    return pl.DataFrame({
        "buyer_ref": ("B" + keys).gather(np.repeat(np.arange(companies), years)),
        "period_end": pl.date_range(pl.date(FIRST_YEAR, 12, 31), pl.date(FIRST_YEAR + years - 1, 12, 31), "1y",
                                    eager=True).gather(year),
        **{name: pl.Series(name, values).fill_nan(None) for name, values in items.items()},
    })


def statements_file(rows: int, years: int) -> Path:
    DATA.mkdir(exist_ok=True)
    path = DATA / f"statements-{rows}-{years}.parquet"
    if not path.exists():
        generate(rows, years).write_parquet(path, row_group_size=100_000)
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--years", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--batch-rows", type=int, default=100_000)
    args = parser.parse_args(argv)
    path = statements_file(args.rows, args.years)
    out = DATA / "scored.parquet"
    load_shipped_model()  # read once per process, as the CLI does before its first batch

    load_before = os.getloadavg()[0]
    times, summary = [], None
    for _ in range(args.repeat):
        started = time.perf_counter()
        summary = score_file(path=path, out=out, batch_rows=args.batch_rows)
        times.append(time.perf_counter() - started)
    rss_peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before the bare predict below
    load_after = os.getloadavg()[0]
    assert summary is not None

    x = feature_matrix(compute_features(pl.read_parquet(path), key="buyer_ref"))
    model = load_shipped_model()
    predict_times = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        model.predict_pd(x)
        predict_times.append(time.perf_counter() - started)

    pipeline, predict = statistics.median(times), statistics.median(predict_times)
    print(f"rows: {summary.rows} count")
    print(f"scored: {summary.scored} count")
    print(f"blocked: {summary.blocked} count")
    print(f"input_size: {path.stat().st_size / 2**20:.1f} MiB")
    print(f"output_size: {out.stat().st_size / 2**20:.1f} MiB")
    print(f"score_batch_median: {pipeline:.2f} s")
    print(f"score_batch_rows_per_second: {summary.rows / pipeline:,.0f} rows/s")
    print(f"score_batch_rss_peak: {rss_peak_mib:.0f} MiB")
    print(f"bare_predict_pd_median: {predict:.2f} s")
    print(f"ratio_pipeline_to_bare_predict: {pipeline / predict:.2f} x")
    print(f"score_batch_runs: {', '.join(f'{seconds:.2f}' for seconds in times)} s")
    print(f"score_batch_first_run: {times[0]:.2f} s")
    print(f"load_average_before: {load_before:.2f} (1 min, {os.cpu_count()} CPUs)")
    print(f"load_average_after: {load_after:.2f} (1 min, counting this benchmark's own threads)")


if __name__ == "__main__":
    main()
