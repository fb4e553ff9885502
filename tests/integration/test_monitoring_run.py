"""The monitoring run on both backends: each signal fires for its documented reason, a day re-run changes nothing,
alerts close, update, escalate and come back from a snooze, and webhooks are queued (tests/monitor_book.py)."""

from __future__ import annotations

import asyncio
import sys
from datetime import date, time
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest.mock import Mock

import pytest
from sqlalchemy import func, select

from tests.assessment_book import build_book as build_assessment_book
from tests.assessment_book import load
from tests.builders import INVOICE_HEADER
from tests.monitor_book import DAY1, DAY2, EXPECTED_DAY1, build_monitor_book
from tradecredit.bootstrap import App
from tradecredit.domain.errors import Conflict, ValidationError
from tradecredit.services.monitor_schedule import MonitorScheduler
from tradecredit.services.monitor_snapshot import build_snapshots, ledger_snapshot
from tradecredit.services.monitoring import RunSummary, run_if_due, run_monitor
from tradecredit.services.promises import record_promise
from tradecredit.services.reports import read_snapshot
from tradecredit.services.webhooks import add_endpoint
from tradecredit.store import arrow_reader, ledger_frames
from tradecredit.store.run_lock import monitor_lock
from tradecredit.store.tables import AlertEventRecord, AlertRecord, BuyerRecord, WebhookDeliveryRecord


def _run(app: App, day: date) -> RunSummary:
    return run_monitor(app.uow, as_of=day, actor="test", policy=app.settings.signal_policy(), base_currency="EUR")


def _alerts(app: App) -> dict[tuple[str, str], dict[str, Any]]:
    """(buyer ref, code) → the alert's columns, for every alert."""
    with app.uow() as uow:
        refs = {row[0]: row[1] for row in uow.session.execute(select(BuyerRecord.id, BuyerRecord.ref))}
        rows = uow.session.execute(select(AlertRecord)).scalars().all()
        return {(refs[r.buyer_id], r.code): {c.name: getattr(r, c.name) for c in AlertRecord.__table__.columns}
                for r in rows}


def _events(app: App) -> list[tuple[int, str, str]]:
    with app.uow() as uow:
        query = select(AlertEventRecord.alert_id, AlertEventRecord.action, AlertEventRecord.actor).order_by(
            AlertEventRecord.id)
        return [tuple(row) for row in uow.session.execute(query)]  # type: ignore[misc]


@pytest.fixture
def book(app: App, tmp_path: Path) -> dict[str, int]:
    return build_monitor_book(app, tmp_path)


def test_each_signal_fires_for_its_documented_reason(app: App, book: dict[str, int]) -> None:
    summary = _run(app, DAY1)
    alerts = _alerts(app)
    assert set(alerts) == EXPECTED_DAY1
    assert (summary.buyers, summary.opened, summary.updated, summary.closed) == (18, len(EXPECTED_DAY1), 0, 0)
    assert alerts["G1", "grade_downgrade"]["evidence"] == {"grade_before": "4", "grade": "7", "notches": "3"}
    assert alerts["G1", "pd_band_up"]["severity"] == "warning"  # 1% (band 1) to 5% (band 3): two bands
    assert alerts["U1", "utilisation_high"]["evidence"]["utilisation"] == "90.00%"
    assert alerts["W1", "utilisation_high"]["evidence"]["utilisation"] == "85.00%"  # watch list: 80%
    assert ("U2", "utilisation_high") not in alerts  # the same 85% without the watch list
    overdue = alerts["O1", "overdue_30"]
    assert (overdue["severity"], overdue["evidence"]["invoices"], overdue["evidence"]["days_overdue"]) == (
        "warning", "O1-1", "38")
    assert alerts["E1", "overdue_30"]["severity"] == "warning"  # 90 days is not more than 90
    assert alerts["E1", "dbt_rising"]["evidence"]["trend_days"] == "90.0"
    assert alerts["I1", "external_event"]["severity"] == "critical"
    assert alerts["S1", "stale_statement"]["evidence"] == {"age_months": "22"}
    assert alerts["C1", "concentration"]["evidence"]["share"] == "10.66%"  # 100,000 / 938,000
    assert all(a["status"] == "new" and a["opened_on"] == DAY1 and a["version"] == 1 for a in alerts.values())
    assert sorted(action for _, action, _ in _events(app)) == ["opened"] * len(EXPECTED_DAY1)


def test_running_the_same_day_again_changes_nothing_and_adds_no_events(app: App, book: dict[str, int]) -> None:
    _run(app, DAY1)
    before, events = _alerts(app), _events(app)
    again = _run(app, DAY1)
    assert (again.opened, again.updated, again.closed, again.snooze_ended) == (0, 0, 0, 0)
    assert _alerts(app) == before
    assert _events(app) == events


