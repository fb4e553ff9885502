"""`tradecredit limits`: a buyer's limits, requests, decisions, reductions and the approval authority matrix."""

from __future__ import annotations

import json
from decimal import Decimal

import typer
from rich.table import Table

from tradecredit.cli.common import actor, console, handled, open_app, parse_day, parse_decimal
from tradecredit.domain.errors import ValidationError
from tradecredit.services import limits as service
from tradecredit.services.reports import as_document

app = typer.Typer(help="Credit limits: requests, decisions, seasonal limits, reductions, authorities.",
                  no_args_is_help=True)


def _money(value: Decimal | None) -> str:
    return "-" if value is None else f"{value:,.2f}"


def _position(title: str, position: service.LimitPosition) -> None:
    exposure = position.exposure
    counted = " + ".join(exposure.counted)
    table = Table("limit", "exposure", "open invoices", "overdue", "delivered, not invoiced", "open orders",
                  "headroom", "review", title=f"{title} ({position.holder}); exposure counts {counted}",
                  title_justify="left")
    review = "past due" if position.under_review else (str(position.base.review_on) if position.base else "-")
    table.add_row(_money(position.amount), _money(exposure.total), _money(exposure.open_invoices),
                  _money(exposure.overdue), _money(exposure.delivered_not_invoiced), _money(exposure.open_orders),
                  _money(position.headroom), review)
    console.print(table)


@app.command()
def show(ref: str, as_of: str | None = typer.Option(None, "--as-of"),
         as_json: bool = typer.Option(False, "--json")) -> None:
    """The buyer's own limit and its group's against exposure, the history and the requests."""
    with handled():
        tc = open_app()
        view = service.buyer_limits(tc.uow(), ref=ref, base_currency=tc.settings.base_currency,
                                    buckets=tc.settings.exposure_buckets,
                                    as_of=parse_day(as_of, tc) if as_of else None)
        if as_json:
            console.print(json.dumps(as_document(view), ensure_ascii=False), soft_wrap=True)
            return
        _position("own limit", view.own)
        if view.group is not None:
            _position("group limit", view.group)
        history = Table("id", "kind", "scope", "amount", "from", "to", "decided by", "reason", title="history",
                        title_justify="left")
        for limit in view.history:
            history.add_row(str(limit.id), limit.kind, limit.scope, _money(limit.amount), str(limit.valid_from),
                            str(limit.valid_to or ""), limit.decided_by, limit.ended_reason or limit.reason)
        console.print(history)


@app.command()
def request(ref: str, amount: str = typer.Option(..., "--amount"), currency: str = typer.Option(..., "--currency"),
            reason: str = typer.Option(..., "--reason"), temporary: bool = typer.Option(False, "--temporary"),
            group: bool = typer.Option(False, "--group", help="a group limit, on the top-level parent"),
            valid_from: str | None = typer.Option(None, "--from"), valid_to: str | None = typer.Option(None, "--to"))\
        -> None:
    """Request a base or temporary (seasonal) limit."""
    with handled():
        tc = open_app()
        view = service.request_limit(
            tc.uow(), ref=ref, amount=parse_decimal(amount, "--amount"), currency=currency.upper(),
            kind="temporary" if temporary else "base", scope="group" if group else "buyer",
            valid_from=parse_day(valid_from, tc, field="--from") if valid_from else None,
            valid_to=parse_day(valid_to, tc, field="--to") if valid_to else None, reason=reason, actor=actor(),
            base_currency=tc.settings.base_currency)
        console.print(f"request {view.id}: {view.kind} {view.scope} limit of {view.amount:,} {view.currency} "
                      f"({view.amount_base:,} {tc.settings.base_currency}) for {view.ref}, pending (version "
                      f"{view.version})")


