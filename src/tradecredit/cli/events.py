"""`tradecredit events`: import the buyer events feed and list what is recorded."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer
from rich.table import Table

from tradecredit.cli.common import actor, console, handled, open_app
from tradecredit.domain.errors import ValidationError
from tradecredit.services.assessment import AssessmentConfig
from tradecredit.services.events import EventImport, import_events, list_events
from tradecredit.services.reports import as_document

app = typer.Typer(help="External events about buyers: insolvencies, payment incidents, legal claims, rating changes, "
                       "news.", no_args_is_help=True)


@app.command("import")
def import_file(
    file: Path = typer.Argument(..., help="CSV (UTF-8 or GB18030), XLSX, or JSON (an array of objects)"),
    dry_run: bool = typer.Option(False, "--dry-run", help="validate everything, write nothing"),
    as_json: bool = typer.Option(False, "--json", help="print the result as JSON"),
) -> None:
    """Import events (buyer_ref or registration_id [+ country], date, type, source, text); see docs/events.md."""
    with handled():
        tc = open_app()
        result = import_events(tc.uow(), path=file, actor=actor(), config=AssessmentConfig.from_settings(tc.settings),
                               dry_run=dry_run)
        if as_json:
            console.print_json(json.dumps(as_document(result)))
            return
        _print(result)


def _print(result: EventImport) -> None:
    console.print(f"{result.file}: {result.rows} event(s) read: {result.inserted} new, {result.duplicates} already "
                  "recorded (skipped)" + (" (dry run: nothing written)" if result.dry_run else ""))
    for skipped in result.skipped:
        console.print(f"  line {skipped.line}: {skipped.reason}", highlight=False)
    for buyer in result.reassessed:
        outcome = f"grade {buyer.grade}" if buyer.grade is not None else f"not re-assessed: {buyer.problem}"
        console.print(f"insolvency: {buyer.ref} re-assessed, {outcome}", highlight=False)


@app.command("list")
def list_command(
    buyer: str | None = typer.Option(None, "--buyer", help="only this buyer's events"),
    type_: str | None = typer.Option(None, "--type", help="insolvency, payment_incident, legal_claim, "
                                                          "rating_change or news"),
    since: str | None = typer.Option(None, "--since", help="only events dated on or after YYYY-MM-DD"),
    page: int = typer.Option(1, min=1), size: int = typer.Option(50, min=1, max=500),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Recorded events, newest first."""
    with handled():
        found = list_events(open_app().uow(), buyer_ref=buyer, type=type_, since=_day(since), page=page, size=size)
        if as_json:
            console.print(json.dumps([as_document(item) for item in found.items], ensure_ascii=False),
                          soft_wrap=True)
            return
        table = Table("date", "buyer", "type", "source", "text",
                      title=f"{found.total} event(s); page {found.page}", title_justify="left")
        for item in found.items:
            table.add_row(str(item.event_date), f"{item.buyer_ref} {item.buyer_name}", item.type, item.source,
                          item.text)
        console.print(table)


def _day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError("--since", f"{value!r} is not a date; expected YYYY-MM-DD") from None