def test_the_next_day_closes_gone_conditions_updates_and_escalates_persisting_ones(app: App,
                                                                                   book: dict[str, int]) -> None:
    _run(app, DAY1)
    first = _alerts(app)
    summary = _run(app, DAY2)
    alerts = _alerts(app)
    paid = alerts["O1", "overdue_30"]
    assert (paid["status"], paid["resolved_on"], paid["updated_by"]) == ("resolved", DAY2, "monitor")
    escalated = alerts["E1", "overdue_30"]
    assert (escalated["severity"], escalated["evidence"]["days_overdue"], escalated["version"]) == ("critical", "91", 2)
    used = alerts["U1", "utilisation_high"]
    assert (used["evidence"]["utilisation"], used["last_seen_on"]) == ("95.00%", DAY2)
    assert alerts["S1", "stale_statement"] == {**first["S1", "stale_statement"], "last_seen_on": DAY2}
    actions = {(alert_id, action, actor) for alert_id, action, actor in _events(app)}
    assert (paid["id"], "closed", "monitor") in actions
    assert (escalated["id"], "escalated", "monitor") in actions
    assert (used["id"], "updated", "monitor") in actions
    assert not any(alert_id == alerts["S1", "stale_statement"]["id"] and action != "opened"
                   for alert_id, action, _ in actions)
    assert summary.closed == 1 and summary.escalated == 1 and summary.opened == 0


def test_a_snoozed_alert_stays_snoozed_until_its_date_has_passed_then_comes_back(app: App,
                                                                                 book: dict[str, int]) -> None:
    _run(app, DAY1)
    with app.uow() as uow:
        record = uow.session.scalar(select(AlertRecord).where(AlertRecord.buyer_id == book["W1"]))
        assert record is not None
        record.status, record.snoozed_until = "snoozed", DAY1
        uow.commit()
    _run(app, DAY1)
    assert _alerts(app)["W1", "utilisation_high"]["status"] == "snoozed"
    summary = _run(app, DAY2)
    woken = _alerts(app)["W1", "utilisation_high"]
    assert (woken["status"], woken["snoozed_until"], summary.snooze_ended) == ("new", None, 1)
    assert (woken["id"], "snooze_ended", "monitor") in _events(app)


def test_webhooks_are_queued_for_alerts_opened_escalated_and_closed(app: App, book: dict[str, int]) -> None:
    add_endpoint(app.uow(), url="https://example.com/hook", event_types=["alert.opened", "alert.escalated",
                                                                         "alert.closed"], actor="test")
    _run(app, DAY1)
    _run(app, DAY1)
    _run(app, DAY2)
    with app.uow() as uow:
        query = select(WebhookDeliveryRecord.event_type, func.count()).group_by(WebhookDeliveryRecord.event_type)
        counts = {row[0]: row[1] for row in uow.session.execute(query)}
        opened = uow.session.scalars(select(WebhookDeliveryRecord.payload)
                                     .where(WebhookDeliveryRecord.event_type == "alert.opened")).all()
    assert counts == {"alert.opened": len(EXPECTED_DAY1), "alert.escalated": 1, "alert.closed": 1}
    assert {(p["buyer_ref"], p["code"]) for p in opened} == EXPECTED_DAY1


def test_a_day_in_the_future_is_refused(app: App) -> None:
    with pytest.raises(ValidationError, match="in the future"):
        _run(app, date(2026, 11, 29))


def test_a_second_run_while_one_is_in_progress_is_refused_and_the_scheduler_skips(app: App,
                                                                               book: dict[str, int]) -> None:
    with monitor_lock(app.engine) as taken:
        assert taken
        with pytest.raises(Conflict, match="already in progress"):
            _run(app, DAY2)
        assert run_if_due(app.uow, actor="scheduler", policy=app.settings.signal_policy(),
                          base_currency="EUR") is None
    done = run_if_due(app.uow, actor="scheduler", policy=app.settings.signal_policy(), base_currency="EUR")
    assert done is not None and done.as_of == DAY2
    assert run_if_due(app.uow, actor="scheduler", policy=app.settings.signal_policy(), base_currency="EUR") is None


def test_a_broken_payment_promise_raises_the_broken_promise_alert(app: App, book: dict[str, int]) -> None:
    policy = app.settings.promise_policy()
    for ref in ("E1", "W1"):  # nothing paid by 10 November + 3 days' grace
        record_promise(app.uow(), buyer_ref=ref, amount=Decimal("500.00"), made_on=date(2026, 11, 1),
                       promised_date=date(2026, 11, 10), actor="collector", policy=policy)
    record_promise(app.uow(), buyer_ref="U2", amount=Decimal("500.00"), promised_date=date(2026, 12, 5),
                   actor="collector", policy=policy)  # still open
    _run(app, DAY1)
    alerts = _alerts(app)
    assert {key for key in alerts if key[1] == "broken_promise"} == {("E1", "broken_promise"), ("W1", "broken_promise")}
    assert (alerts["E1", "broken_promise"]["severity"], alerts["W1", "broken_promise"]["severity"]) == (
        "warning", "critical")  # critical from 2, or from 1 on the watch list
    assert alerts["E1", "broken_promise"]["evidence"] == {"broken_promises_12m": "1"}
    assert [a["code"] for a in alerts["W1", "broken_promise"]["actions"]] == ["call_buyer", "stop_shipments"]


