"""The country pages through HTTP (TestClient), and a screenshot of a country page in Chromium.

The world table (sorts, the exposure filter), a country's page (grade, sub-scores, history, buyers), imported
ratings, the settings form (roles, CSRF, versions), the stress test partial, and the 404 of an unknown code.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import uvicorn
from babel.numbers import format_currency
from fastapi.testclient import TestClient

from tradecredit.bootstrap import App, build
from tradecredit.config import Settings
from tradecredit.domain.clock import FixedClock
from tradecredit.server import create_server
from tradecredit.services import country, users
from tradecredit.services.buyers import search_buyers
from tradecredit.services.demo import load_demo
from tradecredit.services.imports import import_file

TODAY = date(2026, 11, 28)
PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')
COUNTRY_ROW = re.compile(r'<td class="country-cell"><a href="/countries/([A-Z]{2})">')
VERSION = re.compile(r'name="version" value="(\d+)"')
ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
# A function, not an expression: Playwright re-evaluates an expression with eval on every poll, which the
# dashboard's Content-Security-Policy refuses once the first look finds the charts not drawn yet.
ALL_CHARTS_DRAWN = "() => [...document.querySelectorAll('canvas[data-chart]')].every(c => Chart.getChart(c))"


@pytest.fixture
def client(app: App) -> Iterator[TestClient]:
    with TestClient(create_server(app), follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def demo(app: App) -> App:
    load_demo(app.uow(), buyers=12, seed=7, today=TODAY, base_currency="EUR", actor="test")
    return app


def log_in(client: TestClient, app: App, username: str = "anna", role: str = "analyst") -> str:
    """Create the user, log in; returns the session's CSRF token (as the pages carry it)."""
    users.add_user(app.uow(), username=username, password=PASSWORD, role=role, actor="test")
    form = client.get("/login")
    login_csrf = CSRF.search(form.text)
    assert login_csrf
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrf_token": login_csrf.group(1), "next": "/countries"})
    assert response.status_code == 303
    found = CSRF.search(client.get("/countries").text)
    assert found
    return found.group(1)


def import_rating(app: App, tmp_path: Path, row: str = "CN,oecd,5,2026-06-30,OECD") -> None:
    path = tmp_path / "ratings.csv"
    path.write_text(f"country,scale,grade,as_of,source\n{row}\n", encoding="utf-8")
    import_file(app.uow(), kind="country_ratings", path=path, base_currency="EUR", actor="t")


def lines(app: App, sort: str = "grade") -> list[country.CountryLine]:
    return country.list_countries(app.uow(), on=TODAY, base_currency="EUR", policy=app.settings.terms_policy(),
                                  sort=sort)


def chart_data(page: str, name: str) -> dict[str, object]:
    found = re.search(rf'<script type="application/json" id="chart-data-{name}">(.*?)</script>', page, re.S)
    assert found, f"chart {name} on the page"
    data: dict[str, object] = json.loads(found.group(1))
    return data


def settings_form(token: str, version: str, **changes: str) -> dict[str, str]:
    return {"csrf_token": token, "version": version, "transfer_restrictions": "", "payment_delay_days": "",
            "legal_notes": "", "max_credit_period_days": "", "required_terms": "", "insured": "unknown", **changes}


def stored_settings(app: App, code: str = "CN") -> country.CountrySettings:
    return country.country_profile(app.uow(), country=code, on=TODAY, base_currency="EUR",
                                   policy=app.settings.terms_policy()).settings


# The world table


def test_the_list_is_sorted_by_grade_and_shows_only_countries_with_exposure(client: TestClient, demo: App) -> None:
    log_in(client, demo, role="viewer")
    page = client.get("/countries")
    assert page.status_code == 200
    codes = COUNTRY_ROW.findall(page.text)
    exposed = [line.country for line in lines(demo) if line.buyers]
    assert codes == exposed
    assert {"DE", "CN"} <= set(codes)
    assert codes.index("DE") < codes.index("CN")
    assert '<span class="grade grade-3"' in page.text and '<span class="grade grade-0"' in page.text
    assert "Open account" in page.text and "Documentary collection" in page.text  # IN is grade 4 in the demo
    assert "WGI 2019" in page.text
    chart = chart_data(page.text, "grades")
    assert chart["palette"] == "grades" and chart["labels"] == [str(grade) for grade in range(8)]
    reverse = COUNTRY_ROW.findall(client.get("/countries?sort=-grade").text)
    assert reverse == list(reversed(exposed))


