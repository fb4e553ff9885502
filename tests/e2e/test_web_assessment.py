"""Buyer assessment on the dashboard through HTTP (TestClient): the buyer page's section, "Assess now" (roles and
CSRF), exposure by grade and model stability on the overview, the country stress test's expected loss, Chinese."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from fastapi.testclient import TestClient
from markupsafe import escape

from tradecredit.bootstrap import App
from tradecredit.server import create_server
from tradecredit.services import assessment, country, ledger_reads, models, users
from tradecredit.services.assessment import AssessmentConfig, AssessmentView
from tradecredit.services.buyers import search_buyers
from tradecredit.services.demo import load_demo
from tradecredit.services.imports import import_file

TODAY = date(2026, 11, 28)
PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')


@pytest.fixture
def client(app: App) -> Iterator[TestClient]:
    with TestClient(create_server(app), follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def demo(app: App) -> App:
    """Twelve demo buyers, none assessed yet."""
    load_demo(app.uow(), buyers=12, seed=7, today=TODAY, base_currency="EUR", actor="test")
    return app


@pytest.fixture
def assessed(demo: App) -> App:
    """The demo portfolio, every buyer assessed once."""
    assessment.assess_all(demo.uow(), actor="test", config=AssessmentConfig.from_settings(demo.settings))
    return demo


def log_in(client: TestClient, app: App, username: str = "anna", role: str = "analyst",
           language: str = "en") -> str:
    """Create the user, log in; returns the session's CSRF token (as the pages carry it)."""
    users.add_user(app.uow(), username=username, password=PASSWORD, role=role, actor="test", language=language)
    form = CSRF.search(client.get("/login").text)
    assert form
    response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": form.group(1),
                                           "next": "/buyers"})
    assert response.status_code == 303
    found = CSRF.search(client.get("/buyers").text)
    assert found
    return found.group(1)


def html(text: str) -> str:
    """``text`` as the templates write it (autoescaped)."""
    return str(escape(text))


def money(value: Decimal | str, locale: str = "en_GB") -> str:
    return format_currency(Decimal(str(value)), "EUR", locale=locale)


def amount(value: Decimal | str) -> str:
    return format_currency(Decimal(str(value)), "EUR", format="#,##0.00", locale="en_GB", currency_digits=True)


def scored_buyer_ref(app: App) -> str:
    """A buyer with statements for the last two years (scored from them when assessed)."""
    for buyer in search_buyers(app.uow(), size=100).items:
        periods = [s.period_end.year for s in ledger_reads.list_statements(app.uow(), buyer_ref=buyer.ref)]
        if {2024, 2025} <= set(periods):
            return buyer.ref
    raise AssertionError("the demo portfolio has a buyer with two years of statements")


def scored_buyer(app: App) -> AssessmentView:
    """The latest assessment of a buyer with a financial PD, reasons both ways and a binding limit term."""
    for buyer in search_buyers(app.uow(), size=100).items:
        view = assessment.latest_assessment(app.uow(), ref=buyer.ref)
        directions = {reason["direction"] for reason in view.outputs["reasons"]}
        if view.financial_pd is not None and directions == {"up", "down"} and not view.in_default:
            return view
    raise AssertionError("the demo portfolio has a buyer scored from its statements")


def history_total(app: App, ref: str) -> int:
    return assessment.assessment_history(app.uow(), ref=ref).total


def chart_data(page: str, name: str) -> dict[str, Any]:
    found = re.search(rf'<script type="application/json" id="chart-data-{name}">(.*?)</script>', page, re.S)
    assert found, name
    data: dict[str, Any] = json.loads(found.group(1))
    return data


# The buyer page


