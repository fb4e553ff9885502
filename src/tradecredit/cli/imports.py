"""`tradecredit import KIND FILE`: load buyers, financials, invoices, adjustments, payments or FX rates."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

from tradecredit.cli.common import actor, console, handled, open_app
from tradecredit.services.import_kinds import KINDS
from tradecredit.services.imports import ImportSummary, import_file

app = typer.Typer(help="Import CSV or XLSX files; every error is listed and nothing is written unless all "
                       "rows are valid.", no_args_is_help=True)

HELP = {
    "buyers": "buyer_ref, name, country; optional registration_id, lei, industry, parent_ref, currency, "
              "payment_terms_days",
    "financials": "buyer_ref, period_end, currency and any statement line items",
    "invoices": "invoice_ref, buyer_ref, issue_date, due_date, currency, amount; optional delivery_date, "
                "disputed, dispute_reason",
    "adjustments": "credit notes and write-offs: adjustment_ref, invoice_ref, kind, date, amount; optional reason",
    "payments": "payment_ref, buyer_ref, payment_date, currency, amount; optional invoice_ref",
    "fx": "date, currency, rate_to_base",
    "country_ratings": "country, scale (oecd, a1_e, aa_d, internal), grade, as_of, source; optional short_term",
}


def _run(kind: str, file: Path, dry_run: bool, ignore_extra: bool, as_json: bool) -> None:
    with handled():
        tc = open_app()
        with Progress("[progress.description]{task.description}", BarColumn(), DownloadColumn(),
                      TimeRemainingColumn(), console=console, transient=True, disable=as_json) as bar:
            task = bar.add_task(f"{kind} {file.name}", total=file.stat().st_size if file.is_file() else None)
            summary = import_file(tc.uow(), kind=kind, path=file, base_currency=tc.settings.base_currency,
                                  actor=actor(), dry_run=dry_run, ignore_extra=ignore_extra,
                                  batch_size=tc.settings.import_batch_size,
                                  progress=lambda done, total: bar.update(task, completed=done, total=total))
        _print(summary, as_json)


def _print(summary: ImportSummary, as_json: bool) -> None:
    if as_json:
        console.print_json(json.dumps(summary.__dict__))
        return
    verb = "would change" if summary.dry_run else "loaded"
    extra = "".join(f", {count} {name}" for name, count in summary.notes.items())
    console.print(f"{summary.file}: {summary.rows} rows {verb}: {summary.inserted} new, {summary.updated} "
                  f"updated, {summary.unchanged} unchanged{extra}" + (" (dry run: nothing written)"
                                                                      if summary.dry_run else ""))


def _command(kind: str) -> None:
    def command(
        file: Path = typer.Argument(..., help="CSV (UTF-8 or GB18030, ',' or ';') or XLSX file"),
        dry_run: bool = typer.Option(False, "--dry-run", help="validate everything, write nothing"),
        ignore_extra: bool = typer.Option(False, "--ignore-extra", help="skip unknown columns"),
        as_json: bool = typer.Option(False, "--json", help="print the summary as JSON"),
    ) -> None:
        _run(kind, file, dry_run, ignore_extra, as_json)

    command.__doc__ = f"Import {kind}: {HELP[kind]}."
    app.command(name=kind)(command)


for _kind in KINDS:
    _command(_kind)