def test_the_list_sorts_by_exposure_and_by_country_and_can_show_every_country(
        client: TestClient, demo: App) -> None:
    log_in(client, demo, role="viewer")
    exposed = [line for line in lines(demo, "exposure") if line.buyers]
    by_exposure = COUNTRY_ROW.findall(client.get("/countries?sort=exposure").text)
    assert by_exposure == [line.country for line in exposed]
    amounts = [line.exposure for line in exposed]
    assert amounts == sorted(amounts, reverse=True)
    smallest_first = COUNTRY_ROW.findall(client.get("/countries?sort=-exposure").text)
    assert smallest_first == list(reversed(by_exposure))
    by_code = COUNTRY_ROW.findall(client.get("/countries?sort=country").text)
    assert by_code == sorted(by_code)
    page = client.get("/countries?sort=exposure").text
    assert 'href="/countries?sort=-exposure"' in page  # the header toggles to the other direction
    assert 'href="/countries?sort=exposure&amp;exposed=0"' in page  # the filter keeps the sort
    everything = COUNTRY_ROW.findall(client.get("/countries?exposed=0").text)
    assert len(everything) == len(lines(demo)) > 200
    assert set(by_code) < set(everything)
    partial = client.get("/countries?sort=country", headers={"HX-Request": "true"})
    assert "<html" not in partial.text and 'id="country-table"' in partial.text
    assert client.get("/countries?sort=drop").status_code == 200


def test_the_navigation_lists_countries_after_buyers_and_buyer_pages_link_their_country(
        client: TestClient, demo: App) -> None:
    log_in(client, demo, role="viewer")
    page = client.get("/countries").text
    nav = re.findall(r'<li><a href="([^"]+)"', page)
    assert nav[nav.index("/buyers") + 1] == "/countries"
    assert 'href="/countries" class="active"' in page
    assert 'href="/countries" class="active"' in client.get("/countries/CN").text
    chinese = search_buyers(demo.uow(), country="CN").items[0]
    assert 'href="/countries/CN"' in client.get(f"/buyers/{chinese.ref}").text


# A country's page


def test_a_country_page_shows_the_shipped_grade_sub_scores_history_and_buyers(client: TestClient, demo: App) -> None:
    log_in(client, demo, role="viewer")
    response = client.get("/countries/CN")
    assert response.status_code == 200
    page = response.text
    assert '<span class="grade grade-3 big"' in page
    assert "Grade 3 from the World Bank governance indicators, data year 2019" in page
    for label in ("Political stability", "Government quality", "Rule of law", "Control of corruption", "Composite"):
        assert label in page
    scores = country.country_grade(demo.uow(), country="CN", on=TODAY).sub_scores
    assert scores is not None
    assert f'width="{scores.rule_of_law}"' in page and ">46.6<" in page
    assert "end in 2019" in page
    chart = chart_data(page, "history")
    roles = {series["role"]: series["data"] for series in chart["series"]}  # type: ignore[attr-defined]
    assert "imported" not in roles
    assert roles["shipped"][-1]["y"] == 3 and "2019" in roles["shipped"][-1]["tip"]
    assert roles["line"][-1]["y"] == 3 and int(roles["line"][-1]["x"]) == 2026  # held until today
    chinese = search_buyers(demo.uow(), country="CN").items[0]
    assert f'href="/buyers/{chinese.ref}"' in page and chinese.name in page
    profile = country.country_profile(demo.uow(), country="CN", on=TODAY, base_currency="EUR",
                                      policy=demo.settings.terms_policy())
    assert format_currency(profile.line.exposure, "EUR", locale="en_GB") in page
    assert 'id="settings-form"' not in page  # a viewer reads the settings but cannot edit them
    assert client.get("/countries/cn").status_code == 200


