"""The command line, end to end against a real database on each backend."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.builders import BUYER_HEADER, INVOICE_HEADER, PAYMENT_HEADER, write_csv
from tradecredit.cli import common
from tradecredit.cli.main import app

runner = CliRunner()
FX_HEADER = ("date", "currency", "rate_to_base")


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    for console in (common.console, common.errors):
        monkeypatch.setattr(console, "width", 200)


def tc(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


@pytest.fixture
def loaded(cli_env: dict[str, str], tmp_path: Path) -> Path:
    buyers = [("B1", "上海恒达机械有限公司", "CN", "", "USD", "60", ""),
              ("B2", "Rossi S.p.A.", "IT", "", "EUR", "30", "")]
    invoices = [("I1", "B1", "2026-08-01", "2026-09-30", "USD", "1000.00"),
                ("I2", "B2", "2026-10-01", "2026-10-31", "EUR", "600.00"),
                ("I3", "B2", "2026-11-01", "2026-12-01", "EUR", "400.00")]
    fx = [("2026-11-27", "USD", "0.9")]
    assert tc("import", "buyers", str(write_csv(tmp_path / "b.csv", BUYER_HEADER, buyers)))[0] == 0
    assert tc("import", "fx", str(write_csv(tmp_path / "fx.csv", FX_HEADER, fx)))[0] == 0
    code, out = tc("import", "invoices", str(write_csv(tmp_path / "i.csv", INVOICE_HEADER, invoices)))
    assert code == 0, out
    assert "3 rows loaded: 3 new, 0 updated, 0 unchanged" in out
    return tmp_path


def test_aging_as_json_has_decimal_strings_in_the_base_currency(loaded: Path) -> None:
    code, out = tc("report", "aging", "--as-of", "2026-11-28", "--format", "json")
    assert code == 0, out
    report = json.loads(out)
    # I1: 1000 USD × 0.9 = 900.00 EUR, 59 days past due; I2: 600.00, 28 days; I3: 400.00 not due.
    buckets = {b["bucket"]: b["amount"] for b in report["buckets"]}
    assert buckets == {"current": "400.00", "1-30": "600.00", "31-60": "900.00", "61-90": "0.00",
                       "91-180": "0.00", "181-365": "0.00", ">365": "0.00"}
    assert (report["total"], report["overdue"], report["base_currency"]) == ("1900.00", "1500.00", "EUR")


def test_exposure_as_csv_lists_buyers_largest_first(loaded: Path) -> None:
    code, out = tc("report", "exposure", "--as-of", "2026-11-28", "--format", "csv")
    assert code == 0, out
    lines = out.strip().splitlines()
    assert lines[0].startswith("ref,name,country,group_ref,open,overdue,not_due,disputed,invoices")
    assert lines[1].startswith("B2,Rossi S.p.A.,IT,B2,1000.00,600.00,400.00,0.00,2,28")
    assert lines[2].startswith("B1,上海恒达机械有限公司,CN,B1,900.00,900.00,0.00,0.00,1,59")


def test_a_payment_then_the_buyer_account_shows_the_status(loaded: Path) -> None:
    payments = [("P1", "B2", "2026-11-10", "EUR", "650.00", "")]
    code, out = tc("import", "payments", str(write_csv(loaded / "p.csv", PAYMENT_HEADER, payments)))
    assert code == 0, out
    code, out = tc("ledger", "buyer", "B2", "--as-of", "2026-11-28")
    assert code == 0, out
    assert "paid" in out and "partially_paid" in out and "350.00" in out


def test_a_missing_fx_rate_names_the_currency_and_date(loaded: Path) -> None:
    code, out = tc("report", "aging", "--as-of", "2026-11-01")
    assert code == 6
    assert "no FX rate for USD to EUR on or before 2026-11-01" in out


def test_a_rejected_import_exits_3_and_lists_every_error(loaded: Path) -> None:
    bad = [("I9", "B404", "2026-05-01", "2026-05-31", "EUR", "1"), ("I8", "B1", "2026-05-01", "x", "EUR", "1")]
    code, out = tc("import", "invoices", str(write_csv(loaded / "bad.csv", INVOICE_HEADER, bad)))
    assert code == 3
    assert "2 error(s); nothing was written" in out
    assert "unknown buyer B404" in out and "'x' is not a date" in out


def test_commands_on_an_uninitialised_database_say_to_run_init(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADECREDIT_DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
    code, out = tc("report", "aging")
    assert code == 7
    assert "run `tradecredit init`" in out
    assert tc("init")[0] == 0
    assert tc("report", "aging")[0] == 0


def test_the_demo_loads_once_and_reports_on_it(cli_env: dict[str, str]) -> None:
    code, out = tc("demo", "--buyers", "12", "--seed", "7", "--today", "2026-11-28")
    assert code == 0, out
    assert "buyers" in out and "invoices" in out
    assert "opened by the monitoring run" in out  # the demo leaves an inbox of alerts
    code, out = tc("demo", "--if-empty")
    assert (code, "already has buyers" in out) == (0, True)
    code, out = tc("report", "summary", "--as-of", "2026-11-28", "--format", "json")
    assert code == 0, out
    summary = json.loads(out)
    buckets_total = sum(float(b["amount"]) for b in summary["aging"]["buckets"])
    assert round(buckets_total, 2) == float(summary["aging"]["total"]) == float(summary["dso"]["receivables"])


def test_users_are_added_listed_given_tokens_and_disabled(cli_env: dict[str, str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADECREDIT_NEW_PASSWORD", "a long enough password")
    code, out = tc("users", "add", "li.wei", "--role", "analyst", "--name", "李伟", "--language", "zh")
    assert (code, out.strip()) == (0, "User li.wei added with role analyst.")
    code, out = tc("users", "add", "li.wei", "--role", "analyst")
    assert (code, "user li.wei already exists" in out) == (5, True)
    code, out = tc("users", "add", "bob", "--role", "boss")
    assert code == 3 and "unknown role 'boss'" in out
    code, out = tc("users", "token", "li.wei", "--name", "erp")
    assert code == 0 and "tc_" in out
    code, out = tc("users", "list")
    assert code == 0 and "李伟" in out and "analyst" in out
    assert tc("users", "disable", "li.wei")[0] == 0
    assert "no" in tc("users", "list")[1]


def test_the_first_admin_gets_a_password_once(cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRADECREDIT_ADMIN_PASSWORD", raising=False)
    code, out = tc("users", "ensure-admin")
    assert code == 0 and "Created user admin with password" in out
    code, out = tc("users", "ensure-admin")
    assert code == 0 and "Users exist already" in out
