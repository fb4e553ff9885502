"""The dashboard in a real browser: Chromium (Playwright) against uvicorn on an assessed demo portfolio in SQLite.

Screenshots go to tests/artifacts/; the overview, its grade and model cards, a buyer page and its assessment, the
hold queue and a buyer's credit limit section are also copied to docs/screenshots/.
"""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from tradecredit.bootstrap import App, build
from tradecredit.config import Settings
from tradecredit.domain.clock import FixedClock
from tradecredit.server import create_server
from tradecredit.services import reports
from tradecredit.services.assessment import AssessmentConfig, assess_all, assessment_history
from tradecredit.services.buyers import search_buyers
from tradecredit.services.demo import load_demo
from tradecredit.services.limits import buyer_limits, decide_request, request_limit, set_authority
from tradecredit.services.monitoring import run_monitor
from tradecredit.services.orders import check
from tradecredit.services.users import add_user
from tradecredit.web.i18n import formatter

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("Chromium is not installed at /usr/bin/chromium (`make test` installs it)", allow_module_level=True)

from playwright.sync_api import Browser, ConsoleMessage, FilePayload, Page, expect, sync_playwright  # noqa: E402

TODAY = date(2026, 11, 28)
HISTORY = (date(2025, 3, 31), date(2025, 9, 30), date(2026, 3, 31), TODAY)
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
SCREENSHOTS = ROOT / "docs" / "screenshots"
PASSWORD = "a long browser password"
VIEWPORT = {"width": 1400, "height": 900}
REJECTED_UPLOAD = "status of 422"  # the page of a rejected import is a 422 response, which Chromium logs
BAD_PAYMENTS = b"payment_ref,buyer_ref,payment_date,currency,amount\nP-1,NOBODY,2026-02-30,EUR,12.345\n"


@dataclass
class Served:
    url: str
    tc: App


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("browser")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TRADECREDIT_SETTINGS_FILE", str(folder / "absent.toml"))
        tc = build(Settings(database_url=f"sqlite:///{folder / 'web.db'}", base_currency="EUR"),
                   clock=FixedClock.on(TODAY))
    tc.migrate()
    load_demo(tc.uow(), buyers=40, seed=7, today=TODAY, base_currency="EUR", actor="test")
    for day in HISTORY:  # a history over two statement periods, then today's assessment
        assess_all(tc.uow(), actor="test", config=AssessmentConfig.from_settings(tc.settings), as_of=day)
    add_user(tc.uow(), username="admin", password=PASSWORD, role="admin", actor="test")
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


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=VIEWPORT, locale="en-GB")  # type: ignore[arg-type]
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


def shoot(page: Page, name: str, *, docs: bool = False) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    page.screenshot(path=str(ARTIFACTS / f"{name}-full.png"), full_page=True)
    if docs:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, SCREENSHOTS / f"{name}.png")


