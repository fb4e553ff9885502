"""Importing buyers, financial statements, invoices, credit notes and write-offs, payments and FX rates.

One file is one transaction: every row is validated (cells, domain rules, references to what is stored),
every error is collected with its line and column, and nothing is written unless the whole file is clean.
Rows are streamed and written in batches inside the open transaction, so memory stays flat on any size.
Importing the same file again changes nothing: rows are matched on their ``*_ref`` keys.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from tradecredit.domain.errors import ImportRejected, RowError, ValidationError
from tradecredit.services import country
from tradecredit.services.fields import RowValues
from tradecredit.services.import_base import ImportKind
from tradecredit.services.import_kinds import KINDS
from tradecredit.services.readers import Table, open_table
from tradecredit.store.uow import SqlUnitOfWork

MAX_ERRORS = 10_000
_HASH_MASK = (1 << 64) - 1
Progress = Callable[[int, int], None]


@dataclass
class ImportSummary:
    kind: str
    file: str
    rows: int
    inserted: int
    updated: int
    unchanged: int
    dry_run: bool
    notes: dict[str, int] = field(default_factory=dict)


@dataclass
class ImportContext:
    """What a kind needs while staging rows: the open unit of work, dates, and the error list."""

    uow: SqlUnitOfWork
    file: str
    today: date
    now: datetime
    base_currency: str
    actor: str = "system"
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    notes: dict[str, int] = field(default_factory=dict)

    @property
    def writing(self) -> bool:
        """Rows are written only while the file is clean; afterwards they are only validated."""
        return self.error_count == 0

    def audit_update(self, entity: str, key: str, before: dict[str, Any], after: dict[str, Any]) -> None:
        """Record the fields an import changes on an existing record (inserts are covered by the file's event)."""
        changed = {name for name, value in after.items() if before.get(name) != value}
        if changed:
            self.uow.audit.record(at=self.now, actor=self.actor, action="import_update", entity=entity, key=key,
                                  before={name: _jsonable(before.get(name)) for name in sorted(changed)},
                                  after={name: _jsonable(after[name]) for name in sorted(changed)})

    def error(self, line: int, column: str, reason: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(RowError(self.file, line, column, reason))


@dataclass
class Staged:
    line: int
    record: Any


def import_file(
    uow: SqlUnitOfWork,
    *,
    kind: str,
    path: Path,
    base_currency: str,
    actor: str,
    dry_run: bool = False,
    ignore_extra: bool = False,
    batch_size: int = 5000,
    progress: Progress | None = None,
    display_name: str | None = None,
) -> ImportSummary:
    """Validate and load one file of ``kind`` in one transaction; raises ImportRejected listing every bad row."""
    with uow:
        summary = import_into(uow, kind=kind, path=path, base_currency=base_currency, actor=actor,
                              ignore_extra=ignore_extra, batch_size=batch_size, progress=progress,
                              display_name=display_name, dry_run=dry_run)
        if not dry_run:
            uow.commit()
            _changed(kind)
        return summary


def import_into(
    uow: SqlUnitOfWork,
    *,
    kind: str,
    path: Path,
    base_currency: str,
    actor: str,
    dry_run: bool = False,
    ignore_extra: bool = False,
    batch_size: int = 5000,
    progress: Progress | None = None,
    display_name: str | None = None,
) -> ImportSummary:
    """Stage one file inside an open unit of work, without committing (the caller decides)."""
    with open_table(path, name=display_name or path.name) as table:
        return import_table(uow, table, handler=_kind(kind), base_currency=base_currency, actor=actor,
                            dry_run=dry_run, ignore_extra=ignore_extra, batch_size=batch_size, progress=progress,
                            digest=None if dry_run else sha256_of(path))


def import_table(uow: SqlUnitOfWork, table: Table, *, handler: ImportKind, base_currency: str, actor: str,
                 dry_run: bool, ignore_extra: bool = False, batch_size: int = 5000, progress: Progress | None = None,
                 digest: str | None) -> ImportSummary:
    """Stage an open table with ``handler`` inside an open unit of work; ``digest`` (the file's SHA-256) records
    the import batch and its audit event, ``""`` skips them (API records), None too (dry runs)."""
    kind = handler.name
    name = table.name
    columns = _check_header(table, handler, ignore_extra)
    handler.present = frozenset(c for c in columns if c is not None)
    context = ImportContext(uow, name, uow.clock.today(), uow.clock.now(), base_currency, actor)
    rows = _load_rows(table, columns, handler, context, batch_size, progress)
    if rows == 0:
        context.error(0, "", "the file has a header but no data rows")
    if context.writing:
        handler.finish(context)
    if context.error_count:
        raise _rejected(context, rows)
    if digest:  # a file (not a dry run, not an API record): keep its import record and audit it
        uow.imports.add(kind=kind, file_name=name[:500], sha256=digest, rows=rows,
                        inserted=context.inserted, updated=context.updated, unchanged=context.unchanged,
                        imported_by=actor[:100], imported_at=context.now)
        uow.audit.record(at=context.now, actor=actor, action="import", entity=kind, key=name,
                         after={"sha256": digest, "rows": rows, "inserted": context.inserted,
                                "updated": context.updated, "unchanged": context.unchanged, **context.notes})
    return ImportSummary(kind, name, rows, context.inserted, context.updated, context.unchanged, dry_run,
                         dict(context.notes))


def import_records(uow: SqlUnitOfWork, *, kind: str, records: list[dict[str, str]], base_currency: str,
                   actor: str, source: str = "request") -> ImportSummary:
    """Load rows given as dicts (an API request) through exactly the checks a file goes through."""
    header = list(records[0]) if records else []
    rows = [[str(record.get(column, "") or "") for column in header] for record in records]
    table = Table(source, header, iter(list(enumerate(rows, start=2))), 0, lambda: 0)
    with uow:
        summary = import_table(uow, table, handler=_kind(kind), base_currency=base_currency, actor=actor,
                               dry_run=False, digest="")
        action = "create" if summary.inserted else "update" if summary.updated else None
        for record in records if action else []:
            key = " / ".join(record.get(column, "") for column in KINDS[kind].key_columns)
            uow.audit.record(at=uow.clock.now(), actor=actor, action=action or "", entity=kind, key=key, after=record)
        uow.commit()
        _changed(kind)
        return summary


def _changed(kind: str) -> None:
    """Tell per-process caches that imported country ratings changed a country's grade."""
    if kind == "country_ratings":
        country.CHANGES.bump()


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value.normalize()) if value == value.to_integral() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _kind(kind: str) -> ImportKind:
    try:
        return KINDS[kind]()
    except KeyError:
        raise ValidationError("kind", f"unknown import kind {kind!r}; expected one of "
                                      f"{', '.join(sorted(KINDS))}") from None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    if path.is_file():
        with path.open("rb") as file:
            for block in iter(lambda: file.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _check_header(table: Table, handler: ImportKind, ignore_extra: bool) -> list[str | None]:
    """Map each file column to a known column name (None = ignored); reject a bad header outright."""
    known = set(handler.required) | set(handler.optional)
    problems: list[RowError] = []
    seen: set[str] = set()
    columns: list[str | None] = []
    for header in table.header:
        name = header.lower()
        if name in seen:
            problems.append(RowError(table.name, 1, header, "column appears twice in the header"))
        seen.add(name)
        if name not in known:
            if not ignore_extra:
                problems.append(RowError(table.name, 1, header, f"unknown column; expected "
                                         f"{', '.join([*handler.required, *handler.optional])} "
                                         "(or pass --ignore-extra)"))
            columns.append(None)
        else:
            columns.append(name)
    for missing in (c for c in handler.required if c not in seen):
        problems.append(RowError(table.name, 1, missing, "required column is missing from the header"))
    if problems:
        raise ImportRejected(table.name, problems)
    return columns


def _load_rows(table: Table, columns: list[str | None], handler: ImportKind, context: ImportContext,
               batch_size: int, progress: Progress | None) -> int:
    seen: dict[Any, int] = {}
    batch: list[Staged] = []
    rows = 0
    for line, cells in table.rows:
        rows += 1
        record = _parse(line, cells, columns, handler, context, seen)
        if record is not None:
            batch.append(Staged(line, record))
        if len(batch) >= batch_size:
            handler.stage(batch, context)
            batch = []
            if progress:
                progress(table.position(), table.size)
    if batch:
        handler.stage(batch, context)
    if progress:
        progress(table.size, table.size)
    return rows


def _parse(line: int, cells: list[str], columns: list[str | None], handler: ImportKind,
           context: ImportContext, seen: dict[Any, int]) -> Any:
    if len(cells) != len(columns):
        context.error(line, "", f"the row has {len(cells)} values; the header has {len(columns)} columns")
        return None
    values = {name: cell for name, cell in zip(columns, cells, strict=True) if name is not None}
    row = RowValues(values)
    key = handler.key(row)
    # Line and a 64-bit content hash packed into one int: a million keys cost one int each, not a tuple.
    fingerprint = hash(tuple(sorted(values.items()))) & _HASH_MASK
    if key in seen:
        first_line, first_print = seen[key] >> 64, seen[key] & _HASH_MASK
        if first_print != fingerprint:
            context.error(line, handler.key_columns[0], f"{_show(key)} appears again with different content "
                                                        f"(first on line {first_line})")
        return None
    seen[key] = (line << 64) | fingerprint
    try:
        return handler.parse(row, context)
    except ValidationError as error:
        context.error(line, error.field, error.reason)
        return None


def _show(key: Any) -> str:
    return " / ".join(str(part) for part in key) if isinstance(key, tuple) else str(key)


def _rejected(context: ImportContext, rows: int) -> ImportRejected:
    errors = list(context.errors)
    hidden = context.error_count - len(errors)
    if hidden > 0:
        errors.append(RowError(context.file, 0, "", f"... and {hidden} more errors not listed"))
    return ImportRejected(context.file, errors, rows_read=rows)


__all__ = ["ImportContext", "ImportSummary", "Staged", "import_file", "import_into", "import_table", "sha256_of"]
