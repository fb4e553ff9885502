"""The credit-terms advisor through the HTTP API and the command line, on each backend."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.assessment_book import build_book
from tests.e2e.api_support import Clients, make_clients
from tradecredit.bootstrap import App
from tradecredit.cli import common
from tradecredit.cli.main import app as cli
from tradecredit.domain.terms_advisor import Sale, compare_terms
from tradecredit.domain.users import Role
from tradecredit.services.assessment import AssessmentConfig, assess_all, latest_assessment

runner = CliRunner()
URL = "/api/v1/advisor/terms"
WORKED = {"amount": "100000", "days": 60, "margin": 0.25, "cost_of_capital": 0.08, "pd": 0.02}
WORKED_PROFITS = ["23486.00", "24242.92", "23385.47", "22434.93", "23000.00"]
WORKED_ARGS = ("advise", "--amount", "100000", "--days", "60", "--margin", "0.25", "--cost-of-capital", "0.08")


def assess_everyone(app: App) -> None:
    assess_all(app.uow(), actor="test", config=AssessmentConfig.from_settings(app.settings))


@pytest.fixture
def api(app: App, tmp_path: Path) -> Clients:
    build_book(app, tmp_path)
    return make_clients(app)


def test_the_worked_example_over_the_api(api: Clients) -> None:
    response = api[Role.ANALYST].post(URL, json=WORKED)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [o["profit"] for o in body["options"]] == WORKED_PROFITS
    assert [(o["kind"], o["days"], o["recommended"]) for o in body["options"]] == [
        ("open_account", 60, True), ("open_account", 30, False), ("documentary_collection", 60, False),
        ("confirmed_lc", 60, False), ("prepayment", 0, False)]
    first = body["options"][0]
    assert (first["margin"], first["financing_cost"], first["expected_loss"], first["fees"]) == (
        "25000.00", "1315.07", "198.93", "0.00")
    assert body["sale"] | {"pd": round(body["sale"]["pd"], 6)} == {
        "amount": "100000.00", "currency": "EUR", "days": 60, "margin": "0.25", "cost_of_capital": "0.08",
        "pd": 0.02, "lgd": "0.6", "insured": "0"}
    assert (body["pd_source"], body["buyer"], body["tolerance"]) == ("given", None, "500.00")
    advice = body["recommendation"]
    assert (advice["kind"], advice["days"], advice["profit"]) == ("open_account", 60, "23486.00")
    assert advice["explanation_en"].startswith("Sell on open account at 60 days")
    assert advice["explanation_zh"].startswith("建议赊销，账期 60 天")


def test_the_advisor_needs_the_analyst_role(api: Clients) -> None:
    assert api.anonymous.post(URL, json=WORKED).status_code == 401
    assert api[Role.VIEWER].post(URL, json=WORKED).status_code == 403
    assert api[Role.COLLECTOR].post(URL, json=WORKED).status_code == 403
    assert api[Role.CREDIT_MANAGER].post(URL, json=WORKED).status_code == 200


def test_a_buyer_ref_uses_the_pd_of_its_latest_assessment(api: Clients, app: App) -> None:
    analyst = api[Role.ANALYST]
    request = {k: v for k, v in WORKED.items() if k != "pd"} | {"buyer": "A1", "insured": 0.9, "lgd": 0.5}
    never = analyst.post(URL, json=request)
    assert (never.status_code, never.headers["content-type"]) == (404, "application/problem+json")
    assert "assessment of buyer A1 not found" in never.json()["detail"]
    assert analyst.post(URL, json=request | {"buyer": "NOPE"}).status_code == 404
    assess_everyone(app)
    stored = latest_assessment(app.uow(), ref="A1")
    body = analyst.post(URL, json=request).json()
    assert (body["buyer"], body["buyer_name"], body["pd_source"], body["assessed_on"], body["grade"]) == (
        "A1", "Alpha GmbH", "assessment", "2026-11-28", stored.grade)
    assert (body["sale"]["pd"], body["sale"]["lgd"], body["sale"]["insured"]) == (stored.pd, "0.5", "0.9")
    expected = compare_terms(Sale(Decimal(100_000), "EUR", 60, Decimal("0.25"), Decimal("0.08"), stored.pd,
                                  Decimal("0.5"), Decimal("0.9")))
    assert [o["expected_loss"] for o in body["options"]] == [str(o.expected_loss) for o in expected.options]
    assert body["recommendation"]["kind"] == expected.recommendation.kind


@pytest.mark.parametrize(("change", "field"), [
    ({"amount": "0"}, "amount"),
    ({"amount": "-100"}, "amount"),
    ({"amount": "10.001"}, "amount"),  # more decimals than EUR has: refused, not rounded
    ({"days": -1}, "days"),
    ({"days": 366}, "days"),
    ({"margin": 1.5}, "margin"),
    ({"cost_of_capital": -0.01}, "cost_of_capital"),
    ({"pd": 1.2}, "pd"),
    ({"insured": 2}, "insured"),
    ({"buyer": "A1"}, "pd"),  # both a PD and a buyer
    ({"pd": None}, "pd"),  # neither
    ({"open_account_days": [0]}, "open_account_days"),
    ({"currency": "USD"}, "currency"),  # unknown fields are refused
])
def test_bad_advice_requests_are_problems_naming_the_field(api: Clients, change: dict[str, Any], field: str) -> None:
    response = api[Role.ANALYST].post(URL, json=WORKED | change)
    assert (response.status_code, response.headers["content-type"]) == (422, "application/problem+json")
    assert any(field in error["field"] for error in response.json()["errors"]), response.json()


@pytest.fixture
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    for console in (common.console, common.errors):
        monkeypatch.setattr(console, "width", 240)


def tc(*args: str) -> tuple[int, str]:
    result = runner.invoke(cli, list(args))
    return result.exit_code, result.output


@pytest.mark.usefixtures("wide_console")
def test_advise_on_the_command_line(app: App, cli_env: dict[str, str], tmp_path: Path) -> None:
    build_book(app, tmp_path)
    code, out = tc(*WORKED_ARGS, "--pd", "0.02")
    assert code == 0, out
    assert ("100,000.00 EUR on 60 days; margin 25%, cost of capital 8% a year, 12-month PD 2.00% (given), LGD 60%, "
            "insured 0%") in out
    assert "* open account" in out and "1,315.07" in out and "198.93" in out and "23,486.00" in out
    assert "recommendation: Sell on open account at 60 days" in out
    code, out = tc(*WORKED_ARGS, "--pd", "0.02", "--json")
    assert code == 0 and [o["profit"] for o in json.loads(out)["options"]] == WORKED_PROFITS
    code, out = tc(*WORKED_ARGS, "--pd", "0.02", "--lang", "zh")
    assert code == 0 and "建议: 建议赊销，账期 60 天" in out and "预期损失" in out
    # PD 30% on 90 days (the later --days wins): 45 days earns 21,432.45, more than 500 below prepayment (23,000).
    code, out = tc(*WORKED_ARGS, "--pd", "0.3", "--days", "90", "--terms", "45,15")
    assert code == 0 and "Sell on open account at 15 days" in out and "21,432.45" in out, out
    assert tc(*WORKED_ARGS, "--buyer", "A1")[0] == 4  # never assessed
    assert tc(*WORKED_ARGS, "--buyer", "NOPE")[0] == 4
    assess_everyone(app)
    code, out = tc(*WORKED_ARGS, "--buyer", "A1", "--insured", "0.9")
    assert code == 0, out
    assert "(A1 Alpha GmbH: assessment of 2026-11-28, grade" in out and "insured 90%" in out


@pytest.mark.usefixtures("wide_console")
@pytest.mark.parametrize(("args", "message"), [
    (("--pd", "0.02", "--margin", "1.5"), "--margin: expected a share between 0 and 1"),
    (("--pd", "0.02", "--days", "400"), "days: expected whole days from 0 to 365; got 400"),
    (("--pd", "0.02", "--amount", "0"), "amount: expected an amount above 0"),
    (("--pd", "0.02", "--amount", "1,5"), "amount: '1,5' is not a number"),
    (("--pd", "0.02", "--amount", "1e30"), "amount: expected an amount above 0 and at most"),
    (("--pd", "1.5",), "pd: expected a 12-month PD between 0 and 1"),
    (("--pd", "0.02", "--buyer", "A1"), "give either a 12-month PD or a buyer"),
    ((), "give either a 12-month PD or a buyer"),
    (("--pd", "0.02", "--terms", "30,x"), "--terms: expected day counts separated by commas"),
    (("--pd", "0.02", "--lang", "fr"), "--lang: expected en or zh"),
])
def test_bad_advise_input_exits_3_naming_the_field(cli_env: dict[str, str], args: tuple[str, ...],
                                                    message: str) -> None:
    code, out = tc(*WORKED_ARGS, *args)
    assert code == 3, out
    assert message in " ".join(out.split())
