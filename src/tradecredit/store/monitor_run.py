"""Set-based reads and bulk writes of the monitoring run: a handful of queries for the whole portfolio, never one
per buyer, and no ORM objects for alerts (``services/monitoring.py`` explains the run)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from tradecredit.domain.monitoring import OpenAlert
from tradecredit.store.monitoring import OPEN
from tradecredit.store.prepared import Prepared, insert_all
from tradecredit.store.tables import (
    AlertEventRecord,
    AlertRecord,
    AssessmentRecord,
    BuyerEventRecord,
    InvoiceRecord,
    MonitorRunRecord,
    StatementRecord,
)

CHUNK = 5000  # bound parameters per IN list, well under SQLite's and PostgreSQL's limits
_ALERTS: Any = AlertRecord.__table__  # Core tables: bulk writes without per-row ORM bookkeeping
_ALERT_EVENTS: Any = AlertEventRecord.__table__


@dataclass(frozen=True, slots=True)
class PreviousRun:
    as_of: date
    started_at: datetime


def assessment_pairs(session: Session, *, as_of: date) -> list[Any]:
    """(buyer_id, n, grade, pd, recommended_limit) of each buyer's latest (n = 1) and previous (n = 2) assessment
    dated on or before ``as_of``."""
    a = AssessmentRecord
    rank = func.row_number().over(partition_by=a.buyer_id, order_by=(a.as_of.desc(), a.id.desc()))
    ranked = (select(a.buyer_id, rank.label("n"), a.grade, a.pd, a.recommended_limit)
              .where(a.as_of <= as_of).subquery())
    return list(session.execute(select(ranked).where(ranked.c.n <= 2)))


STATEMENT_FACTS = ("period_end", "created_at", "currency", "revenue", "net_income", "current_assets",
                   "current_liabilities", "equity")


def statement_pairs(session: Session, *, as_of: date) -> list[Any]:
    """(buyer_id, n, *STATEMENT_FACTS) of each buyer's latest (n = 1) and previous (n = 2) statement whose period
    ended on or before ``as_of``."""
    s = StatementRecord
    rank = func.row_number().over(partition_by=s.buyer_id, order_by=(s.period_end.desc(), s.id.desc()))
    ranked = (select(s.buyer_id, rank.label("n"), *(getattr(s, name) for name in STATEMENT_FACTS))
              .where(s.period_end <= as_of).subquery())
    return list(session.execute(select(ranked).where(ranked.c.n <= 2)))


def events_between(session: Session, *, after: date, as_of: date, imported_since: datetime | None) -> list[Any]:
    """(buyer_id, event_date, type, source, text) of events dated in (after, as_of], or dated up to ``as_of`` and
    imported since ``imported_since`` (a late feed), in date order."""
    e = BuyerEventRecord
    new = e.event_date > after
    if imported_since is not None:
        new = new | (e.imported_at >= imported_since)
    query = (select(e.buyer_id, e.event_date, e.type, e.source, e.text).where(e.event_date <= as_of, new)
             .order_by(e.buyer_id, e.event_date, e.id))
    return list(session.execute(query))


def previous_run(session: Session, *, before: date) -> PreviousRun | None:
    """The latest run for a day before ``before`` (the runs of ``before`` itself do not count: re-running a day
    must read the same window)."""
    query = (select(MonitorRunRecord.as_of, MonitorRunRecord.started_at).where(MonitorRunRecord.as_of < before)
             .order_by(MonitorRunRecord.as_of.desc(), MonitorRunRecord.id.desc()).limit(1))
    row = session.execute(query).first()
    return None if row is None else PreviousRun(row[0], row[1])


def has_run(session: Session, *, as_of: date) -> bool:
    return session.scalar(select(MonitorRunRecord.id).where(MonitorRunRecord.as_of == as_of).limit(1)) is not None


def _chunks(values: Sequence[int]) -> Iterator[list[int]]:
    for start in range(0, len(values), CHUNK):
        yield list(values[start:start + CHUNK])


def invoice_refs(session: Session, ids: Sequence[int]) -> dict[int, str]:
    refs: dict[int, str] = {}
    for chunk in _chunks(sorted(set(ids))):
        query = select(InvoiceRecord.id, InvoiceRecord.ref).where(InvoiceRecord.id.in_(chunk))
        refs.update((invoice_id, ref) for invoice_id, ref in session.execute(query))
    return refs


_ALERT_COLUMNS = (AlertRecord.id, AlertRecord.buyer_id, AlertRecord.code, AlertRecord.severity, AlertRecord.status,
                  AlertRecord.snoozed_until, AlertRecord.last_seen_on, AlertRecord.evidence, AlertRecord.actions,
                  AlertRecord.text_en, AlertRecord.text_zh, AlertRecord.version)


def open_alerts(session: Session) -> list[OpenAlert]:
    """Every alert not resolved, oldest first, as plain values."""
    query = select(*_ALERT_COLUMNS).where(AlertRecord.status.in_(OPEN)).order_by(AlertRecord.id)
    return [OpenAlert(*row) for row in session.execute(query)]


def _insert_many(session: Session, table: Any, rows: Sequence[dict[str, Any]], common: dict[str, Any]) -> None:
    """One executemany on the driver's cursor, the shared values converted once (:class:`Prepared`): at 167,000
    alerts SQLAlchemy's per-row parameter processing cost more than SQLite's inserts."""
    connection = session.connection()
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        Prepared(insert_all(table), connection.dialect).run_many(cursor, rows, common)
    finally:
        cursor.close()


def insert_alerts(session: Session, rows: Sequence[dict[str, Any]], common: dict[str, Any]) -> list[int]:
    """Insert in one executemany (no per-row ORM bookkeeping); the new ids in the order of ``rows``. ``common``:
    the values every row shares.

    On SQLite, SQLAlchemy can only keep ``RETURNING`` in parameter order by sending one INSERT per row (167,000
    statements on a first run at 100,000 buyers). There a plain executemany runs instead and the ids are read
    back: rows are inserted in order, so theirs are the ids above the largest before, ascending. Only the
    monitoring run inserts alerts, under its run lock; a count that does not match stops the run."""
    if not rows:
        return []
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        statement = insert(_ALERTS).returning(_ALERTS.c.id, sort_by_parameter_order=True)
        return list(connection.execute(statement, [{**common, **row} for row in rows]).scalars())
    before = connection.execute(select(func.max(_ALERTS.c.id))).scalar() or 0
    _insert_many(session, _ALERTS, rows, common)
    ids = list(connection.execute(select(_ALERTS.c.id).where(_ALERTS.c.id > before).order_by(_ALERTS.c.id))
               .scalars())
    if len(ids) != len(rows):
        raise RuntimeError(f"inserted {len(rows)} alerts but found {len(ids)} new ones: another writer added "
                           "alerts during the run")
    return ids


def update_alerts(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Bulk update by primary key: each row holds ``id`` and the columns it changes (same keys in every row)."""
    by_keys: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        by_keys.setdefault(tuple(sorted(row)), []).append(row)
    for group in by_keys.values():
        session.execute(update(AlertRecord), group)


def insert_events(session: Session, rows: Sequence[dict[str, Any]], common: dict[str, Any]) -> None:
    """The alerts' audit rows in one executemany; ``common``: the values every row shares."""
    if rows:
        _insert_many(session, _ALERT_EVENTS, rows, common)
