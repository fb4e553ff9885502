"""Credit limits and order checks over HTTP, on each backend: the ERP's "can we ship?" and the hold queue."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.builders import BUYER_HEADER, INVOICE_HEADER, write_csv
from tests.e2e.api_support import Clients, make_clients
from tradecredit.bootstrap import App
from tradecredit.domain.users import Role
from tradecredit.services.imports import import_file

MANAGER = "credit-manager-user"


@pytest.fixture
def api(app: App, tmp_path: Path) -> Clients:
    for kind, header, rows in (
        ("buyers", BUYER_HEADER, [("B1", "Rossi S.p.A.", "IT", "", "EUR", "30", "")]),
        ("invoices", INVOICE_HEADER, [("I1", "B1", "2026-11-01", "2026-12-01", "EUR", "4000.00")]),
    ):
        import_file(app.uow(), kind=kind, path=write_csv(tmp_path / f"{kind}.csv", header, rows), base_currency="EUR",
                    actor="test")
    clients = make_clients(app)
    made = clients[Role.ADMIN].put(f"/api/v1/authorities/{MANAGER}", json={"max_amount": "50000", "worst_grade": 8})
    assert made.status_code == 200, made.text
    # Assessed: limited information (no statement), IT, no history → grade 6 or 7, inside the authority's 8.
    assert clients[Role.ANALYST].post("/api/v1/buyers/B1/assessments").json()["grade"] <= 8
    return clients


def test_request_decide_and_check_orders(api: Clients) -> None:
    analyst, manager, viewer = api[Role.ANALYST], api[Role.CREDIT_MANAGER], api[Role.VIEWER]
    asked = analyst.post("/api/v1/buyers/B1/limit-requests",
                         json={"amount": "10000", "currency": "EUR", "reason": "new distributor"})
    assert asked.status_code == 201, asked.text
    request = asked.json()
    assert (request["status"], request["amount_base"], request["requested_by"]) == ("pending", "10000.00",
                                                                                    "analyst-user (token)")
    assert viewer.get("/api/v1/limit-requests").json()["total"] == 1
    assert analyst.post(f"/api/v1/limit-requests/{request['id']}/decision",
                        json={"decision": "approve", "reason": "ok", "version": 1}).status_code == 403
    decided = manager.post(f"/api/v1/limit-requests/{request['id']}/decision",
                           json={"decision": "approve", "reason": "good payer", "version": 1})
    assert decided.status_code == 200, decided.text
    stale = manager.post(f"/api/v1/limit-requests/{request['id']}/decision",
                         json={"decision": "refuse", "reason": "x", "version": 1})
    assert stale.status_code == 409
    limits = viewer.get("/api/v1/buyers/B1/limits").json()
    # 10,000 limit; exposure = I1 4,000 open.
    assert (limits["own"]["amount"], limits["own"]["exposure"]["total"], limits["own"]["headroom"]) == (
        "10000.00", "4000.00", "6000.00")
    assert limits["insurer_limit"] is None
    released = analyst.post("/api/v1/orders/check", json={"buyer": "B1", "order_ref": "SO-1", "amount": "5000",
                                                           "currency": "EUR", "ship_date": "2026-12-02"})
    assert released.status_code == 200, released.text
    assert (released.json()["outcome"], released.json()["status"]) == ("release", "released")
    held = analyst.post("/api/v1/orders/check", json={"buyer": "B1", "order_ref": "SO-2", "amount": "1500",
                                                       "currency": "EUR", "ship_date": "2026-12-02"}).json()
    assert held["outcome"] == "hold"
    assert held["reasons"][0]["figures"]["headroom"] == "1000.00"  # 10,000 − 4,000 − 5,000 released
    queue = viewer.get("/api/v1/orders").json()
    assert [o["order_ref"] for o in queue["items"]] == ["SO-2"]
    assert queue["items"][0]["buyer_name"] and queue["items"][0]["released_amount"] is None
    too_much = manager.post("/api/v1/orders/SO-2/release", json={"reason": "x", "version": 1, "amount": "1500.01"})
    assert too_much.status_code == 422 and "at most 1500.00 EUR" in too_much.json()["detail"]
    assert manager.post("/api/v1/orders/SO-2/release",
                        json={"reason": "x", "version": 1, "amount": "-5"}).status_code == 422
    resolved = manager.post("/api/v1/orders/SO-2/release", json={"reason": "prepaid half", "version": 1,
                                                                  "amount": "1000"})
    assert resolved.status_code == 200, resolved.text
    assert (resolved.json()["status"], resolved.json()["released_amount"]) == ("released", "1000.00")
    assert viewer.get("/api/v1/orders").json()["total"] == 0
    # Exposure: I1 4,000 + SO-1 5,000 + the released 1,000 of SO-2 → no headroom left.
    assert viewer.get("/api/v1/buyers/B1/limits").json()["own"]["headroom"] == "0.00"


def test_the_erp_reports_a_delivery(api: Clients) -> None:
    analyst, manager, viewer = api[Role.ANALYST], api[Role.CREDIT_MANAGER], api[Role.VIEWER]
    asked = analyst.post("/api/v1/buyers/B1/limit-requests", json={"amount": "10000", "currency": "EUR",
                                                                   "reason": "new distributor"}).json()
    assert manager.post(f"/api/v1/limit-requests/{asked['id']}/decision",
                        json={"decision": "approve", "reason": "ok", "version": 1}).status_code == 200
    assert analyst.post("/api/v1/orders/check", json={"buyer": "B1", "order_ref": "SO-0", "amount": "20000",
                                                      "currency": "EUR", "ship_date": "2026-12-02"}).status_code == 200
    held = analyst.post("/api/v1/orders/SO-0/delivery", json={})
    assert held.status_code == 409 and "order SO-0 is held; only a released order" in held.json()["detail"]
    assert analyst.post("/api/v1/orders/check", json={"buyer": "B1", "order_ref": "SO-1", "amount": "700",
                                                      "currency": "EUR", "ship_date": "2026-12-02"}).status_code == 200
    assert viewer.post("/api/v1/orders/SO-1/delivery", json={}).status_code == 403
    delivered = analyst.post("/api/v1/orders/SO-1/delivery", json={})  # today
    assert delivered.status_code == 200, delivered.text
    assert (delivered.json()["delivered_on"], delivered.json()["version"]) == ("2026-11-28", 2)
    assert analyst.post("/api/v1/orders/SO-1/delivery", json={"delivered_on": "2026-11-28"}).json() == delivered.json()
    exposure = viewer.get("/api/v1/buyers/B1/limits").json()["own"]["exposure"]
    assert (exposure["delivered_not_invoiced"], exposure["open_orders"], exposure["total"]) == (
        "700.00", "0.00", "4700.00")
    other_day = analyst.post("/api/v1/orders/SO-1/delivery", json={"delivered_on": "2026-11-29"})
    assert other_day.status_code == 422 and "got 2026-11-29" in other_day.json()["detail"]
    assert analyst.post("/api/v1/orders/NOPE/delivery", json={}).status_code == 404
    assert analyst.post("/api/v1/orders/SO-1/delivery", json={"delivered_on": "28/11/2026"}).status_code == 422


def test_limit_authority_and_bad_input_over_http(api: Clients) -> None:
    analyst, manager = api[Role.ANALYST], api[Role.CREDIT_MANAGER]
    big = analyst.post("/api/v1/buyers/B1/limit-requests",
                       json={"amount": "90000", "currency": "EUR", "reason": "expansion"}).json()
    over = manager.post(f"/api/v1/limit-requests/{big['id']}/decision",
                        json={"decision": "approve", "reason": "ok", "version": 1})
    assert over.status_code == 403
    assert "may approve up to 50,000.00; this needs 90,000.00" in over.json()["detail"]
    cases = [({"amount": "-1", "currency": "EUR", "reason": "x"}, "greater than 0"),
             ({"amount": "10", "currency": "USD", "reason": "x"}, "USD"),
             ({"amount": "10", "currency": "EUR", "reason": "x", "kind": "temporary"}, "needs an end date"),
             ({"amount": "10", "currency": "EUR", "reason": "x", "valid_from": "2027-01-02",
               "valid_to": "2027-01-01", "kind": "temporary"}, "valid_to 2027-01-01 is before valid_from 2027-01-02")]
    for body, says in cases:
        answer = analyst.post("/api/v1/buyers/B1/limit-requests", json=body)
        assert answer.status_code == 422 and says in answer.text, (body, answer.text)
    assert api[Role.VIEWER].get("/api/v1/limit-requests", params={"status": "all"}).json()["total"] == 1
    assert analyst.post("/api/v1/orders/check", json={"buyer": "NOPE", "order_ref": "X", "amount": "1",
                                                       "currency": "EUR", "ship_date": "2026-12-02"}).status_code == 404
    assert analyst.post("/api/v1/orders/check", json={"buyer": "B1", "order_ref": "X", "amount": "0",
                                                       "currency": "EUR", "ship_date": "2026-12-02"}).status_code == 422
    no_limit = analyst.post("/api/v1/orders/check", json={"buyer": "B1", "order_ref": "X", "amount": "1",
                                                           "currency": "EUR", "ship_date": "2026-12-02"}).json()
    assert [r["code"] for r in no_limit["reasons"]] == ["no_limit"]
    assert api[Role.VIEWER].get("/api/v1/orders", params={"status": "lost"}).status_code == 422


def test_a_batch_of_orders_over_http_all_or_none(api: Clients) -> None:
    analyst, manager = api[Role.ANALYST], api[Role.CREDIT_MANAGER]
    asked = analyst.post("/api/v1/buyers/B1/limit-requests", json={"amount": "10000", "currency": "EUR",
                                                                    "reason": "new distributor"}).json()
    assert manager.post(f"/api/v1/limit-requests/{asked['id']}/decision",
                        json={"decision": "approve", "reason": "ok", "version": 1}).status_code == 200

    def line(order_ref: str, amount: str, buyer: str = "B1") -> dict[str, str]:
        return {"buyer": buyer, "order_ref": order_ref, "amount": amount, "currency": "eur",
                "ship_date": "2026-12-02"}

    bad = analyst.post("/api/v1/orders/check-batch", json={"orders": [line("K1", "1000"), line("K2", "1", "NOPE")]})
    assert bad.status_code == 422 and "orders[1].buyer: no buyer has the ref 'NOPE'" in bad.text
    assert api[Role.VIEWER].get("/api/v1/orders", params={"status": "all"}).json()["total"] == 0
    assert analyst.post("/api/v1/orders/check-batch", json={"orders": []}).status_code == 422
    too_many = [line(f"M{n}", "1") for n in range(1001)]
    assert analyst.post("/api/v1/orders/check-batch", json={"orders": too_many}).status_code == 422
    # Headroom 10,000 − I1 4,000 = 6,000: K1 5,000 released, K2 1,500 held (1,000 left), K3 1,000 released.
    done = analyst.post("/api/v1/orders/check-batch",
                        json={"orders": [line("K1", "5000"), line("K2", "1500"), line("K3", "1000")]})
    assert done.status_code == 200, done.text
    answer = done.json()
    assert [(r["order_ref"], r["status"], r["currency"]) for r in answer["results"]] == [
        ("K1", "released", "EUR"), ("K2", "held", "EUR"), ("K3", "released", "EUR")]
    assert (answer["released"], answer["held"]) == (2, 1)
    assert api[Role.VIEWER].post("/api/v1/orders/check-batch", json={"orders": [line("K4", "1")]}).status_code == 403
    conflict = analyst.post("/api/v1/orders/check-batch", json={"orders": [line("K5", "1"), line("K1", "4999")]})
    assert conflict.status_code == 409 and "orders[1]: order K1 was already checked with other figures" in conflict.text
