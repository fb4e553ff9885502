"""Benchmark: import N invoices from CSV into SQLite and PostgreSQL; prints wall time and peak memory.

Usage: python benchmarks/import_invoices.py [--rows 1000000] [--buyers 10000] [--repeat 1] [--no-postgres]
PostgreSQL runs against TRADECREDIT_BENCH_DATABASE_URL, or a `tradecredit_bench` database created on the
local server (postgres@127.0.0.1:5432). Each run imports into a freshly migrated, empty database, in a
child process, so the figures are those of the real `tradecredit import invoices` command.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_BENCH_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/tradecredit_bench"


def tradecredit() -> str:
    return str(Path(sys.executable).parent / "tradecredit")


def make_files(rows: int, buyers: int) -> tuple[Path, Path]:
    DATA.mkdir(exist_ok=True)
    buyer_file, invoice_file = DATA / f"buyers-{buyers}.csv", DATA / f"invoices-{rows}-{buyers}.csv"
    if not buyer_file.exists():
        with buyer_file.open("w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(["buyer_ref", "name", "country", "currency", "payment_terms_days"])
            writer.writerows((f"B{n:06d}", f"Buyer {n} GmbH", "DE", "EUR", 30) for n in range(buyers))
    if not invoice_file.exists():
        rng = random.Random(1)
        start = date(2024, 1, 1)
        with invoice_file.open("w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(["invoice_ref", "buyer_ref", "issue_date", "due_date", "currency", "amount"])
            for n in range(rows):
                issued = start + timedelta(days=rng.randrange(900))
                writer.writerow((f"INV{n:08d}", f"B{rng.randrange(buyers):06d}", issued.isoformat(),
                                 (issued + timedelta(days=30)).isoformat(), "EUR",
                                 f"{rng.randrange(1_000, 5_000_000) / 100:.2f}"))
    return buyer_file, invoice_file


def run(env: dict[str, str], *args: str) -> float:
    began = time.perf_counter()
    subprocess.run([tradecredit(), *args], env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - began


def reset_postgres(url: str) -> None:
    import psycopg

    if url == PG_BENCH_URL:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute("DROP DATABASE IF EXISTS tradecredit_bench WITH (FORCE)")
            admin.execute("CREATE DATABASE tradecredit_bench")
    else:
        with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as connection:
            connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")


def measure(url: str, files: tuple[Path, Path], repeat: int, prepare: object) -> list[float]:
    times = []
    for _ in range(repeat):
        if callable(prepare):
            prepare()
        env = {**os.environ, "TRADECREDIT_DATABASE_URL": url, "TRADECREDIT_SETTINGS_FILE": "/nonexistent.toml"}
        run(env, "init")
        run(env, "import", "buyers", str(files[0]))
        times.append(run(env, "import", "invoices", str(files[1])))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--buyers", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--no-postgres", action="store_true")
    options = parser.parse_args()
    files = make_files(options.rows, options.buyers)
    print(f"invoices: {options.rows} count")
    print(f"csv_size: {files[1].stat().st_size / 2**20:.1f} MiB")
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "bench.db"

        def fresh_sqlite() -> None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)

        times = measure(f"sqlite:///{db}", files, options.repeat, fresh_sqlite)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"import_invoices_sqlite_median: {statistics.median(times):.1f} s")
    print(f"import_invoices_rss_peak: {peak:.0f} MiB")
    if not options.no_postgres:
        url = os.environ.get("TRADECREDIT_BENCH_DATABASE_URL", PG_BENCH_URL)
        times = measure(url, files, options.repeat, lambda: reset_postgres(url))
        print(f"import_invoices_postgresql_median: {statistics.median(times):.1f} s")


if __name__ == "__main__":
    main()
