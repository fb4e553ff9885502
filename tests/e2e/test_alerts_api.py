"""The alerts inbox over HTTP, on each backend: list and filter, the lifecycle with versions and roles, one-click
actions, the buyer timeline, the watch list and credit blocks."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.alert_book import add_alert
from tests.builders import BUYER_HEADER, INVOICE_HEADER, write_csv
from tests.e2e.api_support import Clients, make_clients
from tradecredit.bootstrap import App
from tradecredit.domain.users import Role
from tradecredit.services.imports import import_file


@pytest.fixture
def api(app: App, tmp_path: Path) -> Clients:
    for kind, header, rows in (
        ("buyers", BUYER_HEADER, [("B1", "Rossi S.p.A.", "IT", "", "EUR", "30", ""),
                                  ("B2", "Schmidt GmbH", "DE", "", "EUR", "30", "")]),
        ("invoices", INVOICE_HEADER, [("I1", "B1", "2026-09-19", "2026-10-19", "EUR", "1000.00")]),
    ):
        import_file(app.uow(), kind=kind, path=write_csv(tmp_path / f"{kind}.csv", header, rows), base_currency="EUR",
                    actor="test")
    return make_clients(app)


def test_an_alert_is_listed_acknowledged_acted_on_and_resolved(app: App, api: Clients) -> None:
    alert_id = add_alert(app, "B1")
    add_alert(app, "B2", code="stale_statement", severity="info", action_list=[])
    listed = api[Role.VIEWER].get("/api/v1/alerts", params={"severity": "critical"}).json()
    assert [(a["id"], a["buyer"], a["country"]) for a in listed["items"]] == [(alert_id, "B1", "IT")]
    assert api[Role.VIEWER].get("/api/v1/alerts", params={"country": "DE"}).json()["total"] == 1
    assert api[Role.VIEWER].post(f"/api/v1/alerts/{alert_id}/acknowledge", json={"version": 1}).status_code == 403
    seen = api[Role.ANALYST].post(f"/api/v1/alerts/{alert_id}/acknowledge", json={"version": 1})
    assert (seen.status_code, seen.json()["status"], seen.json()["version"]) == (200, "acknowledged", 2)
    stale = api[Role.ANALYST].post(f"/api/v1/alerts/{alert_id}/acknowledge", json={"version": 1})
    assert stale.status_code == 409
    past = api[Role.ANALYST].post(f"/api/v1/alerts/{alert_id}/snooze",
                                  json={"version": 2, "until": "2026-11-01", "comment": "later"})
    assert past.status_code == 422 and past.json()["errors"][0]["field"] == "until"
    denied = api[Role.ANALYST].post(f"/api/v1/alerts/{alert_id}/actions/stop_shipments", json={"version": 2})
    assert denied.status_code == 403
    blocked = api[Role.CREDIT_MANAGER].post(f"/api/v1/alerts/{alert_id}/actions/stop_shipments", json={"version": 2})
    assert blocked.status_code == 200, blocked.text
    block_id = blocked.json()["result"]["block_id"]
    done = {a["code"]: a["done"] for a in blocked.json()["alert"]["actions"]}
    assert done["stop_shipments"] and not done["collect_early"]
    current = api[Role.VIEWER].get("/api/v1/buyers/B1/credit-block").json()["current"]
    assert (current["id"], current["source"], current["alert_id"]) == (block_id, "alert", alert_id)
    again = api[Role.CREDIT_MANAGER].post(f"/api/v1/alerts/{alert_id}/actions/stop_shipments", json={"version": 3})
    assert again.status_code == 409
    resolved = api[Role.CREDIT_MANAGER].post(f"/api/v1/alerts/{alert_id}/resolve",
                                             json={"version": 3, "comment": "paid"})
    assert resolved.json()["status"] == "resolved"
    assert api[Role.CREDIT_MANAGER].post(f"/api/v1/alerts/{alert_id}/resolve",
                                         json={"version": 4, "comment": "paid"}).status_code == 409
    timeline = api[Role.VIEWER].get("/api/v1/buyers/B1/alerts").json()
    assert [t["event"]["action"] for t in timeline] == ["resolved", "action_taken", "acknowledged", "opened"]
    assert api[Role.VIEWER].get("/api/v1/alerts/999").status_code == 404


def test_watch_list_and_credit_blocks(api: Clients) -> None:
    added = api[Role.ANALYST].post("/api/v1/watch-list", json={"buyer": "B2", "reason": "new customer"})
    assert added.status_code == 201 and added.json()["buyer"] == "B2"
    assert api[Role.ANALYST].post("/api/v1/watch-list", json={"buyer": "B2", "reason": "x"}).status_code == 409
    assert [w["buyer"] for w in api[Role.VIEWER].get("/api/v1/watch-list").json()] == ["B2"]
    assert api[Role.ANALYST].delete("/api/v1/watch-list/B2").status_code == 200
    assert api[Role.VIEWER].get("/api/v1/watch-list").json() == []
    assert api[Role.ANALYST].post("/api/v1/buyers/B2/credit-block", json={"reason": "fraud"}).status_code == 403
    block = api[Role.CREDIT_MANAGER].post("/api/v1/buyers/B2/credit-block", json={"reason": "fraud suspected"})
    assert block.status_code == 201 and block.json()["in_force"]
    held = api[Role.ANALYST].post("/api/v1/orders/check", json={"buyer": "B2", "order_ref": "O1", "amount": "10",
                                                                "currency": "EUR", "ship_date": "2026-12-01"})
    assert "supply_suspended" in [r["code"] for r in held.json()["reasons"]]
    wrong = api[Role.CREDIT_MANAGER].post("/api/v1/buyers/B2/credit-block/lift",
                                          json={"reason": "cleared", "block_id": block.json()["id"] + 1})
    assert wrong.status_code == 409
    lifted = api[Role.CREDIT_MANAGER].post("/api/v1/buyers/B2/credit-block/lift",
                                           json={"reason": "cleared", "block_id": block.json()["id"]})
    assert lifted.status_code == 200 and not lifted.json()["in_force"]
    assert api[Role.VIEWER].get("/api/v1/buyers/B2/credit-block").json()["current"] is None
