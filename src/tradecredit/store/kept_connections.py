"""A few SQLite driver connections kept out of the pool for the order check's hot path.

Checking a connection out of SQLAlchemy's pool and back in (the pool's queue, its bookkeeping, the rollback it
resets a returned connection with) took about 15 µs of an order check's 200, more than any of its reads but one.
A connection to a local SQLite file does not go stale, so the check keeps the connections it used in a short list
of its own and takes the next one from there. The list holds at most ``most`` (one is the usual need: the write
gate lets one check of a process write at a time); a connection given back to a full list goes to the pool.

A connection is used by one transaction at a time, whichever thread runs it (SQLAlchemy opens SQLite file
connections for use from any thread). A forked child does not use its parent's: the list starts empty in the
child. A connection whose rollback failed is dropped, not kept. On PostgreSQL, and on in-memory SQLite (a
connection per thread), every transaction goes through the pool as usual: a server restart would leave a kept
PostgreSQL connection dead.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from sqlalchemy import Engine

from tradecredit.store.db import sqlite_file


class KeptConnections:
    """``take()`` a connection for one transaction; afterwards ``give_back(connection)``, or ``drop(connection)``
    when it is in doubt."""

    def __init__(self, engine: Engine, *, most: int = 2) -> None:
        self._engine = engine
        self.most = most if sqlite_file(engine) is not None else 0
        self._spare: list[Any] = []
        self._pid = os.getpid()  # whose connections _spare holds
        self._lock = threading.Lock()

    def take(self) -> Any:
        with self._lock:
            if self._pid != os.getpid():  # a forked child: the parent's connections stay the parent's
                self._spare, self._pid = [], os.getpid()
            if self._spare:
                return self._spare.pop()
        return self._engine.raw_connection()

    def give_back(self, connection: Any) -> None:
        with self._lock:
            if len(self._spare) < self.most and self._pid == os.getpid():
                self._spare.append(connection)
                return
        connection.close()

    def drop(self, connection: Any) -> None:
        """Close the connection for good (the pool opens a fresh one when it needs one)."""
        connection.invalidate()

    def close(self) -> None:
        """Return the kept connections to the pool (the application's close)."""
        with self._lock:
            spare, self._spare = self._spare, []
            ours = self._pid == os.getpid()
        for connection in spare if ours else ():
            connection.close()
