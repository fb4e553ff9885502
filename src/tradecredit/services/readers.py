"""Streaming readers for the import files: CSV (UTF-8 with or without BOM, or GB18030) and XLSX.

Rows are yielded one at a time with their line number, so a file of any size is read in constant memory.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from tradecredit.domain.errors import ImportRejected, RowError

SAMPLE_BYTES = 1 << 16
ZIP_MAGIC = b"PK\x03\x04"


@dataclass
class Table:
    """An open file: its header and an iterator of (line number, cell texts)."""

    name: str
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]
    size: int
    position: Callable[[], int]


def reject(name: str, reason: str, line: int = 0, column: str = "") -> ImportRejected:
    return ImportRejected(name, [RowError(name, line, column, reason)])


@contextmanager
def open_table(path: Path, *, name: str | None = None) -> Iterator[Table]:
    """Open a CSV or XLSX file for streaming; raises ImportRejected for empty, binary or undecodable files."""
    label = name or path.name
    if not path.is_file():
        raise reject(label, "file not found")
    size = path.stat().st_size
    if size == 0:
        raise reject(label, "the file is empty")
    with path.open("rb") as raw:
        sample = raw.read(SAMPLE_BYTES)
        raw.seek(0)
        if sample.startswith(ZIP_MAGIC):
            yield _xlsx_table(raw, label, size)
        else:
            yield _csv_table(raw, sample, label, size)


def _encoding(sample: bytes, name: str) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if b"\x00" in sample:
        raise reject(name, "this looks like a binary file, not CSV text (it contains NUL bytes)")
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(sample, final=len(sample) < SAMPLE_BYTES)
        except UnicodeDecodeError:
            continue
        return encoding
    raise reject(name, "the file is neither UTF-8 nor GB18030 text; save it as CSV UTF-8")


def _csv_table(raw: IO[bytes], sample: bytes, name: str, size: int) -> Table:
    encoding = _encoding(sample, name)
    first_line = sample.split(b"\n", 1)[0]
    delimiter = ";" if first_line.count(b";") > first_line.count(b",") else ","
    lines = _DecodedLines(raw, encoding, name)
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise reject(name, f"cannot read the header: {error}", line=1) from None
    if header is None or not any(cell.strip() for cell in header):
        raise reject(name, "the file is empty (no header line)")
    return Table(name, [cell.strip() for cell in header], _csv_rows(reader, name), size, raw.tell)


class _DecodedLines:
    """Decode the file line by line, so a line in another encoding is reported with its own line number."""

    def __init__(self, raw: IO[bytes], encoding: str, name: str) -> None:
        self.raw = raw
        self.encoding = "utf-8" if encoding == "utf-8-sig" else encoding
        self.name = name
        self.line = 0
        self.skip_bom = encoding == "utf-8-sig"

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        data = self.raw.readline()
        if not data:
            raise StopIteration
        self.line += 1
        if self.skip_bom:
            data = data.removeprefix(codecs.BOM_UTF8)
            self.skip_bom = False
        try:
            return data.decode(self.encoding)
        except UnicodeDecodeError:
            raise reject(self.name, "the file switches encoding here: this line is not valid text in the "
                                    "encoding of the first lines", line=self.line) from None


def _csv_rows(reader: Any, name: str) -> Iterator[tuple[int, list[str]]]:
    while True:
        try:
            row = next(reader, None)
        except csv.Error as error:
            raise reject(name, f"malformed CSV: {error}", line=reader.line_num) from None
        if row is None:
            return
        if any(cell.strip() for cell in row):
            yield reader.line_num, row


def _xlsx_table(raw: IO[bytes], name: str, size: int) -> Table:
    from openpyxl import load_workbook  # heavy import, only when an XLSX file is given

    try:
        workbook = load_workbook(raw, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many unrelated types for corrupt files
        raise reject(name, f"cannot open the XLSX workbook: {error}") from None
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None or not any(cell not in (None, "") for cell in header):
        raise reject(name, "the first sheet is empty (no header row)")
    counter = {"line": 1}

    def body() -> Iterator[tuple[int, list[str]]]:
        for values in rows:
            counter["line"] += 1
            cells = [_cell_text(value) for value in values]
            if any(cell.strip() for cell in cells):
                yield counter["line"], cells
        workbook.close()

    max_row = sheet.max_row or 1
    return Table(name, [_cell_text(cell).strip() for cell in header], body(), size,
                 lambda: int(size * counter["line"] / max_row))


def _cell_text(value: object) -> str:
    """Excel cells as the same text a CSV would hold (dates ISO, numbers shortest round-trip)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(Decimal(repr(value))) if value != int(value) else str(int(value))
    return str(value)
