"""The monitoring run through the API and the command line, with bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.e2e.api_support import Clients, make_clients
from tests.monitor_book import DAY1, DAY2, EXPECTED_DAY1, build_monitor_book
from tradecredit.bootstrap import App
from tradecredit.cli.main import app as cli
from tradecredit.domain.users import Role

runner = CliRunner()


@pytest.fixture
def api(app: App, tmp_path: Path) -> Clients:
    build_monitor_book(app, tmp_path)
    return make_clients(app)


def test_a_credit_manager_runs_the_monitoring_and_a_viewer_lists_the_runs(api: Clients) -> None:
    first = api[Role.CREDIT_MANAGER].post("/api/v1/monitor/run", json={"as_of": DAY1.isoformat()})
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["as_of"], body["opened"], body["buyers"]) == (DAY1.isoformat(), len(EXPECTED_DAY1), 18)
    assert body["top"][0]["severity"] == "critical"
    today = api[Role.CREDIT_MANAGER].post("/api/v1/monitor/run")  # no body: today, 2026-11-28
    assert (today.json()["as_of"], today.json()["closed"]) == (DAY2.isoformat(), 1)
    assert api[Role.ANALYST].post("/api/v1/monitor/run", json={}).status_code == 403
    runs = api[Role.VIEWER].get("/api/v1/monitor/runs", params={"limit": 5})
    assert [(r["as_of"], r["actor"]) for r in runs.json()] == [(DAY2.isoformat(), "credit-manager-user (token)"),
                                                              (DAY1.isoformat(), "credit-manager-user (token)")]


def test_the_api_refuses_a_day_in_the_future_or_not_a_date(api: Clients) -> None:
    client = api[Role.CREDIT_MANAGER]
    future = client.post("/api/v1/monitor/run", json={"as_of": "2026-11-29"})
    assert future.status_code == 422
    assert "in the future" in future.json()["detail"]
    assert client.post("/api/v1/monitor/run", json={"as_of": "28.11.2026"}).status_code == 422
    assert client.post("/api/v1/monitor/run", json={"as_of": None, "extra": 1}).status_code == 422
    assert client.get("/api/v1/monitor/runs").json() == []


def test_the_cli_runs_a_day_prints_what_changed_and_lists_the_runs(app: App, tmp_path: Path,
                                                                     cli_env: dict[str, str]) -> None:
    build_monitor_book(app, tmp_path)
    printed = runner.invoke(cli, ["monitor", "--as-of", DAY1.isoformat()])
    assert printed.exit_code == 0, printed.output
    assert f"{len(EXPECTED_DAY1)} alert(s) opened, 0 updated" in printed.output
    assert "Top alerts" in printed.output and "external_event" in printed.output
    again = runner.invoke(cli, ["monitor", "--as-of", DAY1.isoformat(), "--json"])
    assert (json.loads(again.output)["opened"], json.loads(again.output)["updated"]) == (0, 0)
    runs = runner.invoke(cli, ["monitor", "runs", "--json"])
    assert [run["as_of"] for run in json.loads(runs.output)] == [DAY1.isoformat(), DAY1.isoformat()]


def test_the_cli_refuses_a_day_in_the_future_and_a_date_it_cannot_read(cli_env: dict[str, str]) -> None:
    runner.invoke(cli, ["init"])
    future = runner.invoke(cli, ["monitor", "--as-of", "2999-01-01"])
    assert future.exit_code == 3
    assert "in the future" in " ".join(future.output.split())
    garbled = runner.invoke(cli, ["monitor", "--as-of", "28/11/2026"])
    assert garbled.exit_code == 3
    assert "is not a date; expected YYYY-MM-DD" in " ".join(garbled.output.split())
