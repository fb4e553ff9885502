"""The order check keeps a few SQLite connections out of the pool; it drops one whose rollback failed, leaves a
forked parent's alone, and returns them on close."""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine

from tradecredit.store.db import make_engine
from tradecredit.store.kept_connections import KeptConnections
from tradecredit.store.order_checks import OrderCheckStore


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'kept.db'}")
    yield engine
    engine.dispose()


def checked_out(engine: Engine) -> int:
    return int(engine.pool.checkedout())  # type: ignore[attr-defined]


def test_a_connection_given_back_is_taken_again_without_the_pool(engine: Engine) -> None:
    kept = KeptConnections(engine, most=2)
    first = kept.take()
    kept.give_back(first)
    assert checked_out(engine) == 1  # kept, not returned
    assert kept.take() is first
    second = kept.take()  # the first is in use: another from the pool
    assert second is not first
    kept.give_back(second)
    kept.give_back(first)
    assert checked_out(engine) == 2
    kept.close()
    assert checked_out(engine) == 0
    again = kept.take()  # after close: checked out afresh, and it works
    assert again.cursor().execute("SELECT 1").fetchone() == (1,)
    kept.give_back(again)
    kept.close()


def test_no_more_than_most_are_kept_the_rest_go_back_to_the_pool(engine: Engine) -> None:
    kept = KeptConnections(engine, most=1)
    first, second = kept.take(), kept.take()
    kept.give_back(first)
    kept.give_back(second)
    assert checked_out(engine) == 1
    assert kept.take() is first


def test_another_thread_may_use_a_kept_connection(engine: Engine) -> None:
    kept = KeptConnections(engine)
    kept.give_back(kept.take())
    found: list[Any] = []

    def work() -> None:
        connection = kept.take()
        found.append(connection.cursor().execute("SELECT 2").fetchone())
        kept.give_back(connection)

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    assert found == [(2,)] and checked_out(engine) == 1
    kept.close()


def test_other_databases_and_in_memory_sqlite_always_use_the_pool(engine: Engine) -> None:
    assert KeptConnections(create_engine("sqlite://")).most == 0
    assert KeptConnections(create_engine("postgresql+psycopg://postgres@127.0.0.1/test")).most == 0
    kept = KeptConnections(engine, most=0)
    kept.give_back(kept.take())
    assert checked_out(engine) == 0


def test_a_dropped_connection_is_invalidated(engine: Engine) -> None:
    kept = KeptConnections(engine)
    first = kept.take()
    kept.drop(first)
    assert not first.is_valid and checked_out(engine) == 0


def _take_in_child(kept: KeptConnections, parents: int, answer: multiprocessing.connection.Connection) -> None:
    connection = kept.take()
    answer.send(id(connection.dbapi_connection) != parents)


def test_a_forked_child_does_not_take_its_parents_connection(engine: Engine) -> None:
    """A SQLite connection must not be used by two processes."""
    kept = KeptConnections(engine)
    parents = kept.take()
    kept.give_back(parents)
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(target=_take_in_child, args=(kept, id(parents.dbapi_connection), sending))
    child.start()
    try:
        assert receiving.poll(30) and receiving.recv() is True
    finally:
        child.join(30)
    assert child.exitcode == 0
    assert kept.take() is parents  # the parent's list is untouched
    kept.give_back(parents)
    kept.close()


class _BrokenConnection:
    """A driver connection whose rollback fails (a disk error, say)."""

    is_valid = True

    def cursor(self) -> Any:
        return self

    def execute(self, sql: str, *parameters: Any) -> None:
        pass

    def rollback(self) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    def invalidate(self) -> None:
        self.is_valid = False

    def close(self) -> None:
        pass


def test_a_connection_whose_rollback_fails_is_dropped_not_kept(engine: Engine) -> None:
    store = OrderCheckStore(engine)
    broken = _BrokenConnection()
    store._connections._spare.append(broken)
    with pytest.raises(sqlite3.OperationalError, match="disk I/O error"), store.transaction():
        raise RuntimeError("the check failed")
    assert not broken.is_valid
    assert store._connections._spare == []
    with store.transaction() as tx:  # the next check takes a sound connection
        tx.commit()
    assert len(store._connections._spare) == 1 and store._connections._spare[0] is not broken
    store.close()
