"""The monitoring backtest on each backend: a replayed demo book, scored, with nothing written."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from tradecredit.bootstrap import App
from tradecredit.cli import common
from tradecredit.cli.main import app as cli
from tradecredit.domain.errors import ValidationError
from tradecredit.services.backtest import month_ends, run_backtest
from tradecredit.services.demo import load_demo
from tradecredit.store.tables import AlertRecord, BuyerEventRecord, BuyerRecord, MonitorRunRecord

TODAY = date(2026, 11, 28)


@pytest.fixture
def demo(app: App) -> App:
    load_demo(app.uow(), buyers=60, seed=11, today=TODAY, base_currency="EUR", actor="test")
    return app


def counts(app: App) -> tuple[int, int]:
    with app.uow() as uow:
        return (uow.session.scalar(select(func.count()).select_from(AlertRecord)) or 0,
                uow.session.scalar(select(func.count()).select_from(MonitorRunRecord)) or 0)


def test_month_ends_run_from_the_first_month_to_the_last_day() -> None:
    assert month_ends(date(2025, 11, 15), date(2026, 2, 10)) == [
        date(2025, 11, 30), date(2025, 12, 31), date(2026, 1, 31), date(2026, 2, 10)]
    assert month_ends(date(2024, 2, 1), date(2024, 2, 29)) == [date(2024, 2, 29)]


def test_a_replayed_book_scores_its_credit_events_and_writes_nothing(demo: App) -> None:
    before = counts(demo)
    report = run_backtest(demo.uow, policy=demo.settings.signal_policy(), base_currency="EUR",
                          start=date(2025, 1, 1), end=TODAY)
    assert (report.start, report.end, report.months) == (date(2025, 1, 1), TODAY, 23)
    score = report.score
    assert score.with_event == len(report.events) > 0
    assert score.detected + len(score.missed) == score.with_event
    assert sorted(line.lead_days for line in report.events if line.lead_days is not None) == list(score.lead_days)
    for line in report.events:
        assert date(2025, 1, 1) <= line.event_date <= TODAY
        if line.first_alert is None:
            assert line.lead_days is None and line.codes == ()
        else:
            assert line.lead_days == (line.event_date - line.first_alert).days > 0 and line.codes
    with demo.uow() as uow:
        insolvent = uow.session.execute(select(BuyerRecord.ref, BuyerEventRecord.event_date).join(
            BuyerRecord, BuyerRecord.id == BuyerEventRecord.buyer_id).where(
            BuyerEventRecord.type == "insolvency")).all()
    events = {line.ref: line for line in report.events}
    for ref, day in insolvent:  # an insolvency is an event unless the ledger showed one earlier
        assert ref in events and events[ref].event_date <= day
    assert counts(demo) == before


def test_a_period_in_the_future_or_backwards_is_refused(demo: App) -> None:
    policy = demo.settings.signal_policy()
    with pytest.raises(ValidationError, match="to: expected a day up to today"):
        run_backtest(demo.uow, policy=policy, base_currency="EUR", end=date(2027, 1, 1))
    with pytest.raises(ValidationError, match="from: expected a day before 2026-01-31; got 2026-02-01"):
        run_backtest(demo.uow, policy=policy, base_currency="EUR", start=date(2026, 2, 1), end=date(2026, 1, 31))


def test_the_backtest_on_the_command_line(demo: App, cli_env: dict[str, str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    for console in (common.console, common.errors):
        monkeypatch.setattr(console, "width", 200)
    runner = CliRunner()
    done = runner.invoke(cli, ["monitor", "backtest", "--from", "2025-06-01", "--to", "2026-11-28"])
    assert done.exit_code == 0, done.output
    assert "Backtest 2025-06-01 → 2026-11-28 (18 month ends, horizon 365 days)" in done.output
    assert "detected before the event" in done.output and "Credit events" in done.output
    refused = runner.invoke(cli, ["monitor", "backtest", "--to", "28.11.2026"])
    assert refused.exit_code == 3 and "--to: '28.11.2026' is not a date" in refused.output
