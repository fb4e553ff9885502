"""Benchmark: the full monitoring run (`tradecredit monitor`) over a large portfolio; prints wall time and peak memory.

Target: with 100,000 buyers, 5,000,000 invoices and 200,000 financial statements in SQLite, the run takes ≤ 60 s
and its peak resident memory is ≤ 4 GB.

Usage: python benchmarks/monitor_run.py [--buyers 100000] [--invoices 5000000] [--rounds 3] [--build-only]

The portfolio is built once with the real commands into benchmarks/.data/monitor-<buyers>-<invoices>.db and reused
while the sizes are the same: `tradecredit init`, `tradecredit import buyers|financials|invoices|payments` on CSV
files generated here (EUR only; two statements per buyer; about 93% of the invoices paid, on time or up to 60 days
late, 7% left open), `tradecredit events import` (1,000 events), then `tradecredit assess --all` three months
before the as-of date and again on it (proposals up to 10 million approved automatically, so every buyer has a
limit in force and a previous grade). Each round copies that database to a scratch file and runs
`tradecredit monitor --as-of 2026-11-28 --json` on the copy in a child process, so every round does the first run's
work (opens every alert), then runs the same day again (nothing to change: the daily steady state's reads and
evaluation). The figures are the command's own. Printed as ``name: value unit``, the median of the rounds;
per-round figures go to stderr. The run reads the ledger in a child process (store/arrow_reader.py) while it does its
other reads; the peak memory printed is the larger of the two processes', so the reader's own peak is measured
once more alone and the sum of the two printed as a bound.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data"
AS_OF = date(2026, 11, 28)
EARLIER = date(2026, 8, 28)
START = date(2024, 1, 1)
COUNTRIES = ("DE", "FR", "IT", "ES", "NL", "PL", "CN", "US", "GB", "TR")
LINE_ITEMS = ("revenue", "net_income", "total_assets", "current_assets", "current_liabilities",
              "total_liabilities", "equity")
EVENT_TYPES = ("insolvency", "payment_incident", "legal_claim", "rating_change", "news")


def tradecredit() -> str:
    return str(Path(sys.executable).parent / "tradecredit")


def _write(path: Path, header: tuple[str, ...], rows: object) -> Path:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)  # type: ignore[arg-type]
    return path


def _buyers(buyers: int) -> object:
    return ((f"M{n:06d}", f"Buyer {n} GmbH", COUNTRIES[n % len(COUNTRIES)], "EUR", 30) for n in range(buyers))


def _statement(ref: str, year: int, rng: random.Random) -> tuple[object, ...]:
    revenue = rng.randrange(1_000_000, 50_000_000)
    assets = revenue * rng.uniform(0.5, 1.2)
    equity = assets * rng.uniform(-0.05, 0.5)
    current = assets * 0.5
    return (ref, f"{year}-12-31", "EUR", revenue, round(revenue * rng.uniform(-0.05, 0.08)), round(assets),
            round(current), round(current / rng.uniform(0.7, 1.8)), round(assets - equity), round(equity))


def _financials(buyers: int) -> object:
    rng = random.Random(2)
    for n in range(buyers):
        yield _statement(f"M{n:06d}", 2024, rng)
        yield _statement(f"M{n:06d}", 2025, rng)


def _ledger(folder: Path, buyers: int, invoices: int) -> tuple[Path, Path]:
    """Invoices over 1,060 days before the as-of date and their payments: a buyer pays late by its own habit."""
    rng = random.Random(1)
    habits = [rng.choice((0, 0, 0, 5, 10, 25, 45)) for _ in range(buyers)]
    span = (AS_OF - START).days
    with (folder / "invoices.csv").open("w", newline="", encoding="utf-8") as inv_file, \
            (folder / "payments.csv").open("w", newline="", encoding="utf-8") as pay_file:
        inv, pay = csv.writer(inv_file), csv.writer(pay_file)
        inv.writerow(("invoice_ref", "buyer_ref", "issue_date", "due_date", "currency", "amount"))
        pay.writerow(("payment_ref", "buyer_ref", "payment_date", "currency", "amount", "invoice_ref"))
        for n in range(invoices):
            buyer = rng.randrange(buyers)
            issued = START + timedelta(days=rng.randrange(span))
            due = issued + timedelta(days=30)
            amount = f"{rng.randrange(10_000, 2_000_000) / 100:.2f}"
            inv.writerow((f"MI{n:08d}", f"M{buyer:06d}", issued, due, "EUR", amount))
            paid = due + timedelta(days=max(-10, int(rng.gauss(habits[buyer], 8))))
            if paid <= AS_OF and rng.random() < 0.97:
                pay.writerow((f"MP{n:08d}", f"M{buyer:06d}", paid, "EUR", amount, f"MI{n:08d}"))
    return folder / "invoices.csv", folder / "payments.csv"


def _events(buyers: int) -> object:
    rng = random.Random(3)
    for n in range(1000):
        day = AS_OF - timedelta(days=rng.randrange(60))
        kind = EVENT_TYPES[n % len(EVENT_TYPES)]
        yield (f"M{rng.randrange(buyers):06d}", day, kind, "Bench feed", f"{kind} number {n}")


def _run(env: dict[str, str], *args: str) -> None:
    subprocess.run([tradecredit(), *args], env=env, check=True, stdout=subprocess.DEVNULL)


def build(buyers: int, invoices: int) -> Path:
    """The portfolio database, built with the real commands the first time (see the module docstring)."""
    DATA.mkdir(exist_ok=True)
    db = DATA / f"monitor-{buyers}-{invoices}.db"
    if db.exists():
        return db
    partial = db.with_suffix(".partial.db")
    partial.unlink(missing_ok=True)
    env = {**os.environ, "TRADECREDIT_DATABASE_URL": f"sqlite:///{partial}", "TRADECREDIT_BASE_CURRENCY": "EUR",
           "TRADECREDIT_AUTO_DECIDE_BELOW": "10000000", "TRADECREDIT_SETTINGS_FILE": str(DATA / "absent.toml")}
    with tempfile.TemporaryDirectory(dir=DATA) as scratch:
        folder = Path(scratch)
        steps = [
            ("buyers", _write(folder / "buyers.csv", ("buyer_ref", "name", "country", "currency",
                                                      "payment_terms_days"), _buyers(buyers))),
            ("financials", _write(folder / "financials.csv", ("buyer_ref", "period_end", "currency", *LINE_ITEMS),
                                  _financials(buyers))),
        ]
        invoice_file, payment_file = _ledger(folder, buyers, invoices)
        events = _write(folder / "events.csv", ("buyer_ref", "date", "type", "source", "text"), _events(buyers))
        _run(env, "init")
        for kind, path in [*steps, ("invoices", invoice_file), ("payments", payment_file)]:
            began = time.perf_counter()
            _run(env, "import", kind, str(path))
            print(f"built {kind} in {time.perf_counter() - began:.0f} s", file=sys.stderr)
        _run(env, "events", "import", str(events))
        for day, why in ((EARLIER, "bench: three months earlier"), (AS_OF, "bench: today")):
            began = time.perf_counter()
            _run(env, "assess", "--all", "--as-of", day.isoformat(), "--reason", why)
            print(f"assessed as of {day} in {time.perf_counter() - began:.0f} s", file=sys.stderr)
    partial.rename(db)
    return db


def _timed(env: dict[str, str]) -> tuple[float, float, dict[str, object]]:
    """`tradecredit monitor --json` in a child process: (seconds, its peak RSS in MiB, the run's summary)."""
    code = ("import resource, subprocess, sys, time; began = time.perf_counter(); "
            "out = subprocess.run(sys.argv[1:], capture_output=True, text=True, check=True).stdout; "
            "print(time.perf_counter() - began, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024); "
            "print(out)")
    result = subprocess.run([sys.executable, "-c", code, tradecredit(), "monitor", "--as-of", AS_OF.isoformat(),
                             "--json"], env=env, capture_output=True, text=True, check=True)
    first, rest = result.stdout.split("\n", 1)
    seconds, rss = (float(value) for value in first.split())
    return seconds, rss, json.loads(rest)


def measure(db: Path) -> list[tuple[float, float, dict[str, object]]]:
    """One round on a scratch copy: the first run of the day (opens every alert), then the same day again."""
    with tempfile.TemporaryDirectory(dir=DATA) as scratch:
        copy = Path(scratch) / "run.db"
        shutil.copyfile(db, copy)
        env = {**os.environ, "TRADECREDIT_DATABASE_URL": f"sqlite:///{copy}", "TRADECREDIT_BASE_CURRENCY": "EUR",
               "TRADECREDIT_MONITOR_SCHEDULER": "false", "TRADECREDIT_SETTINGS_FILE": str(DATA / "absent.toml")}
        _run(env, "init")  # a database built by an earlier version gets the newer migrations (not timed)
        return [_timed(env), _timed(env)]


READER_PEAK = """
import resource, sys
from datetime import date
from sqlalchemy.orm import Session
from tradecredit.store.db import make_engine
from tradecredit.store import ledger_frames
ledger_frames.CHILD_FROM = 0
with Session(make_engine(sys.argv[1])) as session:
    with ledger_frames.LedgerRead(session, as_of=date.fromisoformat(sys.argv[2])) as read:
        read.frames()
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
"""


def reader_peak(db: Path) -> float:
    """Peak memory (MiB) of the ledger reader process alone: the run's own figure is the larger of the run's and
    the reader's peaks, which overlap in time, so their sum bounds what the two hold together."""
    done = subprocess.run([sys.executable, "-c", READER_PEAK, f"sqlite:///{db}", AS_OF.isoformat()],
                          capture_output=True, text=True, check=True)
    return float(done.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buyers", type=int, default=100_000)
    parser.add_argument("--invoices", type=int, default=5_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--build-only", action="store_true")
    options = parser.parse_args()
    db = build(options.buyers, options.invoices)
    if options.build_only:
        return
    firsts, agains, peaks = [], [], []
    for round_ in range(options.rounds):
        (seconds, rss, summary), (again, again_rss, _) = measure(db)
        firsts.append(seconds)
        agains.append(again)
        peaks.append(max(rss, again_rss))
        print(f"round {round_ + 1}: {seconds:.1f} s ({again:.1f} s again), {rss:.0f} MiB, buyers "
              f"{summary['buyers']}, opened {summary['opened']}, load {os.getloadavg()[0]:.1f}", file=sys.stderr)
    print(f"monitor_run_buyers: {options.buyers} count")
    print(f"monitor_run_invoices: {options.invoices} count")
    print(f"monitor_run_alerts_opened: {summary['opened']} count")
    print(f"monitor_run_seconds_median: {statistics.median(firsts):.1f} s")
    print(f"monitor_run_same_day_again_seconds_median: {statistics.median(agains):.1f} s")
    print(f"monitor_run_rss_peak_median: {statistics.median(peaks):.0f} MiB")
    reader = reader_peak(db)
    print(f"monitor_run_reader_rss_peak: {reader:.0f} MiB")
    print(f"monitor_run_rss_peak_with_reader_bound: {statistics.median(peaks) + reader:.0f} MiB")


if __name__ == "__main__":
    main()