def test_an_assessed_buyers_page_shows_its_grade_reasons_limit_and_terms(client: TestClient, assessed: App) -> None:
    log_in(client, assessed, role="viewer")
    view = scored_buyer(assessed)
    page = client.get(f"/buyers/{view.ref}").text
    section = page[page.index('id="assessment"'):page.index("<h2>Aging</h2>")]
    assert f'class="rating rating-{view.grade} big"' in section and f">{view.grade}</span>" in section
    assert f'id="grade-label">{html(view.grade_label_en)}<' in section
    assert format_decimal(view.pd, format="#,##0.00%", locale="en_GB") in section
    assert f'id="assessment-score">{view.score} <span class="band band-{view.band}">' in section
    assert f'id="assessment-dra">{view.dra}<' in section
    for reason in view.outputs["reasons"]:
        assert html(reason["text_en"]) in section
        assert html(reason["text_zh"]) not in section
    for component in view.outputs["components"]:
        assert html(component["text_en"]) in section
    assert f'id="recommended-limit">{money(view.recommended_limit)}<' in section
    terms = view.outputs["limit"]["terms"]
    for term in terms:
        assert html(term["formula"]) in section
        if term["amount"] is not None:
            assert amount(term["amount"]) in section
    binding = next(term for term in terms if term["binding"])
    limit_rows = re.findall(r"<tr( class=\"binding\")?>\s*<td>(.*?)</td>", section[section.index('id="limit-terms"'):])
    assert [label for marked, label in limit_rows if marked] == [
        {"size": "Buyer size", "need": "Our need", "country": "Country cap"}[binding["name"]]
        + ' <span class="badge binds">binding</span>']
    assert html(view.outputs["terms"]["security_en"]) in section
    assert {"open_account": "Open account", "documentary_collection": "Documentary collection",
            "confirmed_lc": "Confirmed L/C", "prepayment": "Prepayment"}[view.terms] in section
    ratios = view.inputs["statement"]["ratios"]
    assert format_decimal(ratios["current_ratio"], format="#,##0.00", locale="en_GB") in section
    assert chart_data(page, "rating")["grade"] == [view.grade]
    assert 'id="assess-form"' not in section  # a viewer is not offered the button


def test_the_history_chart_and_ratio_table_cover_the_assessed_periods(client: TestClient, demo: App) -> None:
    config = AssessmentConfig.from_settings(demo.settings)
    ref = scored_buyer_ref(demo)
    earlier = assessment.assess_buyer(demo.uow(), ref=ref, actor="test", config=config, as_of=date(2025, 6, 30))
    later = assessment.assess_buyer(demo.uow(), ref=ref, actor="test", config=config)
    periods = [view.inputs["statement"]["period_end"] for view in (later, earlier)]
    assert periods[0] > periods[1]
    log_in(client, demo, role="viewer")
    page = client.get(f"/buyers/{ref}").text
    chart = chart_data(page, "rating")
    assert chart["grade"] == [earlier.grade, later.grade] and chart["pd"] == [earlier.pd, later.pd]
    assert chart["labels"] == ["30 Jun 2025", "28 Nov 2026"]
    ratios = page[page.index('id="ratios"'):]
    headers = re.findall(r'<th class="num">(\d+ \w+ \d{4})', ratios)
    assert headers[:2] == [format_date(date.fromisoformat(period), format="medium", locale="en_GB")
                           for period in periods]
    row = re.search(r"<td>Working capital ratio</td>(.*?)</tr>", ratios, re.S)
    assert row
    shown = re.findall(r'<td class="num">([^<]*)</td>', row.group(1))
    assert shown[:2] == [format_decimal(view.inputs["statement"]["ratios"]["current_ratio"], format="#,##0.00",
                                        locale="en_GB") for view in (later, earlier)]
    assert html(later.change_en or "") in page


