"""The early-warning heat map through HTTP: the page in English and Chinese, the API and the CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.e2e.api_support import make_clients
from tests.e2e.test_web import log_in
from tests.integration.test_heatmap import heat_book
from tradecredit.bootstrap import App
from tradecredit.cli.main import app as cli
from tradecredit.domain.users import Role
from tradecredit.server import create_server
from tradecredit.services import users


@pytest.fixture
def client(app: App) -> Iterator[TestClient]:
    with TestClient(create_server(app), follow_redirects=False) as test_client:
        yield test_client


def test_the_heat_map_page_shows_the_numbers_and_links_each_cell(client: TestClient, app: App,
                                                                  tmp_path: Path) -> None:
    heat_book(app, tmp_path)
    log_in(client, app, "vera", "viewer")
    page = client.get("/heatmap")
    assert page.status_code == 200
    html = page.text
    assert 'href="/heatmap"' in html and "Early warning" in html
    assert '<table class="data heatmap" id="heatmap">' in html
    assert "150,000.00" in html and "62.5%" in html and "2 buyers" in html
    assert "3 open alerts · worst: Critical" in html
    assert 'class="heat heat-5 worst-critical"' in html
    assert 'href="/alerts?country=DE&amp;severity=critical"' in html
    assert 'href="/buyers?country=FR"' in html
    assert "Not assessed" in html and 'id="heatmap-total">240,000.00<' in html
    assert html.index("DE</span>") < html.index("FR</span>") < html.index("CN</span>")


def test_the_heat_map_speaks_chinese(client: TestClient, app: App, tmp_path: Path) -> None:
    heat_book(app, tmp_path)
    log_in(client, app, "li", "viewer")
    users.set_language(app.uow(), username="li", language="zh")
    html = client.get("/heatmap").text
    assert "风险预警热力图" in html and "3 条未结预警 · 最高：严重" in html and "未评估" in html


def test_an_empty_book_gets_a_message_and_a_bad_date_a_warning(client: TestClient, app: App) -> None:
    log_in(client, app, "vera", "viewer")
    html = client.get("/heatmap?as_of=yesterday").text
    assert "No open exposure and no open alerts" in html and "The date was not understood" in html


def test_the_api_and_the_cli_give_the_same_grid(app: App, tmp_path: Path, cli_env: dict[str, str]) -> None:
    heat_book(app, tmp_path)
    response = make_clients(app)[Role.VIEWER].get("/api/v1/reports/heatmap")
    assert response.status_code == 200
    document = response.json()
    assert document["total"] == "240000.00" and document["countries"] == ["DE", "FR", "CN"]
    result = CliRunner().invoke(cli, ["report", "heatmap", "--as-of", "2026-11-28", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["rows"] == document["rows"]
    table = CliRunner().invoke(cli, ["report", "heatmap", "--as-of", "2026-11-28"], env={"COLUMNS": "160"})
    assert table.exit_code == 0 and "150,000" in table.output and "3C" in table.output
