"""`tradecredit ledger`: a buyer's account, applying cash on account, disputes."""

from __future__ import annotations

import typer
from rich.table import Table

from tradecredit.cli.common import actor, console, handled, open_app, parse_day
from tradecredit.services.ledger import apply_cash_on_account, buyer_account, set_dispute

app = typer.Typer(help="Look into and act on the receivables ledger.", no_args_is_help=True)


@app.command()
def buyer(
    ref: str = typer.Argument(..., help="buyer_ref"),
    as_of: str | None = typer.Option(None, help="YYYY-MM-DD (default today)"),
    open_only: bool = typer.Option(False, "--open", help="show open invoices only"),
) -> None:
    """A buyer's identity, group, invoices (with status and open amount) and payments."""
    with handled():
        tc = open_app()
        account = buyer_account(tc.uow(), ref=ref, as_of=parse_day(as_of, tc))
        verified = "verified" if account.registration_verified else "unverified"
        console.print(f"[bold]{account.name}[/] ({account.ref}) {account.country} · terms {account.payment_terms_days}"
                      f" days · {account.currency} · registration {account.registration_id or '-'} ({verified})"
                      f" · LEI {account.lei or '-'} · NACE {account.industry or '-'}")
        if account.parent_ref or account.members:
            console.print(f"group: parent {account.parent_ref or '-'}; subsidiaries "
                          f"{', '.join(account.members) or '-'}")
        invoices = Table("invoice", "issued", "due", "amount", "open", "status", "days past due")
        for line in account.invoices:
            if open_only and line.open_amount == 0:
                continue
            invoices.add_row(line.ref, str(line.issue_date), str(line.due_date), f"{line.amount} {line.currency}",
                             f"{line.open_amount}", line.status.value,
                             str(line.days_past_due) if line.open_amount else "")
        console.print(invoices)
        payments = Table("payment", "date", "amount", "on account", "invoice")
        for pay in account.payments:
            payments.add_row(pay.ref, str(pay.payment_date), f"{pay.amount} {pay.currency}", str(pay.unallocated),
                             pay.invoice_ref or "")
        console.print(payments)


@app.command("apply-cash")
def apply_cash(buyer_ref: str | None = typer.Option(None, "--buyer", help="only this buyer")) -> None:
    """Apply unallocated cash on account to the oldest open invoices."""
    with handled():
        made = apply_cash_on_account(open_app().uow(), buyer_ref=buyer_ref, actor=actor())
        console.print(f"{made} allocation(s) made.")


@app.command()
def dispute(invoice_ref: str, reason: str = typer.Option(..., help="why the buyer contests it")) -> None:
    """Mark an invoice disputed: oldest-first allocation skips it and collections will pause."""
    with handled():
        set_dispute(open_app().uow(), invoice_ref=invoice_ref, disputed=True, reason=reason, actor=actor())
        console.print(f"{invoice_ref} is disputed.")


@app.command()
def resolve(invoice_ref: str) -> None:
    """Close the dispute on an invoice."""
    with handled():
        set_dispute(open_app().uow(), invoice_ref=invoice_ref, disputed=False, reason=None, actor=actor())
        console.print(f"{invoice_ref}: dispute resolved.")
