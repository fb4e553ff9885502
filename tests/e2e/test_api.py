"""The HTTP API end to end on each backend: resources, problem details, concurrency, audit."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tests.builders import BUYER_HEADER, INVOICE_HEADER, write_csv
from tests.e2e.api_support import Clients, make_clients
from tradecredit.bootstrap import App
from tradecredit.domain.users import Role
from tradecredit.services import reports
from tradecredit.services.imports import import_file


@pytest.fixture
def api(app: App) -> Clients:
    return make_clients(app)


@pytest.fixture
def ledger(app: App, api: Clients, tmp_path: Path) -> Clients:
    buyers = [("B1", "上海恒达机械有限公司", "CN", "", "EUR", "60", ""),
              ("B2", "Rossi S.p.A.", "IT", "", "EUR", "30", ""),
              ("B3", "Rossi Sud S.r.l.", "IT", "", "EUR", "30", "B2")]
    invoices = [("I1", "B2", "2026-09-01", "2026-10-01", "EUR", "1000.00"),
                ("I2", "B2", "2026-11-01", "2026-12-01", "EUR", "250.00"),
                ("I3", "B3", "2026-10-15", "2026-11-14", "EUR", "400.00")]
    for kind, header, rows in (("buyers", BUYER_HEADER, buyers), ("invoices", INVOICE_HEADER, invoices)):
        import_file(app.uow(), kind=kind, path=write_csv(tmp_path / f"{kind}.csv", header, rows), base_currency="EUR",
                    actor="test")
    return api


def test_a_buyer_is_created_then_read_with_its_exposure(ledger: Clients) -> None:
    created = ledger[Role.ANALYST].post("/api/v1/buyers", json={"ref": "B9", "name": "Müller GmbH", "country": "de",
                                                                "registration_id": "DE136695976"})
    assert created.status_code == 201, created.text
    assert created.headers["location"] == "/api/v1/buyers/B9"
    assert created.json()["registration_verified"] is True
    body = ledger[Role.VIEWER].get("/api/v1/buyers/B2").json()
    # B2 owes I1 1000.00 (due 2026-10-01, overdue on 2026-11-28) and I2 250.00 (not yet due).
    assert body["exposure"] == {"as_of": "2026-11-28", "currency": "EUR", "open": "1250.00", "overdue": "1000.00",
                                "invoices": 2, "oldest_due": "2026-10-01"}
    assert body["members"] == ["B3"]


def test_a_stale_update_gets_409_and_changes_nothing(ledger: Clients) -> None:
    analyst = ledger[Role.ANALYST]
    first = analyst.patch("/api/v1/buyers/B2", json={"version": 1, "payment_terms_days": 45})
    assert (first.status_code, first.json()["version"], first.headers["etag"]) == (200, 2, '"2"')
    stale = analyst.patch("/api/v1/buyers/B2", json={"version": 1, "name": "Someone Else"})
    assert stale.status_code == 409
    assert stale.headers["content-type"] == "application/problem+json"
    assert "you sent version 1, it is now at 2" in stale.json()["detail"]
    assert ledger[Role.VIEWER].get("/api/v1/buyers/B2").json()["name"] == "Rossi S.p.A."


def test_every_change_is_in_the_audit_trail_with_before_and_after(ledger: Clients) -> None:
    ledger[Role.ANALYST].patch("/api/v1/buyers/B2", json={"version": 1, "payment_terms_days": 45})
    trail = ledger[Role.ADMIN].get("/api/v1/audit", params={"entity": "buyer", "key": "B2"}).json()
    assert trail["total"] == 1
    event = trail["items"][0]
    assert (event["actor"], event["action"]) == ("analyst-user (token)", "update")
    assert (event["before"], event["after"]) == ({"payment_terms_days": 30}, {"payment_terms_days": 45})
    assert ledger[Role.ADMIN].delete("/api/v1/audit").status_code == 405
    assert ledger[Role.CREDIT_MANAGER].get("/api/v1/audit").status_code == 403


def test_search_is_paginated_in_a_stable_order_and_treats_sql_metacharacters_literally(ledger: Clients) -> None:
    viewer = ledger[Role.VIEWER]
    page = viewer.get("/api/v1/buyers", params={"sort": "-ref", "size": 2}).json()
    assert ([b["ref"] for b in page["items"]], page["total"]) == (["B3", "B2"], 3)
    assert [b["ref"] for b in viewer.get("/api/v1/buyers", params={"q": "rossi"}).json()["items"]] == ["B2", "B3"]
    for text in ("' OR 1=1 --", "%", "_", "\\", "B2'; DROP TABLE buyers; --"):
        found = viewer.get("/api/v1/buyers", params={"q": text})
        assert (found.status_code, found.json()["total"]) == (200, 0)
    assert viewer.get("/api/v1/buyers", params={"sort": "password"}).status_code == 422


def test_a_payment_is_allocated_and_shown_on_the_invoice(ledger: Clients) -> None:
    paid = ledger[Role.COLLECTOR].post("/api/v1/payments", json={
        "payment_ref": "P1", "buyer_ref": "B2", "payment_date": "2026-11-20", "currency": "EUR", "amount": "1100.00"})
    assert paid.status_code == 201, paid.text
    assert paid.json()["allocations"] == [{"invoice_ref": "I1", "amount": "1000.00", "date": "2026-11-20"},
                                          {"invoice_ref": "I2", "amount": "100.00", "date": "2026-11-20"}]
    invoice = ledger[Role.VIEWER].get("/api/v1/invoices/I2").json()
    assert (invoice["open_amount"], invoice["status"]) == ("150.00", "partially_paid")
    assert invoice["settlements"] == [{"ref": "P1", "kind": "payment", "date": "2026-11-20", "amount": "100.00"}]


def test_a_bad_invoice_gets_a_problem_with_the_field_and_reason(ledger: Clients) -> None:
    bad = ledger[Role.ANALYST].post("/api/v1/invoices", json={
        "invoice_ref": "I9", "buyer_ref": "B2", "issue_date": "2026-11-01", "due_date": "2026-10-01",
        "currency": "EUR", "amount": "10.005"})
    assert bad.status_code == 422
    problem = bad.json()
    assert problem["title"] == "ImportRejected"
    assert {(e["column"], e["reason"]) for e in problem["errors"]} == {
        ("amount", "10.005 has more than 2 decimal(s), the minor unit of EUR")}


def test_an_uploaded_file_is_validated_like_the_cli(ledger: Clients, tmp_path: Path) -> None:
    rows = [("I7", "B404", "2026-05-01", "2026-05-31", "EUR", "1.00"), ("I8", "B2", "2026-05-01", "x", "EUR", "1")]
    path = write_csv(tmp_path / "bad.csv", INVOICE_HEADER, rows)
    with path.open("rb") as file:
        answer = ledger[Role.ANALYST].post("/api/v1/imports/invoices", files={"file": ("bad.csv", file, "text/csv")})
    assert answer.status_code == 422
    assert [(e["line"], e["column"]) for e in answer.json()["errors"]] == [(3, "due_date"), (2, "buyer_ref")]
    good = write_csv(tmp_path / "good.csv", INVOICE_HEADER, [("I7", "B2", "2026-05-01", "2026-05-31", "EUR", "1.00")])
    with good.open("rb") as file:
        answer = ledger[Role.ANALYST].post("/api/v1/imports/invoices", files={"file": ("good.csv", file)},
                                           data={"dry_run": "true"})
    assert (answer.status_code, answer.json()["inserted"], answer.json()["dry_run"]) == (200, 1, True)
    assert ledger[Role.VIEWER].get("/api/v1/invoices/I7").status_code == 404


def test_reports_have_the_same_numbers_as_the_service_the_cli_prints(app: App, ledger: Clients) -> None:
    snap = reports.snapshot(app.uow(), as_of=app.clock.today(), base_currency="EUR")
    expected = reports.as_document(reports.aging_report(snap, edges=app.settings.aging_edges))
    assert ledger[Role.VIEWER].get("/api/v1/reports/aging").json() == expected
    assert expected["total"] == str(Decimal("1650.00"))


def test_requests_without_credentials_get_401_with_a_challenge(ledger: Clients) -> None:
    answer = ledger.anonymous.get("/api/v1/buyers")
    assert (answer.status_code, answer.headers["www-authenticate"]) == (401, "Bearer")
    bad = ledger.anonymous.get("/api/v1/buyers", headers={"Authorization": "Bearer tc_not-a-token"})
    assert bad.status_code == 401


def test_a_disabled_users_token_stops_working(ledger: Clients) -> None:
    assert ledger[Role.VIEWER].get("/api/v1/me").json()["role"] == "viewer"
    assert ledger[Role.ADMIN].post("/api/v1/users/viewer-user/disable").status_code == 204
    assert ledger[Role.VIEWER].get("/api/v1/me").status_code == 401


def test_the_group_tree_starts_at_the_top_parent(ledger: Clients) -> None:
    tree = ledger[Role.VIEWER].get("/api/v1/buyers/B3/group").json()
    assert (tree["ref"], [c["ref"] for c in tree["children"]]) == ("B2", ["B3"])


def test_unknown_records_are_404_problems(ledger: Clients) -> None:
    missing = ledger[Role.VIEWER].get("/api/v1/buyers/NOPE")
    assert (missing.status_code, missing.headers["content-type"]) == (404, "application/problem+json")
    assert missing.json()["detail"] == "buyer NOPE not found"


def test_a_buyer_cannot_become_the_parent_of_its_own_parent(ledger: Clients) -> None:
    answer = ledger[Role.ANALYST].patch("/api/v1/buyers/B2", json={"version": 1, "parent_ref": "B3"})
    assert answer.status_code == 422
    assert answer.json()["errors"] == [{"field": "parent_ref",
                                        "reason": "group links would form a cycle: B2 → B3 → B2"}]


def test_nul_characters_and_absurd_pages_are_refused_not_crashing(ledger: Clients) -> None:
    viewer = ledger[Role.VIEWER]
    assert viewer.get("/api/v1/buyers", params={"q": "a\x00b"}).status_code == 422
    assert viewer.get("/api/v1/payments", params={"page": 10**12}).status_code == 422
    created = ledger[Role.ANALYST].post("/api/v1/buyers", json={"ref": "B\x00", "name": "X", "country": "DE"})
    assert created.status_code == 422
    assert "NUL characters are not allowed" in created.json()["detail"]


def test_country_profiles_settings_and_stress_over_the_api(ledger: Clients) -> None:
    viewer, manager = ledger[Role.VIEWER], ledger[Role.CREDIT_MANAGER]
    listed = viewer.get("/api/v1/countries", params={"exposed": "true", "sort": "exposure"}).json()
    # B2 and B3 (IT) owe 1000.00 + 250.00 + 400.00; B1 (CN) owes nothing.
    assert [(c["country"], c["buyers"], c["exposure"]) for c in listed] == [("IT", 2, "1650.00")]
    profile = viewer.get("/api/v1/countries/IT").json()
    assert (profile["country"]["grade"], profile["imported"], profile["sub_scores"]["year"]) == (2, False, 2019)
    saved = manager.patch("/api/v1/countries/IT", json={"version": 0, "payment_delay_days": 60})
    assert (saved.status_code, saved.json()["version"]) == (200, 1)
    assert ledger[Role.ANALYST].patch("/api/v1/countries/IT", json={"version": 1}).status_code == 403
    assert manager.patch("/api/v1/countries/IT", json={"version": 0, "insured": True}).status_code == 409
    stress = viewer.get("/api/v1/countries/IT/stress", params={"steps": 3}).json()
    assert (stress["grade_before"], stress["grade_after"], stress["terms_after"]) == (2, 5, "documentary_collection")
    assert viewer.get("/api/v1/countries/XX").status_code == 422
