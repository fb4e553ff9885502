"""Benchmark: the order check for buyers with a long paid history, with and without the settlement marks.

The exposure read takes every invoice of the buyer issued up to the day and sums each one's settlements, unless
``invoices.settled_on`` says it was settled by then, or ``invoices.has_settlements`` says it has none to sum
(store/settlement.py). This measures what each saves.

Usage: python benchmarks/check_history.py [--buyers 20] [--paid 500] [--open 10] [--checks 2000] [--rounds 3]

The ledger is built with the real commands (`tradecredit import buyers|invoices|payments`): each buyer gets
``--paid`` invoices paid in full by one payment each and ``--open`` invoices left open, in a fresh SQLite file
under benchmarks/.data. Each round checks ``--checks`` orders on random buyers in process (``services.orders.check``,
one transaction each), in a process of its own, three times: as imported; with ``has_settlements`` set on every
invoice (the read before that column); and with ``settled_on`` cleared as well (the read before either column).
Figures are medians of the rounds, printed as ``name: value unit``; per-round figures go to stderr.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import sqlite3
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from api_load import DATA, environment, run

START = date(2021, 1, 4)


def _write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def build(buyers: int, paid: int, open_: int) -> Path:
    """The ledger, built once per size."""
    database = DATA / f"history-{buyers}-{paid}-{open_}.db"
    if database.exists():
        run(environment(database), "init")
        return database
    DATA.mkdir(exist_ok=True)
    building = database.with_suffix(".building.db")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{building}{suffix}").unlink(missing_ok=True)
    env = environment(building)
    run(env, "init")
    buyer_rows = [f"H{b:05d},History {b} GmbH,DE,,EUR,30," for b in range(buyers)]
    invoice_rows, payment_rows = [], []
    for b in range(buyers):
        for n in range(paid + open_):
            issued = START + timedelta(days=(n * 1500) // (paid + open_))
            invoice_rows.append(f"H{b:05d}-{n:05d},H{b:05d},{issued},{issued + timedelta(days=30)},EUR,1000.00")
            if n < paid:
                payment_rows.append(f"HP{b:05d}-{n:05d},H{b:05d},{issued + timedelta(days=25)},EUR,1000.00,"
                                    f"H{b:05d}-{n:05d}")
    run(env, "import", "buyers", str(_write(DATA / "history-buyers.csv",
                                            "buyer_ref,name,country,registration_id,currency,payment_terms_days,"
                                            "parent_ref", buyer_rows)))
    run(env, "import", "invoices", str(_write(DATA / "history-invoices.csv",
                                              "invoice_ref,buyer_ref,issue_date,due_date,currency,amount",
                                              invoice_rows)))
    run(env, "import", "payments", str(_write(DATA / "history-payments.csv",
                                              "payment_ref,buyer_ref,payment_date,currency,amount,invoice_ref",
                                              payment_rows)))
    connection = sqlite3.connect(building)
    try:
        connection.execute("INSERT INTO credit_limits (buyer_id, scope, kind, amount, valid_from, valid_to, review_on,"
                           " decided_by, decided_at, reason) SELECT id, 'buyer', 'base', 1000000000000, '2000-01-01',"
                           " NULL, '2999-12-31', 'benchmark', '2026-01-01T00:00:00+00:00', 'benchmark setup'"
                           " FROM buyers")
        connection.commit()
        connection.execute("PRAGMA journal_mode=DELETE")
    finally:
        connection.close()
    building.rename(database)
    return database


CLEARING = {  # what each round takes away from the marks the writers keep
    "with_marks": [],
    "without_has_settlements": ["UPDATE invoices SET has_settlements = 1"],
    "without_marks": ["UPDATE invoices SET has_settlements = 1", "UPDATE invoices SET settled_on = NULL"],
}


def checks_per_second(database: Path, *, buyers: int, checks: int, seed: int, cleared: str) -> float:
    """In a process of its own: ``checks`` order checks on random buyers, one transaction each."""
    connection = sqlite3.connect(database)
    for statement in CLEARING[cleared]:
        connection.execute(statement)
    connection.commit()
    connection.close()
    os.environ.update(environment(database))
    from tradecredit.bootstrap import build as build_app
    from tradecredit.services import orders

    app = build_app(background_checkpoints=True)
    assert app.checkpointer is not None
    app.checkpointer.start()
    rng = random.Random(seed)

    def check(label: str) -> None:
        orders.check(app.uow(), ref=f"H{rng.randrange(buyers):05d}", order_ref=label, amount=Decimal("100.00"),
                     currency="EUR", ship_date=date(2026, 12, 31), actor="benchmark", config=app.order_check_config)

    for number in range(200):
        check(f"HW-{seed}-{cleared}-{number}")
    began = time.perf_counter()
    for number in range(checks):
        check(f"HC-{seed}-{cleared}-{number}")
    seconds = time.perf_counter() - began
    app.close()
    return checks / seconds


def restore(database: Path) -> None:
    """The marks worked out again for every invoice (after a round that cleared them)."""
    from sqlalchemy import select

    from tradecredit.bootstrap import build as build_app
    from tradecredit.store.settlement import settle
    from tradecredit.store.tables import InvoiceRecord

    os.environ.update(environment(database))
    app = build_app()
    with app.uow() as uow:
        settle(uow.session, list(uow.session.scalars(select(InvoiceRecord.id))))
        uow.commit()
    app.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buyers", type=int, default=20)
    parser.add_argument("--paid", type=int, default=500, help="paid invoices per buyer")
    parser.add_argument("--open", type=int, default=10, help="open invoices per buyer")
    parser.add_argument("--checks", type=int, default=2000, help="checks per round")
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    database = build(options.buyers, options.paid, options.open)
    print(f"paid_invoices_per_buyer: {options.paid} count")
    print(f"open_invoices_per_buyer: {options.open} count")
    spawn = multiprocessing.get_context("spawn")
    figures: dict[str, list[float]] = {cleared: [] for cleared in CLEARING}
    for number in range(1, options.rounds + 1):
        for cleared, statements in CLEARING.items():
            with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
                figures[cleared].append(pool.submit(checks_per_second, database, buyers=options.buyers,
                                                    checks=options.checks, seed=number, cleared=cleared).result())
            if statements:
                with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
                    pool.submit(restore, database).result()
        rounds = ", ".join(f"{figures[cleared][-1]:.0f} {cleared.replace('_', ' ')}" for cleared in CLEARING)
        print(f"round {number}: checks/s {rounds} (load average {os.getloadavg()[0]:.2f})", file=sys.stderr)
    for cleared, rates in figures.items():
        print(f"checks_{cleared}: {statistics.median(rates):.0f} checks/s")


if __name__ == "__main__":
    main()
