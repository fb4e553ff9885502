"""The events feed through the API and the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.builders import BUYER_HEADER, write_csv
from tests.e2e.api_support import PASSWORD, Clients, make_clients
from tests.e2e.test_web import log_in, login_token
from tradecredit.bootstrap import App
from tradecredit.cli import common
from tradecredit.cli.main import app as cli
from tradecredit.domain.users import Role
from tradecredit.server import create_server
from tradecredit.services import users
from tradecredit.services.imports import import_file

BUYERS = [("E1", "Eins GmbH", "DE", "", "EUR", "30", ""), ("E2", "Due S.r.l.", "IT", "", "EUR", "60", "")]
runner = CliRunner()


@pytest.fixture
def api(app: App, tmp_path: Path) -> Clients:
    import_file(app.uow(), kind="buyers", path=write_csv(tmp_path / "b.csv", BUYER_HEADER, BUYERS),
                base_currency="EUR", actor="test")
    return make_clients(app)


def event(ref: str, on: str, kind: str, text: str = "reported") -> dict[str, str]:
    return {"buyer_ref": ref, "date": on, "type": kind, "source": "Creditreform", "text": text}


def test_an_analyst_posts_one_event_or_a_list_and_a_viewer_reads_them(api: Clients) -> None:
    one = api[Role.ANALYST].post("/api/v1/events", json=event("E1", "2026-11-02", "payment_incident"))
    assert one.status_code == 201, one.text
    assert (one.json()["inserted"], one.json()["duplicates"]) == (1, 0)
    many = api[Role.CREDIT_MANAGER].post("/api/v1/events", json=[event("E1", "2026-11-02", "payment_incident"),
                                                                  event("E2", "2026-11-05", "insolvency")])
    assert many.status_code == 201, many.text
    body = many.json()
    assert (body["inserted"], body["duplicates"]) == (1, 1)
    assert body["skipped"][0]["line"] == 1
    assert body["reassessed"] == [{"ref": "E2", "grade": 10, "problem": None}]
    assert api[Role.VIEWER].post("/api/v1/events", json=event("E1", "2026-11-03", "news")).status_code == 403
    listed = api[Role.VIEWER].get("/api/v1/events", params={"type": "insolvency"}).json()
    assert [(e["buyer_ref"], e["event_date"]) for e in listed["items"]] == [("E2", "2026-11-05")]
    own = api[Role.VIEWER].get("/api/v1/buyers/E1/events").json()
    assert (own["total"], own["items"][0]["type"]) == (1, "payment_incident")
    assert api[Role.VIEWER].get("/api/v1/buyers/E2/assessment").json()["grade"] == 10


def test_a_bad_event_is_a_problem_listing_each_error_by_position(api: Clients) -> None:
    response = api[Role.ANALYST].post("/api/v1/events", json=[event("E1", "2026-11-02", "news"),
                                                              event("NOPE", "2026-11-02", "news"),
                                                              event("E1", "2026-11-30", "news")])
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [(e["line"], e["column"]) for e in response.json()["errors"]] == [(2, "buyer_ref"), (3, "date")]
    assert api[Role.VIEWER].get("/api/v1/events").json()["total"] == 0
    assert api[Role.VIEWER].get("/api/v1/buyers/NOPE/events").status_code == 404


@pytest.fixture
def cli_book(cli_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for console in (common.console, common.errors):
        monkeypatch.setattr(console, "width", 200)
    result = runner.invoke(cli, ["import", "buyers", str(write_csv(tmp_path / "b.csv", BUYER_HEADER, BUYERS))])
    assert result.exit_code == 0, result.output
    return tmp_path


def test_the_cli_imports_a_json_feed_twice_and_lists_it(cli_book: Path) -> None:
    feed = cli_book / "feed.json"
    feed.write_text(json.dumps([event("E1", "2026-11-02", "legal_claim", "claim filed"),
                                event("E2", "2026-11-05", "insolvency", "proceedings opened")]), encoding="utf-8")
    first = runner.invoke(cli, ["events", "import", str(feed)])
    assert first.exit_code == 0, first.output
    assert "2 event(s) read: 2 new, 0 already recorded (skipped)" in first.output
    assert "insolvency: E2 re-assessed, grade 10" in first.output
    again = runner.invoke(cli, ["events", "import", str(feed), "--json"])
    assert again.exit_code == 0, again.output
    summary = json.loads(again.output)
    assert (summary["inserted"], summary["duplicates"], [s["line"] for s in summary["skipped"]]) == (0, 2, [1, 2])
    listed = runner.invoke(cli, ["events", "list", "--buyer", "E1", "--json"])
    assert [e["text"] for e in json.loads(listed.output)] == ["claim filed"]
    table = runner.invoke(cli, ["events", "list", "--since", "2026-11-03"])
    assert "proceedings opened" in table.output and "claim filed" not in table.output


def test_the_cli_lists_every_bad_row_and_exits_3(cli_book: Path) -> None:
    bad = write_csv(cli_book / "bad.csv", ("buyer_ref", "date", "type", "source", "text"),
                    [("E9", "2026-11-02", "news", "x", "y"), ("E1", "2026-11-02", "gossip", "x", "y")])
    result = runner.invoke(cli, ["events", "import", str(bad)])
    assert result.exit_code == 3
    assert "unknown buyer E9" in result.output and "unknown event type 'gossip'" in result.output
    assert runner.invoke(cli, ["events", "list", "--type", "fire"]).exit_code == 3
    assert runner.invoke(cli, ["events", "list", "--since", "yesterday"]).exit_code == 3



def test_the_buyer_page_lists_its_events_in_the_user_s_language(app: App, api: Clients) -> None:
    api[Role.ANALYST].post("/api/v1/events", json=event("E2", "2026-11-05", "insolvency", "proceedings opened"))
    with TestClient(create_server(app), follow_redirects=False) as client:
        log_in(client, app)
        page = client.get("/buyers/E2").text
        assert "Events" in page and "Insolvency" in page and "proceedings opened" in page
        assert "No events recorded for this buyer." in client.get("/buyers/E1").text
    users.add_user(app.uow(), username="li", password=PASSWORD, role="viewer", actor="test", language="zh")
    with TestClient(create_server(app), follow_redirects=False) as client:
        response = client.post("/login", data={"username": "li", "password": PASSWORD,
                                               "csrf_token": login_token(client), "next": "/buyers"})
        assert response.status_code == 303
        chinese = client.get("/buyers/E2").text
        assert "外部事件" in chinese and "破产" in chinese
