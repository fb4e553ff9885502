"""JSON import files: an array of flat objects, read as a table whose rows are numbered by their position.

A JSON file has no meaningful line numbers (a feed often sends it on one line), so the "line" of each row is the
object's position in the array counting from 1, the number every error report shows. The header is every key
seen, in order of first appearance; a key an object lacks is an empty cell, as in a CSV file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tradecredit.domain.errors import ImportRejected, RowError
from tradecredit.services.readers import Table, reject

MAX_JSON_BYTES = 256 << 20  # an events feed is small; the whole array is parsed in memory


def looks_like_json(path: Path) -> bool:
    """A ``.json`` file, or one whose first non-blank character opens an array."""
    if path.suffix.lower() == ".json":
        return True
    if not path.is_file():
        return False
    with path.open("rb") as file:
        return file.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"[")


@contextmanager
def open_json_table(path: Path, *, name: str | None = None) -> Iterator[Table]:
    """Open a JSON array of objects as a :class:`Table`; raises ImportRejected when it is not one."""
    label = name or path.name
    if not path.is_file():
        raise reject(label, "file not found")
    size = path.stat().st_size
    if size == 0:
        raise reject(label, "the file is empty")
    if size > MAX_JSON_BYTES:
        raise reject(label, f"the file is {size} bytes; JSON files are read whole, at most {MAX_JSON_BYTES}")
    try:
        document = json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise reject(label, "the file is not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise reject(label, f"not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})",
                     line=error.lineno) from None
    if not isinstance(document, list):
        raise reject(label, "expected a JSON array of objects, one per event")
    if not document:
        raise reject(label, "the array is empty: no events to import")
    yield records_table(label, document, size=size)


def records_table(name: str, records: Sequence[Any], *, size: int = 0) -> Table:
    """A table over already parsed records (a JSON file or an API request body)."""
    problems = [RowError(name, index, "", f"item {index} is a JSON {type(record).__name__}, not an object")
                for index, record in enumerate(records, start=1) if not isinstance(record, Mapping)]
    if problems:
        raise ImportRejected(name, problems)
    header = list(dict.fromkeys(str(key) for record in records for key in record))
    rows = [(index, [_cell(record.get(column)) for column in header])
            for index, record in enumerate(records, start=1)]
    return Table(name, header, iter(rows), size, lambda: size)


def _cell(value: Any) -> str:
    """A JSON value as the text a CSV cell would hold; nested values are kept as JSON text (and then refused by
    the column's parser with its own message)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False)