def test_a_buyer_never_assessed_says_so_and_an_analyst_can_assess_it(client: TestClient, demo: App) -> None:
    token = log_in(client, demo)
    ref = search_buyers(demo.uow()).items[0].ref
    page = client.get(f"/buyers/{ref}").text
    assert 'id="not-assessed"' in page and "This buyer has not been assessed yet." in page
    assert f'action="/buyers/{ref}/assessments"' in page and 'id="assess-form"' in page
    response = client.post(f"/buyers/{ref}/assessments", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["location"] == f"/buyers/{ref}#assessment"
    assert history_total(demo, ref) == 1
    view = assessment.latest_assessment(demo.uow(), ref=ref)
    assert view.actor == "anna"
    page = client.get(f"/buyers/{ref}").text
    assert 'id="not-assessed"' not in page and f'class="rating rating-{view.grade} big"' in page


def test_assess_now_without_the_csrf_token_is_refused_and_stores_nothing(client: TestClient, assessed: App) -> None:
    token = log_in(client, assessed)
    ref = search_buyers(assessed.uow()).items[0].ref
    before = history_total(assessed, ref)
    for response in (client.post(f"/buyers/{ref}/assessments", data={}),
                     client.post(f"/buyers/{ref}/assessments", data={"csrf_token": token[:-1]}),
                     client.post(f"/buyers/{ref}/assessments", headers={"HX-Request": "true",
                                                                        "X-CSRF-Token": "forged"})):
        assert response.status_code == 403
        assert "Request refused" in response.text
    assert history_total(assessed, ref) == before


def test_assess_now_through_htmx_returns_the_new_section(client: TestClient, assessed: App) -> None:
    token = log_in(client, assessed)
    ref = scored_buyer(assessed).ref
    before = history_total(assessed, ref)
    response = client.post(f"/buyers/{ref}/assessments", headers={"HX-Request": "true", "X-CSRF-Token": token})
    assert response.status_code == 200
    assert "<html" not in response.text and response.text.lstrip().startswith('<section class="card assessment"')
    assert 'id="assessed-now"' in response.text
    assert history_total(assessed, ref) == before + 1
    latest = assessment.latest_assessment(assessed.uow(), ref=ref)
    assert latest.trigger == "dashboard"
    assert f"{before + 1} assessments" in response.text
    assert html(latest.change_en or "") in response.text  # the change against the assessment before


def test_a_viewer_cannot_assess(client: TestClient, assessed: App) -> None:
    token = log_in(client, assessed, role="viewer")
    ref = search_buyers(assessed.uow()).items[0].ref
    assert 'id="assess-form"' not in client.get(f"/buyers/{ref}").text
    response = client.post(f"/buyers/{ref}/assessments", data={"csrf_token": token})
    assert response.status_code == 403 and "Not allowed" in response.text
    assert history_total(assessed, ref) == 1


def test_assessing_an_unknown_buyer_gets_the_not_found_page(client: TestClient, app: App) -> None:
    token = log_in(client, app)
    response = client.post("/buyers/NO-SUCH-BUYER/assessments", data={"csrf_token": token})
    assert response.status_code == 404
    assert "There is no buyer with the reference NO-SUCH-BUYER." in response.text


def test_a_buyer_without_statements_is_marked_limited_information(client: TestClient, demo: App,
                                                                  tmp_path: Path) -> None:
    path = tmp_path / "buyers.csv"
    path.write_text("buyer_ref,name,country\nNEW1,Newcomer GmbH,DE\n", encoding="utf-8")
    import_file(demo.uow(), kind="buyers", path=path, base_currency="EUR", actor="t")
    token = log_in(client, demo)
    response = client.post("/buyers/NEW1/assessments", headers={"HX-Request": "true", "X-CSRF-Token": token})
    assert response.status_code == 200
    view = assessment.latest_assessment(demo.uow(), ref="NEW1")
    assert view.limited_information and view.financial_pd is None
    section = response.text
    assert "Limited information" in section and "no financial PD" in section
    assert "No reasons from the financial statements" in section
    assert "No financial statements on file." in section
    assert money(view.recommended_limit) in section


# The overview


def test_the_overview_shows_exposure_by_grade_and_model_stability(client: TestClient, assessed: App) -> None:
    log_in(client, assessed, role="viewer")
    report = assessment.exposure_by_grade(assessed.uow(), as_of=TODAY, base_currency="EUR", lgd=assessed.settings.lgd)
    stability = models.model_stability(assessed.uow(),
                                       master_scale=assessed.settings.assessment_policy().master_scale)
    page = client.get("/").text
    assert f'id="expected-loss">{money(report.expected_loss)}<' in page
    table = page[page.index('id="grade-table"'):page.index("</table>", page.index('id="grade-table"'))]
    for line in report.lines:
        assert f'class="rating rating-{line.grade}"' in table
        assert amount(line.exposure) in table and amount(line.expected_loss) in table
    chart = chart_data(page, "grades")
    assert chart["labels"] == [str(grade) for grade in range(1, 11)]
    by_grade = {line.grade: float(line.exposure) for line in report.lines}
    assert chart["series"][0]["data"] == [by_grade.get(grade, 0.0) for grade in range(1, 11)]
    assert f'id="psi">{format_decimal(stability.psi, format="#,##0.000", locale="en_GB")}<' in page
    assert f'id="psi-status">{stability.status}<' in page
    assert page.count('<tr><td><span class="rating rating-') >= len(stability.bins)


def test_the_overview_before_any_assessment_says_so(client: TestClient, demo: App) -> None:
    log_in(client, demo)
    page = client.get("/").text
    assert 'id="no-grades"' in page and "No buyer with open invoices has been assessed yet." in page
    assert 'id="no-stability"' in page
    assert "Total exposure" in page  # the rest of the overview is there


# The country stress test


def test_the_stress_result_shows_expected_loss_and_each_buyers_grade_before_and_after(
        client: TestClient, assessed: App) -> None:
    log_in(client, assessed, role="viewer")
    result = country.stress_test(assessed.uow(), country="CN", steps=3, on=TODAY, base_currency="EUR",
                                 policy=assessed.settings.terms_policy(),
                                 assessment_policy=assessed.settings.assessment_policy(), lgd=assessed.settings.lgd)
    assert result.buyers and result.not_assessed == 0
    page = client.get("/countries/CN/stress?steps=3", headers={"HX-Request": "true"}).text
    loss = re.search(r'id="stress-loss">(.*?)</div>', page, re.S)
    assert loss and money(result.expected_loss_before) in loss.group(1)
    assert money(result.expected_loss_after) in loss.group(1)
    assert result.expected_loss_after > result.expected_loss_before
    rows = re.findall(r"<tr><td><a href=\"/buyers/([^\"]+)\">.*?</tr>", page, re.S)
    assert rows == [buyer.ref for buyer in result.buyers]
    for buyer in result.buyers:
        row = re.search(rf'href="/buyers/{buyer.ref}">.*?</tr>', page, re.S)
        assert row
        cells = row.group(0)
        assert re.search(rf'rating-{buyer.grade_before}".*?→.*?rating-{buyer.grade_after}"', cells, re.S)
        assert buyer.expected_loss_before is not None and buyer.expected_loss_after is not None
        assert amount(buyer.expected_loss_before) in cells and amount(buyer.expected_loss_after) in cells
    assert ("would need stricter terms:" if result.terms_change else "The allowed terms stay the same") in page


def test_the_stress_result_counts_buyers_not_assessed(client: TestClient, demo: App) -> None:
    log_in(client, demo, role="viewer")
    page = client.get("/countries/CN/stress?steps=2", headers={"HX-Request": "true"}).text
    result = country.stress_test(demo.uow(), country="CN", steps=2, on=TODAY, base_currency="EUR",
                                 policy=demo.settings.terms_policy())
    count = len(result.buyers)
    assert count and result.not_assessed == count
    assert re.search(r'id="stress-loss">€0\.00 .*?→.*?€0\.00', page, re.S)
    assert f"{count} buyer{'' if count == 1 else 's'} not assessed, not counted" in page
    assert page.count("not assessed</span>") == count


# Chinese


def test_the_chinese_buyer_page_shows_the_chinese_texts(client: TestClient, assessed: App) -> None:
    log_in(client, assessed, language="zh")
    view = scored_buyer(assessed)
    page = client.get(f"/buyers/{view.ref}").text
    section = page[page.index('id="assessment"'):]
    assert "信用评估" in section and "立即评估" in section and "主要原因" in section
    for reason in view.outputs["reasons"]:
        assert html(reason["text_zh"]) in section
        assert html(reason["text_en"]) not in section
    assert html(view.grade_label_zh) in section
    assert html(view.outputs["terms"]["security_zh"]) in section
    for component in view.outputs["components"]:
        assert html(component["text_zh"]) in section
    assert money(view.recommended_limit, "zh_Hans_CN") in section
    overview = client.get("/").text
    assert "按等级划分的风险敞口" in overview and "模型稳定性" in overview and "预期损失" in overview