def test_an_imported_rating_sets_the_grade_and_joins_the_history(client: TestClient, demo: App,
                                                                  tmp_path: Path) -> None:
    import_rating(demo, tmp_path)
    log_in(client, demo, role="viewer")
    page = client.get("/countries/CN").text
    assert '<span class="grade grade-5 big"' in page
    assert "Grade 5 from the imported rating 5 (oecd scale) of OECD, as of 30 Jun 2026" in page
    assert "Documentary collection" in page
    chart = chart_data(page, "history")
    roles = {series["role"]: series["data"] for series in chart["series"]}  # type: ignore[attr-defined]
    assert [point["y"] for point in roles["imported"]] == [5]
    assert 2026.4 < roles["imported"][0]["x"] < 2026.5 < roles["line"][-1]["x"] < 2027
    assert "OECD" in roles["imported"][0]["tip"]
    assert [point["y"] for point in roles["line"][-3:]] == [3, 5, 5]  # WGI 2019, the rating, held until today
    listed = client.get("/countries").text
    row = re.search(r'href="/countries/CN">.*?</tr>', listed, re.S)
    assert row and "grade-5" in row.group(0) and "oecd 5 · OECD" in row.group(0)


def test_an_unknown_country_gets_the_not_found_page(client: TestClient, app: App) -> None:
    log_in(client, app, role="viewer")
    for path in ("/countries/XX", "/countries/ZZZ", "/countries/%00A", "/countries/XX/stress?steps=2"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html")
    assert "There is no country with the code XX." in client.get("/countries/XX").text
    hostile = client.get("/countries/%3Cb%3E")
    assert hostile.status_code == 404 and "<b>" not in hostile.text


# Settings


def test_a_credit_manager_saves_the_settings_and_a_stale_version_changes_nothing(
        client: TestClient, demo: App) -> None:
    token = log_in(client, demo, username="carl", role="credit_manager")
    page = client.get("/countries/CN").text
    assert 'id="settings-form"' in page
    version = VERSION.search(page)
    assert version and version.group(1) == "0"
    response = client.post("/countries/CN/settings", data=settings_form(
        token, "0", transfer_restrictions="FX registration for outbound payments", payment_delay_days="45",
        legal_notes="Slow insolvency courts.\nSecure retention of title.", max_credit_period_days="90",
        required_terms="documentary_collection", insured="yes"))
    assert response.status_code == 303
    assert response.headers["location"] == "/countries/CN?saved=1#settings"
    saved = stored_settings(demo)
    assert (saved.version, saved.payment_delay_days, saved.max_credit_period_days, saved.insured) == (1, 45, 90, True)
    assert saved.required_terms == "documentary_collection" and saved.updated_by == "carl"
    page = client.get(response.headers["location"]).text
    assert "Settings saved." in page and "FX registration for outbound payments" in page
    assert VERSION.search(page).group(1) == "1"  # type: ignore[union-attr]
    assert "changed by carl on 28 Nov 2026" in page
    listed = client.get("/countries")
    assert listed.status_code == 200
    row = re.search(r'href="/countries/CN">.*?</tr>', listed.text, re.S)
    assert row and "Documentary collection" in row.group(0)  # the required terms are stricter than grade 3 asks

    stale = client.post("/countries/CN/settings", data=settings_form(token, "0", payment_delay_days="10"))
    assert stale.status_code == 409
    assert "changed by someone else" in stale.text
    assert VERSION.search(stale.text).group(1) == "1"  # type: ignore[union-attr]
    assert stored_settings(demo) == saved

    bad = client.post("/countries/CN/settings", data=settings_form(token, "1", payment_delay_days="900"))
    assert bad.status_code == 422
    assert 'id="error-payment_delay_days"' in bad.text and "expected 0 to 720 days" in bad.text
    assert 'value="900"' in bad.text  # the form keeps what was typed
    words = client.post("/countries/CN/settings", data=settings_form(token, "1", max_credit_period_days="soon"))
    assert words.status_code == 422 and "expected a whole number of days" in words.text
    assert stored_settings(demo) == saved

    cleared = client.post("/countries/CN/settings", data=settings_form(token, "1"))
    assert cleared.status_code == 303
    assert stored_settings(demo).version == 2 and stored_settings(demo).required_terms is None


def test_settings_need_a_credit_manager_and_the_csrf_token(client: TestClient, demo: App) -> None:
    token = log_in(client, demo, username="vera", role="viewer")
    refused = client.post("/countries/CN/settings", data=settings_form(token, "0", payment_delay_days="30"))
    assert refused.status_code == 403
    assert "Your role does not give access to this page." in refused.text
    client.post("/logout", data={"csrf_token": token})
    analyst = log_in(client, demo, username="anna", role="analyst")
    assert client.post("/countries/CN/settings", data=settings_form(analyst, "0")).status_code == 403
    client.post("/logout", data={"csrf_token": analyst})
    manager = log_in(client, demo, username="carl", role="credit_manager")
    form = settings_form(manager, "0", payment_delay_days="30")
    for attempt in ({k: v for k, v in form.items() if k != "csrf_token"}, {**form, "csrf_token": manager[:-1]}):
        response = client.post("/countries/CN/settings", data=attempt)
        assert response.status_code == 403
        assert "did not come from this site" in response.text
    assert stored_settings(demo).version == 0
    assert client.post("/countries/XX/settings", data=form).status_code == 404


# Stress test


def test_the_stress_partial_shows_the_grade_and_terms_after_a_downgrade(client: TestClient, demo: App) -> None:
    log_in(client, demo, role="viewer")
    response = client.get("/countries/CN/stress?steps=2", headers={"HX-Request": "true"})
    assert response.status_code == 200
    page = response.text
    assert "<html" not in page and 'id="stress-result"' in page
    grade = re.search(r'id="stress-grade">(.*?)</div>', page, re.S)
    assert grade and re.findall(r">(\d)</span>", grade.group(1)) == ["3", "5"]
    terms = re.search(r'id="stress-terms">(.*?)</div>', page, re.S)
    assert terms and "Open account" in terms.group(1) and "Documentary collection" in terms.group(1)
    chinese = search_buyers(demo.uow(), country="CN").items[0]
    assert f'href="/buyers/{chinese.ref}"' in page
    result = country.stress_test(demo.uow(), country="CN", steps=2, on=TODAY, base_currency="EUR",
                                 policy=demo.settings.terms_policy())
    assert format_currency(result.exposure, "EUR", locale="en_GB") in page
    unchanged = client.get("/countries/DE/stress?steps=1", headers={"HX-Request": "true"}).text
    assert "The allowed terms stay the same" in unchanged
    full = client.get("/countries/CN/stress?steps=2")  # without htmx: the whole page with the result
    assert "<html" in full.text and 'id="stress-grade"' in full.text and '<option value="2" selected>' in full.text
    clamped = client.get("/countries/CN/stress?steps=99", headers={"HX-Request": "true"}).text
    assert re.search(r'id="stress-grade">.*?>3</span>.*?>7</span>', clamped, re.S)


def test_the_country_pages_speak_chinese(client: TestClient, demo: App) -> None:
    token = log_in(client, demo, role="credit_manager")
    client.post("/language", data={"language": "zh", "csrf_token": token, "next": "/"})
    listing = client.get("/countries").text
    assert "国家风险" in listing and "赊销" in listing and "中国" in listing
    page = client.get("/countries/CN").text
    for text in ("政治稳定", "压力测试", "编辑设置", "等级历史"):
        assert text in page, text
    stress = client.get("/countries/CN/stress?steps=2", headers={"HX-Request": "true"}).text
    assert "跟单托收" in stress


def test_a_country_with_exposure_in_a_foreign_currency_without_a_rate_explains_it(
        client: TestClient, app: App, tmp_path: Path) -> None:
    for kind, text in (("buyers", "buyer_ref,name,country,currency\nB1,Acme Inc,US,USD\n"),
                       ("invoices", "invoice_ref,buyer_ref,issue_date,due_date,currency,amount\n"
                                    "I1,B1,2026-10-01,2026-10-31,USD,100.00\n")):
        path = tmp_path / f"{kind}.csv"
        path.write_text(text, encoding="utf-8")
        import_file(app.uow(), kind=kind, path=path, base_currency="EUR", actor="t")
    log_in(client, app, role="viewer")
    response = client.get("/countries")
    assert response.status_code == 200
    assert "The exposure cannot be computed." in response.text and "no FX rate for USD" in response.text


# A screenshot in Chromium


@dataclass
class Served:
    url: str
    tc: App


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium (`make test` installs it)")
    folder = tmp_path_factory.mktemp("countries")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TRADECREDIT_SETTINGS_FILE", str(folder / "absent.toml"))
        tc = build(Settings(database_url=f"sqlite:///{folder / 'web.db'}", base_currency="EUR"),
                   clock=FixedClock.on(TODAY))
    tc.migrate()
    load_demo(tc.uow(), buyers=40, seed=7, today=TODAY, base_currency="EUR", actor="test")
    users.add_user(tc.uow(), username="admin", password=PASSWORD, role="admin", actor="test")
    ratings = folder / "ratings.csv"
    ratings.write_text("country,scale,grade,as_of,source\nCN,oecd,2,2026-06-30,OECD country risk classification\n",
                       encoding="utf-8")
    import_file(tc.uow(), kind="country_ratings", path=ratings, base_currency="EUR", actor="test")
    country.update_settings(tc.uow(), country="CN", version=0, actor="test", changes={
        "transfer_restrictions": "Outbound payments need foreign-exchange registration; allow time for remittances.",
        "payment_delay_days": 25, "max_credit_period_days": 120, "insured": True,
        "legal_notes": "Retention of title is hard to enforce; prefer bank guarantees for large orders."})
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_server(tc), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield Served(f"http://127.0.0.1:{sock.getsockname()[1]}", tc)
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()
    tc.close()


def test_a_screenshot_of_a_country_page(served: Served) -> None:
    from playwright.sync_api import ConsoleMessage, expect, sync_playwright

    artifacts = ROOT / "tests" / "artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run"])
        context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-GB")
        page = context.new_page()
        page.set_default_timeout(10_000)

        def console(message: ConsoleMessage) -> None:
            if message.type == "error":
                problems.append(message.text)

        page.on("console", console)
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.goto(served.url + "/countries/CN")
        page.get_by_label("User name").fill("admin")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.locator("h1")).to_contain_text("China")
        page.wait_for_function(ALL_CHARTS_DRAWN)
        page.screenshot(path=str(artifacts / "country.png"))
        page.get_by_label("Downgrade by").select_option("3")
        page.get_by_role("button", name="Run").click()
        expect(page.locator("#stress-grade")).to_contain_text("5")  # htmx put the result in place
        expect(page.locator("#stress-buyers tbody tr")).to_have_count(3)
        page.screenshot(path=str(artifacts / "country-full.png"), full_page=True)
        page.goto(served.url + "/countries")
        expect(page.locator("#country-table tbody tr").first).to_be_visible()
        page.wait_for_function(ALL_CHARTS_DRAWN)
        page.get_by_role("link", name="Exposure").click()
        expect(page).to_have_url(re.compile(r"sort=exposure"))
        page.screenshot(path=str(artifacts / "countries.png"))
        page.get_by_role("button", name="简体中文").click()
        expect(page.locator("h1")).to_have_text("国家风险")
        page.goto(served.url + "/countries/CN")
        expect(page.locator("#sub-scores")).to_contain_text("政治稳定")
        page.wait_for_function(ALL_CHARTS_DRAWN)
        page.screenshot(path=str(artifacts / "country-zh.png"), full_page=True)
        browser.close()
    assert problems == [], problems
    screenshots = ROOT / "docs" / "screenshots"
    screenshots.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(artifacts / "country.png", screenshots / "country.png")
