"""The server's SQLite log is checkpointed by a background thread, not by the commits of order checks."""

from __future__ import annotations

import logging
import sqlite3
import time
from contextlib import closing
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tradecredit.api.app import create_app
from tradecredit.bootstrap import build
from tradecredit.config import Settings
from tradecredit.store.db import make_engine, sqlite_file
from tradecredit.store.wal_checkpoint import SAFETY_NET_PAGES, Checkpoint, WalCheckpointer


def _log_pages(path: Path) -> int:
    """Pages in the log, read without checkpointing (the -wal file holds a 32-byte header, then frames of a
    24-byte header and one page each)."""
    wal = Path(f"{path}-wal")
    with closing(sqlite3.connect(path)) as connection:
        page_size: int = connection.execute("PRAGMA page_size").fetchone()[0]
    return 0 if not wal.exists() else (wal.stat().st_size - 32) // (24 + page_size)


def _write_rows(path: Path, rows: int, *, background: bool) -> int:
    """``rows`` commits of about a page each through an engine; the pages in the log afterwards. A reader of its
    own stays on the log meanwhile: SQLite checkpoints and removes the log when the last connection on it
    closes."""
    engine = make_engine(f"sqlite:///{path}", background_checkpoints=background)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, text TEXT)")
    keep = sqlite3.connect(path)
    try:
        keep.execute("SELECT count(*) FROM t").fetchone()
        for number in range(rows):  # one commit each, as order checks commit
            with engine.begin() as connection:
                connection.exec_driver_sql("INSERT INTO t (text) VALUES (?)", (f"row {number} " + "x" * 3000,))
        engine.dispose()
        return _log_pages(path)
    finally:
        keep.close()


def test_a_background_engine_leaves_checkpoints_to_the_thread_and_others_checkpoint_at_1000_pages(
        tmp_path: Path) -> None:
    background = make_engine(f"sqlite:///{tmp_path / 'server.db'}", background_checkpoints=True)
    usual = make_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    with background.connect() as server, usual.connect() as cli:
        assert server.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == SAFETY_NET_PAGES == 100_000
        assert cli.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000
    background.dispose()
    usual.dispose()


def test_commits_of_a_background_engine_grow_the_log_and_one_checkpoint_copies_all_of_it(tmp_path: Path) -> None:
    path = tmp_path / "grow.db"
    _write_rows(path, 1, background=True)  # the table
    checkpointer = WalCheckpointer(path)
    keep = sqlite3.connect(path)  # keeps the log after _write_rows
    try:
        keep.execute("SELECT count(*) FROM t").fetchone()
        assert _write_rows(path, 1500, background=True) > 1500  # a page of text per row; no commit checkpointed
        result = checkpointer.checkpoint()
        assert result.busy is False
        assert result.log_pages > 1500
        assert result.copied_pages == result.log_pages
        checkpointer.stop()  # never started: nothing to join, and no error
    finally:
        keep.close()


def test_the_usual_engine_checkpoints_in_its_commits(tmp_path: Path) -> None:
    pages = _write_rows(tmp_path / "usual.db", 1500, background=False)
    assert 1000 <= pages < 1100  # the commit that took it past 1,000 pages checkpointed; later ones overwrote it


def test_the_thread_checkpoints_every_interval_and_once_more_when_stopped(tmp_path: Path) -> None:
    """Only the thread checkpoints here: each of its checkpoints is recorded with what it copied."""
    path = tmp_path / "thread.db"
    keep = sqlite3.connect(path, isolation_level=None)
    keep.execute("PRAGMA journal_mode=WAL")
    keep.execute("PRAGMA wal_autocheckpoint=0")
    keep.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    checkpointer = WalCheckpointer(path, interval=0.05)
    done: list[Checkpoint] = []
    checkpoint = checkpointer.checkpoint

    def recorded() -> Checkpoint:
        done.append(checkpoint())
        return done[-1]

    checkpointer.checkpoint = recorded  # type: ignore[method-assign]
    checkpointer.start()
    checkpointer.start()  # already running: the same thread
    try:
        assert checkpointer.running
        keep.execute("INSERT INTO t DEFAULT VALUES")
        deadline = time.monotonic() + 30
        while not any(c.copied_pages for c in done) and time.monotonic() < deadline:
            time.sleep(0.05)
        copied = next(c for c in done if c.copied_pages)
        assert (copied.busy, copied.copied_pages) == (False, copied.log_pages)
    finally:
        checkpointer.stop()
    assert not checkpointer.running
    after_stop = len(done)
    assert after_stop >= 2  # one per interval while running, and the last one on stopping
    checkpointer.stop()  # twice: nothing left to stop
    assert len(done) == after_stop
    keep.close()


def test_a_failing_checkpoint_is_logged_and_the_thread_goes_on(tmp_path: Path,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "not-a-database.db"
    path.write_bytes(b"this is not a SQLite database file" * 200)
    checkpointer = WalCheckpointer(path, interval=0.02)
    with caplog.at_level(logging.WARNING, logger="tradecredit.store.wal_checkpoint"):
        checkpointer.start()
        deadline = time.monotonic() + 30
        while len(caplog.records) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert checkpointer.running  # two failures, still running
        checkpointer.stop()
    assert caplog.records[0].getMessage() == (f"checkpoint of {path} failed (the next one is tried in 0.0 s): "
                                              "file is not a database")


def test_the_server_app_runs_the_checkpointer_while_it_serves(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'served.db'}", webhook_dispatcher=False,
                        monitor_scheduler=False)
    tc = build(settings, background_checkpoints=True)
    tc.migrate()
    checkpointer = tc.checkpointer
    assert checkpointer is not None and checkpointer.path == tmp_path / "served.db"
    with TestClient(create_app(tc)) as client:
        assert client.get("/api/v1/me").status_code == 401  # serving
        assert checkpointer.running
    assert not checkpointer.running
    tc.close()


def test_only_an_app_built_for_background_checkpoints_on_a_sqlite_file_has_a_checkpointer(tmp_path: Path) -> None:
    assert build(Settings(database_url=f"sqlite:///{tmp_path / 'cli.db'}")).checkpointer is None
    assert build(Settings(database_url="sqlite://"), background_checkpoints=True).checkpointer is None
    engine = make_engine("sqlite://")
    assert sqlite_file(engine) is None
    assert sqlite_file(make_engine(f"sqlite:///{tmp_path / 'x.db'}")) == tmp_path / "x.db"
    assert sqlite_file(make_engine("postgresql+psycopg://u@127.0.0.1/db")) is None
