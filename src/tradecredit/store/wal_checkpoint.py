"""Checkpoints of a SQLite write-ahead log in a background thread, off the writers' path.

Left to itself, SQLite checkpoints in the commit that takes the log past 1,000 pages: that commit copies the pages
into the database file and syncs it, 6–9 ms on the benchmark machine instead of the usual 30 µs. The order check
commits about five pages, so every 200th check paid it. The server's check runs on the event loop, so the requests
queued behind it waited too, and those waits made the HTTP check's 99th percentile (about 11 ms at 300 requests/s).

The server turns the commits' checkpoints off, all but a safety net far beyond what the thread leaves
(:data:`SAFETY_NET_PAGES`), and this thread checkpoints every ``interval`` seconds instead. A PASSIVE checkpoint
waits for no reader or writer: writers keep appending to the log while it copies, and the driver lets go of the GIL
while SQLite works, so the copy runs on another core. Durability is unchanged: with ``synchronous=NORMAL`` a commit
was never synced at once, only at the next checkpoint.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path
from typing import NamedTuple

log = logging.getLogger(__name__)

SAFETY_NET_PAGES = 100_000  # 400 MB of log: commits checkpoint only if the thread has stopped keeping up
INTERVAL_SECONDS = 1.0


class Checkpoint(NamedTuple):
    """What one ``PRAGMA wal_checkpoint(PASSIVE)`` reported."""

    busy: bool  # another checkpoint was running (another worker's thread): this one did nothing
    log_pages: int  # pages in the log
    copied_pages: int  # of those, now in the database file


class WalCheckpointer:
    """``start()`` a daemon thread that checkpoints ``path`` every ``interval`` seconds; ``stop()`` ends it after
    one last checkpoint. A failed checkpoint is logged and the next one tried as usual."""

    def __init__(self, path: Path, *, interval: float = INTERVAL_SECONDS) -> None:
        self.path = path
        self.interval = interval
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._connection: sqlite3.Connection | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._loop, name="wal-checkpoint", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Blocks until the thread has made its last checkpoint (run it in a thread from async code)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def checkpoint(self) -> Checkpoint:
        """One PASSIVE checkpoint on this object's own connection (opened on first use, in the calling thread)."""
        if self._connection is None:
            self._connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        busy, log_pages, copied = self._connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return Checkpoint(bool(busy), log_pages, copied)

    def _loop(self) -> None:
        try:
            while not self._stopping.wait(self.interval):
                self._checkpoint_logged()
            self._checkpoint_logged()
        finally:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def _checkpoint_logged(self) -> None:
        try:
            self.checkpoint()
        except sqlite3.Error as error:
            log.warning("checkpoint of %s failed (the next one is tried in %.1f s): %s", self.path, self.interval,
                        error)
