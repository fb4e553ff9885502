"""`tradecredit digest`: send the daily alert digest by e-mail (or print it), and read the digest log."""

from __future__ import annotations

import typer
from rich.table import Table

from tradecredit.cli.common import console, handled, open_app, parse_day
from tradecredit.services.digest import Digest, DigestConfig, digest_log, send_digest

app = typer.Typer(help="The daily alert digest by e-mail (docs/notifications.md).", invoke_without_command=True)


def _print(address: str, digest: Digest) -> None:
    console.rule(f"To: {address} · {digest.language}", style="dim")
    console.print(f"Subject: {digest.subject}\n", highlight=False, markup=False)
    console.print(digest.text, highlight=False, markup=False, soft_wrap=True)


@app.callback()
def digest(
    ctx: typer.Context,
    as_of: str | None = typer.Option(None, "--as-of", help="YYYY-MM-DD (default today)"),
    dry_run: bool = typer.Option(False, "--dry-run", help="print each message; send nothing, log nothing"),
    to: str | None = typer.Option(None, "--to", help="send to this address only, instead of the users"),
    language: str = typer.Option("en", help="the language of the --to message: en or zh"),
) -> None:
    """Send the day's alert digest to every user with an e-mail address and the digest on (once a day each).

    Exit code 1 when a message could not be sent (it is logged and tried again by the next run)."""
    if ctx.invoked_subcommand is not None:
        return
    with handled():
        tc = open_app()
        result = send_digest(tc.uow, as_of=parse_day(as_of, tc), config=DigestConfig.from_settings(tc.settings),
                             to=to, language=language if to else None, dry_run=dry_run, preview=_print)
        if not result.outcomes:
            console.print("No recipients: give users an address with `tradecredit users update USER --email …`.")
        for outcome in result.outcomes:
            error = f": {outcome.error}" if outcome.error else ""
            console.print(f"{outcome.recipient} ({outcome.language}) {outcome.status}, {outcome.alerts} alerts{error}",
                          highlight=False, markup=False)
        if result.count("failed"):
            raise typer.Exit(1)


@app.command("log")
def log(
    day: str | None = typer.Option(None, "--day", help="only this day (YYYY-MM-DD)"),
    limit: int = typer.Option(50, min=1, max=500, help="rows, newest day first"),
) -> None:
    """The digest log: one row per day and recipient, with its status and the last error."""
    with handled():
        tc = open_app()
        lines = digest_log(tc.uow(), day=parse_day(day, tc, field="--day") if day else None, limit=limit)
        table = Table("day", "recipient", "user", "lang", "status", "alerts", "attempts", "since", "sent at", "error")
        for line in lines:
            sent = f"{line.sent_at:%Y-%m-%d %H:%M}" if line.sent_at else "-"
            table.add_row(str(line.day), line.recipient, line.username or "-", line.language, line.status,
                          str(line.alerts), str(line.attempts), str(line.since), sent, line.error or "")
        console.print(table)
