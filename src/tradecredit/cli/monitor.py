"""`tradecredit monitor`: run the early-warning monitoring for a day, and list the runs."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import typer
from rich.progress import Progress
from rich.table import Table

from tradecredit.cli.common import actor, console, handled, open_app, parse_day
from tradecredit.services.backtest import BacktestReport, run_backtest
from tradecredit.services.monitoring import RunSummary, list_runs, run_monitor
from tradecredit.services.reports import as_document

app = typer.Typer(help="Early-warning monitoring: evaluate every buyer and keep the alerts up to date.",
                  invoke_without_command=True)
SEVERITY_STYLE = {"critical": "bold red", "warning": "yellow", "info": "cyan"}


@app.callback()
def monitor(
    ctx: typer.Context,
    as_of: str | None = typer.Option(None, "--as-of", help="the day to monitor, YYYY-MM-DD (default today)"),
    as_json: bool = typer.Option(False, "--json", help="print the run's summary as JSON"),
) -> None:
    """Run the monitoring for a day (safe to run again: a second run of the same day changes nothing)."""
    if ctx.invoked_subcommand is not None:
        return
    with handled():
        tc = open_app()
        day = parse_day(as_of, tc)
        with _steps("monitoring", hidden=as_json) as progress:
            summary = run_monitor(tc.uow, as_of=day, actor=actor(), policy=tc.settings.signal_policy(),
                                  base_currency=tc.settings.base_currency, progress=progress)
        if as_json:
            console.print(json.dumps(as_document(summary), ensure_ascii=False), soft_wrap=True)
            return
        _print(summary)


@contextmanager
def _steps(label: str, *, hidden: bool) -> Iterator[Callable[[str, int, int], None]]:
    """A progress bar (none with --json) and the ``progress(step, done, total)`` callback that moves it."""
    with Progress(console=console, transient=True, disable=hidden) as bar:
        task = bar.add_task(label, total=None)
        yield lambda step, done, total: bar.update(task, completed=done, total=total, description=step)


def _print(summary: RunSummary) -> None:
    console.print(f"Monitoring run {summary.id} for {summary.as_of}: {summary.buyers} buyers; {summary.opened} "
                  f"alert(s) opened, {summary.updated} updated ({summary.escalated} escalated), {summary.closed} "
                  f"closed, {summary.snooze_ended} back from a snooze.", highlight=False)
    if not summary.top:
        return
    table = Table("buyer", "signal", "severity", "status", "what", title="Top alerts", title_justify="left")
    for line in summary.top:
        table.add_row(line.ref, line.code, f"[{SEVERITY_STYLE[line.severity]}]{line.severity}[/]", line.status,
                      line.text_en)
    console.print(table)


@app.command("runs")
def runs(
    limit: int = typer.Option(20, min=1, max=1000, help="how many, newest first"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The latest monitoring runs: the day, who ran it, and what it changed."""
    with handled():
        found = list_runs(open_app().uow(), limit=limit)
        if as_json:
            console.print(json.dumps([as_document(run) for run in found]), soft_wrap=True)
            return
        table = Table("run", "as of", "actor", "started", "seconds", "buyers", "opened", "updated", "closed",
                      title=f"{len(found)} run(s)", title_justify="left")
        for run in found:
            seconds = (run.finished_at - run.started_at).total_seconds()
            table.add_row(str(run.id), str(run.as_of), run.actor, f"{run.started_at:%Y-%m-%d %H:%M:%S}",
                          f"{seconds:.1f}", str(run.buyers), str(run.opened), str(run.updated), str(run.closed))
        console.print(table)


@app.command("backtest")
def backtest(
    start: str | None = typer.Option(None, "--from", help="first month to replay, YYYY-MM-DD (default 24 months "
                                                          "before --to)"),
    end: str | None = typer.Option(None, "--to", help="last day to replay, YYYY-MM-DD (default today)"),
    horizon_days: int = typer.Option(365, "--horizon-days", min=1, max=3650,
                                     help="how far before an event an alert still counts as its warning"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Replay the ledger month by month: how many days before an insolvency or 90 days past due the first
    critical alert fired, and how often buyers without an event were alerted (nothing is written)."""
    with handled():
        tc = open_app()
        first = parse_day(start, tc, field="--from") if start else None
        last = parse_day(end, tc, field="--to") if end else None
        with _steps("replaying", hidden=as_json) as progress:
            report = run_backtest(tc.uow, policy=tc.settings.signal_policy(), base_currency=tc.settings.base_currency,
                                  start=first, end=last, horizon_days=horizon_days, progress=progress)
        if as_json:
            console.print(json.dumps(as_document(report), ensure_ascii=False), soft_wrap=True)
            return
        _print_backtest(report)


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _print_backtest(report: BacktestReport) -> None:
    score = report.score
    median = "–" if score.median_lead_days is None else f"{score.median_lead_days:.0f} days"
    console.print(
        f"Backtest {report.start} → {report.end} ({report.months} month ends, horizon {score.horizon_days} days): "
        f"{score.buyers} buyers, {score.with_event} with a credit event.\n"
        f"  detected before the event: {score.detected} of {score.with_event} ({_share(score.detection_rate)}), "
        f"median lead {median}\n"
        f"  false alerts: {score.false_alerts} of {score.without_event - score.pending} buyers without an event "
        f"({_share(score.false_alert_rate)}); {score.pending} alerted too recently to judge", highlight=False)
    if not report.events:
        return
    table = Table("buyer", "event", "kind", "first critical alert", "lead days", "signals",
                  title="Credit events", title_justify="left")
    for line in report.events:
        table.add_row(line.ref, str(line.event_date), line.kind, str(line.first_alert or "missed"),
                      "" if line.lead_days is None else str(line.lead_days), ", ".join(line.codes))
    console.print(table)
