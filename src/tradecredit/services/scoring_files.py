"""Scoring a file of statements from outside the database: CSV or Parquet in, Parquet out, in batches.

Memory is bounded by the batch size, not the file: Parquet is read with ``ParquetFile.iter_batches``, CSV with
Polars' batched reader, and every scored batch is appended to the output with a ``ParquetWriter``. The output is
written to a temporary file beside ``--out`` and renamed only when every row has been scored, so a rejected
file leaves nothing behind (and an existing ``--out`` untouched).

**Rows of one key must be contiguous** (a file sorted by key and period end is): growth ratios look back to the
previous statements of the same key, so the last key of each batch is held back and scored with the next batch,
and a key that comes back after other keys is rejected with its line.

Line numbers in errors: CSV lines counting the header as line 1; for Parquet, the row number (first row = 1).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from tradecredit.domain.errors import ImportRejected, RowError, ValidationError
from tradecredit.domain.statements import LINE_ITEMS
from tradecredit.engine.batch_scoring import (
    LANGS,
    REASONS,
    BatchScorer,
    KeyOrder,
    output_columns,
    split_last_key,
)
from tradecredit.services.readers import reject

__all__ = ["DEFAULT_BATCH_ROWS", "ScoringSummary", "score_file"]

DEFAULT_BATCH_ROWS = 100_000
MAX_ERRORS = 50
# Dictionary-encoded in the output: few distinct values. The others (reason texts carry the row's own numbers)
# would only make the writer try a dictionary and give up, which triples the writing time.
DICTIONARY_COLUMNS = ("period_end", "grade", "band", "flags", "altman_zone",
                      *(f"reason_{n}_feature" for n in range(1, REASONS + 1)))
Progress = Callable[[int, int | None], None]


@dataclass(frozen=True, slots=True)
class ScoringSummary:
    """What a scoring run did: rows read, rows given a PD, rows blocked by a flag (no PD), wall seconds."""

    file: str
    out: str
    rows: int
    scored: int
    blocked: int
    seconds: float


def score_file(*, path: Path, out: Path, key: str = "buyer_ref", lang: str = "en",
               batch_rows: int = DEFAULT_BATCH_ROWS, progress: Progress | None = None) -> ScoringSummary:
    """Score every statement of ``path`` (``.csv`` or ``.parquet``) and write ``out`` (Parquet)."""
    started = time.perf_counter()
    _check_arguments(path, out, key, lang, batch_rows)
    source = _open(path, key, batch_rows)
    scorer = BatchScorer(key=key, lang=lang)
    order = KeyOrder(key)
    rows = scored = 0
    with _parquet_output(out) as write:
        for frame, first_row in _whole_keys(source, key):
            misplaced = order.first_misplaced(frame)
            if misplaced is not None:
                raise _misplaced(source, key, first_row + misplaced)
            result = scorer.score(frame)
            write(result)
            rows += result.height
            scored += result.height - result.get_column("pd").null_count()
            if progress:
                progress(rows, source.rows)
        if rows == 0:
            write(scorer.score(_empty(key)))
    return ScoringSummary(source.name, str(out), rows, scored, rows - scored, time.perf_counter() - started)


def _check_arguments(path: Path, out: Path, key: str, lang: str, batch_rows: int) -> None:
    taken = [name for name in output_columns(key) if name != key] + list(LINE_ITEMS)
    if not key or key in taken:
        raise ValidationError("--key", f"expected the name of the column naming the company; got {key!r}, which is "
                                       f"{'empty' if not key else 'a statement or output column'}")
    if lang not in LANGS:
        raise ValidationError("--lang", f"expected one of {', '.join(LANGS)}; got {lang!r}")
    if batch_rows < 1:
        raise ValidationError("--batch-rows", f"expected a positive number of rows; got {batch_rows}")
    if out.suffix.lower() != ".parquet":
        raise ValidationError("--out", f"expected a .parquet file; got {out.name}")
    if not out.parent.is_dir():
        raise ValidationError("--out", f"folder {out.parent} does not exist")
    if path.exists() and out.exists() and path.resolve() == out.resolve():
        raise ValidationError("--out", "expected another file than the input; got the input itself")


@dataclass
class _Source:
    """An open input: its name, row count when known, the number of the line holding row 0, and its batches."""

    name: str
    rows: int | None
    first_line: int
    batches: Iterator[pl.DataFrame]

    def line(self, row: int) -> int:
        return self.first_line + row


def _open(path: Path, key: str, batch_rows: int) -> _Source:
    name = path.name
    if not path.is_file():
        raise reject(name, "file not found")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return _open_parquet(path, key, batch_rows)
    if suffix == ".csv":
        return _open_csv(path, key, batch_rows)
    raise reject(name, f"expected a .csv or .parquet file; got {suffix or 'no extension'}")


def required_columns(key: str) -> list[str]:
    """Key, period_end and every statement line item (an empty cell is a missing item, a missing column is not)."""
    return [key, "period_end", *LINE_ITEMS]


def _check_header(name: str, header: list[str], key: str) -> None:
    missing = [column for column in required_columns(key) if column not in header]
    if missing:
        raise reject(name, f"missing required columns: {', '.join(missing)} (expected {key}, period_end and "
                           f"every line item of docs/scoring.md)")


def _open_parquet(path: Path, key: str, batch_rows: int) -> _Source:
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as error:
        raise reject(path.name, f"cannot read the file as Parquet: {error}") from None
    _check_header(path.name, parquet.schema_arrow.names, key)
    columns = required_columns(key)

    def batches() -> Iterator[pl.DataFrame]:
        offset = 0
        try:
            for batch in parquet.iter_batches(batch_size=batch_rows, columns=columns):
                frame = pl.DataFrame(pl.from_arrow(batch))
                yield _parsed(frame, key, path.name, offset + 1)
                offset += frame.height
        except (pa.ArrowException, OSError) as error:
            raise reject(path.name, f"cannot read the file as Parquet: {error}", line=offset + 1) from None
        finally:
            parquet.close()

    return _Source(path.name, parquet.metadata.num_rows, 1, batches())


def _open_csv(path: Path, key: str, batch_rows: int) -> _Source:
    """UTF-8 (with or without BOM), ``,`` or ``;`` (whichever the header has more of), one line per row."""
    with path.open("rb") as file:
        first = file.readline()
    try:
        header_line = first.decode("utf-8-sig").rstrip("\r\n")
    except UnicodeDecodeError:
        raise reject(path.name, "the header is not UTF-8 text; save the file as CSV UTF-8", line=1) from None
    if not header_line.strip():
        raise reject(path.name, "the file is empty (no header line)", line=1)
    separator = ";" if header_line.count(";") > header_line.count(",") else ","
    header = [cell.strip().strip('"') for cell in header_line.split(separator)]
    _check_header(path.name, header, key)
    scan = pl.scan_csv(path, separator=separator, has_header=True, new_columns=header, infer_schema=False,
                       encoding="utf8").select(required_columns(key))

    def batches() -> Iterator[pl.DataFrame]:
        offset = 0
        try:
            for frame in scan.collect_batches(chunk_size=batch_rows):
                yield _parsed(frame, key, path.name, offset + 2)
                offset += frame.height
        except pl.exceptions.PolarsError as error:
            raise reject(path.name, f"cannot read the file as CSV: {error}", line=offset + 2) from None

    return _Source(path.name, None, 2, batches())


def _parsed(frame: pl.DataFrame, key: str, name: str, first_line: int) -> pl.DataFrame:
    """Key as read, period_end as Date, line items as Float64; every bad cell of the batch reported at once."""
    text = {column: _text(frame, column) for column in frame.columns if frame.schema[column] == pl.String}
    parsed = frame.select(
        pl.col(key),
        _date(pl.col("period_end"), frame.schema["period_end"]).alias("period_end"),
        *(_number(pl.col(item), frame.schema[item]).alias(item) for item in LINE_ITEMS),
    )
    errors = _errors(frame, parsed, text, key, name, first_line)
    if errors:
        raise ImportRejected(name, errors)
    return parsed


def _text(frame: pl.DataFrame, column: str) -> pl.Series:
    return frame.get_column(column).str.strip_chars()


def _date(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    if dtype == pl.String:
        return expr.str.strip_chars().str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    return expr.cast(pl.Date, strict=False)


def _number(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    if dtype.is_numeric():
        return expr.cast(pl.Float64)
    text = expr.cast(pl.String).str.strip_chars()
    return pl.when(text == "").then(None).otherwise(text).cast(pl.Float64, strict=False)


def _errors(raw: pl.DataFrame, parsed: pl.DataFrame, text: dict[str, pl.Series], key: str, name: str,
            first_line: int) -> list[RowError]:
    """Empty keys and period ends, unreadable dates, non-numeric line items: (line, column, value) each."""
    empty_key = raw.get_column(key).is_null()
    if key in text:
        empty_key = empty_key | (text[key] == "")
    checks: list[tuple[str, pl.Series, str]] = [
        (key, empty_key, "is empty"),
        ("period_end", raw.get_column("period_end").is_null(), "is empty"),
        ("period_end", raw.get_column("period_end").is_not_null() & parsed.get_column("period_end").is_null(),
         "expected a date YYYY-MM-DD; got {value!r}"),
    ]
    for item in LINE_ITEMS:
        if item in text:
            given = text[item].is_not_null() & (text[item] != "")
            checks.append((item, given & parsed.get_column(item).is_null(), "expected a number; got {value!r}"))
    errors: list[RowError] = []
    for column, bad, reason in checks:
        for row in bad.fill_null(False).arg_true().head(MAX_ERRORS).to_list():
            value = raw.get_column(column)[row]
            errors.append(RowError(name, first_line + row, column, reason.format(value=value)))
    return sorted(errors, key=lambda error: error.line)[:MAX_ERRORS]


def _whole_keys(source: _Source, key: str) -> Iterator[tuple[pl.DataFrame, int]]:
    """Frames holding every statement of their keys, with the file row of their first row: the last key of a
    batch waits for the next batch, where its run may go on."""
    held: pl.DataFrame | None = None
    first_row = 0
    for batch in source.batches:
        frame = batch if held is None else pl.concat([held, batch], how="vertical")
        ready, held = split_last_key(frame, key)
        if ready.height:
            yield ready, first_row
            first_row += ready.height
    if held is not None and held.height:
        yield held, first_row


def _misplaced(source: _Source, key: str, row: int) -> ImportRejected:
    return ImportRejected(source.name, [RowError(
        source.name, source.line(row), key,
        "this key already had statements earlier in the file; the rows of one key must be contiguous "
        "(sort the file by key and period_end)")])


def _empty(key: str) -> pl.DataFrame:
    return pl.DataFrame(schema={key: pl.String, "period_end": pl.Date, **dict.fromkeys(LINE_ITEMS, pl.Float64)})


@contextmanager
def _parquet_output(out: Path) -> Iterator[Callable[[pl.DataFrame], None]]:
    """A function appending frames to a temporary Parquet file, renamed to ``out`` when the block ends cleanly."""
    partial = out.with_name(f".{out.name}.{os.getpid()}.partial")
    writer: pq.ParquetWriter | None = None
    schema: pa.Schema | None = None

    def write(frame: pl.DataFrame) -> None:
        nonlocal writer, schema
        table = frame.to_arrow()
        if writer is None:
            schema = table.schema
            dictionary = [name for name in DICTIONARY_COLUMNS if name in schema.names]
            writer = pq.ParquetWriter(partial, schema, use_dictionary=dictionary)
        writer.write_table(table if table.schema == schema else table.cast(schema))

    try:
        yield write
        assert writer is not None  # score_file writes at least the empty frame
        writer.close()
        writer = None
        partial.replace(out)
    finally:
        if writer is not None:
            writer.close()
        partial.unlink(missing_ok=True)
