"""`tradecredit limits` and `tradecredit orders` end to end on each backend."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.builders import BUYER_HEADER, INVOICE_HEADER, write_csv
from tradecredit.bootstrap import App
from tradecredit.cli import common
from tradecredit.cli.main import app as cli
from tradecredit.services.users import add_user

runner = CliRunner()


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    for console in (common.console, common.errors):
        monkeypatch.setattr(console, "width", 200)


def tc(*args: str) -> tuple[int, str]:
    result = runner.invoke(cli, list(args))
    return result.exit_code, result.output


def test_limits_and_holds_on_the_command_line(app: App, cli_env: dict[str, str], tmp_path: Path) -> None:
    assert tc("import", "buyers", str(write_csv(tmp_path / "b.csv", BUYER_HEADER,
                                                [("B1", "Rossi S.p.A.", "IT", "", "EUR", "30", "")])))[0] == 0
    invoices = [("I1", "B1", "2026-11-01", "2026-12-20", "EUR", "4000.00")]
    assert tc("import", "invoices", str(write_csv(tmp_path / "i.csv", INVOICE_HEADER, invoices)))[0] == 0
    add_user(app.uow(), username="maria", password="correct horse battery staple", role="credit_manager",
             actor="test")
    code, out = tc("limits", "authority", "maria", "--max-amount", "20000", "--worst-grade", "10")
    assert code == 0 and "maria may approve up to 20,000 for grades up to 10 (version 1)" in out
    code, out = tc("limits", "request", "B1", "--amount", "10000", "--currency", "EUR", "--reason", "new customer")
    assert code == 0 and "request 1: base buyer limit of 10,000.00 EUR" in out
    code, out = tc("limits", "decide", "1", "--user", "maria", "--approve", "--refuse", "--reason", "x",
                   "--version", "1")
    assert code == 3 and "give exactly one of --approve, --refuse or --partial AMOUNT" in out
    code, out = tc("limits", "decide", "1", "--user", "maria", "--partial", "8000", "--reason", "start lower",
                   "--version", "1")
    assert code == 0 and "request 1: partially_approved, 8,000.00 granted" in out
    code, out = tc("limits", "show", "B1", "--json")
    shown = json.loads(out)
    assert (shown["own"]["amount"], shown["own"]["headroom"]) == ("8000.00", "4000.00")
    code, out = tc("orders", "check", "B1", "SO-1", "--amount", "5000", "--currency", "EUR")
    assert code == 0 and "→ hold (held, version 1)" in out and "over_limit" in out
    code, out = tc("orders", "holds")
    assert "SO-1" in out and "1 order(s)" in out
    code, out = tc("orders", "release", "SO-1", "--reason", "director approved", "--version", "1")
    assert code == 0 and "(released, version 2)" in out
    assert tc("orders", "release", "SO-1", "--reason", "again", "--version", "2")[0] == 5
    assert tc("orders", "check", "B1", "SO-3", "--amount", "2000", "--currency", "EUR")[0] == 0  # held: over limit
    code, out = tc("orders", "release", "SO-3", "--reason", "part", "--version", "1", "--amount", "abc")
    assert code == 3 and "--amount: 'abc' is not a number" in out
    code, out = tc("orders", "release", "SO-3", "--reason", "half now", "--version", "1", "--amount", "1000")
    assert code == 0 and "released for 1,000.00 EUR only (a one-off partial release)" in out
    code, out = tc("orders", "holds", "--status", "released")
    assert "Rossi S.p.A." in out and "2,000.00 EUR (released 1,000.00)" in out
    code, out = tc("orders", "deliver", "SO-1", "--on", "2026-11-28")
    assert code == 0 and "delivered on 2026-11-28: counts as delivered, not invoiced, until invoiced" in out
    assert "released, delivered 2026-11-28" in tc("orders", "holds", "--status", "released")[1]
    code, out = tc("orders", "deliver", "SO-1", "--on", "28.11.2026")
    assert code == 3 and "--on: '28.11.2026' is not a date; expected YYYY-MM-DD" in out
    code, out = tc("limits", "show", "B1")
    assert "exposure counts open_invoices + delivered_not_invoiced + open_orders" in out
    assert tc("orders", "check", "B1", "SO-4", "--amount", "1,5", "--currency", "EUR")[0] == 3
    assert tc("orders", "check", "NOPE", "SO-2", "--amount", "1", "--currency", "EUR")[0] == 4
    code, out = tc("limits", "cancel", "1", "--effective", "2026-12-01", "--reason", "closed")
    assert code == 0 and "ended 2026-11-30" in out


def test_an_order_book_from_a_file(app: App, cli_env: dict[str, str], tmp_path: Path) -> None:
    assert tc("import", "buyers", str(write_csv(tmp_path / "b.csv", BUYER_HEADER,
                                                [("B1", "Rossi S.p.A.", "IT", "", "EUR", "30", "")])))[0] == 0
    header = ("buyer_ref", "order_ref", "amount", "currency", "ship_date")
    bad = write_csv(tmp_path / "bad.csv", header, [("B1", "F1", "100", "EUR", "2026-12-01"),
                                                   ("B1", "F2", "-1", "EUR", "2026-12-01"),
                                                   ("B1", "F3", "1", "EUR", "next week"),
                                                   ("NOPE", "F4", "1", "EUR", "2026-12-01")])
    code, out = tc("orders", "check-file", str(bad))
    assert code == 3 and "bad.csv: 2 error(s); nothing was written" in out
    assert "│ bad.csv │ 3    │ amount    │ expected an order amount > 0; got -1           │" in out
    assert "│ bad.csv │ 4    │ ship_date │ expected a date as YYYY-MM-DD; got 'next week' │" in out
    unknown = write_csv(tmp_path / "unknown.csv", header, [("B1", "F1", "100", "EUR", "2026-12-01"),
                                                           ("NOPE", "F4", "1", "EUR", "2026-12-01")])
    code, out = tc("orders", "check-file", str(unknown))
    assert code == 3 and "│ unknown.csv │ 3    │ buyer_ref │ no buyer has the ref 'NOPE' │" in out
    no_date = write_csv(tmp_path / "no_date.csv", header[:4], [("B1", "F1", "100", "EUR")])
    code, out = tc("orders", "check-file", str(no_date))
    assert code == 3
    assert "missing column(s) ship_date; expected buyer_ref, order_ref, amount, currency, ship_date" in out
    assert "0 order(s)" in tc("orders", "holds", "--status", "all")[1]
    good = write_csv(tmp_path / "book.csv", header, [("B1", "F1", "100", "EUR", "2026-12-01"),
                                                     ("B1", "F2", "250.50", "EUR", "2026-12-01")])
    code, out = tc("orders", "check-file", str(good))
    assert code == 0 and "2 order(s): 0 released, 2 held" in out and "no_limit" in out
    code, out = tc("orders", "check-file", str(good), "--json")
    assert [(d["order_ref"], d["amount"], d["version"]) for d in json.loads(out)] == [("F1", "100.00", 1),
                                                                                     ("F2", "250.50", 1)]
    changed = write_csv(tmp_path / "changed.csv", header, [("B1", "F9", "1", "EUR", "2026-12-01"),
                                                          ("B1", "F2", "999", "EUR", "2026-12-01")])
    code, out = tc("orders", "check-file", str(changed))
    assert code != 0 and "changed.csv:3: order F2 was already checked with other figures" in out
    assert "F9" not in tc("orders", "holds", "--status", "all")[1]
