"""Buyer events use cases: import a feed file, record events sent to the API, list them.

An import is one transaction (any bad row: nothing written, every error listed). A buyer that gets a new
insolvency is re-assessed right after, each in its own transaction through :func:`assess_buyer`, so its page
shows grade 10 at once; a re-assessment that fails (a missing FX rate, say) leaves the events stored and is
reported with the buyer. ``docs/events.md`` describes the format and the rules.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from tradecredit.domain.errors import ImportRejected, RowError, TradeCreditError, ValidationError
from tradecredit.domain.events import BuyerEvent, EventType
from tradecredit.services.assessment import AssessmentConfig, assess_buyer
from tradecredit.services.import_events import BuyerEventKind
from tradecredit.services.imports import ImportSummary, import_table, sha256_of
from tradecredit.services.paging import check_page
from tradecredit.services.reader_json import looks_like_json, open_json_table, records_table
from tradecredit.services.readers import Table, open_table
from tradecredit.store.uow import SqlUnitOfWork

__all__ = ["EventImport", "EventPage", "EventView", "Reassessed", "import_events", "import_events_into",
           "list_events", "record_events"]


@dataclass(frozen=True)
class Reassessed:
    """A buyer re-assessed because of a new insolvency: its grade now, or why the re-assessment failed."""

    ref: str
    grade: int | None
    problem: str | None = None


@dataclass(frozen=True)
class EventImport:
    file: str
    rows: int
    inserted: int
    duplicates: int
    dry_run: bool
    skipped: list[RowError]
    reassessed: list[Reassessed]


@dataclass(frozen=True)
class EventView:
    id: int
    buyer_ref: str
    buyer_name: str
    event_date: date
    type: str
    source: str
    text: str
    imported_by: str
    imported_at: datetime


@dataclass(frozen=True)
class EventPage:
    items: list[EventView]
    total: int
    page: int
    size: int


def _open(path: Path, name: str) -> Any:
    return open_json_table(path, name=name) if looks_like_json(path) else open_table(path, name=name)


def import_events_into(uow: SqlUnitOfWork, *, path: Path, actor: str, base_currency: str, dry_run: bool = False,
                       display_name: str | None = None) -> tuple[ImportSummary, BuyerEventKind]:
    """Stage a CSV, XLSX or JSON events file inside an open unit of work, without committing."""
    kind = BuyerEventKind()
    with _open(path, display_name or path.name) as table, _in_line_order():
        summary = import_table(uow, table, handler=kind, base_currency=base_currency, actor=actor, dry_run=dry_run,
                               digest=None if dry_run else sha256_of(path))
    return summary, kind


@contextmanager
def _in_line_order() -> Iterator[None]:
    """Report a rejected file's errors by line: buyers and duplicates are checked a batch after the cells."""
    try:
        yield
    except ImportRejected as error:
        ordered = sorted(error.errors, key=lambda row: row.line or sys.maxsize)  # "… and N more" (line 0) last
        raise ImportRejected(error.file, ordered, rows_read=error.rows_read) from None


def import_events(uow: SqlUnitOfWork, *, path: Path, actor: str, config: AssessmentConfig, dry_run: bool = False,
                  display_name: str | None = None) -> EventImport:
    """Import one events file in one transaction, then re-assess the buyers with a new insolvency."""
    with uow:
        summary, kind = import_events_into(uow, path=path, actor=actor, base_currency=config.base_currency,
                                           dry_run=dry_run, display_name=display_name)
        if not dry_run:
            uow.commit()
    reassessed = [] if dry_run else _reassess(uow, kind.insolvent, actor=actor, config=config)
    return _result(summary, kind, reassessed)


def record_events(uow: SqlUnitOfWork, *, records: Sequence[Mapping[str, Any]], actor: str,
                  config: AssessmentConfig) -> EventImport:
    """Record events sent as objects (an API request) through exactly the checks of a file; one audit event each.
    Errors name the object's position in the list, counting from 1."""
    if not records:
        raise ValidationError("events", "expected at least one event")
    kind = BuyerEventKind()
    table: Table = records_table("request", [{k: v for k, v in r.items() if v is not None} for r in records])
    with uow, _in_line_order():
        summary = import_table(uow, table, handler=kind, base_currency=config.base_currency, actor=actor,
                               dry_run=False, digest="")
        now = uow.clock.now()
        for ref, event in kind.inserted:
            uow.audit.record(at=now, actor=actor, action="create", entity="buyer_events",
                             key=f"{ref} / {event.event_date} / {event.type.value}", after=_document(ref, event))
        uow.commit()
    return _result(summary, kind, _reassess(uow, kind.insolvent, actor=actor, config=config))


def _document(ref: str, event: BuyerEvent) -> dict[str, str]:
    return {"buyer_ref": ref, "date": event.event_date.isoformat(), "type": event.type.value,
            "source": event.source, "text": event.text}


def _result(summary: ImportSummary, kind: BuyerEventKind, reassessed: list[Reassessed]) -> EventImport:
    return EventImport(summary.file, summary.rows, summary.inserted, summary.unchanged, summary.dry_run,
                       list(kind.skipped), reassessed)


def _reassess(uow: SqlUnitOfWork, insolvent: Mapping[str, BuyerEvent], *, actor: str,
              config: AssessmentConfig) -> list[Reassessed]:
    done = []
    for ref, event in sorted(insolvent.items()):
        trigger = f"insolvency reported on {event.event_date} ({event.source})"[:200]
        try:
            view = assess_buyer(uow, ref=ref, actor=actor, config=config, trigger=trigger)
        except TradeCreditError as error:
            done.append(Reassessed(ref, None, str(error)))
        else:
            done.append(Reassessed(ref, view.grade))
    return done


def _check_type(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return EventType(value).value
    except ValueError:
        raise ValidationError("type", f"unknown event type {value!r}; expected one of "
                                      f"{', '.join(t.value for t in EventType)}") from None


def list_events(uow: SqlUnitOfWork, *, buyer_ref: str | None = None, type: str | None = None,
                since: date | None = None, page: int = 1, size: int = 50) -> EventPage:
    """Events newest first, of one buyer, one type, dated on or after ``since`` (each filter optional)."""
    offset = check_page(page, size)
    wanted = _check_type(type)
    with uow:
        buyer_id = uow.buyers.get(buyer_ref).id if buyer_ref is not None else None
        rows, total = uow.buyer_events.page(buyer_id=buyer_id, type=wanted, since=since, offset=offset, limit=size)
    return EventPage([EventView(r.id, r.buyer_ref, r.buyer_name, r.event_date, r.type, r.source, r.text,
                                r.imported_by, r.imported_at) for r in rows], total, page, size)