@app.command()
def requests(status: str = typer.Option("pending", help="pending, approved, partially_approved, refused or all"),
             buyer: str | None = typer.Option(None, "--buyer")) -> None:
    """Limit requests, newest first."""
    with handled():
        tc = open_app()
        items, total = service.list_requests(tc.uow(), base_currency=tc.settings.base_currency,
                                             status=None if status == "all" else status, ref=buyer, size=500)
        table = Table("id", "buyer", "kind", "amount", "status", "requested by", "reason", "version",
                      title=f"{total} request(s)", title_justify="left")
        for item in items:
            table.add_row(str(item.id), item.ref, item.kind, f"{item.amount_base:,}", item.status, item.requested_by,
                          item.reason, str(item.version))
        console.print(table)


@app.command()
def decide(request_id: int, user: str = typer.Option(..., "--user", help="the deciding user; their approval "
                                                                         "authority must cover the decision"),
           approve: bool = typer.Option(False, "--approve"), refuse: bool = typer.Option(False, "--refuse"),
           partial: str | None = typer.Option(None, "--partial", help="grant this amount (base currency) instead"),
           reason: str = typer.Option(..., "--reason"), version: int = typer.Option(..., "--version")) -> None:
    """Approve, partially approve or refuse a pending request."""
    with handled():
        chosen = [name for name, on in (("approve", approve), ("refuse", refuse), ("partial", partial is not None))
                  if on]
        if len(chosen) != 1:
            raise ValidationError("decision", "give exactly one of --approve, --refuse or --partial AMOUNT")
        tc = open_app()
        view = service.decide_request(tc.uow(), request_id=request_id, decision=chosen[0], version=version,
                                      reason=reason, actor=f"{user} ({actor()})", username=user,
                                      base_currency=tc.settings.base_currency,
                                      amount=parse_decimal(partial, "--partial") if partial is not None else None)
        console.print(f"request {view.id}: {view.status}" + (f", {view.decided_amount:,} granted"
                                                             if view.decided_amount is not None else ""))


@app.command()
def reduce(limit_id: int, amount: str = typer.Option(..., "--amount"), effective: str = typer.Option(
        ..., "--effective"), reason: str = typer.Option(..., "--reason")) -> None:
    """Reduce a limit from a date; the old limit ends the day before."""
    _change(limit_id, parse_decimal(amount, "--amount"), effective, reason)


@app.command()
def cancel(limit_id: int, effective: str = typer.Option(..., "--effective"),
           reason: str = typer.Option(..., "--reason")) -> None:
    """Cancel a limit from a date."""
    _change(limit_id, None, effective, reason)


def _change(limit_id: int, amount: Decimal | None, effective: str, reason: str) -> None:
    with handled():
        tc = open_app()
        view = service.change_limit(tc.uow(), limit_id=limit_id, new_amount=amount,
                                    effective=parse_day(effective, tc, field="--effective"), reason=reason,
                                    actor=actor(), base_currency=tc.settings.base_currency)
        console.print(f"limit {view.id}: {_money(view.amount)} from {view.valid_from}"
                      + (f", ended {view.valid_to}" if view.valid_to else ""))


@app.command()
def authority(user: str, max_amount: str = typer.Option(..., "--max-amount"),
              worst_grade: int = typer.Option(..., "--worst-grade", min=1, max=10),
              version: int | None = typer.Option(None, "--version", help="required to change an existing one"))\
        -> None:
    """Set what a user may approve: limits up to an amount for buyers graded up to a grade."""
    with handled():
        tc = open_app()
        view = service.set_authority(tc.uow(), username=user, max_amount=parse_decimal(max_amount, "--max-amount"),
                                     worst_grade=worst_grade, actor=actor(), version=version)
        console.print(f"{view.username} may approve up to {view.max_amount:,} for grades up to {view.worst_grade} "
                      f"(version {view.version})")


@app.command()
def authorities() -> None:
    """The approval authority matrix."""
    with handled():
        tc = open_app()
        table = Table("user", "max amount", "worst grade", "version", "set by", "at")
        for view in service.list_authorities(tc.uow()):
            table.add_row(view.username, f"{view.max_amount:,}", str(view.worst_grade), str(view.version),
                          view.updated_by, f"{view.updated_at:%Y-%m-%d %H:%M}")
        console.print(table)
