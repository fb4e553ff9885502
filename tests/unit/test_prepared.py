"""Prepared.run_many (store/prepared.py): one executemany whose shared values are converted once, with the column
types' own conversions, and whose rows' values win over the shared ones."""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Any

from sqlalchemy import JSON, Column, Date, Integer, MetaData, String, Table, TypeDecorator, bindparam, insert
from sqlalchemy.dialects import sqlite

from tradecredit.store.prepared import Prepared


class CountedDate(TypeDecorator[date]):
    """A Date that counts its conversions to the database."""

    impl = Date
    cache_ok = True
    calls = 0

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        CountedDate.calls += 1
        return value


TABLE = Table("t", MetaData(), Column("id", Integer, primary_key=True), Column("name", String),
              Column("day", CountedDate()), Column("doc", JSON), Column("status", String))


def test_shared_values_are_converted_once_and_a_rows_own_value_wins() -> None:
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, day TEXT, doc TEXT, status TEXT)")
    statement = insert(TABLE).values({name: bindparam(name, type_=TABLE.c[name].type)
                                      for name in ("name", "day", "doc", "status")})
    prepared = Prepared(statement, sqlite.dialect())
    CountedDate.calls = 0
    rows = [{"name": "a", "doc": {"n": 1}}, {"name": "b", "doc": [1, "x"]},
            {"name": "c", "doc": None, "day": date(2026, 1, 2)}]
    prepared.run_many(connection.cursor(), rows, {"day": date(2026, 11, 28), "status": "new"})
    assert CountedDate.calls == 2  # the shared day once, row c's own day once
    assert connection.execute("SELECT name, day, doc, status FROM t ORDER BY id").fetchall() == [
        ("a", "2026-11-28", '{"n": 1}', "new"), ("b", "2026-11-28", '[1, "x"]', "new"),
        ("c", "2026-01-02", "null", "new")]
