"""Queries read into Arrow by connectorx in a child process, while the caller goes on with other work.

connectorx reads rows straight into Arrow columns in Rust, so no row becomes a Python object: 5 million invoices
in about 4.7 s where the driver's cursor and NumPy took 12 s. It must run in a process of its own. connectorx links
its own copy of SQLite, and two copies in one process break SQLite's POSIX locks: closing one copy's file
descriptor drops the other copy's locks (https://www.sqlite.org/howtocorrupt.html, section 2.2.1). In the
same process it showed as ``disk I/O error`` on the next connection to the file. A child process is just another
reader, coordinated by the usual locks; as a bonus it reads while the parent does its own reads.

The child gets the database address and the queries as JSON on its standard input and writes one Arrow IPC file
per query into a temporary folder that the parent reads and deletes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

import polars as pl

COMMAND = (sys.executable, "-m", "tradecredit.store.arrow_reader")


class ReaderFailed(RuntimeError):
    """The child process could not read; the message is the last line it printed."""


class ArrowReading:
    """Queries being read by a child process; :meth:`frames` waits for them. Use as a context manager so the child
    is stopped and its folder removed when the caller gives up early."""

    def __init__(self, uri: str, queries: Mapping[str, str]) -> None:
        self._names = tuple(queries)
        self._folder = tempfile.TemporaryDirectory(prefix="tradecredit-arrow-")
        self._process = subprocess.Popen(COMMAND, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.PIPE, text=True)
        assert self._process.stdin is not None
        with self._process.stdin as job:
            job.write(json.dumps({"uri": uri, "folder": self._folder.name, "queries": dict(queries)}))

    def frames(self) -> dict[str, pl.DataFrame]:
        """Each query's rows by name (column names as the query gives them); raises ReaderFailed."""
        assert self._process.stderr is not None
        with self._process.stderr as stream:
            errors = stream.read()
        if self._process.wait() != 0:
            lines = errors.strip().splitlines()
            raise ReaderFailed(lines[-1] if lines else f"the reader exited with code {self._process.returncode}")
        return {name: pl.read_ipc(Path(self._folder.name) / f"{name}.arrow") for name in self._names}

    def __enter__(self) -> ArrowReading:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        if self._process.stderr is not None:
            self._process.stderr.close()
        self._folder.cleanup()


def main() -> None:
    """The child: read each query of the job on standard input into ``<folder>/<name>.arrow``."""
    job = json.load(sys.stdin)
    for name, sql in job["queries"].items():
        frame = pl.read_database_uri(sql, job["uri"], engine="connectorx")
        frame.write_ipc(Path(job["folder"]) / f"{name}.arrow")


if __name__ == "__main__":
    main()
