"""`tradecredit promises`: record a buyer's payment promise, list promises with their status, cancel one."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from tradecredit.cli.common import actor, console, handled, open_app, parse_day, parse_decimal
from tradecredit.services.promises import PromiseView, cancel_promise, list_promises, record_promise
from tradecredit.services.reports import as_document

app = typer.Typer(help="Payment promises: what a buyer promised to pay and by when; kept, broken, open or "
                       "cancelled.", no_args_is_help=True)


def _print(view: PromiseView) -> None:
    target = f"invoice {view.invoice_ref}" if view.invoice_ref else "the overdue balance"
    console.print(f"promise {view.id} (version {view.version}): {view.buyer_ref} {view.buyer_name} pays "
                  f"{view.amount} {view.currency} towards {target} by {view.promised_date} (made {view.made_on}); "
                  f"{view.status}, {view.paid} paid by {view.deadline}", highlight=False)


@app.command("add")
def add(
    buyer: str = typer.Argument(..., help="the buyer's reference"),
    amount: str = typer.Option(..., "--amount", help="the amount promised, in the currency's minor unit"),
    by: str = typer.Option(..., "--by", help="the promised date, YYYY-MM-DD"),
    invoice: str | None = typer.Option(None, "--invoice", help="the invoice promised; none: the overdue balance"),
    currency: str | None = typer.Option(None, "--currency", help="default: the invoice's, else the buyer's"),
    made_on: str | None = typer.Option(None, "--made-on", help="when the buyer promised, YYYY-MM-DD; default today"),
    note: str | None = typer.Option(None, "--note", help="who promised, on which call (at most 1,000 characters)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Record a payment promise; see docs/promises.md."""
    with handled():
        tc = open_app()
        view = record_promise(
            tc.uow(), buyer_ref=buyer, invoice_ref=invoice, amount=parse_decimal(amount, "--amount"),
            currency=currency, promised_date=parse_day(by, tc, field="--by"),
            made_on=parse_day(made_on, tc, field="--made-on") if made_on else None, note=note, actor=actor(),
            policy=tc.settings.promise_policy())
        if as_json:
            console.print(json.dumps(as_document(view), ensure_ascii=False), soft_wrap=True)
            return
        _print(view)


@app.command("list")
def list_command(
    buyer: str | None = typer.Option(None, "--buyer", help="only this buyer's promises"),
    status: str | None = typer.Option(None, "--status", help="open, kept, broken or cancelled"),
    page: int = typer.Option(1, min=1), size: int = typer.Option(50, min=1, max=500),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Promises with their status today, latest promised date first."""
    with handled():
        tc = open_app()
        found = list_promises(tc.uow(), policy=tc.settings.promise_policy(), buyer_ref=buyer, status=status,
                              page=page, size=size)
        if as_json:
            console.print(json.dumps([as_document(item) for item in found.items], ensure_ascii=False),
                          soft_wrap=True)
            return
        table = Table("id", "buyer", "invoice", "amount", "promised", "paid", "status", "version",
                      title=f"{found.total} promise(s); page {found.page}", title_justify="left")
        for item in found.items:
            table.add_row(str(item.id), f"{item.buyer_ref} {item.buyer_name}", item.invoice_ref or "(balance)",
                          f"{item.amount} {item.currency}", str(item.promised_date), str(item.paid), item.status,
                          str(item.version))
        console.print(table)


@app.command("cancel")
def cancel(
    promise_id: int = typer.Argument(..., help="the promise's id"),
    reason: str = typer.Option(..., "--reason", help="why (recorded in error, replaced by a payment plan, …)"),
    version: int = typer.Option(..., "--version", min=1, help="the version as listed; changed since → exit 5"),
) -> None:
    """Cancel a promise: it is kept with who, when and why, and never counts as broken."""
    with handled():
        tc = open_app()
        _print(cancel_promise(tc.uow(), promise_id=promise_id, version=version, reason=reason, actor=actor(),
                              policy=tc.settings.promise_policy()))
