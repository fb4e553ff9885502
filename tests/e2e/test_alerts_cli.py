"""The alerts inbox, the watch list and credit blocks on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.alert_book import add_alert
from tests.builders import BUYER_HEADER, INVOICE_HEADER, write_csv
from tradecredit.bootstrap import App
from tradecredit.cli import common
from tradecredit.cli.main import app as cli

runner = CliRunner()


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    for console in (common.console, common.errors):
        monkeypatch.setattr(console, "width", 200)


def tc(*args: str) -> tuple[int, str]:
    result = runner.invoke(cli, list(args))
    return result.exit_code, result.output


def test_alerts_watch_list_and_blocks_on_the_command_line(app: App, cli_env: dict[str, str], tmp_path: Path) -> None:
    assert tc("import", "buyers", str(write_csv(tmp_path / "b.csv", BUYER_HEADER,
                                                [("B1", "Rossi S.p.A.", "IT", "", "EUR", "30", "")])))[0] == 0
    invoices = [("I1", "B1", "2026-09-19", "2026-10-19", "EUR", "1000.00")]
    assert tc("import", "invoices", str(write_csv(tmp_path / "i.csv", INVOICE_HEADER, invoices)))[0] == 0
    alert_id = str(add_alert(app, "B1"))
    code, out = tc("alerts", "list", "--severity", "critical")
    assert code == 0 and "overdue_30" in out and "1 alert(s)" in out
    code, out = tc("alerts", "list", "--json", "--country", "IT")
    assert json.loads(out)[0]["id"] == int(alert_id)
    assert tc("alerts", "ack", alert_id, "--version", "1")[0] == 0
    code, out = tc("alerts", "ack", alert_id, "--version", "1")
    assert code != 0 and "version" in out
    code, out = tc("alerts", "snooze", alert_id, "--until", "2026-11-01", "--version", "2", "--comment", "later")
    assert code != 0 and "until" in out
    code, out = tc("alerts", "act", alert_id, "notify_insurer", "--version", "2")
    assert code == 0 and "2026-12-18" in out
    code, out = tc("alerts", "act", alert_id, "stop_shipments", "--version", "3")
    assert code == 0 and "block_id" in out
    code, out = tc("blocks", "show", "B1")
    assert code == 0 and "in force" in out
    code, out = tc("alerts", "resolve", alert_id, "--version", "4")
    assert code != 0 and "comment" in out
    assert tc("alerts", "resolve", alert_id, "--version", "4", "--comment", "paid")[0] == 0
    code, out = tc("alerts", "show", alert_id)
    assert code == 0 and "resolved" in out and "action_taken" in out
    assert tc("blocks", "lift", "B1", "--reason", "paid")[0] == 0
    assert "no credit block in force" in tc("blocks", "show", "B1")[1]
    assert tc("watch", "add", "B1", "--reason", "late payer")[0] == 0
    assert "late payer" in tc("watch", "list")[1]
    assert tc("watch", "remove", "B1")[0] == 0
    assert "0 watched" in tc("watch", "list")[1]
