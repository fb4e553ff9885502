"""Payment promises through the API and the command line (fixtures' today 2026-11-28)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.builders import BUYER_HEADER, INVOICE_HEADER, write_csv
from tests.e2e.api_support import Clients, make_clients
from tradecredit.bootstrap import App
from tradecredit.cli import common
from tradecredit.cli.main import app as cli
from tradecredit.domain.users import Role
from tradecredit.services.imports import import_file

BUYERS = [("E1", "Eins GmbH", "DE", "", "EUR", "30", ""), ("E2", "Due S.r.l.", "IT", "", "EUR", "60", "")]
INVOICES = [("E1-1", "E1", "2026-09-01", "2026-10-01", "EUR", "1000.00"),
            ("E2-1", "E2", "2026-09-01", "2026-10-31", "EUR", "2000.00")]
runner = CliRunner()


def _book(app: App, tmp_path: Path) -> None:
    for kind, header, rows in (("buyers", BUYER_HEADER, BUYERS), ("invoices", INVOICE_HEADER, INVOICES)):
        import_file(app.uow(), kind=kind, path=write_csv(tmp_path / f"{kind}.csv", header, rows),
                    base_currency="EUR", actor="test")


@pytest.fixture
def api(app: App, tmp_path: Path) -> Clients:
    _book(app, tmp_path)
    return make_clients(app)


def test_a_collector_records_a_viewer_lists_and_an_analyst_cancels(api: Clients) -> None:
    body = {"buyer_ref": "E1", "invoice_ref": "E1-1", "amount": "1000.00", "made_on": "2026-11-01",
            "promised_date": "2026-11-10", "note": "phone, Mr Eins"}
    made = api[Role.COLLECTOR].post("/api/v1/promises", json=body)
    assert made.status_code == 201, made.text
    promise = made.json()
    assert (promise["status"], promise["amount"], promise["paid"], promise["deadline"], promise["currency"]) == (
        "broken", "1000.00", "0.00", "2026-11-13", "EUR")
    open_one = api[Role.ANALYST].post("/api/v1/promises", json={"buyer_ref": "E2", "amount": 500,
                                                                "promised_date": "2026-12-05"})
    assert (open_one.status_code, open_one.json()["status"], open_one.json()["made_on"]) == (201, "open", "2026-11-28")
    assert api[Role.VIEWER].post("/api/v1/promises", json=body).status_code == 403
    listed = api[Role.VIEWER].get("/api/v1/promises", params={"status": "broken"}).json()
    assert (listed["total"], listed["items"][0]["invoice_ref"]) == (1, "E1-1")
    assert api[Role.VIEWER].get("/api/v1/promises", params={"buyer": "E2"}).json()["items"][0]["status"] == "open"
    path = f"/api/v1/promises/{promise['id']}/cancel"
    assert api[Role.COLLECTOR].post(path, json={"version": 1, "reason": "wrong"}).status_code == 403
    stale = api[Role.ANALYST].post(path, json={"version": 2, "reason": "wrong invoice"})
    assert stale.status_code == 409 and "you sent version 2, it is now at 1" in stale.json()["detail"]
    cancelled = api[Role.ANALYST].post(path, json={"version": 1, "reason": "wrong invoice"})
    assert (cancelled.status_code, cancelled.json()["status"], cancelled.json()["version"]) == (200, "cancelled", 2)
    again = api[Role.ANALYST].post(path, json={"version": 2, "reason": "wrong invoice"})
    assert again.status_code == 409 and "already cancelled" in again.json()["detail"]
    assert api[Role.ANALYST].post("/api/v1/promises/999/cancel",
                                  json={"version": 1, "reason": "x"}).status_code == 404


@pytest.mark.parametrize(("change", "status", "text"), [
    ({"buyer_ref": "NOPE"}, 404, "buyer NOPE not found"),
    ({"invoice_ref": "E2-1"}, 422, "invoice E2-1 is not an invoice of buyer E1"),
    ({"amount": "0"}, 422, "amount"),
    ({"amount": "12.345"}, 422, "more than 2 decimal(s), the minor unit of EUR"),
    ({"currency": "ABC"}, 422, "unknown currency code 'ABC'"),
    ({"promised_date": "2026-10-01"}, 422, "2026-10-01 is before the promise was made (2026-11-01)"),
    ({"colour": "blue"}, 422, "colour"),
])
def test_a_bad_promise_is_refused_with_the_reason(api: Clients, change: dict[str, str], status: int,
                                                  text: str) -> None:
    body = {"buyer_ref": "E1", "amount": "100.00", "made_on": "2026-11-01", "promised_date": "2026-11-10", **change}
    response = api[Role.COLLECTOR].post("/api/v1/promises", json=body)
    assert response.status_code == status, response.text
    assert text in response.text
    assert api[Role.VIEWER].get("/api/v1/promises").json()["total"] == 0


@pytest.fixture
def cli_book(app: App, cli_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for console in (common.console, common.errors):
        monkeypatch.setattr(console, "width", 200)
    _book(app, tmp_path)
    return tmp_path


def test_the_cli_adds_lists_and_cancels_a_promise(cli_book: Path) -> None:
    added = runner.invoke(cli, ["promises", "add", "E1", "--amount", "1000", "--by", "2026-11-10", "--invoice",
                                "E1-1", "--made-on", "2026-11-01", "--note", "phone"])
    assert added.exit_code == 0, added.output
    assert "E1 Eins GmbH pays 1000.00 EUR towards invoice E1-1 by 2026-11-10" in added.output
    assert "broken, 0.00 paid by 2026-11-13" in added.output
    balance = runner.invoke(cli, ["promises", "add", "E2", "--amount", "250.50", "--by", "2026-12-05", "--json"])
    assert balance.exit_code == 0, balance.output
    assert (json.loads(balance.output)["status"], json.loads(balance.output)["invoice_ref"]) == ("open", None)
    listed = runner.invoke(cli, ["promises", "list", "--status", "broken", "--json"])
    assert [(p["buyer_ref"], p["version"]) for p in json.loads(listed.output)] == [("E1", 1)]
    table = runner.invoke(cli, ["promises", "list"])
    assert "2 promise(s)" in table.output and "(balance)" in table.output
    promise_id = json.loads(listed.output)[0]["id"]
    cancelled = runner.invoke(cli, ["promises", "cancel", str(promise_id), "--version", "1", "--reason", "wrong"])
    assert cancelled.exit_code == 0 and "cancelled" in cancelled.output
    again = runner.invoke(cli, ["promises", "cancel", str(promise_id), "--version", "2", "--reason", "wrong"])
    assert again.exit_code == 5 and "already cancelled" in again.output


def test_the_cli_refuses_bad_promises_with_the_documented_exit_codes(cli_book: Path) -> None:
    def add(*args: str) -> int:
        return runner.invoke(cli, ["promises", "add", *args]).exit_code

    assert add("NOPE", "--amount", "10", "--by", "2026-12-01") == 4
    assert add("E1", "--amount", "ten", "--by", "2026-12-01") == 3
    assert add("E1", "--amount", "-5", "--by", "2026-12-01") == 3
    assert add("E1", "--amount", "10", "--by", "2026-12-01", "--currency", "XXX") == 3
    assert add("E1", "--amount", "10", "--by", "2026-12-01", "--invoice", "E2-1") == 3
    assert add("E1", "--amount", "10", "--by", "someday") == 3
    assert runner.invoke(cli, ["promises", "list", "--status", "late"]).exit_code == 3
    assert runner.invoke(cli, ["promises", "cancel", "42", "--version", "1", "--reason", "x"]).exit_code == 4
