"""Outgoing webhooks on each backend, sent to a real HTTP server: the outbox, signatures, retries, failures,
concurrent dispatchers, the delivery log and the order events."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from tests.builders import BUYER_HEADER, write_csv
from tests.receiver import Receiver, running_receiver
from tradecredit.bootstrap import App
from tradecredit.domain.errors import Conflict, NotFound, StaleVersion, ValidationError
from tradecredit.domain.webhooks import RetryPolicy
from tradecredit.services import order_holds, orders
from tradecredit.services import webhooks as service
from tradecredit.services.audit import audit_trail
from tradecredit.services.imports import import_file
from tradecredit.services.webhook_dispatch import DeliveryConfig, Dispatcher

EVENT = "order.held"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=0.5) as http:
        yield http


def subscribe(app: App, url: str, *events: str) -> service.NewEndpoint:
    return service.add_endpoint(app.uow(), url=url, event_types=list(events or (EVENT,)), actor="admin")


def emit(app: App, data: dict[str, object] | None = None, event: str = EVENT) -> str:
    with app.uow() as uow:
        event_id = service.enqueue(uow, event, data or {"order_ref": "SO-1"})
        uow.commit()
    return event_id


def run(app: App, client: httpx.Client, *, after: float = 0, policy: RetryPolicy | None = None,
        limit: int = 100) -> service.DispatchResult:
    return service.deliver_pending(app.uow, now=app.clock.now() + timedelta(seconds=after), client=client,
                                   limit=limit, policy=policy)


def log_of(app: App, **filters: object) -> list[service.DeliveryView]:
    return service.list_deliveries(app.uow(), size=500, **filters)[0]  # type: ignore[arg-type]


def test_an_event_is_delivered_signed_to_each_subscribed_endpoint(app: App, receiver: Receiver,
                                                                  client: httpx.Client) -> None:
    erp = subscribe(app, receiver.url("/erp"))
    subscribe(app, receiver.url("/chat"), "order.released")
    event_id = emit(app, {"order_ref": "SO-1", "amount": Decimal("1250.00")})
    result = run(app, client)
    assert (result.delivered, result.retrying, result.failed) == (1, 0, 0)
    (request,) = receiver.received
    assert request.path == "/erp"
    document = json.loads(request.body)
    assert document == {"id": event_id, "type": EVENT, "created_at": "2026-11-28T12:00:00+00:00",
                        "data": {"order_ref": "SO-1", "amount": "1250.00"}}
    timestamp, signature = (part.split("=", 1)[1] for part in request.headers["X-TradeCredit-Signature"].split(","))
    assert int(timestamp) == int(app.clock.now().timestamp())
    assert signature == hmac.new(erp.secret.encode(), f"{timestamp}.".encode() + request.body,
                                 hashlib.sha256).hexdigest()
    assert request.headers["Content-Type"] == "application/json"
    (delivery,) = log_of(app)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)
    assert delivery.delivered_at == app.clock.now() and delivery.next_attempt_at is None


def test_a_500_is_retried_on_the_schedule_and_then_delivered(app: App, receiver: Receiver,
                                                             client: httpx.Client) -> None:
    receiver.answers["/flaky"] = [500, 200]
    subscribe(app, receiver.url("/flaky"))
    emit(app)
    first = run(app, client)
    (delivery,) = log_of(app)
    assert (first.retrying, delivery.status, delivery.attempts, delivery.last_status_code) == (1, "pending", 1, 500)
    assert delivery.last_error == "HTTP 500 Internal Server Error"
    assert delivery.next_attempt_at == app.clock.now() + timedelta(seconds=30)
    assert run(app, client, after=29).attempted == 0  # not due yet
    assert run(app, client, after=30).delivered == 1
    (delivery,) = log_of(app)
    assert (delivery.status, delivery.attempts, delivery.last_status_code, delivery.last_error) == (
        "delivered", 2, 200, None)
    first_body, second_body = (r.body for r in receiver.to("/flaky"))
    assert first_body == second_body  # the same event, the same id: receivers deduplicate on it


def test_an_endpoint_that_times_out_is_retried_and_logged_and_the_run_returns_promptly(
        app: App, receiver: Receiver, client: httpx.Client, caplog: pytest.LogCaptureFixture) -> None:
    receiver.delay["/slow"] = 3.0
    subscribe(app, receiver.url("/slow"))
    subscribe(app, receiver.url("/fast"))
    for n in range(3):
        emit(app, {"n": n})
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="tradecredit.services.webhook_dispatch"):
        result = run(app, client)
    assert time.monotonic() - started < 2.5  # one timeout (0.5 s); the slow endpoint's other deliveries wait
    assert (result.delivered, result.retrying, result.deferred) == (3, 1, 2)
    slow = log_of(app, endpoint_id=1)
    assert [(d.status, d.attempts) for d in slow] == [("pending", 0), ("pending", 0), ("pending", 1)]
    assert slow[-1].last_status_code is None and "timed out" in (slow[-1].last_error or "")
    assert "timed out" in caplog.text and "→ retry" in caplog.text


def test_a_connection_refused_is_retried(app: App, client: httpx.Client) -> None:
    subscribe(app, "http://127.0.0.1:9/nothing-listens-here")
    emit(app)
    assert run(app, client).retrying == 1
    (delivery,) = log_of(app)
    assert delivery.status == "pending" and "ConnectError" in (delivery.last_error or "")


def test_a_404_fails_for_good_without_retrying(app: App, receiver: Receiver, client: httpx.Client) -> None:
    receiver.answers["/gone"] = [404]
    subscribe(app, receiver.url("/gone"))
    emit(app)
    assert run(app, client).failed == 1
    (delivery,) = log_of(app, status="failed")
    assert (delivery.attempts, delivery.last_status_code, delivery.next_attempt_at) == (1, 404, None)
    assert run(app, client, after=86_400).attempted == 0
    assert len(receiver.received) == 1


def test_a_delivery_fails_after_the_last_attempt(app: App, receiver: Receiver, client: httpx.Client) -> None:
    receiver.answers["/down"] = [503]
    subscribe(app, receiver.url("/down"))
    emit(app)
    policy = RetryPolicy(delays=(30,), max_attempts=3)
    verdicts = [run(app, client, after=after, policy=policy) for after in (0, 30, 60, 90)]
    assert [(r.retrying, r.failed) for r in verdicts] == [(1, 0), (1, 0), (0, 1), (0, 0)]
    (delivery,) = log_of(app)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 3, 503)
    assert len(receiver.received) == 3


def test_an_event_queued_in_a_unit_of_work_that_rolls_back_is_never_sent(app: App, receiver: Receiver) -> None:
    subscribe(app, receiver.url("/erp"))
    with app.uow() as uow:
        service.enqueue(uow, EVENT, {"order_ref": "SO-1"})  # no commit
    with pytest.raises(RuntimeError, match="boom"), app.uow() as uow:
        service.enqueue(uow, EVENT, {"order_ref": "SO-2"})
        raise RuntimeError("boom")
    assert log_of(app) == []


def test_enqueue_outside_an_open_unit_of_work_is_refused(app: App) -> None:
    with pytest.raises(RuntimeError, match="inside `with uow:`"):
        service.enqueue(app.uow(), EVENT, {})


def test_a_disabled_endpoint_gets_nothing_new_and_its_pending_deliveries_wait(app: App, receiver: Receiver,
                                                                               client: httpx.Client) -> None:
    endpoint = subscribe(app, receiver.url("/erp"))
    emit(app, {"n": 1})
    disabled = service.disable_endpoint(app.uow(), endpoint_id=endpoint.id, version=1, actor="admin")
    assert (disabled.active, disabled.version) == (False, 2)
    emit(app, {"n": 2})
    assert len(log_of(app)) == 1
    assert run(app, client).attempted == 0
    service.enable_endpoint(app.uow(), endpoint_id=endpoint.id, version=2, actor="admin")
    assert run(app, client).delivered == 1
    assert [json.loads(r.body)["data"] for r in receiver.received] == [{"n": 1}]


def test_two_dispatchers_at_once_never_send_a_delivery_twice(app: App, receiver: Receiver) -> None:
    receiver.delay["/erp"] = 0.01
    subscribe(app, receiver.url("/erp"))
    with app.uow() as uow:
        for n in range(30):
            service.enqueue(uow, EVENT, {"n": n})
        uow.commit()
    start = threading.Barrier(2)
    results: list[service.DispatchResult] = []

    def dispatcher() -> None:
        with httpx.Client(timeout=5) as http:
            start.wait()
            results.append(run(app, http))

    threads = [threading.Thread(target=dispatcher) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    sent = Counter(json.loads(r.body)["data"]["n"] for r in receiver.received)
    assert sorted(sent) == list(range(30)) and set(sent.values()) == {1}
    assert sum(r.delivered for r in results) == 30
    assert {d.status for d in log_of(app)} == {"delivered"}


def test_a_failed_delivery_is_redelivered_by_hand_with_a_fresh_schedule(app: App, receiver: Receiver,
                                                                        client: httpx.Client) -> None:
    receiver.answers["/erp"] = [410, 200]
    subscribe(app, receiver.url("/erp"))
    emit(app)
    run(app, client)
    (failed,) = log_of(app, status="failed")
    again = service.redeliver(app.uow(), delivery_id=failed.id, actor="admin")
    assert (again.status, again.attempts) == ("pending", 0)
    with pytest.raises(Conflict, match=f"webhook delivery {failed.id} is already pending"):
        service.redeliver(app.uow(), delivery_id=failed.id, actor="admin")
    assert run(app, client).delivered == 1
    assert [json.loads(r.body)["id"] for r in receiver.received] == [failed.event_id] * 2
    with pytest.raises(NotFound, match="webhook delivery 999 not found"):
        service.redeliver(app.uow(), delivery_id=999, actor="admin")


def test_a_test_ping_goes_to_the_one_endpoint_asked(app: App, receiver: Receiver, client: httpx.Client) -> None:
    first = subscribe(app, receiver.url("/one"))
    subscribe(app, receiver.url("/two"))
    ping = service.send_test(app.uow(), endpoint_id=first.id, actor="admin")
    assert (ping.event_type, ping.status, ping.url) == ("ping", "pending", receiver.url("/one"))
    assert run(app, client).delivered == 1
    (request,) = receiver.received
    assert request.path == "/one" and json.loads(request.body)["type"] == "ping"
    with pytest.raises(NotFound, match="webhook endpoint 99 not found"):
        service.send_test(app.uow(), endpoint_id=99, actor="admin")


def test_endpoints_are_listed_without_their_secret_and_every_change_is_audited(app: App) -> None:
    created = service.add_endpoint(app.uow(), url="https://erp.example.com/in", description=" the ERP ",
                                   event_types=["order.held", "order.released"], actor="admin")
    assert created.secret.startswith("whsec_") and len(created.secret) > 40
    (listed,) = service.list_endpoints(app.uow())
    assert not hasattr(listed, "secret")
    assert (listed.url, listed.event_types, listed.description, listed.active, listed.version) == (
        "https://erp.example.com/in", ["order.held", "order.released"], "the ERP", True, 1)
    service.disable_endpoint(app.uow(), endpoint_id=created.id, actor="admin")
    events, _ = audit_trail(app.uow(), entity="webhook")
    assert [e.action for e in events] == ["disable", "add"]
    assert created.secret not in json.dumps([e.after for e in events])


def test_bad_input_is_refused_naming_the_field_and_changes_nothing(app: App) -> None:
    endpoint = subscribe(app, "https://erp.example.com/in")
    service.disable_endpoint(app.uow(), endpoint_id=endpoint.id, version=1, actor="admin")
    before = (service.list_endpoints(app.uow()), audit_trail(app.uow())[1])
    cases = [
        (ValidationError, "url: expected an http:// or https:// URL; got scheme 'ftp'",
         lambda: subscribe(app, "ftp://erp.example.com/in")),
        (ValidationError, "event_types: unknown event type 'order.lost'",
         lambda: subscribe(app, "https://erp.example.com/in", "order.lost")),
        (ValidationError, "description: expected at most 500 characters",
         lambda: service.add_endpoint(app.uow(), url="https://a.example", event_types=[EVENT], actor="admin",
                                      description="x" * 501)),
        (NotFound, "webhook endpoint 42 not found",
         lambda: service.disable_endpoint(app.uow(), endpoint_id=42, actor="admin")),
        (StaleVersion, "webhook endpoint 1 was changed by someone else \\(you sent version 1, it is now at 2\\)",
         lambda: service.enable_endpoint(app.uow(), endpoint_id=endpoint.id, version=1, actor="admin")),
        (Conflict, "webhook endpoint 1 is disabled; enable it first",
         lambda: service.send_test(app.uow(), endpoint_id=endpoint.id, actor="admin")),
        (ValidationError, "event_types: unknown event type 'order.lost'",
         lambda: emit(app, event="order.lost")),
        (ValidationError, "status: expected one of pending, delivered, failed; got 'sent'",
         lambda: service.list_deliveries(app.uow(), status="sent")),
        (NotFound, "webhook endpoint 7 not found", lambda: service.list_deliveries(app.uow(), endpoint_id=7)),
    ]
    for error, message, call in cases:
        with pytest.raises(error, match=message):
            call()
    assert (service.list_endpoints(app.uow()), audit_trail(app.uow())[1]) == before
    assert log_of(app) == []


@pytest.fixture
def buyer(app: App, tmp_path: Path) -> str:
    rows = [("B1", "Rossi S.p.A.", "IT", "", "EUR", "30", "")]
    import_file(app.uow(), kind="buyers", path=write_csv(tmp_path / "b.csv", BUYER_HEADER, rows),
                base_currency="EUR", actor="test")
    return "B1"


def test_holding_releasing_and_rejecting_orders_queue_their_events(app: App, buyer: str) -> None:
    subscribe(app, "https://erp.example.com/in", "order.held", "order.released", "order.rejected")
    config = app.order_check_config
    for order_ref in ("SO-1", "SO-2", "SO-1"):  # no limit: held; SO-1 sent again queues nothing more
        orders.check(app.uow(), ref=buyer, order_ref=order_ref, amount=Decimal("900.50"), currency="EUR",
                     ship_date=date(2026, 12, 1), actor="erp", config=config)
    order_holds.resolve_hold(app.uow(), base_currency="EUR", order_ref="SO-1", release=True, reason="paid in advance",
                        version=1, actor="maria")
    order_holds.resolve_hold(app.uow(), base_currency="EUR", order_ref="SO-2", release=False, reason="no", version=1,
                        actor="maria")
    events = [(d.event_type, d.payload["order_ref"]) for d in reversed(log_of(app))]
    assert events == [("order.held", "SO-1"), ("order.held", "SO-2"), ("order.released", "SO-1"),
                      ("order.rejected", "SO-2")]
    released = log_of(app)[1].payload
    assert {k: released[k] for k in ("buyer", "amount", "currency", "status", "reasons", "resolved_by",
                                     "resolution_reason", "version")} == {
        "buyer": "B1", "amount": "900.50", "currency": "EUR", "status": "released", "reasons": ["no_limit"],
        "resolved_by": "maria", "resolution_reason": "paid in advance", "version": 2}


def test_the_background_dispatcher_keeps_one_http_client_and_closes_it_when_stopped(app: App) -> None:
    """Making a client loads the CA certificates (about 30 ms holding the GIL): once per dispatcher, not per run."""
    dispatcher = Dispatcher(app.uow, app.clock, DeliveryConfig())
    assert dispatcher.run_once().delivered == 0
    client = dispatcher._client
    assert client is not None
    dispatcher.run_once()
    assert dispatcher._client is client and not client.is_closed
    asyncio.run(dispatcher.stop())
    assert client.is_closed
