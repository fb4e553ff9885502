"""Credit limits, the hold queue and the credit-terms calculator on the dashboard through HTTP (TestClient), on each
backend: requesting and deciding limits (roles, CSRF, approval authority, versions), the limit figures against
exposure worked out by hand, holds released from the queue, the calculator's table, the Chinese pages."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import date
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from babel.numbers import format_currency
from fastapi.testclient import TestClient
from markupsafe import escape

from tests.builders import BUYER_HEADER, INVOICE_HEADER, write_csv
from tradecredit.bootstrap import App
from tradecredit.domain.limits import review_date
from tradecredit.server import create_server
from tradecredit.services import assessment, limits, order_deliveries, order_holds, orders, terms_advisor, users
from tradecredit.services.assessment import AssessmentConfig
from tradecredit.services.demo import load_demo
from tradecredit.services.imports import import_file
from tradecredit.services.limits import RequestView

TODAY = date(2026, 11, 28)
PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')
Browser = Callable[..., tuple[TestClient, str]]


@pytest.fixture
def book(app: App, tmp_path: Path) -> App:
    """B1 (Italy, 4,000 EUR open, not yet due) and a small group P1 ← S1, all assessed."""
    for kind, header, rows in (
        ("buyers", BUYER_HEADER, [("B1", "Rossi S.p.A.", "IT", "", "EUR", "30", ""),
                                  ("P1", "Parent Holding GmbH", "DE", "", "EUR", "30", ""),
                                  ("S1", "Subsidiary GmbH", "DE", "", "EUR", "30", "P1")]),
        ("invoices", INVOICE_HEADER, [("I1", "B1", "2026-11-01", "2026-12-01", "EUR", "4000.00"),
                                      ("I2", "S1", "2026-11-10", "2026-12-10", "EUR", "2500.00")]),
    ):
        import_file(app.uow(), kind=kind, path=write_csv(tmp_path / f"{kind}.csv", header, rows),
                    base_currency="EUR", actor="test")
    assessment.assess_all(app.uow(), actor="test", config=AssessmentConfig.from_settings(app.settings))
    return app


@pytest.fixture
def browser(app: App) -> Iterator[Browser]:
    """Opens a client of its own per user (one session each): ``browser(username, role)`` → (client, CSRF token)."""
    with ExitStack() as stack:
        def open_as(username: str, role: str, language: str = "en") -> tuple[TestClient, str]:
            client = stack.enter_context(TestClient(create_server(app), follow_redirects=False))
            return client, log_in(client, app, username, role, language)

        yield open_as


def log_in(client: TestClient, app: App, username: str, role: str, language: str = "en") -> str:
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
    return str(escape(text))


def money(value: Decimal | str, locale: str = "en_GB") -> str:
    return format_currency(Decimal(str(value)), "EUR", locale=locale)


def amount(value: Decimal | str) -> str:
    return format_currency(Decimal(str(value)), "EUR", format="#,##0.00", locale="en_GB", currency_digits=True)


def part(page: str, element_id: str, end: str = "</section>") -> str:
    start = page.index(f'id="{element_id}"')
    return page[start:page.index(end, start)]


def panel(page: str, element_id: str) -> str:
    """One limit panel (own, group, insurer) of the credit limit section."""
    start = page.index(f'id="{element_id}"')
    return page[start:page.index('<div class="panel', start + 1)]


def figure(section: str, css: str) -> str:
    found = re.search(rf'class="kpi-value {css}[^"]*">(.*?)</div>', section, re.S)
    assert found, css
    return found.group(1).strip()


def ask(app: App, ref: str = "B1", value: str = "10000", *, kind: str = "base", scope: str = "buyer",
        valid_from: date | None = None, valid_to: date | None = None) -> RequestView:
    return limits.request_limit(app.uow(), ref=ref, amount=Decimal(value), currency="EUR", kind=kind, scope=scope,
                                valid_from=valid_from, valid_to=valid_to, reason="new distributor", actor="analyst",
                                base_currency="EUR")


def pending(app: App) -> list[RequestView]:
    return limits.list_requests(app.uow(), base_currency="EUR")[0]


def authorise(app: App, username: str, max_amount: str = "50000", worst_grade: int = 10) -> None:
    limits.set_authority(app.uow(), username=username, max_amount=Decimal(max_amount), worst_grade=worst_grade,
                         actor="admin")


def hold(app: App, order_ref: str, value: str, ref: str = "B1") -> orders.OrderCheckView:
    return orders.check(app.uow(), ref=ref, order_ref=order_ref, amount=Decimal(value), currency="EUR",
                        ship_date=date(2026, 12, 5), actor="erp", config=app.order_check_config)


# Requesting and deciding on the buyer page


def test_a_requested_limit_approved_in_the_page_shows_with_its_headroom(book: App, browser: Browser) -> None:
    analyst, token = browser("anna", "analyst")
    page = analyst.get("/buyers/B1").text
    section = part(page, "limits")
    assert "Credit limit" in section and 'id="limit-request-form"' in section
    assert "No limit in force" not in section and figure(panel(page, "own-limit"), "headroom") == "–"
    assert 'class="decide-form"' not in section  # analysts request, credit managers decide
    asked = analyst.post("/buyers/B1/limit-requests", data={
        "csrf_token": token, "amount": "10,000", "currency": "EUR", "kind": "base", "scope": "buyer",
        "valid_from": "", "valid_to": "", "reason": "new distributor"})
    assert asked.status_code == 303 and asked.headers["location"] == "/buyers/B1?limit=requested#limits"
    [request] = pending(book)
    assert (request.amount_base, request.requested_by, request.version) == (Decimal("10000.00"), "anna", 1)
    assert "Limit requested" in analyst.get(asked.headers["location"]).text

    manager, manager_token = browser("maria", "credit_manager")
    authorise(book, "maria")
    page = manager.get("/buyers/B1").text
    assert f'id="decide-{request.id}"' in page and 'name="version" value="1"' in page
    assert "You may approve limits up to €50,000.00 for buyers graded up to 10." in page
    decided = manager.post(f"/buyers/B1/limit-requests/{request.id}/decision", data={
        "csrf_token": manager_token, "version": "1", "decision": "approve", "reason": "good payer", "amount": ""})
    assert decided.status_code == 303 and decided.headers["location"] == "/buyers/B1?limit=approved#limits"
    assert pending(book) == []

    page = manager.get(decided.headers["location"]).text
    own = panel(page, "own-limit")
    # By hand: a 10,000.00 limit against I1's 4,000.00 open (no released orders) leaves 6,000.00.
    assert figure(own, "limit-amount") == money("10000")
    assert figure(own, "exposure-total") == money("4000")
    assert figure(own, "headroom") == money("6000")
    grade = assessment.latest_assessment(book.uow(), ref="B1").grade
    assert f'class="review">{review_date(TODAY, grade).strftime("%-d %b %Y")}<' in own
    assert "review overdue" not in own
    assert f'id="uncovered">{money("4000")}<' in page and f'id="covered">{money("0")}<' in page
    history = part(page, "limit-history", "</table>")
    assert "good payer" in history and "maria" in history
    requests = part(page, "limit-requests", "</table>")
    assert 'class="badge request-approved">Approved<' in requests and 'class="decide-form"' not in requests
    assert "Request approved" in page


def test_a_seasonal_limit_adds_to_the_base_limit_and_a_group_limit_counts_every_member(
        book: App, browser: Browser) -> None:
    manager, _ = browser("maria", "credit_manager")
    authorise(book, "maria")
    seasonal = ask(book, "S1", "2000", kind="temporary", valid_from=date(2026, 11, 1), valid_to=date(2026, 12, 31))
    for request in (ask(book, "S1", "8000"), seasonal, ask(book, "P1", "20000", scope="group")):
        limits.decide_request(book.uow(), request_id=request.id, decision="approve", version=1, reason="ok",
                              actor="maria", username="maria", base_currency="EUR")
    page = manager.get("/buyers/S1").text
    own, group = panel(page, "own-limit"), panel(page, "group-limit")
    assert figure(own, "limit-amount") == money("10000")  # 8,000 base + 2,000 seasonal
    assert f"+{money('2000')}" in own and "1 Nov 2026 to 31 Dec 2026" in own
    assert figure(own, "headroom") == money("7500")  # 10,000 − I2's 2,500
    assert "set on P1" in group and figure(group, "headroom") == money("17500")  # 20,000 − (0 + 2,500)
    assert 'value="group"' not in part(page, "limit-request-form", "</form>")  # S1 is not the group's top
    assert 'value="group"' in part(manager.get("/buyers/P1").text, "limit-request-form", "</form>")


def test_a_bad_request_keeps_the_form_and_names_the_field(book: App, browser: Browser) -> None:
    analyst, token = browser("anna", "analyst")
    response = analyst.post("/buyers/B1/limit-requests", data={
        "csrf_token": token, "amount": "5000", "currency": "EUR", "kind": "temporary", "valid_from": "2027-03-01",
        "valid_to": "2027-02-01", "reason": "pre-season uplift"})
    assert response.status_code == 422
    form = part(response.text, "limit-request-form", "</form>")
    assert "is before valid_from" in form and 'value="5000"' in form and "pre-season uplift" in form
    assert pending(book) == []
    no_rate = analyst.post("/buyers/B1/limit-requests", data={"csrf_token": token, "amount": "5000",
                                                              "currency": "USD", "reason": "x"})
    assert no_rate.status_code == 422 and "no FX rate for USD" in no_rate.text and pending(book) == []


def test_an_authority_refusal_or_a_stale_version_shows_the_message_and_leaves_the_request_pending(
        book: App, browser: Browser) -> None:
    request = ask(book)
    manager, token = browser("maria", "credit_manager")
    authorise(book, "maria", max_amount="5000")
    refused = manager.post(f"/buyers/B1/limit-requests/{request.id}/decision", data={
        "csrf_token": token, "version": "1", "decision": "approve", "reason": "good payer"})
    assert refused.status_code == 403
    problem = part(refused.text, "form-problem", "</div>")
    assert "Outside your approval authority" in problem
    assert "may approve up to 5,000.00; this needs 10,000.00" in problem
    assert f'id="decide-{request.id}"' in refused.text  # still there to decide otherwise
    partial = manager.post(f"/limit-requests/{request.id}/decision", data={
        "csrf_token": token, "version": "1", "decision": "partial", "amount": "12000", "reason": "less"})
    assert partial.status_code == 422 and "below the requested" in partial.text
    stale = manager.post(f"/buyers/B1/limit-requests/{request.id}/decision", data={
        "csrf_token": token, "version": "0", "decision": "refuse", "reason": "no"})
    assert stale.status_code == 409 and "was changed by someone else" in stale.text
    assert [found.version for found in pending(book)] == [1]
    assert limits.buyer_limits(book.uow(), ref="B1", base_currency="EUR", buckets=("open_invoices",)).history == []
    within = manager.post(f"/buyers/B1/limit-requests/{request.id}/decision", data={
        "csrf_token": token, "version": "1", "decision": "partial", "amount": "5,000", "reason": "start lower"})
    assert within.headers["location"] == "/buyers/B1?limit=partially_approved#limits"
    again = manager.post(f"/buyers/B1/limit-requests/{request.id}/decision", data={
        "csrf_token": token, "version": "2", "decision": "refuse", "reason": "twice"})
    assert again.status_code == 409 and "Already decided" in again.text
    for unknown in (request.id + 1, 2**31, 10**20):
        missing = manager.post(f"/limit-requests/{unknown}/decision", data={
            "csrf_token": token, "version": "1", "decision": "refuse", "reason": "x"})
        assert missing.status_code == 404 and "Not found" in missing.text


def test_a_decision_without_the_csrf_token_is_refused_and_changes_nothing(book: App, browser: Browser) -> None:
    request = ask(book)
    manager, token = browser("maria", "credit_manager")
    authorise(book, "maria")
    decision = {"version": "1", "decision": "approve", "reason": "ok"}
    for response in (manager.post(f"/buyers/B1/limit-requests/{request.id}/decision", data=decision),
                     manager.post(f"/limit-requests/{request.id}/decision", data={**decision, "csrf_token": "x"}),
                     manager.post(f"/limit-requests/{request.id}/decision", data=decision,
                                  headers={"X-CSRF-Token": token[:-1]}),
                     manager.post("/buyers/B1/limit-requests", data={"amount": "1", "reason": "x"})):
        assert response.status_code == 403 and "did not come from this site" in response.text
    assert [(found.id, found.status) for found in pending(book)] == [(request.id, "pending")]


def test_a_viewer_sees_no_forms_and_a_post_from_a_viewer_is_not_allowed(book: App, browser: Browser) -> None:
    request = ask(book)
    held = hold(book, "SO-1", "500")
    viewer, token = browser("victor", "viewer")
    page = viewer.get("/buyers/B1").text
    assert "Credit limit" in page and "new distributor" in page
    assert 'id="limit-request-form"' not in page and 'class="decide-form"' not in page
    assert 'id="terms-calculator"' not in page
    queue = viewer.get("/holds").text
    assert held.order_ref in queue and "resolve-form" not in queue
    assert "decide-form" not in viewer.get("/limit-requests").text
    for response in (
        viewer.post("/buyers/B1/limit-requests", data={"csrf_token": token, "amount": "1", "reason": "x"}),
        viewer.post(f"/buyers/B1/limit-requests/{request.id}/decision",
                    data={"csrf_token": token, "version": "1", "decision": "refuse", "reason": "x"}),
        viewer.post(f"/limit-requests/{request.id}/decision",
                    data={"csrf_token": token, "version": "1", "decision": "refuse", "reason": "x"}),
        viewer.post("/holds/SO-1/resolution",
                    data={"csrf_token": token, "version": "1", "action": "release", "reason": "x"}),
        viewer.get("/buyers/B1/terms-advice?amount=1000&days=30&margin=20&cost_of_capital=8"),
    ):
        assert response.status_code == 403 and "Not allowed" in response.text
    assert len(pending(book)) == 1 and order_holds.list_orders(book.uow(), base_currency="EUR")[1] == 1


# The limit request page


def test_the_limit_request_page_lists_pending_requests_and_decides_them(book: App, browser: Browser) -> None:
    first, second = ask(book), ask(book, "S1", "3000")
    manager, token = browser("maria", "credit_manager")
    page = manager.get("/limit-requests").text
    assert "Limit requests" in page and 'aria-current="page">Limit requests<' in page
    rows = re.findall(r'<tr id="request-(\d+)">', page)
    assert rows == [str(second.id), str(first.id)]  # newest first
    assert "You have no approval authority yet" in page
    refused = manager.post(f"/limit-requests/{first.id}/decision", data={
        "csrf_token": token, "version": "1", "decision": "refuse", "reason": "too early", "listed": "pending"})
    assert refused.status_code == 303
    assert refused.headers["location"] == f"/limit-requests?decided={first.id}&outcome=refused"
    page = manager.get(refused.headers["location"]).text
    assert f"Request #{first.id}: Refused." in page
    assert re.findall(r'<tr id="request-(\d+)">', page) == [str(second.id)]
    everything = manager.get("/limit-requests?status=all").text
    assert re.findall(r'<tr id="request-(\d+)">', everything) == [str(second.id), str(first.id)]
    assert "too early" in everything
    refusals = manager.get("/limit-requests?status=refused").text
    assert re.findall(r'<tr id="request-(\d+)">', refusals) == [str(first.id)]


# The hold queue


def test_the_hold_queue_shows_every_reason_and_releasing_an_order_removes_it(book: App, browser: Browser) -> None:
    manager, token = browser("maria", "credit_manager")
    authorise(book, "maria")
    limits.decide_request(book.uow(), request_id=ask(book).id, decision="approve", version=1, reason="ok",
                          actor="maria", username="maria", base_currency="EUR")
    held = hold(book, "SO-7", "7000")
    assert held.status == "held" and [reason["code"] for reason in held.reasons] == ["over_limit"]
    queue = manager.get("/holds").text
    assert 'aria-current="page">Hold queue<' in queue
    row = part(queue, "order-1", "</tr>")
    assert 'data-order="SO-7"' in row and 'href="/buyers/B1#limits"' in row and money("7000") in row
    # By hand: exposure 4,000 (I1) + order 7,000 over the 10,000 limit, headroom 6,000.
    assert (f"Exposure {money('4000')} + order {money('7000')} exceeds the limit {money('10000')} "
            f"(headroom {money('6000')})") in row
    assert 'name="version" value="1"' in queue
    released = manager.post("/holds/SO-7/resolution", data={"csrf_token": token, "version": "1",
                                                             "action": "release", "reason": "prepaid half",
                                                             "listed": "held", "listed_buyer": ""})
    assert released.status_code == 303
    assert released.headers["location"] == "/holds?resolved=SO-7&outcome=released"
    queue = manager.get(released.headers["location"]).text
    assert "Order SO-7 released" in queue and 'data-order="SO-7"' not in queue and 'id="no-holds"' in queue
    assert 'data-order="SO-7"' in manager.get("/holds?status=released").text
    stale = manager.post("/holds/SO-7/resolution", data={"csrf_token": token, "version": "1", "action": "reject",
                                                         "reason": "x"})
    assert stale.status_code == 409 and "nothing was changed" in stale.text
    # The released order now counts as exposure: 10,000 − 4,000 − 7,000.
    own = panel(manager.get("/buyers/B1").text, "own-limit")
    assert figure(own, "headroom") == money("-1000") and 'class="bucket-open_orders">€7,000.00' in own
    # Delivered: the same 7,000 moves to its own bucket; I1 is not overdue, and that bucket is not counted.
    order_deliveries.record_delivery(book.uow(), order_ref="SO-7", delivered_on=None, actor="erp",
                                     base_currency="EUR")
    own = panel(manager.get("/buyers/B1").text, "own-limit")
    assert 'class="bucket-delivered_not_invoiced">€7,000.00' in own and 'class="bucket-open_orders">€0.00' in own
    assert 'class="bucket-overdue_invoices">€0.00 <span class="muted small">(not counted)' in own
    assert figure(own, "headroom") == money("-1000")
    assert "delivered 28 Nov 2026" in part(manager.get("/holds?status=released").text, "order-1", "</tr>")



def test_a_held_order_released_in_part_counts_only_that_part(book: App, browser: Browser) -> None:
    manager, token = browser("maria", "credit_manager")
    authorise(book, "maria")
    limits.decide_request(book.uow(), request_id=ask(book).id, decision="approve", version=1, reason="ok",
                          actor="maria", username="maria", base_currency="EUR")
    hold(book, "SO-8", "7000")
    queue = manager.get("/holds").text
    assert 'name="amount"' in queue and "buyer-name" in queue

    def post(amount: str) -> httpx.Response:
        return manager.post("/holds/SO-8/resolution", data={"csrf_token": token, "version": "1", "action": "release",
                                                             "reason": "ship what fits", "amount": amount})

    refused = post("7,000.01")
    assert refused.status_code == 422 and "at most 7000.00 EUR" in refused.text
    assert post("6,000").status_code == 303
    released = manager.get("/holds?status=released").text
    assert f"released: {money('6000')}" in released
    # 10,000 − 4,000 (I1) − the 6,000 released: no headroom left.
    own = panel(manager.get("/buyers/B1").text, "own-limit")
    assert figure(own, "headroom") == money("0") and 'class="bucket-open_orders">€6,000.00' in own


def test_the_hold_queue_filters_by_status_and_buyer_and_rejects(book: App, browser: Browser) -> None:
    hold(book, "SO-1", "100")
    hold(book, "SO-2", "200", ref="S1")
    manager, token = browser("maria", "credit_manager")
    queue = manager.get("/holds").text
    assert re.findall(r'data-order="([^"]+)"', queue) == ["SO-2", "SO-1"]
    assert "No credit limit in force for this buyer or its group" in queue
    only = manager.get("/holds?buyer=S1").text
    assert re.findall(r'data-order="([^"]+)"', only) == ["SO-2"]
    rejected = manager.post("/holds/SO-2/resolution", data={"csrf_token": token, "version": "1", "action": "reject",
                                                            "reason": "no limit", "listed": "held",
                                                            "listed_buyer": "S1"})
    assert rejected.headers["location"] == "/holds?buyer=S1&resolved=SO-2&outcome=rejected"
    assert re.findall(r'data-order="([^"]+)"', manager.get("/holds?status=rejected").text) == ["SO-2"]
    assert re.findall(r'data-order="([^"]+)"', manager.get("/holds?status=all").text) == ["SO-2", "SO-1"]
    missing = manager.post("/holds/SO-2/resolution", data={"csrf_token": token, "version": "2",
                                                           "action": "release", "reason": "x"})
    assert missing.status_code == 409 and "is rejected, not on hold" in missing.text
    for unknown in ("SO-404", "X" * 100):
        response = manager.post(f"/holds/{unknown}/resolution", data={"csrf_token": token, "version": "1",
                                                                       "action": "release", "reason": "x"})
        assert response.status_code == 404


def test_a_hold_for_an_ended_limit_gives_its_last_day(book: App, browser: Browser) -> None:
    manager, _ = browser("maria", "credit_manager", "zh")
    authorise(book, "maria")
    request = ask(book, valid_from=date(2026, 1, 1), valid_to=date(2026, 10, 31))
    limits.decide_request(book.uow(), request_id=request.id, decision="approve", version=1, reason="ok",
                          actor="maria", username="maria", base_currency="EUR")
    hold(book, "SO-9", "100")
    assert "信用额度已于 2026年10月31日 到期；目前没有有效额度" in manager.get("/holds").text
    english, _ = browser("mark", "credit_manager")
    assert "The credit limit ended on 31 Oct 2026; none is in force" in english.get("/holds").text


# The credit-terms calculator


def test_the_calculator_shows_the_advisors_options_and_recommendation(book: App, browser: Browser) -> None:
    analyst, _ = browser("anna", "analyst")
    page = analyst.get("/buyers/B1").text
    calculator = part(page, "terms-calculator")
    latest = assessment.latest_assessment(book.uow(), ref="B1")
    assert 'id="calculator-form"' in calculator and 'hx-get="/buyers/B1/terms-advice"' in calculator
    assert f"grade {latest.grade}" in calculator
    query = "amount=100000&days=60&margin=25&cost_of_capital=8&insured=0"
    response = analyst.get(f"/buyers/B1/terms-advice?{query}", headers={"HX-Request": "true"})
    assert response.status_code == 200 and response.text.lstrip().startswith('<div id="advice-result"')
    advice = terms_advisor.advise_terms(
        book.uow(), config=terms_advisor.AdvisorConfig.from_settings(book.settings), amount="100000", days=60,
        margin=Decimal("0.25"), cost_of_capital=Decimal("0.08"), buyer="B1")
    result = response.text
    assert html(advice.recommendation.explanation_en) in result
    rows = re.findall(r"<tr(?: class=\"binding recommended\")?>\s*<td>(.*?)(?: <span|</td>)", result)
    assert rows == ["Open account", "Open account", "Documentary collection", "Confirmed letter of credit",
                    "Prepayment"]
    for option in advice.options:
        assert amount(option.profit) in result
    # The figures of the docs' worked example that do not depend on the PD (docs/credit-terms.md).
    for figure_text in ("25,000.00", "1,315.07", "657.53", "200.00", "1,250.00", "2,000.00", "23,000.00"):
        assert figure_text in result
    assert result.count("recommended</span>") == 1
    whole = analyst.get(f"/buyers/B1/terms-advice?{query}").text  # without htmx: the buyer page, result in place
    assert "<html" in whole and html(advice.recommendation.explanation_en) in whole and 'value="100000"' in whole


def test_the_calculator_names_a_bad_value_and_needs_an_assessment(app: App, book: App, browser: Browser,
                                                                  tmp_path: Path) -> None:
    analyst, _ = browser("anna", "analyst")
    bad = analyst.get("/buyers/B1/terms-advice?amount=100000&days=400&margin=25&cost_of_capital=8",
                      headers={"HX-Request": "true"}).text
    assert 'id="advice-problem"' in bad and "days" in bad
    percent = analyst.get("/buyers/B1/terms-advice?amount=100000&days=60&margin=125&cost_of_capital=8",
                          headers={"HX-Request": "true"}).text
    assert 'id="advice-problem"' in percent and "margin" in percent
    path = write_csv(tmp_path / "new.csv", BUYER_HEADER, [("NEW1", "Newcomer GmbH", "DE", "", "EUR", "30", "")])
    import_file(app.uow(), kind="buyers", path=path, base_currency="EUR", actor="t")
    page = analyst.get("/buyers/NEW1").text
    assert 'id="calculator-needs-assessment"' in page and 'id="calculator-form"' not in page
    never = analyst.get("/buyers/NEW1/terms-advice?amount=1000&days=30&margin=20&cost_of_capital=8",
                        headers={"HX-Request": "true"}).text
    assert "has not been assessed yet" in never
    assert analyst.get("/buyers/NOBODY/terms-advice?amount=1&days=1&margin=1&cost_of_capital=1").status_code == 404


# The assessment section's ratios, and Chinese


def test_every_statement_period_shows_its_ratios(app: App, browser: Browser) -> None:
    load_demo(app.uow(), buyers=12, seed=7, today=TODAY, base_currency="EUR", actor="test")
    periods = []
    for ref in (f"B{number:05d}" for number in range(1, 13)):
        periods = assessment.statement_ratios(app.uow(), ref=ref)
        if len(periods) >= 2:
            assessment.assess_buyer(app.uow(), ref=ref, actor="test",
                                    config=AssessmentConfig.from_settings(app.settings))
            break
    assert len(periods) >= 2, "a demo buyer has two statement periods"
    viewer, _ = browser("victor", "viewer")
    ratios = part(viewer.get(f"/buyers/{ref}").text, "ratios", "</table>")
    assert "not assessed" not in ratios
    row = re.search(r"<td>Working capital ratio</td>(.*?)</tr>", ratios, re.S)
    assert row
    shown = re.findall(r'<td class="num">([^<]*)</td>', row.group(1))
    expected = [period.ratios["current_ratio"] for period in periods[:3]]
    assert shown == [format_currency(Decimal(str(value)), "EUR", format="#,##0.00", locale="en_GB")
                     if value is not None else "–" for value in expected]


def test_the_chinese_pages_show_translated_labels(book: App, browser: Browser) -> None:
    request = ask(book)
    hold(book, "SO-1", "500")
    manager, _ = browser("li", "credit_manager", language="zh")
    page = manager.get("/buyers/B1").text
    section = part(page, "limits")
    for label in ("信用额度", "自有额度", "集团额度", "可用额度", "保险人额度", "申请额度", "待审批", "批准", "拒绝"):
        assert label in section, label
    assert "Credit limit" not in section and "Headroom" not in section
    latest = assessment.latest_assessment(book.uow(), ref="B1")
    assert html(latest.outputs["terms"]["why_zh"]) in part(page, "payment-terms", "</div>")
    advice = manager.get("/buyers/B1/terms-advice?amount=100000&days=60&margin=25&cost_of_capital=8",
                         headers={"HX-Request": "true"}).text
    assert "建议" in advice and "赊销" in advice and "预期损失" in advice
    queue = manager.get("/holds").text
    assert "暂缓订单" in queue and "此买方或其集团没有有效的信用额度" in queue and "放行" in queue
    requests = manager.get("/limit-requests").text
    assert "额度申请" in requests and f'id="decide-{request.id}"' in requests
