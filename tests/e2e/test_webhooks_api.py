"""Webhooks over HTTP on each backend: admin only, the secret shown once, versions, the delivery log, and the
dispatcher the served app runs in the background."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.conftest import TODAY
from tests.e2e.api_support import Clients, make_clients
from tests.receiver import Receiver, running_receiver
from tradecredit.api.app import create_app
from tradecredit.bootstrap import App, build
from tradecredit.domain.clock import FixedClock
from tradecredit.domain.users import Role
from tradecredit.services import webhooks as service

BASE = "/api/v1/webhooks"


@pytest.fixture
def api(app: App) -> Clients:
    return make_clients(app)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


def test_an_admin_adds_lists_disables_and_enables_an_endpoint(api: Clients) -> None:
    admin = api[Role.ADMIN]
    made = admin.post(BASE, json={"url": "https://erp.example.com/in", "event_types": ["order.held"],
                                  "description": "ERP"})
    assert made.status_code == 201, made.text
    created = made.json()
    assert created["secret"].startswith("whsec_") and (created["id"], created["version"]) == (1, 1)
    listed = admin.get(BASE).json()
    assert [e["url"] for e in listed] == ["https://erp.example.com/in"] and "secret" not in listed[0]
    disabled = admin.post(f"{BASE}/1/disable", json={"version": 1})
    assert disabled.status_code == 200 and (disabled.json()["active"], disabled.json()["version"]) == (False, 2)
    stale = admin.post(f"{BASE}/1/enable", json={"version": 1})
    assert stale.status_code == 409 and "you sent version 1, it is now at 2" in stale.json()["detail"]
    assert admin.post(f"{BASE}/1/enable", json={"version": 2}).json()["active"] is True
    assert admin.post(f"{BASE}/9/enable", json={"version": 1}).status_code == 404


def test_bad_endpoints_are_refused_with_the_field_named(api: Clients) -> None:
    admin = api[Role.ADMIN]
    for body, field in (({"url": "ftp://x.example/in", "event_types": ["order.held"]}, "url"),
                        ({"url": "https://x.example/in", "event_types": ["order.lost"]}, "event_types"),
                        ({"url": "https://x.example/in", "event_types": []}, "body.event_types")):
        answer = admin.post(BASE, json=body)
        assert answer.status_code == 422, answer.text
        assert answer.json()["errors"][0]["field"] == field
    assert admin.get(BASE).json() == []


def test_only_admins_manage_webhooks(api: Clients) -> None:
    api[Role.ADMIN].post(BASE, json={"url": "https://erp.example.com/in", "event_types": ["order.held"]})
    for role in (Role.VIEWER, Role.ANALYST, Role.CREDIT_MANAGER):
        client = api[role]
        assert client.get(BASE).status_code == 403
        assert client.post(BASE, json={"url": "https://a.example", "event_types": ["order.held"]}).status_code == 403
        assert client.post(f"{BASE}/1/disable", json={"version": 1}).status_code == 403
        assert client.get(f"{BASE}/deliveries").status_code == 403
    assert api.anonymous.get(BASE).status_code == 401


def test_a_test_ping_appears_in_the_delivery_log_and_a_failed_one_can_be_redelivered(app: App, api: Clients,
                                                                                     receiver: Receiver) -> None:
    admin = api[Role.ADMIN]
    receiver.answers["/hook"] = [400, 204]
    admin.post(BASE, json={"url": receiver.url("/hook"), "event_types": ["order.held"]})
    queued = admin.post(f"{BASE}/1/test")
    assert queued.status_code == 202 and (queued.json()["event_type"], queued.json()["status"]) == ("ping", "pending")
    with httpx.Client(timeout=2) as http:
        service.deliver_pending(app.uow, now=app.clock.now(), client=http)
    failed = admin.get(f"{BASE}/deliveries", params={"status": "failed", "endpoint": 1}).json()
    assert failed["total"] == 1 and failed["items"][0]["last_status_code"] == 400
    delivery_id = failed["items"][0]["id"]
    again = admin.post(f"{BASE}/deliveries/{delivery_id}/redeliver")
    assert again.status_code == 202 and again.json()["status"] == "pending"
    assert admin.post(f"{BASE}/deliveries/{delivery_id}/redeliver").status_code == 409
    assert admin.post(f"{BASE}/deliveries/999/redeliver").status_code == 404
    assert admin.get(f"{BASE}/deliveries", params={"status": "sent"}).status_code == 422


def test_the_served_app_dispatches_in_the_background_and_stops_cleanly(app: App, receiver: Receiver) -> None:
    endpoint = service.add_endpoint(app.uow(), url=receiver.url("/bg"), event_types=["order.held"], actor="test")
    service.send_test(app.uow(), endpoint_id=endpoint.id, actor="test")
    settings = app.settings.model_copy(update={"webhook_dispatcher": True, "webhook_interval_seconds": 0.5})
    served = build(settings, clock=FixedClock.on(TODAY + timedelta(days=1)))  # the ping is due
    try:
        with TestClient(create_app(served)):
            deadline = time.monotonic() + 10
            while not receiver.received and time.monotonic() < deadline:
                time.sleep(0.1)
        assert [r.path for r in receiver.received] == ["/bg"]
        (delivery,) = service.list_deliveries(app.uow())[0]
        assert delivery.status == "delivered"
    finally:
        served.close()


def test_the_dispatcher_can_be_turned_off(app: App, receiver: Receiver) -> None:
    endpoint = service.add_endpoint(app.uow(), url=receiver.url("/bg"), event_types=["order.held"], actor="test")
    service.send_test(app.uow(), endpoint_id=endpoint.id, actor="test")
    settings = app.settings.model_copy(update={"webhook_dispatcher": False, "webhook_interval_seconds": 0.5})
    served = build(settings)
    try:
        with TestClient(create_app(served)):
            time.sleep(1.2)
    finally:
        served.close()
    assert receiver.received == []
