"""Assessment through the HTTP API and the command line, on each backend."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.assessment_book import build_book
from tests.e2e.api_support import Clients, make_clients
from tradecredit.bootstrap import App
from tradecredit.cli import common
from tradecredit.cli.main import app as cli
from tradecredit.domain.users import Role
from tradecredit.services import assessment

runner = CliRunner()


@pytest.fixture
def api(app: App, tmp_path: Path) -> Clients:
    build_book(app, tmp_path)
    return make_clients(app)


def test_assess_read_and_list_over_the_api(api: Clients) -> None:
    analyst, viewer = api[Role.ANALYST], api[Role.VIEWER]
    assert viewer.get("/api/v1/buyers/A1/assessment").status_code == 404
    created = analyst.post("/api/v1/buyers/A1/assessments", json={"reason": "new customer"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["ref"], body["trigger"], body["actor"], body["model_version"]) == ("A1", "new customer",
                                                                                  "analyst-user (token)", "pd-v1")
    assert 1 <= body["grade"] <= 9 and body["pd"] == body["financial_pd"]
    assert {t["name"] for t in body["limit"]["terms"]} == {"size", "need", "country"}
    applying = [Decimal(t["amount"]) for t in body["limit"]["terms"] if t["amount"] is not None]
    assert Decimal(body["limit"]["amount"]) == min(applying) // 1000 * 1000
    assert body["terms"]["kind"] == "open_account" and body["reasons"][0]["text_zh"]
    assert viewer.get("/api/v1/buyers/A1/assessment").json() == body
    analyst.post("/api/v1/buyers/A1/assessments", json={"as_of": "2025-06-30", "reason": "back-dated review"})
    history = viewer.get("/api/v1/buyers/A1/assessments", params={"size": 1}).json()
    assert (history["total"], history["items"][0]["trigger"]) == (2, "back-dated review")
    assert history["items"][0]["inputs"]["statement"]["period_end"] == "2024-12-31"


def test_portfolio_run_grades_report_and_stability(api: Clients) -> None:
    assert api[Role.ANALYST].post("/api/v1/assessments/run").status_code == 403
    run = api[Role.CREDIT_MANAGER].post("/api/v1/assessments/run", json={"reason": "month end"})
    assert run.status_code == 200, run.text
    assert (run.json()["assessed"], run.json()["in_default"]) == (6, 1)
    grades = api[Role.VIEWER].get("/api/v1/reports/grades", params={"as_of": "2026-11-28"}).json()
    assert (grades["total"], grades["lgd"], len(grades["lines"])) == ("500.00", 0.6, 1)
    stability = api[Role.VIEWER].get("/api/v1/model/stability").json()
    # A1 and A4 have a financial PD (A2 and A3 are blocked, A5 is stale but scored, A6 has no statement).
    assert stability["buyers"] == 3 and len(stability["bins"]) == 9
    assert stability["status"] in ("stable", "investigate", "significant shift")


def test_bad_assessment_requests_are_problems(api: Clients) -> None:
    analyst = api[Role.ANALYST]
    unknown = analyst.post("/api/v1/buyers/NOPE/assessments")
    assert (unknown.status_code, unknown.headers["content-type"]) == (404, "application/problem+json")
    too_old = analyst.post("/api/v1/buyers/A1/assessments", json={"as_of": "1800-01-01"})
    assert too_old.status_code == 422 and "as_of" in too_old.text
    assert analyst.post("/api/v1/buyers/A1/assessments", json={"reason": ""}).status_code == 422
    assert analyst.post("/api/v1/buyers/A1/assessments", json={"grade": 1}).status_code == 422
    assert api[Role.VIEWER].get("/api/v1/model/stability").status_code == 422  # nothing assessed yet
    assert api[Role.VIEWER].get("/api/v1/buyers/A1/assessments").json()["total"] == 0


@pytest.fixture
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    for console in (common.console, common.errors):
        monkeypatch.setattr(console, "width", 200)


def tc(*args: str) -> tuple[int, str]:
    result = runner.invoke(cli, list(args))
    return result.exit_code, result.output


@pytest.mark.usefixtures("wide_console")
def test_assess_on_the_command_line(app: App, cli_env: dict[str, str], tmp_path: Path) -> None:
    build_book(app, tmp_path)
    code, out = tc("assess", "--all")
    assert code == 0, out
    assert "assessed 6 buyers" in out and "3 with limited information, 1 with stale statements, 1 in default" in out
    code, out = tc("assess", "--buyer", "A1", "--reason", "credit committee")
    assert code == 0, out
    stored = assessment.latest_assessment(app.uow(), ref="A1")
    assert f"grade {stored.grade}" in out and "recommended limit" in out and "need *" in out
    assert stored.trigger == "credit committee"
    code, out = tc("assess", "--buyer", "A1", "--show", "--lang", "zh")
    assert code == 0 and stored.grade_label_zh in out
    code, out = tc("assess", "--buyer", "A1", "--history", "--json")
    assert [item["trigger"] for item in json.loads(out)] == ["credit committee", "portfolio run"]
    code, out = tc("report", "grades", "--as-of", "2026-11-28", "--format", "json")
    assert code == 0 and json.loads(out)["total"] == "500.00"
    code, out = tc("model", "stability")
    assert code == 0 and "PSI" in out
    assert tc("assess")[0] == 3
    code, out = tc("assess", "--buyer", "A1", "--all")
    assert code == 3 and "give either --buyer REF or --all" in out
    assert tc("assess", "--buyer", "NOPE")[0] == 4
    assert tc("assess", "--buyer", "A1", "--lang", "fr")[0] == 3
