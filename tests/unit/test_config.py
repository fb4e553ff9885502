from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from tradecredit.config import Settings


def test_settings_come_from_the_toml_file_and_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = tmp_path / "tc.toml"
    file.write_text('base_currency = "usd"\ndso_period_days = 30\naging_edges = [0, 15, 45]\n', encoding="utf-8")
    monkeypatch.setenv("TRADECREDIT_SETTINGS_FILE", str(file))
    monkeypatch.delenv("TRADECREDIT_BASE_CURRENCY", raising=False)
    settings = Settings()
    assert (settings.base_currency, settings.dso_period_days, settings.aging_edges) == ("USD", 30, (0, 15, 45))
    monkeypatch.setenv("TRADECREDIT_DSO_PERIOD_DAYS", "60")
    assert Settings().dso_period_days == 60


def test_an_unknown_base_currency_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADECREDIT_SETTINGS_FILE", "/nonexistent.toml")
    monkeypatch.setenv("TRADECREDIT_BASE_CURRENCY", "EURO")
    with pytest.raises(ValidationError, match="unknown currency code 'EURO'"):
        Settings()


def test_aging_edges_must_increase(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADECREDIT_SETTINGS_FILE", "/nonexistent.toml")
    monkeypatch.setenv("TRADECREDIT_AGING_EDGES", "[0, 60, 30]")
    expected = r"expected increasing day counts starting at 0 or more; got \[0, 60, 30\]"
    with pytest.raises(ValidationError, match=expected):
        Settings()


def test_the_advisor_reads_its_charges_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADECREDIT_SETTINGS_FILE", "/nonexistent.toml")
    monkeypatch.setenv("TRADECREDIT_ADVISOR_LC_FEE", "0.015")
    monkeypatch.setenv("TRADECREDIT_ADVISOR_OPEN_ACCOUNT_DAYS", "[30, 45]")
    policy = Settings().advisor_policy()
    assert (policy.confirmed_lc.fee_share, policy.confirmed_lc.fee_minimum, policy.open_account_days) == (
        Decimal("0.015"), Decimal(250), (30, 45))
    assert policy.prepayment.discount == Decimal("0.02") and policy.prepayment.days == 0
    monkeypatch.setenv("TRADECREDIT_ADVISOR_OPEN_ACCOUNT_DAYS", "[30, 30]")
    with pytest.raises(ValidationError, match="expected up to 12 different day counts; got \\[30, 30\\]"):
        Settings()
    monkeypatch.setenv("TRADECREDIT_ADVISOR_OPEN_ACCOUNT_DAYS", "[30]")
    monkeypatch.setenv("TRADECREDIT_ADVISOR_TOLERANCE", "1.5")
    with pytest.raises(ValidationError, match="advisor_tolerance"):
        Settings()


def test_the_critical_overdue_age_is_a_setting_and_the_watch_list_stays_tighter(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADECREDIT_SETTINGS_FILE", "/nonexistent.toml")
    assert Settings().signal_policy().overdue_critical_days == 90
    monkeypatch.setenv("TRADECREDIT_MONITOR_OVERDUE_CRITICAL_DAYS", "45")
    policy = Settings().signal_policy()
    assert (policy.overdue_critical_days, policy.watch_list["overdue_critical_days"]) == (45, 45)
    monkeypatch.setenv("TRADECREDIT_MONITOR_OVERDUE_CRITICAL_DAYS", "0")
    with pytest.raises(ValidationError, match="monitor_overdue_critical_days"):
        Settings()


@pytest.mark.parametrize(("buckets", "expected"), [
    ('["open_invoices", "unbilled"]', r"expected some of open_invoices, overdue_invoices, delivered_not_invoiced, "
                                      r"open_orders, each once; got \['open_invoices', 'unbilled'\]"),
    ('["open_orders", "open_orders"]', r"each once; got \['open_orders', 'open_orders'\]"),
    ("[]", r"expected some of .*; got \[\]"),
    ('["open_invoices", "overdue_invoices"]', "overdue_invoices are a part of open_invoices; count one or the other"),
])
def test_exposure_buckets_are_known_counted_once_and_never_overlap(monkeypatch: pytest.MonkeyPatch, buckets: str,
                                                                    expected: str) -> None:
    monkeypatch.setenv("TRADECREDIT_SETTINGS_FILE", "/nonexistent.toml")
    monkeypatch.setenv("TRADECREDIT_EXPOSURE_BUCKETS", buckets)
    with pytest.raises(ValidationError, match=expected):
        Settings()


def test_exposure_counts_invoices_deliveries_and_open_orders_unless_configured(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADECREDIT_SETTINGS_FILE", "/nonexistent.toml")
    monkeypatch.delenv("TRADECREDIT_EXPOSURE_BUCKETS", raising=False)
    assert Settings().exposure_buckets == ("open_invoices", "delivered_not_invoiced", "open_orders")
    monkeypatch.setenv("TRADECREDIT_EXPOSURE_BUCKETS", '["overdue_invoices", "open_orders"]')
    assert Settings().exposure_buckets == ("overdue_invoices", "open_orders")
