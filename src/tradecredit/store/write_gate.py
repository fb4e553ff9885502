"""A queue for the writers of SQLite's hot path (the order credit check).

SQLite lets one connection write at a time. A writer that finds the database locked does not wait in line: it
polls, sleeping 1, 2, 5, 10 … up to 100 ms between tries, so under a steady stream of short writes some requests
wait hundreds of milliseconds while the lock is free most of the time. The gate makes those writers queue instead:
a thread lock within the process, then an exclusive ``flock`` on a file beside the database across the server's
worker processes. Both wake the next waiter as soon as the holder leaves. On PostgreSQL (row locks already queue
fairly) and on in-memory SQLite the gate does nothing.
"""

from __future__ import annotations

import os
import threading
import weakref
from pathlib import Path
from types import TracebackType

from sqlalchemy import Engine

from tradecredit.store.db import sqlite_file

try:
    import fcntl
except ImportError:  # Windows: no flock; the thread lock still queues the writers of one process
    fcntl = None  # type: ignore[assignment]


class WriteGate:
    """``with gate:`` around a whole write transaction. Not re-entrant."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._thread_lock = threading.Lock()
        self._file: int | None = None  # opened on first use; forgotten in a forked child (_after_fork)
        _GATES.add(self)

    def _descriptor(self) -> int:
        """The lock file, opened once per process."""
        if self._file is None:
            assert self.path is not None
            self._file = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        return self._file

    def __enter__(self) -> WriteGate:
        if self.path is None:
            return self
        self._thread_lock.acquire()
        try:
            if fcntl is not None:
                fcntl.flock(self._descriptor(), fcntl.LOCK_EX)
        except BaseException:
            self._thread_lock.release()
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self.path is None:
            return
        try:
            if fcntl is not None and self._file is not None:
                fcntl.flock(self._file, fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()

    def close(self) -> None:
        if self._file is not None:
            os.close(self._file)
        self._file = None


_GATES: weakref.WeakSet[WriteGate] = weakref.WeakSet()


def _after_fork() -> None:
    """In a forked child every gate starts afresh: an inherited descriptor would share the parent's ``flock``, and a
    thread lock the parent held at the fork would never be released in the child."""
    for gate in list(_GATES):
        gate._file = None
        gate._thread_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


def write_gate(engine: Engine) -> WriteGate:
    """The gate for this engine's database: a lock file ``<database>.writers`` for a SQLite file, else none."""
    database = sqlite_file(engine)
    return WriteGate(None if database is None else Path(f"{database}.writers"))
