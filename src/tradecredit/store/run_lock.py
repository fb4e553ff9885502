"""One monitoring run at a time, across threads, server workers and a cron job on the same database.

PostgreSQL: a session advisory lock on a connection of its own (released when the block ends, or by the server if
the process dies). A SQLite file: an exclusive, non-blocking ``flock`` on ``<database>.monitor`` beside it (the
kernel drops it with the process). In-memory SQLite (tests): a lock in the process. The lock only says "taken or
not": the caller decides to skip (the daily scheduler) or to refuse (a run asked for by a person).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text

try:
    import fcntl
except ImportError:  # Windows: the in-process lock still keeps one process's runs apart
    fcntl = None  # type: ignore[assignment]

ADVISORY_KEY = 0x74634D4F4E  # "tcMON": the key of the monitoring run's PostgreSQL advisory lock
_IN_PROCESS: dict[str, threading.Lock] = {}
_GUARD = threading.Lock()


def _process_lock(engine: Engine) -> threading.Lock:
    with _GUARD:
        return _IN_PROCESS.setdefault(engine.url.render_as_string(), threading.Lock())


@contextmanager
def _postgres(engine: Engine) -> Iterator[bool]:
    with engine.connect() as connection:
        taken = bool(connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY}))
        connection.commit()
        try:
            yield taken
        finally:
            if taken:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
                connection.commit()


@contextmanager
def _file(path: str) -> Iterator[bool]:
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


@contextmanager
def monitor_lock(engine: Engine) -> Iterator[bool]:
    """``with monitor_lock(engine) as taken:`` — ``taken`` is False when another run holds it; never waits."""
    local = _process_lock(engine)
    if not local.acquire(blocking=False):
        yield False
        return
    try:
        database = engine.url.database
        if engine.dialect.name == "postgresql":
            with _postgres(engine) as taken:
                yield taken
        elif fcntl is not None and database and database != ":memory:" and not database.startswith("file:"):
            with _file(f"{database}.monitor") as taken:
                yield taken
        else:
            yield True
    finally:
        local.release()