def test_snapshots_read_the_portfolio_as_of_a_past_day(app: App, book: dict[str, int]) -> None:
    early = build_snapshots(app.uow(), as_of=date(2026, 10, 1), base_currency="EUR",
                            policy=app.settings.signal_policy())
    g1, o1, u1 = early[book["G1"]], early[book["O1"]], early[book["U1"]]
    assert (g1.grade, g1.grade_before) == (4, None)  # the November assessment is not there yet
    assert (o1.exposure, o1.new_overdue, u1.exposure) == (1000, (), 0)  # O1 not yet due, U1 not yet invoiced
    assert (early[book["S1"]].statement_age_months, early[book["C1"]].exposure_share) == (21, None)


def test_the_server_scheduler_runs_today_once_after_the_set_time(app: App, book: dict[str, int]) -> None:
    async def serve_a_moment() -> MonitorScheduler:
        scheduler = MonitorScheduler(app.uow, app.clock, daily_at=time(6, 0), policy=app.settings.signal_policy(),
                                     base_currency="EUR", check_seconds=0.05)
        scheduler.start()
        for _ in range(200):
            await asyncio.sleep(0.05)
            if scheduler.done_on is not None:
                break
        await asyncio.sleep(0.2)  # more checks: the day is done, nothing runs again
        await scheduler.stop()
        return scheduler

    assert asyncio.run(serve_a_moment()).done_on == DAY2
    with app.uow() as uow:
        runs = [(run.as_of, run.actor, run.opened) for run in uow.monitor_runs.recent()]
    assert runs == [(DAY2, "scheduler", len(EXPECTED_DAY1) - 1)]  # on DAY2 O1 has paid


def test_the_days_digest_follows_the_days_run_and_its_failure_is_only_logged(
        app: App, book: dict[str, int], caplog: pytest.LogCaptureFixture) -> None:
    followed: list[date] = []

    def follow_up(day: date) -> None:
        followed.append(day)
        raise OSError("mail server down")

    scheduler = MonitorScheduler(app.uow, app.clock, daily_at=time(6, 0), policy=app.settings.signal_policy(),
                                 base_currency="EUR", after_run=follow_up)
    scheduler.run_once()
    scheduler.run_once()  # the day is done: neither the run nor its follow-up happens again
    assert (followed, scheduler.done_on) == ([DAY2], DAY2)
    assert "the follow-up of the monitoring run for 2026-11-28 failed" in caplog.text


@pytest.mark.parametrize("reader", ["child", "cursor", "child fails"])
def test_the_column_wise_ledger_read_gives_the_frames_of_the_report_snapshot(
        app: App, tmp_path: Path, reader: str, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    build_assessment_book(app, tmp_path)  # payments, a write-off, several buyers
    load(app, tmp_path, "fx", ("date", "currency", "rate_to_base"), [("2026-11-01", "USD", "0.9")])
    load(app, tmp_path, "invoices", INVOICE_HEADER, [("U9", "A2", "2026-11-02", "2026-12-02", "USD", "1234.56")])
    fetched = Mock(wraps=ledger_frames._fetched)
    monkeypatch.setattr(ledger_frames, "_fetched", fetched)
    monkeypatch.setattr(ledger_frames, "CHILD_FROM", 0 if reader.startswith("child") else 10**9)
    if reader == "child fails":
        monkeypatch.setattr(arrow_reader, "COMMAND", (sys.executable, "-c", "import sys; sys.exit('no reader')"))
    with app.uow() as uow:
        fast = ledger_snapshot(uow, as_of=DAY2, base_currency="EUR")
    assert fetched.call_count == (0 if reader == "child" else 2)  # invoices, settlements
    assert ("reading through the session instead" in caplog.text) == (reader == "child fails")
    with app.uow() as uow:
        slow = read_snapshot(uow, as_of=DAY2, base_currency="EUR")
    assert fast.invoices.sort("invoice_id").equals(slow.invoices.sort("invoice_id"))
    key = ["invoice_id", "date", "kind", "amount"]
    assert fast.settlements.select(key).sort(key).equals(slow.settlements.select(key).sort(key))
    assert (fast.rates, fast.buyers) == (slow.rates, slow.buyers)


def test_an_empty_ledger_runs_and_opens_nothing(app: App) -> None:
    summary = _run(app, DAY2)
    assert (summary.buyers, summary.opened, summary.top) == (0, 0, [])