def shoot_part(page: Page, selector: str, name: str) -> None:
    """A screenshot of one element, kept in tests/artifacts/ and docs/screenshots/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.locator(selector).screenshot(path=str(path))
    shutil.copyfile(path, SCREENSHOTS / f"{name}.png")


def charts_drawn(page: Page, count: int) -> None:
    """A function, not an expression: Playwright evaluates the text with ``eval`` once, inside its own evaluation,
    and then only calls the function on each poll. An expression is evaluated again on every poll, from the page,
    where the dashboard's Content-Security-Policy (no 'unsafe-eval') refuses it whenever the charts are not drawn
    at the first look."""
    page.wait_for_function(f"() => document.querySelectorAll('canvas[data-chart]').length === {count} && "
                           "[...document.querySelectorAll('canvas[data-chart]')].every(c => Chart.getChart(c))")


def grouped_buyer(tc: App) -> Any:
    """A subsidiary in a group (the most telling buyer page)."""
    return next(b for b in search_buyers(tc.uow(), size=100).items if b.parent_ref)


def test_a_user_logs_in_reads_the_portfolio_finds_a_buyer_imports_and_switches_to_chinese(
        served: Served, page: Page) -> None:
    problems: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error" and REJECTED_UPLOAD not in message.text:
            problems.append(message.text)

    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto(served.url + "/")
    expect(page).to_have_url(f"{served.url}/login?next=%2F")
    page.get_by_label("User name").fill("admin")
    page.get_by_label("Password").fill(PASSWORD)
    shoot(page, "login")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="Portfolio overview")).to_be_visible()
    snap = reports.snapshot(served.tc.uow(), as_of=TODAY, base_currency="EUR")
    total = formatter("en").money(reports.aging_report(snap, edges=served.tc.settings.aging_edges).total, "EUR")
    expect(page.locator(".kpi.primary .kpi-value")).to_have_text(total)
    charts_drawn(page, 4)
    shoot(page, "overview", docs=True)
    expect(page.locator("#grade-table tbody tr").first).to_be_visible()
    expect(page.locator("#psi-status")).to_be_visible()
    shoot_part(page, ".grid:has(#grades)", "overview-grades")

    buyer = grouped_buyer(served.tc)
    page.get_by_role("link", name="Buyers", exact=True).click()
    expect(page.locator("#buyer-table tbody tr")).to_have_count(25)
    page.get_by_label("Search", exact=True).fill(buyer.name[:12])
    expect(page).to_have_url(re.compile(r"[?&]q="))  # htmx replaced the results and pushed the URL
    expect(page.locator("#buyer-table tbody tr").first).to_contain_text(buyer.name[:12])
    shoot(page, "buyers")
    page.locator("#buyer-table").get_by_role("link", name=buyer.name).click()
    expect(page.locator("h1")).to_have_text(buyer.name)
    expect(page.locator(".tree")).to_contain_text(buyer.parent_ref)
    section = page.locator("#assessment")
    expect(section).to_be_visible()
    history = assessment_history(served.tc.uow(), ref=buyer.ref)
    latest = history.items[0]
    expect(section.locator(".rating.big")).to_have_text(str(latest.grade))
    expect(section.locator("#recommended-limit")).to_have_text(formatter("en").money(latest.recommended_limit, "EUR"))
    charts_drawn(page, 1)
    shoot(page, "buyer", docs=True)
    shoot_part(page, "#assessment", "buyer-assessment")
    section.get_by_role("button", name="Assess now").click()  # htmx posts with the CSRF header, swaps the section
    expect(page.locator("#assessed-now")).to_be_visible()
    expect(page.locator("#assessment details.history summary")).to_have_text(f"{history.total + 1} assessments")
    charts_drawn(page, 1)  # the swapped-in section draws its chart
    assert assessment_history(served.tc.uow(), ref=buyer.ref).total == history.total + 1

    page.get_by_role("link", name="Import", exact=True).click()
    page.get_by_label("The file contains").select_option("payments")
    page.get_by_label("File (CSV or XLSX)").set_input_files(
        files=[FilePayload(name="payments.csv", mimeType="text/csv", buffer=BAD_PAYMENTS)])
    page.get_by_role("button", name="Import", exact=True).click()
    errors = page.locator("#error-table tbody tr")
    expect(errors.first).to_be_visible()
    expect(page.locator("#error-table")).to_contain_text("payments.csv")
    expect(page.locator("#error-table")).to_contain_text("payment_date")
    shoot(page, "import-errors")

    page.get_by_role("button", name="简体中文").click()
    navigation = page.locator(".sidebar nav")
    expect(navigation).to_contain_text("概览")
    expect(navigation).to_contain_text("买方")
    expect(navigation).to_contain_text("导入")
    page.get_by_role("link", name="概览").click()
    expect(page.get_by_role("heading", name="组合概览")).to_be_visible()
    expect(page.locator(".page-head")).to_contain_text("2026年11月28日")
    shoot(page, "overview-zh")

    chinese = search_buyers(served.tc.uow(), country="CN").items[0]
    page.get_by_role("link", name="买方").click()
    page.get_by_label("搜索", exact=True).fill(chinese.name[2:6])
    page.locator("#buyer-table").get_by_role("link", name=chinese.name).click()
    expect(page.locator("h1")).to_have_text(chinese.name)
    expect(page.locator("main")).to_contain_text("付款期限")
    expect(page.locator("#assessment h2")).to_have_text("信用评估")
    shoot(page, "buyer-zh")

    assert problems == [], problems


def test_a_credit_manager_releases_a_held_order_and_reads_a_buyers_limits(served: Served, page: Page) -> None:
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    tc = served.tc
    add_user(tc.uow(), username="maria", password=PASSWORD, role="credit_manager", actor="test")
    set_authority(tc.uow(), username="maria", max_amount=Decimal(10_000_000), worst_grade=10, actor="test")
    chosen = [buyer.ref for buyer in search_buyers(tc.uow(), size=100).items if not buyer.parent_ref][:6]
    asked = [request_limit(tc.uow(), ref=ref, amount=Decimal(250_000 * (number + 1)), currency="EUR",
                           reason="annual review", actor="anna", base_currency="EUR")
             for number, ref in enumerate(chosen[:3])]  # three buyers get limits; their orders go over them
    asked.append(request_limit(tc.uow(), ref=chosen[0], amount=Decimal(60_000), currency="EUR", kind="temporary",
                               valid_from=date(2026, 11, 1), valid_to=date(2027, 1, 31),
                               reason="pre-Christmas uplift", actor="anna", base_currency="EUR"))
    for request in asked:
        decide_request(tc.uow(), request_id=request.id, decision="approve", version=1, reason="good payer",
                       actor="maria", username="maria", base_currency="EUR")
    request_limit(tc.uow(), ref=chosen[0], amount=Decimal(100_000), currency="EUR", kind="temporary",
                  valid_from=date(2027, 3, 1), valid_to=date(2027, 5, 31), reason="pre-season uplift", actor="anna",
                  base_currency="EUR")
    pending = request_limit(tc.uow(), ref=chosen[4], amount=Decimal(75_000), currency="EUR", reason="new contract",
                            actor="anna", base_currency="EUR")
    config = tc.order_check_config
    checked = []
    for number, ref in enumerate(chosen):
        headroom = buyer_limits(tc.uow(), ref=ref, base_currency="EUR", buckets=config.buckets).own.headroom
        checked.append(check(tc.uow(), ref=ref, order_ref=f"SO-{2000 + number}",
                             amount=Decimal(40_000) if headroom is None else max(headroom, Decimal(0)) + 25_000,
                             currency="EUR", ship_date=date(2026, 12, 10), actor="erp", config=config))
    held = [order.order_ref for order in checked if order.status == "held"]
    assert len(held) == len(chosen)

    page.goto(served.url + "/login")
    page.get_by_label("User name").fill("maria")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Hold queue", exact=True).click()
    expect(page.get_by_role("heading", name="Hold queue")).to_be_visible()
    rows = page.locator("#hold-table tr.hold-row")
    expect(rows).to_have_count(len(held))
    expect(page.locator("#hold-table")).to_contain_text("exceeds the limit")
    shoot(page, "holds", docs=True)
    released = held[-1]  # a buyer without a limit (the first buyer's order stays held: its limit is shown below)
    form = page.locator(f'tr.hold-row[data-order="{released}"] + tr.decide-row form')
    form.get_by_label("Reason").fill("prepayment received")
    form.get_by_role("button", name="Release").click()
    expect(page.locator("#hold-notice")).to_contain_text(f"Order {released} released")
    expect(rows).to_have_count(len(held) - 1)

    page.get_by_role("link", name="Limit requests", exact=True).click()
    decide = page.locator(f"#decide-{pending.id}")
    decide.get_by_label("Reason for the decision").fill("start lower")
    decide.get_by_label("Partial amount (EUR)").fill("50000")
    decide.get_by_role("button", name="Approve partially").click()
    expect(page.locator("#request-notice")).to_contain_text(f"Request #{pending.id}: Partially approved.")

    page.goto(f"{served.url}/buyers/{chosen[0]}#limits")
    limits = buyer_limits(tc.uow(), ref=chosen[0], base_currency="EUR", buckets=tc.settings.exposure_buckets)
    money = formatter("en").money
    section = page.locator("#limits")
    expect(section.locator("#own-limit .limit-amount")).to_have_text(money(limits.own.amount, "EUR"))
    expect(section.locator("#own-limit .headroom")).to_have_text(money(limits.own.headroom, "EUR"))
    expect(section.locator("#limit-history")).to_contain_text("good payer")
    section.locator("summary", has_text="Request a limit").click()
    expect(section.locator("#limit-request-form")).to_be_visible()
    section.locator("summary", has_text="Request a limit").click()
    section.scroll_into_view_if_needed()
    shoot_part(page, "#limits", "buyer-limits")

    calculator = page.locator("#terms-calculator")
    calculator.get_by_label("Amount (EUR)").fill("100000")
    calculator.get_by_label("Days asked for").fill("60")
    calculator.get_by_label("Gross margin (%)").fill("25")
    calculator.get_by_label("Cost of capital (% a year)").fill("8")
    calculator.get_by_role("button", name="Calculate").click()  # htmx swaps the result in
    expect(calculator.locator("#recommendation")).to_be_visible()
    expect(calculator.locator("form")).not_to_have_class(re.compile("htmx-request"))
    expect(calculator.locator("#advice-options tbody tr")).to_have_count(5)
    expect(page).to_have_url(re.compile(rf"/buyers/{chosen[0]}#limits$"))  # a partial, not a page load
    shoot_part(page, "#terms-calculator", "buyer-calculator")
    assert problems == [], problems


def test_an_analyst_works_the_alerts_inbox_and_reads_the_heat_map(served: Served, page: Page) -> None:
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    tc = served.tc
    summary = run_monitor(tc.uow, as_of=TODAY, actor="test", policy=tc.settings.signal_policy(),
                          base_currency="EUR")
    assert summary.opened > 0
    add_user(tc.uow(), username="li", password=PASSWORD, role="analyst", actor="test")

    page.goto(served.url + "/login")
    page.get_by_label("User name").fill("li")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Alerts", exact=True).click()
    expect(page.get_by_role("heading", name="Alerts", exact=True)).to_be_visible()
    cards = page.locator("section.alert-item")
    expect(page.locator(".result-count")).to_have_text(f"{summary.opened} alerts")  # all open, 25 to a page
    expect(cards).to_have_count(min(summary.opened, 25))
    shoot(page, "alerts", docs=True)
    first = cards.first
    alert_id = first.get_attribute("data-alert")
    first.locator("form.acknowledge-form").get_by_role("button", name="Acknowledge").click()
    expect(page.locator("#alert-notice")).to_contain_text(f"Alert {alert_id} acknowledged.")
    expect(page.locator(f"#alert-{alert_id} .alert-status")).to_have_text("Acknowledged")

    page.get_by_role("link", name="Early warning", exact=True).click()
    expect(page.get_by_role("heading", name="Early-warning heat map")).to_be_visible()
    expect(page.locator("#heatmap-total")).not_to_be_empty()
    shoot(page, "heatmap", docs=True)
    assert problems == []
