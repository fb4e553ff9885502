"""The write gate queues SQLite writers across threads and processes; on other databases it does nothing."""

from __future__ import annotations

import multiprocessing
import multiprocessing.synchronize
import threading
from pathlib import Path

from sqlalchemy import create_engine

from tradecredit.store.write_gate import WriteGate, write_gate


def _hold(path: str, held: multiprocessing.synchronize.Event, leave: multiprocessing.synchronize.Event) -> None:
    with WriteGate(Path(path)):
        held.set()
        leave.wait(30)


def test_a_writer_in_another_process_waits_until_the_gate_is_left(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    held, leave = context.Event(), context.Event()
    other = context.Process(target=_hold, args=(str(tmp_path / "db.writers"), held, leave))
    other.start()
    try:
        assert held.wait(30)
        entered = threading.Event()

        def enter() -> None:
            with WriteGate(tmp_path / "db.writers"):
                entered.set()

        waiting = threading.Thread(target=enter)
        waiting.start()
        assert not entered.wait(0.5)  # the other process is inside
        leave.set()
        assert entered.wait(30)
        waiting.join()
    finally:
        leave.set()
        other.join(30)


def test_threads_of_one_process_take_turns(tmp_path: Path) -> None:
    gate = WriteGate(tmp_path / "db.writers")
    inside: list[int] = []
    overlaps: list[int] = []

    def write(number: int) -> None:
        for _ in range(50):
            with gate:
                inside.append(number)
                if len(inside) > 1:
                    overlaps.append(number)
                inside.remove(number)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert overlaps == []
    gate.close()


def test_only_a_sqlite_file_gets_a_gate(tmp_path: Path) -> None:
    assert write_gate(create_engine(f"sqlite:///{tmp_path / 'tc.db'}")).path == tmp_path / "tc.db.writers"
    assert write_gate(create_engine("sqlite://")).path is None
    assert write_gate(create_engine("postgresql+psycopg://postgres@127.0.0.1/test")).path is None


def _enter(gate: WriteGate, entered: multiprocessing.synchronize.Event) -> None:
    with gate:
        entered.set()


def test_a_forked_worker_queues_behind_its_parent_on_a_descriptor_of_its_own(tmp_path: Path) -> None:
    """Forked while the parent is inside: the copied thread lock is held and the copied descriptor shares the
    parent's flock, so a child using them would hang or walk straight in. It opens its own and waits its turn."""
    context = multiprocessing.get_context("fork")
    gate = WriteGate(tmp_path / "db.writers")
    entered = context.Event()
    with gate:
        child = context.Process(target=_enter, args=(gate, entered))
        child.start()
        assert not entered.wait(0.5)  # the parent is inside
    try:
        assert entered.wait(30)
    finally:
        child.join(30)
    assert child.exitcode == 0
    gate.close()
