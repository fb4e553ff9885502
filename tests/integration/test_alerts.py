"""The alerts inbox on each backend: filters and order, the lifecycle with versions and audit, one-click actions
and what each creates, credit blocks holding orders, the watch list."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tests.alert_book import add_alert
from tests.builders import INVOICE_HEADER, write_csv
from tradecredit.bootstrap import App
from tradecredit.domain.errors import Conflict, NotFound, PermissionDenied, StaleVersion, ValidationError
from tradecredit.domain.users import Role
from tradecredit.services import alert_actions, alerts, assessment, credit_blocks, limits, orders, watch_list
from tradecredit.services.audit import audit_trail
from tradecredit.services.imports import import_file

D = Decimal
BUYERS = ("buyer_ref", "name", "country", "parent_ref")


@pytest.fixture
def book(app: App, tmp_path: Path) -> App:
    for kind, header, rows in (
        ("buyers", BUYERS, [("X", "Rossi", "IT", ""), ("G", "Schmidt GmbH", "DE", "")]),
        ("invoices", INVOICE_HEADER, [("I1", "X", "2026-09-19", "2026-10-19", "EUR", "1000.00")]),
    ):
        import_file(app.uow(), kind=kind, path=write_csv(tmp_path / f"{kind}.csv", header, rows), base_currency="EUR",
                    actor="test")
    return app


def config(app: App) -> assessment.AssessmentConfig:
    return assessment.AssessmentConfig.from_settings(app.settings)


def act(app: App, alert_id: int, action: str, *, role: Role = Role.CREDIT_MANAGER,
        comment: str | None = None) -> alert_actions.ActionTaken:
    version = alerts.get_alert(app.uow(), alert_id=alert_id).version
    return alert_actions.take_action(app.uow(), alert_id=alert_id, action=action, version=version, actor="carla",
                                     role=role, config=config(app), comment=comment)


def test_the_inbox_lists_open_alerts_most_severe_first_and_filters_them(book: App) -> None:
    info = add_alert(book, "X", code="stale_statement", severity="info", action_list=[])
    critical = add_alert(book, "X")
    warning = add_alert(book, "G", code="utilisation_high", severity="warning", action_list=[])
    add_alert(book, "G", code="over_limit", severity="critical", status="resolved", action_list=[])
    items, total = alerts.list_alerts(book.uow())
    assert [a.id for a in items] == [critical, warning, info] and total == 3
    assert alerts.list_alerts(book.uow(), country="de")[0][0].buyer == "G"
    assert [a.id for a in alerts.list_alerts(book.uow(), severity="info")[0]] == [info]
    assert [a.id for a in alerts.list_alerts(book.uow(), code="overdue_30", buyer="X")[0]] == [critical]
    assert alerts.list_alerts(book.uow(), status="all")[1] == 4
    assert alerts.list_alerts(book.uow(), status="resolved")[0][0].code == "over_limit"
    with pytest.raises(ValidationError) as error:
        alerts.list_alerts(book.uow(), severity="fatal")
    assert error.value.field == "severity"
    with pytest.raises(NotFound):
        alerts.list_alerts(book.uow(), buyer="NOPE")


def test_acknowledge_snooze_resolve_and_reopen_each_leave_an_event_and_an_audit_row(book: App) -> None:
    alert_id = add_alert(book, "X")
    seen = alerts.acknowledge(book.uow(), alert_id=alert_id, version=1, actor="anna")
    assert (seen.status, seen.version, seen.updated_by) == ("acknowledged", 2, "anna")
    snoozed = alerts.snooze(book.uow(), alert_id=alert_id, version=2, until=date(2026, 12, 5),
                            comment="buyer promised payment on Friday", actor="anna")
    assert (snoozed.status, snoozed.snoozed_until) == ("snoozed", date(2026, 12, 5))
    resolved = alerts.resolve(book.uow(), alert_id=alert_id, version=3, comment="paid in full", actor="carla")
    assert (resolved.status, resolved.resolved_on, resolved.snoozed_until) == ("resolved", date(2026, 11, 28), None)
    reopened = alerts.reopen(book.uow(), alert_id=alert_id, version=4, actor="carla", comment="payment bounced")
    assert (reopened.status, reopened.resolved_on, reopened.version) == ("acknowledged", None, 5)
    history = alerts.get_alert(book.uow(), alert_id=alert_id).history
    assert [(e.action, e.from_status, e.to_status, e.actor) for e in history] == [
        ("opened", None, "new", "monitor"), ("acknowledged", "new", "acknowledged", "anna"),
        ("snoozed", "acknowledged", "snoozed", "anna"), ("resolved", "snoozed", "resolved", "carla"),
        ("reopened", "resolved", "acknowledged", "carla")]
    assert history[2].data == {"until": "2026-12-05"} and history[2].comment == "buyer promised payment on Friday"
    trail = audit_trail(book.uow(), entity="alert", size=50)[0]
    assert [e.action for e in trail] == ["reopened", "resolved", "snoozed", "acknowledged"]


def test_bad_moves_name_the_problem_and_change_nothing(book: App) -> None:
    alert_id = add_alert(book, "X")
    with pytest.raises(StaleVersion):
        alerts.acknowledge(book.uow(), alert_id=alert_id, version=7, actor="anna")
    with pytest.raises(ValidationError) as past:
        alerts.snooze(book.uow(), alert_id=alert_id, version=1, until=date(2026, 11, 28), comment="x", actor="anna")
    assert past.value.field == "until"
    with pytest.raises(ValidationError) as empty:
        alerts.resolve(book.uow(), alert_id=alert_id, version=1, comment="  ", actor="anna")
    assert empty.value.field == "comment"
    with pytest.raises(NotFound):
        alerts.acknowledge(book.uow(), alert_id=999, version=1, actor="anna")
    with pytest.raises(Conflict):
        alerts.reopen(book.uow(), alert_id=alert_id, version=1, actor="anna")
    alerts.resolve(book.uow(), alert_id=alert_id, version=1, comment="done", actor="anna")
    with pytest.raises(Conflict, match="resolved"):
        alerts.resolve(book.uow(), alert_id=alert_id, version=2, comment="again", actor="anna")
    view = alerts.get_alert(book.uow(), alert_id=alert_id)
    assert (view.status, view.version, len(view.history)) == ("resolved", 2, 2)


def test_reopening_is_refused_while_the_buyer_has_another_open_alert_of_the_code(book: App) -> None:
    old = add_alert(book, "X", status="resolved")
    add_alert(book, "X")
    with pytest.raises(Conflict, match="open overdue_30"):
        alerts.reopen(book.uow(), alert_id=old, version=1, actor="anna")


def test_reduce_limit_files_a_request_for_the_figure_naming_the_alert(book: App) -> None:
    alert_id = add_alert(book, "X")
    taken = act(book, alert_id, "reduce_limit", comment="as agreed in the credit committee")
    request_id = taken.result["request_id"]
    request = limits.list_requests(book.uow(), base_currency="EUR", ref="X")[0][0]
    assert (request.id, request.amount, request.source, request.status) == (request_id, D(12000), "alert", "pending")
    assert request.reason.startswith(f"alert {alert_id} (overdue_30): Reduce the credit limit from 20000.00 to 12000")
    action = next(a for a in taken.alert.actions if a.code == "reduce_limit")
    assert action.done and action.result["request_id"] == request_id and action.taken_by == "carla"
    with pytest.raises(Conflict, match="already taken"):
        act(book, alert_id, "reduce_limit")


def test_stop_shipments_blocks_the_buyer_and_its_orders_are_held(book: App) -> None:
    alert_id = add_alert(book, "X")
    taken = act(book, alert_id, "stop_shipments")
    blocks = credit_blocks.buyer_blocks(book.uow(), ref="X")
    assert blocks.current is not None and blocks.current.id == taken.result["block_id"]
    assert (blocks.current.source, blocks.current.alert_id) == ("alert", alert_id)
    held = orders.check(book.uow(), ref="X", order_ref="O1", amount=D(10), currency="EUR",
                        ship_date=date(2026, 12, 1), actor="erp", config=book.order_check_config)
    assert held.outcome == "hold"
    assert {"code": "supply_suspended", "text": "shipments to this buyer are stopped (credit block)"}.items() <= \
        next(r for r in held.reasons if r["code"] == "supply_suspended").items()


def test_reassess_runs_the_assessment_and_records_the_grade(book: App) -> None:
    alert_id = add_alert(book, "X")
    taken = act(book, alert_id, "reassess", role=Role.ANALYST)
    latest = assessment.latest_assessment(book.uow(), ref="X")
    assert taken.result == {"assessment_id": latest.id, "grade": latest.grade, "pd": latest.pd}
    assert latest.trigger.startswith(f"alert {alert_id} (overdue_30)")


def test_tasks_are_recorded_with_their_figures(book: App) -> None:
    alert_id = add_alert(book, "X")
    taken = act(book, alert_id, "notify_insurer", role=Role.ANALYST)
    assert taken.result == {"task": "Notify the credit insurer by 2026-12-18 (overdue 40 days)", "due": "2026-12-18"}
    event = alerts.get_alert(book.uow(), alert_id=alert_id).history[-1]
    assert (event.action, event.data["code"], event.data["figures"]) == ("action_taken", "notify_insurer",
                                                                        {"by": "2026-12-18"})


def test_actions_check_role_recommendation_status_and_version(book: App) -> None:
    alert_id = add_alert(book, "X")
    with pytest.raises(PermissionDenied):
        act(book, alert_id, "stop_shipments", role=Role.ANALYST)
    quiet = add_alert(book, "G", code="stale_statement", severity="info", action_list=[])
    with pytest.raises(ValidationError, match="does not recommend"):
        act(book, quiet, "call_buyer")
    with pytest.raises(ValidationError) as unknown:
        act(book, alert_id, "pray")
    assert unknown.value.field == "action"
    with pytest.raises(StaleVersion):
        alert_actions.take_action(book.uow(), alert_id=alert_id, action="call_buyer", version=9, actor="a",
                                  role=Role.ADMIN, config=config(book))
    assert credit_blocks.buyer_blocks(book.uow(), ref="X").current is None


def test_one_block_in_force_per_buyer_and_lifting_keeps_the_history(book: App) -> None:
    block = credit_blocks.block_buyer(book.uow(), ref="G", reason="legal claim", actor="carla")
    with pytest.raises(Conflict, match="already blocked"):
        credit_blocks.block_buyer(book.uow(), ref="G", reason="again", actor="carla")
    with pytest.raises(StaleVersion):
        credit_blocks.lift_block(book.uow(), ref="G", reason="settled", actor="carla", block_id=block.id + 1)
    lifted = credit_blocks.lift_block(book.uow(), ref="G", reason="settled", actor="carla", block_id=block.id)
    assert (lifted.lifted_by, lifted.lift_reason, lifted.in_force) == ("carla", "settled", False)
    with pytest.raises(NotFound):
        credit_blocks.lift_block(book.uow(), ref="G", reason="again", actor="carla")
    blocks = credit_blocks.buyer_blocks(book.uow(), ref="G")
    assert blocks.current is None and [b.id for b in blocks.history] == [block.id]
    assert [e.action for e in audit_trail(book.uow(), entity="credit_block", size=10)[0]] == ["lift", "block"]


def test_the_watch_list_adds_removes_and_feeds_the_run(book: App) -> None:
    watch_list.watch(book.uow(), ref="X", reason="new customer, large first order", actor="anna")
    with pytest.raises(Conflict):
        watch_list.watch(book.uow(), ref="X", reason="again", actor="anna")
    with pytest.raises(ValidationError):
        watch_list.watch(book.uow(), ref="G", reason=" ", actor="anna")
    assert [(w.buyer, w.reason) for w in watch_list.watch_list(book.uow())] == [
        ("X", "new customer, large first order")]
    with book.uow() as uow:
        assert uow.watch_list.buyer_ids() == {uow.buyers.get("X").id}
    watch_list.unwatch(book.uow(), ref="X", actor="anna")
    assert watch_list.watch_entry(book.uow(), ref="X") is None
    with pytest.raises(NotFound):
        watch_list.unwatch(book.uow(), ref="X", actor="anna")


def test_the_buyer_timeline_is_every_event_of_its_alerts_newest_first(book: App) -> None:
    first = add_alert(book, "X")
    second = add_alert(book, "X", code="dbt_rising", severity="warning", action_list=[])
    alerts.acknowledge(book.uow(), alert_id=first, version=1, actor="anna")
    timeline = alerts.buyer_timeline(book.uow(), ref="X")
    assert [(t.alert_id, t.event.action) for t in timeline] == [(first, "acknowledged"), (second, "opened"),
                                                                (first, "opened")]
    assert alerts.buyer_timeline(book.uow(), ref="G") == []
