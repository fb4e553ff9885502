"""`tradecredit`: set up the database, load data, and report on the receivables."""

from __future__ import annotations

import typer
from rich.progress import Progress

from tradecredit.cli import (
    advise,
    alerts,
    assess,
    country,
    digest,
    events,
    imports,
    ledger,
    limits,
    model,
    monitor,
    orders,
    promises,
    reports,
    score,
    users,
    webhooks,
)
from tradecredit.cli.common import actor, console, handled, open_app, parse_day
from tradecredit.services.assessment import AssessmentConfig, assess_all
from tradecredit.services.demo import LOAD_ORDER, load_demo
from tradecredit.services.monitoring import run_monitor

# A worker imports the model stack (LightGBM, scikit-learn, Polars) before it answers the supervisor's health
# check: about 3 s on an idle 2-core machine, 10 s on a busy one, more than uvicorn's default of 5 s.
WORKER_STARTUP_SECONDS = 60

app = typer.Typer(help="TradeCredit: trade-credit risk for credit managers, collectors and underwriters.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
app.add_typer(imports.app, name="import")
app.add_typer(reports.app, name="report")
app.add_typer(ledger.app, name="ledger")
app.add_typer(users.app, name="users")
app.add_typer(country.app, name="country")
app.add_typer(model.app, name="model")
app.command("score")(score.score)
app.command("assess")(assess.assess)
app.command("advise")(advise.advise)
app.add_typer(limits.app, name="limits")
app.add_typer(orders.app, name="orders")
app.add_typer(webhooks.app, name="webhooks")
app.add_typer(events.app, name="events")
app.add_typer(promises.app, name="promises")
app.add_typer(digest.app, name="digest")
app.add_typer(alerts.app, name="alerts")
app.add_typer(alerts.watch_app, name="watch")
app.add_typer(alerts.blocks_app, name="blocks")
app.add_typer(monitor.app, name="monitor")


@app.command()
def init() -> None:
    """Create the database, or migrate it to the latest schema (safe to run again)."""
    with handled():
        tc = open_app(ready=False)
        before, after = tc.migrate()
        where = tc.engine.url.render_as_string()
        if before == after:
            console.print(f"Database {where} is up to date (migration {after}).")
        else:
            console.print(f"Database {where} migrated from {before or 'empty'} to {after}.")


@app.command()
def demo(
    buyers: int | None = typer.Option(None, min=1, max=100_000, help="number of buyers (default 300)"),
    seed: int | None = typer.Option(None, help="random seed; the same seed gives the same portfolio"),
    today: str | None = typer.Option(None, help="the portfolio ends on this date (default today)"),
    if_empty: bool = typer.Option(False, "--if-empty", help="do nothing when the ledger already has buyers"),
) -> None:
    """Load a deterministic, realistic demo portfolio (buyers, statements, FX, invoices, payments)."""
    with handled():
        tc = open_app()
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("demo portfolio", total=len(LOAD_ORDER))
            result = load_demo(tc.uow(), buyers=buyers or tc.settings.demo_buyers,
                               seed=tc.settings.demo_seed if seed is None else seed,
                               today=parse_day(today, tc, field="--today"), base_currency=tc.settings.base_currency,
                               actor=actor(), if_empty=if_empty,
                               step=lambda kind, done, total: bar.update(task, completed=done,
                                                                         description=f"loading {kind}"))
        if not result.loaded:
            console.print("The ledger already has buyers; demo not loaded.")
            return
        for summary in result.imports:
            console.print(f"{summary.kind:12} {summary.inserted:>8} loaded")
        run = assess_all(tc.uow(), actor=actor(), config=AssessmentConfig.from_settings(tc.settings),
                         trigger="demo portfolio loaded")
        console.print(f"{'assessed':12} {run.assessed:>8} buyers")
        watched = run_monitor(tc.uow, actor=actor(), policy=tc.settings.signal_policy(),
                              base_currency=tc.settings.base_currency)
        console.print(f"{'alerts':12} {watched.opened:>8} opened by the monitoring run")


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="address to listen on"),
    port: int = typer.Option(8000, min=1, max=65535),
    workers: int = typer.Option(1, min=1, max=64, help="processes; see docs/deployment.md"),
    access_log: bool = typer.Option(True, "--access-log/--no-access-log",
                                    help="log every request (turn off behind a proxy that logs them)"),
) -> None:
    """Serve the API (/api/v1, docs at /docs) and the dashboard."""
    import uvicorn

    with handled():
        tc = open_app()
        tc.close()
        console.print(f"TradeCredit at http://{host}:{port}/ (API docs at http://{host}:{port}/docs)")
        uvicorn.run("tradecredit.server:main_app", factory=True, host=host, port=port, workers=workers,
                    log_level="info", access_log=access_log, proxy_headers=True,
                    timeout_worker_healthcheck=WORKER_STARTUP_SECONDS)


def main() -> None:
    app()
