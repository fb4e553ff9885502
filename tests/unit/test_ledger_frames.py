"""Where connectorx reads the ledger from (store/ledger_frames.arrow_uri): the same database the session uses, or
nowhere, so the caller falls back to its own connection; and the child process that reads it
(store/arrow_reader)."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tradecredit.store import arrow_reader
from tradecredit.store.ledger_frames import arrow_uri


def test_a_sqlite_file_is_read_at_its_absolute_path_with_unsafe_characters_escaped(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert arrow_uri(make_url("sqlite:///./my books/tc%1.db")) == f"sqlite://{tmp_path}/my%20books/tc%251.db"
    assert arrow_uri(make_url("sqlite:////srv/tc.db")) == "sqlite:///srv/tc.db"


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "sqlite:///tc.db?mode=ro&uri=true",
                                 "mysql+pymysql://root@localhost/test"])
def test_databases_connectorx_cannot_open_as_the_session_does_are_read_through_the_session(url: str) -> None:
    assert arrow_uri(make_url(url)) is None


def test_postgresql_keeps_the_credentials_and_options_and_drops_the_driver_name() -> None:
    url = make_url("postgresql+psycopg://tc:s%40cret@db.example:5433/ledger?options=-csearch_path%3Dtc")
    assert arrow_uri(url) == "postgresql://tc:s%40cret@db.example:5433/ledger?options=-csearch_path%3Dtc"


def test_the_reader_process_reports_its_last_line_and_leaves_no_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(arrow_reader, "COMMAND", (sys.executable, "-c", "import sys; print('trace'); "
                                                  "sys.exit('OperationalError: no such table: invoices')"))
    with arrow_reader.ArrowReading("sqlite:///nowhere.db", {"invoices": "SELECT 1"}) as reading:
        folder = Path(reading._folder.name)
        with pytest.raises(arrow_reader.ReaderFailed, match=r"^OperationalError: no such table: invoices$"):
            reading.frames()
    assert not folder.exists()


def test_the_reader_process_reads_a_database_file_into_named_frames(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "tc.db") as connection:
        connection.execute("CREATE TABLE t (a INTEGER, b TEXT)")
        connection.executemany("INSERT INTO t VALUES (?, ?)", [(1, "x"), (2, "y")])
    connection.close()
    uri = arrow_uri(make_url(f"sqlite:///{tmp_path / 'tc.db'}"))
    assert uri is not None
    queries = {"all": "SELECT a, b FROM t ORDER BY a", "sum": "SELECT sum(a) AS s FROM t"}
    with arrow_reader.ArrowReading(uri, queries) as reading:
        frames = reading.frames()
    assert frames["all"].to_dicts() == [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]
    assert frames["sum"]["s"].to_list() == [3]
