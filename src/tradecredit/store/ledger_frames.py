"""The ledger as Polars frames for portfolio-wide analytics, read as plain integers.

:func:`tradecredit.store.queries.invoice_columns` turns every amount into a Decimal and every date into a Python
object, row by row: right for a report on a few thousand invoices, too slow and too big for millions (5 million
invoices took over 20 s and 3.5 GB). Here the database hands over **integers only** — amounts in 1/10,000 (SQLite
stores them so, PostgreSQL scales and casts), dates as days since 1970-01-01, currencies and kinds as positions in
a short list read first.

On a database file or PostgreSQL with at least ``CHILD_FROM`` invoices, a child process reads them with
connectorx (:mod:`tradecredit.store.arrow_reader`) while the caller does its other reads. Otherwise (a smaller
ledger, an in-memory SQLite database), or when the child fails, the session's own connection fetches
``CHUNK_ROWS`` rows at a time into one integer array each, so only one chunk exists as Python objects at a time.
The frames have the engine's schemas (``engine/receivables.py``: amounts as Float64 major units in the invoice
currency); ``group_id`` is left to the caller.

The child reads on a connection of its own, outside the caller's transaction. The monitoring run reads committed,
dated data (invoices issued and settlements dated up to the day), so a write landing between the two reads can only
add an invoice the other read does not know (its settlements are then ignored, as for any unknown invoice).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote

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
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from tradecredit.store.arrow_reader import ArrowReading, ReaderFailed
from tradecredit.store.tables import AdjustmentRecord, AllocationRecord, InvoiceRecord

log = logging.getLogger(__name__)

CHUNK_ROWS = 250_000
SCALE = 10_000  # ExactDecimal(…, 4): amounts travel as integers of 1/10,000
JULIAN_EPOCH = 2440587.5  # julianday('1970-01-01')
SETTLEMENT_KINDS = ("payment", "credit_note", "write_off")
INVOICE_NAMES = ("invoice_id", "buyer_id", "issue_date", "due_date", "currency", "amount", "disputed")
SETTLEMENT_NAMES = ("invoice_id", "date", "amount", "kind")
CHILD_FROM = 200_000  # invoices; below, the cursor reads faster than a child process starts (about 0.6 s)


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


def arrow_uri(url: URL) -> str | None:
    """The address connectorx reads the same database at; None for an in-memory SQLite database or one opened with
    URL options, which only the caller's own driver understands."""
    if url.get_backend_name() == "postgresql":
        return url.set(drivername="postgresql").render_as_string(hide_password=False)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:") and not url.query:
        return "sqlite://" + quote(str(Path(str(url.database)).resolve()))
    return None


def _fetched(session: Session, sql: str, names: Sequence[str]) -> pl.DataFrame:
    """Every row of the query (integers only) as an Int64 frame, fetched ``CHUNK_ROWS`` at a time."""
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


def _sql(session: Session, query: Any) -> str:
    return str(query.compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}))


def _invoice_sql(session: Session, currencies: Sequence[str], issued_on_or_before: date) -> str:
    i = InvoiceRecord
    return _sql(session, select(i.id, i.buyer_id, _days(session, i.issue_date), _days(session, i.due_date),
                                _position(i.currency, currencies), _scaled(session, i.amount),
                                cast(i.disputed, Integer)).where(i.issue_date <= issued_on_or_before))


def _settlement_sql(session: Session, on_or_before: date) -> str:
    a, d = AllocationRecord, AdjustmentRecord
    allocations = select(a.invoice_id, _days(session, a.effective_date), _scaled(session, a.amount),
                         literal(0)).where(a.effective_date <= on_or_before)
    adjustments = select(d.invoice_id, _days(session, d.adjustment_date), _scaled(session, d.amount),
                         _position(d.kind, SETTLEMENT_KINDS)).where(d.adjustment_date <= on_or_before)
    return _sql(session, union_all(allocations, adjustments))


def _named(frame: pl.DataFrame, names: Sequence[str]) -> pl.DataFrame:
    return frame.rename(dict(zip(frame.columns, names, strict=True))).cast(pl.Int64)


class LedgerRead:
    """The invoices issued and the settlements dated on or before one day, being read; :meth:`frames` waits for
    them. A context manager: leaving it stops a read still running."""

    def __init__(self, session: Session, *, as_of: date) -> None:
        self._session = session
        self._currencies = sorted(session.scalars(select(InvoiceRecord.currency).distinct()))
        self._queries = {"settlements": _settlement_sql(session, as_of)}
        if self._currencies:  # with no invoice at all there is nothing to read (and CASE needs a WHEN)
            self._queries["invoices"] = _invoice_sql(session, self._currencies, as_of)
        uri = arrow_uri(session.get_bind().engine.url)
        large = (session.scalar(select(func.max(InvoiceRecord.id))) or 0) >= CHILD_FROM
        self._child = ArrowReading(uri, self._queries) if uri is not None and large else None

    def frames(self) -> tuple[pl.DataFrame, pl.DataFrame]:
        """``(invoices, settlements)``: ``invoice_id, buyer_id, issue_date, due_date, currency, amount, disputed``
        and ``invoice_id, date, amount, kind`` (allocations as kind ``payment``, credit notes, write-offs)."""
        raw = self._read()
        empty = pl.DataFrame(schema=dict.fromkeys(INVOICE_NAMES, pl.Int64))
        invoices = _named(raw["invoices"], INVOICE_NAMES) if "invoices" in raw else empty
        settlements = _named(raw["settlements"], SETTLEMENT_NAMES)
        return (_decoded(invoices.with_columns(pl.col("disputed").cast(pl.Boolean)),
                         dates=("issue_date", "due_date"), codes={"currency": self._currencies}),
                _decoded(settlements, dates=("date",), codes={"kind": SETTLEMENT_KINDS}))

    def _read(self) -> dict[str, pl.DataFrame]:
        if self._child is not None:
            try:
                return self._child.frames()
            except ReaderFailed as error:
                log.warning("the ledger reader process failed (%s); reading through the session instead", error)
        names = {"invoices": INVOICE_NAMES, "settlements": SETTLEMENT_NAMES}
        return {name: _fetched(self._session, sql, names[name]) for name, sql in self._queries.items()}

    def __enter__(self) -> LedgerRead:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._child is not None:
            self._child.__exit__(kind, error, trace)
