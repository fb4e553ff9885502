"""The ledger as Polars frames for portfolio-wide analytics, read in chunks of plain integers.

:func:`tradecredit.store.queries.invoice_columns` turns every amount into a Decimal and every date into a Python
object, row by row: right for a report on a few thousand invoices, too slow and too big for millions (5 million
invoices took over 20 s and 3.5 GB). Here the database hands over **integers only** — amounts in 1/10,000 (SQLite
stores them so, PostgreSQL scales and casts), dates as days since 1970-01-01, currencies and kinds as positions in
a short list read first — and each chunk of rows becomes one integer array, so only one chunk exists as Python
objects at a time. The frames have the engine's schemas (``engine/receivables.py``: amounts as Float64 major units
in the invoice currency); ``group_id`` is left to the caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import (
    BigInteger,
    Integer,
    Numeric,
    case,
    cast,
    func,
    literal,
    literal_column,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session

from tradecredit.store.tables import AdjustmentRecord, AllocationRecord, InvoiceRecord

CHUNK_ROWS = 250_000
SCALE = 10_000  # ExactDecimal(…, 4): amounts travel as integers of 1/10,000
JULIAN_EPOCH = 2440587.5  # julianday('1970-01-01')
SETTLEMENT_KINDS = ("payment", "credit_note", "write_off")


def _sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _scaled(session: Session, column: Any) -> Any:
    if _sqlite(session):
        return type_coerce(column, BigInteger)
    return cast(type_coerce(column, Numeric) * SCALE, BigInteger)


def _days(session: Session, column: Any) -> Any:
    """The date as days since 1970-01-01 (an integer on both backends)."""
    if _sqlite(session):
        return cast(func.julianday(column) - JULIAN_EPOCH, Integer)
    return type_coerce(column, Integer) - type_coerce(literal_column("DATE '1970-01-01'"), Integer)


def _position(column: Any, values: Sequence[str]) -> Any:
    return case({value: index for index, value in enumerate(values)}, value=column, else_=-1)


def _frame(session: Session, query: Any, names: Sequence[str]) -> pl.DataFrame:
    """Every row of the query (integers only) as an Int64 frame, fetched ``CHUNK_ROWS`` at a time."""
    sql = str(query.compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}))
    cursor = session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    parts = []
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(CHUNK_ROWS):
            parts.append(pl.DataFrame(np.array(rows, dtype=np.int64), schema=list(names), orient="row"))
    finally:
        cursor.close()
    return pl.concat(parts) if parts else pl.DataFrame(schema=dict.fromkeys(names, pl.Int64))


def _decoded(frame: pl.DataFrame, *, dates: Sequence[str], codes: dict[str, Sequence[str]]) -> pl.DataFrame:
    """Days to dates, positions to codes, 1/10,000 to major units (numpy divides exactly — Polars multiplies by
    the reciprocal, which leaves 1234.5600000000002 — so the amounts equal the Decimals' ``float``)."""
    major = pl.Series("amount", frame["amount"].to_numpy() / SCALE, dtype=pl.Float64)
    return frame.with_columns(
        *(pl.col(name).cast(pl.Int32).cast(pl.Date) for name in dates),
        *(pl.lit(pl.Series(values, dtype=pl.String)).gather(pl.col(name)).alias(name)
          for name, values in codes.items()),
        amount=major)


def invoice_frame(session: Session, *, issued_on_or_before: date) -> pl.DataFrame:
    """``invoice_id, buyer_id, issue_date, due_date, currency, amount, disputed`` of every invoice issued on or
    before the date."""
    i = InvoiceRecord
    currencies = sorted(session.scalars(select(i.currency).distinct()))
    names = ("invoice_id", "buyer_id", "issue_date", "due_date", "currency", "amount", "disputed")
    if not currencies:  # no invoices at all (and CASE needs a WHEN)
        return _decoded(pl.DataFrame(schema=dict.fromkeys(names, pl.Int64)), dates=("issue_date", "due_date"),
                        codes={"currency": currencies}).with_columns(pl.col("disputed").cast(pl.Boolean))
    query = select(i.id, i.buyer_id, _days(session, i.issue_date), _days(session, i.due_date),
                   _position(i.currency, currencies), _scaled(session, i.amount),
                   cast(i.disputed, Integer)).where(i.issue_date <= issued_on_or_before)
    frame = _frame(session, query, names).with_columns(pl.col("disputed").cast(pl.Boolean))
    return _decoded(frame, dates=("issue_date", "due_date"), codes={"currency": currencies})


def settlement_frame(session: Session, *, on_or_before: date) -> pl.DataFrame:
    """``invoice_id, date, amount, kind``: allocations (kind ``payment``), credit notes and write-offs dated on or
    before the date."""
    a, d = AllocationRecord, AdjustmentRecord
    allocations = select(a.invoice_id, _days(session, a.effective_date), _scaled(session, a.amount),
                         literal(0)).where(a.effective_date <= on_or_before)
    adjustments = select(d.invoice_id, _days(session, d.adjustment_date), _scaled(session, d.amount),
                         _position(d.kind, SETTLEMENT_KINDS)).where(d.adjustment_date <= on_or_before)
    frame = _frame(session, union_all(allocations, adjustments), ("invoice_id", "date", "amount", "kind"))
    return _decoded(frame, dates=("date",), codes={"kind": SETTLEMENT_KINDS})
