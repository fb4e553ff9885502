"""The reconciliation of a day's findings with the open alerts, the monitoring settings and the scheduler's clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
from pydantic import ValidationError as SettingsError

from tradecredit.config import Settings
from tradecredit.domain.alert_actions import call_buyer
from tradecredit.domain.monitoring import Finding, OpenAlert, findings_of, reconcile
from tradecredit.domain.signals import Severity, Signal, SignalCode
from tradecredit.services.monitor_schedule import is_due
from tradecredit.services.monitor_snapshot import months_between

DAY = date(2026, 11, 28)


def finding(buyer_id: int = 1, code: str = "overdue_30", severity: str = "warning", days: str = "31") -> Finding:
    return Finding(buyer_id, code, severity, {"days_overdue": days}, [], "late", "逾期")


def alert(status: str = "new", severity: str = "warning", days: str = "31", code: str = "overdue_30",
          snoozed_until: date | None = None, last_seen_on: date = DAY) -> OpenAlert:
    return OpenAlert(7, 1, code, severity, status, snoozed_until, last_seen_on, {"days_overdue": days}, [], "late",
                     "逾期", 1)


def test_a_finding_without_an_open_alert_opens_one_and_an_identical_one_changes_nothing() -> None:
    assert reconcile([], [finding()], on=DAY).opened == [finding()]
    same = reconcile([alert()], [finding()], on=DAY)
    assert (same.opened, same.changes, same.seen) == ([], [], [])


def test_an_unchanged_alert_seen_on_a_later_day_only_moves_last_seen_on() -> None:
    plan = reconcile([alert(last_seen_on=date(2026, 11, 27))], [finding()], on=DAY)
    assert (plan.changes, [a.id for a in plan.seen]) == ([], [7])


def test_a_higher_severity_escalates_and_other_differences_update_with_what_changed() -> None:
    (escalated,) = reconcile([alert()], [finding(severity="critical", days="91")], on=DAY).changes
    assert escalated.events == ("escalated",)
    assert escalated.changed == {"severity": ["warning", "critical"],
                                 "evidence": [{"days_overdue": "31"}, {"days_overdue": "91"}]}
    (updated,) = reconcile([alert(severity="critical")], [finding(days="40")], on=DAY).changes
    assert updated.events == ("updated",)  # a lower severity is an update, not an escalation


def test_a_gone_condition_closes_the_alert_but_never_a_one_shot_one() -> None:
    (closed,) = reconcile([alert(status="acknowledged")], [], on=DAY).changes
    assert (closed.events, closed.status) == (("closed",), "resolved")
    assert reconcile([alert(code="external_event")], [], on=DAY).changes == []


def test_a_snooze_ends_only_after_its_date_and_only_while_the_condition_persists() -> None:
    assert reconcile([alert(status="snoozed", snoozed_until=DAY)], [finding()], on=DAY).changes == []
    (woken,) = reconcile([alert(status="snoozed", snoozed_until=date(2026, 11, 27))], [finding()], on=DAY).changes
    assert (woken.events, woken.status) == (("snooze_ended",), "new")
    (gone,) = reconcile([alert(status="snoozed", snoozed_until=date(2026, 11, 27))], [], on=DAY).changes
    assert gone.events == ("closed",)


def test_signals_of_one_code_merge_into_one_finding_with_the_worst_first() -> None:
    action = call_buyer(about_en="it", about_zh="它")
    signals = [Signal(SignalCode.EXTERNAL_EVENT, Severity.CRITICAL, {"type": "insolvency"}, "A", "甲", (action,)),
               Signal(SignalCode.EXTERNAL_EVENT, Severity.INFO, {"type": "news"}, "B", "乙", (action,))]
    (merged,) = findings_of(3, signals)
    assert (merged.severity, merged.evidence, merged.text_en, len(merged.actions)) == (
        "critical", {"type": "insolvency", "signals": "2"}, "A; B", 1)


def test_the_settings_tune_the_policy_and_the_watch_list_stays_at_least_as_tight() -> None:
    policy = Settings(monitor_utilisation=Decimal("0.75"), monitor_dbt_trend_days=15,
                      monitor_overdue_days=10).signal_policy()
    assert (policy.utilisation, policy.dbt_trend_critical_days, policy.overdue_days) == (Decimal("0.75"), 30, 10)
    assert (policy.watch_list["utilisation"], policy.watch_list["overdue_days"]) == (Decimal("0.75"), 10)
    assert Settings().signal_policy().watch_list["utilisation"] == Decimal("0.80")


@pytest.mark.parametrize("value", ["6:00", "24:00", "06:60", "six", "06-00"])
def test_the_daily_time_must_be_hh_mm(value: str) -> None:
    with pytest.raises(SettingsError, match="HH:MM"):
        Settings(monitor_daily_at=value)


def test_the_scheduler_runs_once_a_day_after_the_set_time() -> None:
    at = Settings(monitor_daily_at="06:30").monitor_daily_time()
    assert at == time(6, 30)
    assert not is_due(datetime(2026, 11, 28, 6, 29, tzinfo=UTC), at, None)
    assert is_due(datetime(2026, 11, 28, 6, 30, tzinfo=UTC), at, date(2026, 11, 27))
    assert not is_due(datetime(2026, 11, 28, 23, 0, tzinfo=UTC), at, DAY)


def test_statement_age_counts_whole_months() -> None:
    assert months_between(date(2024, 12, 31), date(2026, 6, 30)) == 17
    assert months_between(date(2024, 12, 31), date(2026, 7, 31)) == 19
