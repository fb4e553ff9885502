"""The alerts inbox and the buyer page's monitoring section through HTTP (TestClient), on each backend: filters,
the lifecycle forms (roles, CSRF, versions), one-click actions shown as done, the watch-list toggle and the
credit-block control, the timeline, the Chinese page."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.alert_book import add_alert
from tests.builders import BUYER_HEADER, INVOICE_HEADER, write_csv
from tests.e2e.test_web_limits import Browser, log_in, part
from tradecredit.bootstrap import App
from tradecredit.server import create_server
from tradecredit.services import alerts, credit_blocks, watch_list
from tradecredit.services.imports import import_file


@pytest.fixture
def book(app: App, tmp_path: Path) -> App:
    for kind, header, rows in (
        ("buyers", BUYER_HEADER, [("B1", "Rossi S.p.A.", "IT", "", "EUR", "30", ""),
                                  ("B2", "Schmidt GmbH", "DE", "", "EUR", "30", "")]),
        ("invoices", INVOICE_HEADER, [("I1", "B1", "2026-09-19", "2026-10-19", "EUR", "1000.00")]),
    ):
        import_file(app.uow(), kind=kind, path=write_csv(tmp_path / f"{kind}.csv", header, rows),
                    base_currency="EUR", actor="test")
    return app


@pytest.fixture
def browser(app: App) -> Iterator[Browser]:
    from fastapi.testclient import TestClient

    with ExitStack() as stack:
        def open_as(username: str, role: str, language: str = "en") -> tuple[TestClient, str]:
            client = stack.enter_context(TestClient(create_server(app), follow_redirects=False))
            return client, log_in(client, app, username, role, language)

        yield open_as


def test_the_inbox_lists_filters_and_moves_alerts_through_their_life(book: App, browser: Browser) -> None:
    alert_id = add_alert(book, "B1")
    add_alert(book, "B2", code="stale_statement", severity="info", action_list=[],
              text_en="The latest statement is 20 months old", text_zh="最新财务报表已有 20 个月")
    analyst, token = browser("anna", "analyst")
    page = analyst.get("/alerts").text
    assert 'href="/alerts"' in page  # in the navigation
    assert page.index(f'id="alert-{alert_id}"') < page.index("The latest statement is 20 months old")
    assert "Invoice I1 is 40 days overdue" in page and "days_overdue" in page
    assert "/actions/stop_shipments" not in part(page, f"alert-{alert_id}")  # a credit manager's button
    assert "/actions/call_buyer" in part(page, f"alert-{alert_id}")
    filtered = analyst.get("/alerts", params={"severity": "info"}).text
    assert f'id="alert-{alert_id}"' not in filtered and "20 months old" in filtered
    assert "No open alert" in analyst.get("/alerts", params={"country": "FR"}).text
    forged = analyst.post(f"/alerts/{alert_id}/acknowledge", data={"csrf_token": "forged", "version": "1"})
    assert forged.status_code == 403
    done = analyst.post(f"/alerts/{alert_id}/acknowledge", data={"csrf_token": token, "version": "1",
                                                                  "back": "severity=critical"})
    assert done.status_code == 303
    back = f"/alerts?severity=critical&done={alert_id}&outcome=acknowledged#alert-{alert_id}"
    assert done.headers["location"] == back
    assert f"Alert {alert_id} acknowledged." in analyst.get(done.headers["location"]).text
    stale = analyst.post(f"/alerts/{alert_id}/acknowledge", data={"csrf_token": token, "version": "1"})
    assert stale.status_code == 409 and "Someone else changed it" in stale.text
    past = analyst.post(f"/alerts/{alert_id}/snooze", data={"csrf_token": token, "version": "2",
                                                             "until": "2026-11-01", "comment": "later"})
    assert past.status_code == 422 and "until" in past.text
    assert analyst.post(f"/alerts/{alert_id}/resolve", data={"csrf_token": token, "version": "2",
                                                              "comment": "x"}).status_code == 403
    called = analyst.post(f"/alerts/{alert_id}/actions/call_buyer", data={"csrf_token": token, "version": "2"})
    assert called.status_code == 303
    shown = part(analyst.get("/alerts").text, f"alert-{alert_id}")
    assert 'data-action="call_buyer"' in shown and "action-done" in shown and "task recorded" in shown
    manager, manager_token = browser("carla", "credit_manager")
    stopped = manager.post(f"/alerts/{alert_id}/actions/stop_shipments", data={"csrf_token": manager_token,
                                                                              "version": "3"})
    assert stopped.status_code == 303
    assert credit_blocks.buyer_blocks(book.uow(), ref="B1").current is not None
    resolved = manager.post(f"/alerts/{alert_id}/resolve", data={"csrf_token": manager_token, "version": "4",
                                                                  "comment": "paid in full"})
    assert resolved.status_code == 303 and alerts.get_alert(book.uow(), alert_id=alert_id).status == "resolved"
    again = manager.post(f"/alerts/{alert_id}/resolve", data={"csrf_token": manager_token, "version": "5",
                                                               "comment": "again"})
    assert again.status_code == 409 and "Not possible in the current state" in again.text


def test_the_buyer_page_toggles_the_watch_list_blocks_and_shows_the_timeline(book: App, browser: Browser) -> None:
    alert_id = add_alert(book, "B1")
    alerts.acknowledge(book.uow(), alert_id=alert_id, version=1, actor="anna", comment="calling them")
    viewer, _ = browser("vera", "viewer")
    section = part(viewer.get("/buyers/B1").text, "monitoring", "</section>")
    assert "Not watched" in section and "No block" in section and 'name="action"' not in section
    timeline = section[section.index('id="alert-timeline"'):]
    assert timeline.index('data-event="acknowledged"') < timeline.index('data-event="opened"')
    assert "calling them" in timeline
    analyst, token = browser("anna2", "analyst")
    added = analyst.post("/buyers/B1/watch", data={"csrf_token": token, "action": "add", "reason": "late payer"})
    assert added.status_code == 303 and added.headers["location"] == "/buyers/B1?monitor=watched#monitoring"
    assert watch_list.watch_entry(book.uow(), ref="B1") is not None
    again = analyst.post("/buyers/B1/watch", data={"csrf_token": token, "action": "add", "reason": "again"})
    assert again.status_code == 409 and "already on the watch list" in again.text
    assert analyst.post("/buyers/B1/credit-block", data={"csrf_token": token, "action": "block",
                                                         "reason": "fraud"}).status_code == 403
    manager, manager_token = browser("carla", "credit_manager")
    blocked = manager.post("/buyers/B1/credit-block", data={"csrf_token": manager_token, "action": "block",
                                                            "reason": "fraud suspected"})
    assert blocked.status_code == 303
    page = part(manager.get(blocked.headers["location"]).text, "monitoring", "</section>")
    assert "Shipments stopped" in page and "fraud suspected" in page and "Lift the block" in page
    block = credit_blocks.buyer_blocks(book.uow(), ref="B1").current
    assert block is not None
    lifted = manager.post("/buyers/B1/credit-block", data={"csrf_token": manager_token, "action": "lift",
                                                           "reason": "cleared", "block_id": str(block.id)})
    assert lifted.status_code == 303 and credit_blocks.buyer_blocks(book.uow(), ref="B1").current is None
    removed = analyst.post("/buyers/B1/watch", data={"csrf_token": token, "action": "remove"})
    assert removed.status_code == 303 and watch_list.watch_entry(book.uow(), ref="B1") is None


def test_the_inbox_in_chinese_shows_the_chinese_sentences(book: App, browser: Browser) -> None:
    add_alert(book, "B1")
    client, _ = browser("li", "analyst", "zh")
    page = client.get("/alerts").text
    assert "发票 I1 逾期 40 天" in page and "预警" in page and "Invoice I1 is 40 days overdue" not in page
    assert "信用监控" in client.get("/buyers/B1").text
