"""`tradecredit alerts`, `tradecredit watch` and `tradecredit blocks`: the alerts inbox and its lifecycle,
one-click actions, the watch list and credit blocks (docs/alerts.md).

The command line is the operator's: actions that need a credit manager on the API and dashboard are allowed here,
as every other command is."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from tradecredit.cli.common import actor, console, handled, open_app, parse_day
from tradecredit.domain.users import Role
from tradecredit.services import alert_actions, alerts, credit_blocks, watch_list
from tradecredit.services.alerts import AlertView
from tradecredit.services.assessment import AssessmentConfig
from tradecredit.services.credit_blocks import BlockView
from tradecredit.services.reports import as_document

app = typer.Typer(help="The alerts inbox: list, show, acknowledge, snooze, resolve, reopen, act.",
                  no_args_is_help=True)
watch_app = typer.Typer(help="The watch list: buyers the monitoring run watches with tighter thresholds.",
                        no_args_is_help=True)
blocks_app = typer.Typer(help="Credit blocks: stop shipments to a buyer (every order held) and lift them.",
                         no_args_is_help=True)
Version = typer.Option(..., "--version", help="the alert's version as shown; a stale one changes nothing")
Comment = typer.Option(None, "--comment")


def _print(view: AlertView) -> None:
    console.print(f"alert {view.id} · {view.buyer} ({view.buyer_name}, {view.country}) · [bold]{view.severity}[/] "
                  f"{view.code} · {view.status} · version {view.version}")
    console.print(f"  {view.text_en}")
    if view.snoozed_until:
        console.print(f"  snoozed until {view.snoozed_until}")
    for name, value in view.evidence.items():
        console.print(f"  {name}: {value}")
    for action in view.actions:
        done = f" [green]done[/] ({action.taken_by}: {action.result})" if action.done else ""
        console.print(f"  → {action.code}: {action.text_en}{done}")


@app.command("list")
def list_(severity: str | None = typer.Option(None, "--severity", help="info, warning or critical"),
          type_: str | None = typer.Option(None, "--type", help="a signal code, e.g. overdue_30"),
          buyer: str | None = typer.Option(None, "--buyer"), country: str | None = typer.Option(None, "--country"),
          status: str = typer.Option("open", "--status", help="open (default), all, new, acknowledged, snoozed "
                                                               "or resolved"),
          as_json: bool = typer.Option(False, "--json")) -> None:
    """Alerts, most severe first, then newest."""
    with handled():
        tc = open_app()
        items, total = alerts.list_alerts(tc.uow(), status=status, severity=severity, code=type_, buyer=buyer,
                                          country=country, size=500)
        if as_json:
            console.print(json.dumps([as_document(i) for i in items], ensure_ascii=False), soft_wrap=True)
            return
        table = Table("id", "severity", "type", "buyer", "country", "status", "opened", "alert", "actions",
                      "version", title=f"{total} alert(s)", title_justify="left")
        for item in items:
            actions = ", ".join(a.code + (" ✓" if a.done else "") for a in item.actions)
            table.add_row(str(item.id), item.severity, item.code, item.buyer, item.country, item.status,
                          str(item.opened_on), item.text_en, actions, str(item.version))
        console.print(table)


@app.command()
def show(alert_id: int, as_json: bool = typer.Option(False, "--json")) -> None:
    """One alert with its evidence, actions and history."""
    with handled():
        view = alerts.get_alert(open_app().uow(), alert_id=alert_id)
        if as_json:
            console.print(json.dumps(as_document(view), ensure_ascii=False), soft_wrap=True)
            return
        _print(view)
        for event in view.history:
            move = f" {event.from_status} → {event.to_status}" if event.from_status != event.to_status else ""
            console.print(f"  {event.at:%Y-%m-%d %H:%M} {event.actor}: {event.action}{move}"
                          + (f" — {event.comment}" if event.comment else ""))


@app.command()
def ack(alert_id: int, version: int = Version, comment: str | None = Comment) -> None:
    """Acknowledge: someone owns the alert now."""
    with handled():
        _print(alerts.acknowledge(open_app().uow(), alert_id=alert_id, version=version, actor=actor(),
                                  comment=comment))


@app.command()
def snooze(alert_id: int, until: str = typer.Option(..., "--until"), version: int = Version,
           comment: str = typer.Option(..., "--comment")) -> None:
    """Put the alert aside until a later day."""
    with handled():
        tc = open_app()
        _print(alerts.snooze(tc.uow(), alert_id=alert_id, version=version, until=parse_day(until, tc, field="--until"),
                             comment=comment, actor=actor()))


@app.command()
def resolve(alert_id: int, version: int = Version, comment: str = typer.Option("", "--comment",
                                                                             help="required: what was done")) -> None:
    """Resolve the alert, saying what was done."""
    with handled():
        _print(alerts.resolve(open_app().uow(), alert_id=alert_id, version=version, comment=comment, actor=actor()))


@app.command()
def reopen(alert_id: int, version: int = Version, comment: str | None = Comment) -> None:
    """Open a resolved alert again."""
    with handled():
        _print(alerts.reopen(open_app().uow(), alert_id=alert_id, version=version, actor=actor(), comment=comment))


@app.command()
def act(alert_id: int, action: str, version: int = Version, comment: str | None = Comment) -> None:
    """Do a recommended action: reduce_limit, stop_shipments, reassess, ask_security, collect_early, call_buyer,
    notify_insurer."""
    with handled():
        tc = open_app()
        taken = alert_actions.take_action(tc.uow(), alert_id=alert_id, action=action, version=version, actor=actor(),
                                          role=Role.ADMIN, config=AssessmentConfig.from_settings(tc.settings),
                                          comment=comment)
        console.print(f"{taken.action} taken: {json.dumps(taken.result, ensure_ascii=False)}")
        _print(taken.alert)


@watch_app.command("add")
def watch_add(ref: str, reason: str = typer.Option(..., "--reason")) -> None:
    """Put a buyer on the watch list."""
    with handled():
        entry = watch_list.watch(open_app().uow(), ref=ref, reason=reason, actor=actor())
        console.print(f"{entry.buyer} ({entry.name}) is on the watch list: {entry.reason}")


@watch_app.command("remove")
def watch_remove(ref: str, reason: str | None = typer.Option(None, "--reason")) -> None:
    """Take a buyer off the watch list."""
    with handled():
        entry = watch_list.unwatch(open_app().uow(), ref=ref, actor=actor(), reason=reason)
        console.print(f"{entry.buyer} ({entry.name}) is off the watch list")


@watch_app.command("list")
def watch_show(as_json: bool = typer.Option(False, "--json")) -> None:
    """Watched buyers, longest watched first."""
    with handled():
        entries = watch_list.watch_list(open_app().uow())
        if as_json:
            console.print(json.dumps([as_document(e) for e in entries], ensure_ascii=False), soft_wrap=True)
            return
        table = Table("buyer", "name", "reason", "added by", "added", title=f"{len(entries)} watched buyer(s)",
                      title_justify="left")
        for entry in entries:
            table.add_row(entry.buyer, entry.name, entry.reason, entry.added_by, f"{entry.added_at:%Y-%m-%d}")
        console.print(table)


def _block_line(block: BlockView) -> str:
    state = (f"lifted {block.lifted_at:%Y-%m-%d} by {block.lifted_by}: {block.lift_reason}" if block.lifted_at
             else "in force")
    return (f"block {block.id} on {block.buyer} ({block.source}{f', alert {block.alert_id}' if block.alert_id else ''}"
            f") since {block.blocked_at:%Y-%m-%d} by {block.blocked_by}: {block.reason} — {state}")


@blocks_app.command("add")
def block_add(ref: str, reason: str = typer.Option(..., "--reason")) -> None:
    """Stop shipments to the buyer: every order of it is held until the block is lifted."""
    with handled():
        console.print(_block_line(credit_blocks.block_buyer(open_app().uow(), ref=ref, reason=reason,
                                                            actor=actor())))


@blocks_app.command("lift")
def block_lift(ref: str, reason: str = typer.Option(..., "--reason"),
               block_id: int | None = typer.Option(None, "--block", help="the block you mean to lift")) -> None:
    """Lift the buyer's credit block."""
    with handled():
        console.print(_block_line(credit_blocks.lift_block(open_app().uow(), ref=ref, reason=reason, actor=actor(),
                                                           block_id=block_id)))


@blocks_app.command("show")
def block_show(ref: str) -> None:
    """The buyer's block in force and every earlier one."""
    with handled():
        view = credit_blocks.buyer_blocks(open_app().uow(), ref=ref)
        if view.current is None:
            console.print(f"{view.buyer}: no credit block in force")
        for block in view.history:
            console.print(_block_line(block))
