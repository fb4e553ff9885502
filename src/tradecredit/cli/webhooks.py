"""`tradecredit webhooks`: endpoints that receive events, the delivery log, and a dispatcher run for cron."""

from __future__ import annotations

import typer
from rich.table import Table

from tradecredit.cli.common import actor, console, handled, open_app
from tradecredit.domain.webhooks import EVENT_TYPES
from tradecredit.services import webhooks as service

app = typer.Typer(help="Outgoing webhooks: endpoints, deliveries, and sending them.", no_args_is_help=True)
EVENTS = ", ".join(event.name for event in EVENT_TYPES)


def _print_endpoint(view: service.EndpointView) -> None:
    state = "active" if view.active else "disabled"
    console.print(f"webhook {view.id} → {view.url} ({state}, version {view.version}): {', '.join(view.event_types)}",
                  highlight=False)


def _print_delivery(view: service.DeliveryView) -> None:
    console.print(f"delivery {view.id}: {view.event_type} {view.event_id} → {view.url} ({view.status}, "
                  f"{view.attempts} attempt(s))", highlight=False)


@app.command()
def add(url: str, event: list[str] = typer.Option(..., "--event", help=f"repeat for each: {EVENTS}"),
        description: str | None = typer.Option(None, "--description", help="what receives the events")) -> None:
    """Subscribe a URL to event types; prints the signing secret once."""
    with handled():
        created = service.add_endpoint(open_app().uow(), url=url, event_types=event, description=description,
                                       actor=actor())
        _print_endpoint(created)
        console.print("Signing secret; store it with the receiver now, it is not shown again:")
        console.print(created.secret, markup=False, highlight=False, soft_wrap=True)


@app.command("list")
def list_endpoints() -> None:
    """Every endpoint (secrets are never listed)."""
    with handled():
        table = Table("id", "url", "events", "active", "description", "version")
        for view in service.list_endpoints(open_app().uow()):
            table.add_row(str(view.id), view.url, ", ".join(view.event_types), "yes" if view.active else "no",
                          view.description or "", str(view.version))
        console.print(table)


@app.command()
def disable(endpoint_id: int, version: int | None = typer.Option(None, "--version",
                                                                 help="refuse if the endpoint changed since")) -> None:
    """Stop sending to an endpoint; its pending deliveries wait until it is enabled."""
    with handled():
        _print_endpoint(service.disable_endpoint(open_app().uow(), endpoint_id=endpoint_id, version=version,
                                                 actor=actor()))


@app.command()
def enable(endpoint_id: int, version: int | None = typer.Option(None, "--version",
                                                                help="refuse if the endpoint changed since")) -> None:
    """Resume sending to an endpoint, including what waited while it was disabled."""
    with handled():
        _print_endpoint(service.enable_endpoint(open_app().uow(), endpoint_id=endpoint_id, version=version,
                                                actor=actor()))


@app.command()
def deliveries(status: str | None = typer.Option(None, "--status", help="pending, delivered or failed"),
               endpoint: int | None = typer.Option(None, "--endpoint", help="one endpoint's deliveries"),
               size: int = typer.Option(50, "--size", min=1, max=500, help="how many, newest first")) -> None:
    """The delivery log, newest first."""
    with handled():
        items, total = service.list_deliveries(open_app().uow(), endpoint_id=endpoint, status=status, size=size)
        table = Table("id", "endpoint", "event", "event id", "status", "attempts", "last", "next", "error",
                      title=f"{total} deliveries", title_justify="left")
        for view in items:
            table.add_row(str(view.id), str(view.endpoint_id), view.event_type, view.event_id, view.status,
                          str(view.attempts), "" if view.last_status_code is None else str(view.last_status_code),
                          "" if view.next_attempt_at is None else f"{view.next_attempt_at:%Y-%m-%d %H:%M:%S}",
                          view.last_error or "")
        console.print(table)


@app.command()
def deliver() -> None:
    """Send every due delivery once and record the outcomes (for cron when `serve` does not dispatch)."""
    with handled():
        tc = open_app()
        config = service.DeliveryConfig.from_settings(tc.settings)
        with config.client() as client:
            result = service.deliver_pending(tc.uow, now=tc.clock.now(), client=client, limit=config.batch_size,
                                             policy=config.policy)
        console.print(f"[green]{result.delivered} delivered[/], [yellow]{result.retrying} to retry[/], "
                      f"[red]{result.failed} failed[/], {result.deferred} deferred")


@app.command()
def redeliver(delivery_id: int) -> None:
    """Send a failed (or delivered) delivery again, with a fresh retry schedule."""
    with handled():
        _print_delivery(service.redeliver(open_app().uow(), delivery_id=delivery_id, actor=actor()))


@app.command()
def test(endpoint_id: int) -> None:
    """Queue a `ping` event for one endpoint (sent by the next dispatcher run)."""
    with handled():
        _print_delivery(service.send_test(open_app().uow(), endpoint_id=endpoint_id, actor=actor()))
