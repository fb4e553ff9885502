"""`tradecredit orders`: the order credit check, the hold queue, releasing or rejecting holds, and deliveries."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from tradecredit.cli.common import actor, console, handled, open_app, parse_day, parse_decimal
from tradecredit.services import order_deliveries, order_holds
from tradecredit.services import orders as service
from tradecredit.services.order_files import check_file as check_orders_file
from tradecredit.services.reports import as_document

app = typer.Typer(help="Order credit checks and the hold queue.", no_args_is_help=True)


def _print(view: service.OrderCheckView) -> None:
    console.print(f"order {view.order_ref} for {view.buyer} ({view.buyer_name}): {view.amount:,} {view.currency} → "
                  f"[bold]{view.outcome}[/] ({view.status}, version {view.version})")
    if view.released_amount is not None:
        console.print(f"  released for {view.released_amount:,} {view.currency} only (a one-off partial release)")
    if view.delivered_on is not None:
        console.print(f"  delivered on {view.delivered_on}: counts as delivered, not invoiced, until invoiced")
    for reason in view.reasons:
        console.print(f"  - {reason['code']}: {reason['text']}")


@app.command()
def check(buyer: str, order_ref: str, amount: str = typer.Option(..., "--amount"),
          currency: str = typer.Option(..., "--currency"), ship_date: str | None = typer.Option(None, "--ship-date"),
          as_json: bool = typer.Option(False, "--json")) -> None:
    """Release or hold an order, with every reason (exit code 0 either way; see the outcome)."""
    with handled():
        tc = open_app()
        view = service.check(tc.uow(), ref=buyer, order_ref=order_ref, amount=parse_decimal(amount, "--amount"),
                             currency=currency.upper(), ship_date=parse_day(ship_date, tc, field="--ship-date"),
                             actor=actor(), config=tc.order_check_config)
        if as_json:
            console.print(json.dumps(as_document(view), ensure_ascii=False), soft_wrap=True)
            return
        _print(view)


@app.command("check-file")
def check_file(path: Path = typer.Argument(..., help="CSV or XLSX: buyer_ref, order_ref, amount, currency, "
                                                      "ship_date"),
               as_json: bool = typer.Option(False, "--json")) -> None:
    """Check every order of a file in one transaction, in the file's order (all or none on bad input)."""
    with handled():
        tc = open_app()
        views = check_orders_file(tc.uow(), path, actor=actor(), config=tc.order_check_config)
        if as_json:
            console.print(json.dumps([as_document(view) for view in views], ensure_ascii=False), soft_wrap=True)
            return
        held = [view for view in views if view.status != "released"]
        table = Table("order", "buyer", "amount", "outcome", "reasons",
                      title=f"{len(views)} order(s): {len(views) - len(held)} released, {len(held)} held",
                      title_justify="left")
        for view in views:
            table.add_row(view.order_ref, view.buyer, f"{view.amount:,} {view.currency}", view.outcome,
                          ", ".join(reason["code"] for reason in view.reasons))
        console.print(table)


@app.command()
def holds(status: str = typer.Option("held", help="held, released, rejected or all"),
          buyer: str | None = typer.Option(None, "--buyer")) -> None:
    """The hold queue (or every checked order), newest first."""
    with handled():
        tc = open_app()
        items, total = order_holds.list_orders(tc.uow(), base_currency=tc.settings.base_currency,
                                               status=None if status == "all" else status, ref=buyer,
                                               size=500)
        table = Table("order", "buyer", "name", "amount", "status", "reasons", "checked", "version",
                      title=f"{total} order(s)", title_justify="left")
        for view in items:
            released = "" if view.released_amount is None else f" (released {view.released_amount:,})"
            delivered = "" if view.delivered_on is None else f", delivered {view.delivered_on}"
            table.add_row(view.order_ref, view.buyer, view.buyer_name, f"{view.amount:,} {view.currency}{released}",
                          f"{view.status}{delivered}",
                          ", ".join(r["code"] for r in view.reasons), f"{view.checked_at:%Y-%m-%d %H:%M}",
                          str(view.version))
        console.print(table)


@app.command()
def release(order_ref: str, reason: str = typer.Option(..., "--reason"),
            version: int = typer.Option(..., "--version"),
            amount: str | None = typer.Option(None, "--amount",
                                              help="release only this part (order currency)")) -> None:
    """Release a held order (or, with --amount, only that part of it); it then counts as exposure until
    invoiced."""
    _resolve(order_ref, True, reason, version, amount)


@app.command()
def reject(order_ref: str, reason: str = typer.Option(..., "--reason"),
           version: int = typer.Option(..., "--version")) -> None:
    """Reject a held order."""
    _resolve(order_ref, False, reason, version)


def _resolve(order_ref: str, release_it: bool, reason: str, version: int, amount: str | None = None) -> None:
    with handled():
        tc = open_app()
        part = None if amount is None else parse_decimal(amount, "--amount")
        _print(order_holds.resolve_hold(tc.uow(), order_ref=order_ref, release=release_it, reason=reason,
                                        version=version, actor=actor(), amount=part,
                                        base_currency=tc.settings.base_currency))


@app.command()
def deliver(order_ref: str, on: str | None = typer.Option(None, "--on", help="the day of delivery (default today)")
            ) -> None:
    """Report a released order delivered: it then counts as delivered, not invoiced, until an invoice carries its
    reference (sending the same day again changes nothing)."""
    with handled():
        tc = open_app()
        _print(order_deliveries.record_delivery(tc.uow(), order_ref=order_ref,
                                                delivered_on=parse_day(on, tc, field="--on"), actor=actor(),
                                                base_currency=tc.settings.base_currency))
