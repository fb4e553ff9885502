"""`tradecredit score FILE --out OUT.parquet`: score statements from a file, outside the database."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from tradecredit.cli.common import console, handled
from tradecredit.services.scoring_files import DEFAULT_BATCH_ROWS, score_file


def score(
    file: Path = typer.Argument(..., help="CSV (UTF-8, ',' or ';') or Parquet file of statements; the rows of one "
                                          "key must be contiguous (docs/scoring.md)"),
    out: Path = typer.Option(..., "--out", help="Parquet file to write; written only when every row is scored"),
    key: str = typer.Option("buyer_ref", "--key", help="the column naming the company"),
    lang: str = typer.Option("en", "--lang", help="language of the reasons: en or zh"),
    batch_rows: int = typer.Option(DEFAULT_BATCH_ROWS, "--batch-rows", min=1, help="rows read and scored at once"),
) -> None:
    """Score statements: ratios, 12-month PD, grade, score, band and the three reasons raising the PD."""
    with handled():
        with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                      TimeRemainingColumn(), console=console, transient=True) as bar:
            task = bar.add_task(f"scoring {file.name}", total=None)
            summary = score_file(path=file, out=out, key=key, lang=lang, batch_rows=batch_rows,
                                 progress=lambda done, total: bar.update(task, completed=done, total=total))
        rate = summary.rows / summary.seconds if summary.seconds > 0 else 0.0
        console.print(f"{summary.file}: {summary.rows} rows, {summary.scored} scored, {summary.blocked} blocked "
                      f"(no PD; their flags say why) in {summary.seconds:.1f} s ({rate:,.0f} rows/s) → "
                      f"{summary.out}")
