"""Core statements compiled once for one dialect and run straight on the driver's cursor.

The order credit check runs a few statements per order. Through a Session each costs 20–50 µs of SQLAlchemy
bookkeeping (cache-key lookup, execution context, result object) on top of 5–40 µs of database work, so the
bookkeeping alone capped the check near 2,000 per second. Here a statement is still built with SQLAlchemy and
compiled by the engine's dialect, and its values still pass through the column types' own bind and result
processors (exact decimals, dates, JSON); only the per-call machinery is skipped. Use it for hot paths only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, cast

from sqlalchemy import bindparam, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

Processor = Callable[[Any], Any]


def insert_all(table: Any, make: Callable[[Any], Any] = insert) -> Any:
    """INSERT of every column but the id, each value a parameter named after its column; ``make`` builds the
    INSERT (a dialect's own, for its ON CONFLICT clause)."""
    return make(table).values({column.name: bindparam(column.name, type_=column.type)
                                 for column in table.columns if column.name != "id"})


class Prepared:
    """One statement for one dialect: ``rows(cursor, params)`` or ``run(cursor, params)``."""

    def __init__(self, statement: ClauseElement, dialect: Dialect) -> None:
        compiled = cast(SQLCompiler, statement.compile(dialect=dialect))
        self.sql = compiled.string
        self._order = compiled.positiontup  # None for named parameter styles (psycopg's pyformat)
        binds = {name: bind for bind, name in compiled.bind_names.items()}
        self._fixed = {name: bind.effective_value for name, bind in binds.items()
                       if not bind.required and bind.effective_value is not None}
        self._binds = {name: processor for name, bind in binds.items()
                       if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None}
        self._dialect = dialect
        self._types = [column.type for column in getattr(statement, "selected_columns", ())]
        self._results: list[tuple[int, Processor]] | None = None  # on the first answer: needs the type codes

    def _arguments(self, params: Mapping[str, Any]) -> Any:
        values = {**self._fixed, **params}
        for name, processor in self._binds.items():
            values[name] = processor(values[name])
        return values if self._order is None else [values[name] for name in self._order]

    def run(self, cursor: Any, params: Mapping[str, Any]) -> None:
        cursor.execute(self.sql, self._arguments(params))

    def count(self, cursor: Any, params: Mapping[str, Any]) -> int:
        """Run a write; the rows it changed."""
        cursor.execute(self.sql, self._arguments(params))
        return int(cursor.rowcount)

    def run_many(self, cursor: Any, rows: Iterable[Mapping[str, Any]], common: Mapping[str, Any]) -> None:
        """One executemany over ``rows``; ``common`` holds the values every row shares, converted once (a bulk
        write's timestamps and statuses), and a row's own value of the same name wins."""
        shared = {**self._fixed, **common}
        for name in shared.keys() & self._binds.keys():
            shared[name] = self._binds[name](shared[name])
        binds = list(self._binds.items())

        def arguments(row: Mapping[str, Any]) -> Any:
            values = {**shared, **row}
            for name, processor in binds:
                if name in row:
                    values[name] = processor(row[name])
            return values if self._order is None else [values[name] for name in self._order]

        cursor.executemany(self.sql, [arguments(row) for row in rows])

    def _processors(self, cursor: Any) -> list[tuple[int, Processor]]:
        """(column index, processor) of the columns whose driver values need converting."""
        if self._results is None:
            kinds = (kind.dialect_impl(self._dialect).result_processor(self._dialect, described[1])
                     for kind, described in zip(self._types, cursor.description, strict=True))
            self._results = [(index, processor) for index, processor in enumerate(kinds) if processor is not None]
        return self._results

    def rows(self, cursor: Any, params: Mapping[str, Any]) -> list[list[Any]]:
        cursor.execute(self.sql, self._arguments(params))
        processors = self._processors(cursor)
        found = [list(row) for row in cursor.fetchall()]
        for row in found:
            for index, processor in processors:
                value = row[index]
                if value is not None:
                    row[index] = processor(value)
        return found

    def first(self, cursor: Any, params: Mapping[str, Any]) -> list[Any] | None:
        found = self.rows(cursor, params)
        return found[0] if found else None
