"""Outgoing webhooks: endpoints, the transactional outbox, and the delivery log.

Other services report an event by calling :func:`enqueue` inside their own open unit of work, before their
``commit()``: the delivery rows are written in the same transaction as the change they report, so an event is
sent exactly when the change is stored (and never for a change that rolled back). The dispatcher
(``services.webhook_dispatch``) sends them later, at least once; receivers deduplicate by the event ``id``.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from tradecredit.domain.errors import Conflict, NotFound, StaleVersion, ValidationError
from tradecredit.domain.webhooks import PING, DeliveryStatus, check_event_types, check_url, outbox_rows
from tradecredit.services.paging import check_page
from tradecredit.services.webhook_dispatch import DeliveryConfig, DispatchResult, deliver_pending
from tradecredit.store.tables import WebhookDeliveryRecord, WebhookEndpointRecord
from tradecredit.store.uow import SqlUnitOfWork

__all__ = [
    "DeliveryConfig",
    "DeliveryView",
    "DispatchResult",
    "EndpointView",
    "NewEndpoint",
    "add_endpoint",
    "deliver_pending",
    "disable_endpoint",
    "enable_endpoint",
    "enqueue",
    "list_deliveries",
    "list_endpoints",
    "redeliver",
    "send_test",
]

MAX_DESCRIPTION = 500
SECRET_PREFIX = "whsec_"


@dataclass(frozen=True)
class EndpointView:
    """An endpoint as lists show it: never with its secret."""

    id: int
    url: str
    event_types: list[str]
    active: bool
    description: str | None
    created_by: str
    created_at: datetime
    version: int


@dataclass(frozen=True)
class NewEndpoint(EndpointView):
    """The endpoint just added, with its signing secret: the only time the secret is shown."""

    secret: str


@dataclass(frozen=True)
class DeliveryView:
    id: int
    endpoint_id: int
    url: str
    event_type: str
    event_id: str
    payload: dict[str, Any]
    status: str
    attempts: int
    next_attempt_at: datetime | None  # when a pending delivery is due (past or soon: being sent)
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


def _endpoint(record: WebhookEndpointRecord) -> EndpointView:
    return EndpointView(record.id, record.url, list(record.event_types), record.active, record.description,
                        record.created_by, record.created_at, record.version)


def _delivery(record: WebhookDeliveryRecord, url: str) -> DeliveryView:
    return DeliveryView(record.id, record.endpoint_id, url, record.event_type, record.event_id, dict(record.payload),
                        record.status, record.attempts, record.next_attempt_at, record.last_attempt_at,
                        record.last_status_code, record.last_error, record.created_at, record.delivered_at)


def _description(value: str | None) -> str | None:
    text = (value or "").strip()
    if len(text) > MAX_DESCRIPTION:
        raise ValidationError("description", f"expected at most {MAX_DESCRIPTION} characters; got {len(text)}")
    return text or None


def add_endpoint(uow: SqlUnitOfWork, *, url: str, event_types: list[str], actor: str,
                 description: str | None = None) -> NewEndpoint:
    """Subscribe ``url`` to ``event_types``; the secret is generated here and returned once."""
    checked_url, types, text = check_url(url), check_event_types(event_types), _description(description)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    with uow:
        now = uow.clock.now()
        record = uow.webhook_endpoints.add(url=checked_url, secret=secret, event_types=types, active=True,
                                           description=text, created_by=actor, created_at=now, version=1)
        uow.audit.record(at=now, actor=actor, action="add", entity="webhook", key=str(record.id),
                         after={"url": checked_url, "event_types": types, "description": text})
        uow.commit()
        return NewEndpoint(**asdict(_endpoint(record)), secret=secret)


def list_endpoints(uow: SqlUnitOfWork) -> list[EndpointView]:
    with uow:
        return [_endpoint(record) for record in uow.webhook_endpoints.all()]


def _get_endpoint(uow: SqlUnitOfWork, endpoint_id: int) -> WebhookEndpointRecord:
    record = uow.webhook_endpoints.get(endpoint_id)
    if record is None:
        raise NotFound("webhook endpoint", endpoint_id)
    return record


def _set_active(uow: SqlUnitOfWork, endpoint_id: int, active: bool, version: int | None,
                actor: str) -> EndpointView:
    with uow:
        record = _get_endpoint(uow, endpoint_id)
        if version is not None and record.version != version:
            raise StaleVersion("webhook endpoint", endpoint_id, version, record.version)
        if record.active != active:
            record.active = active
            record.version += 1
            uow.audit.record(at=uow.clock.now(), actor=actor, action="enable" if active else "disable",
                             entity="webhook", key=str(endpoint_id), before={"active": not active},
                             after={"active": active})
            uow.commit()
        return _endpoint(record)


def disable_endpoint(uow: SqlUnitOfWork, *, endpoint_id: int, actor: str, version: int | None = None) -> EndpointView:
    """Stop sending to the endpoint: new events are not queued for it, and its pending deliveries wait until it is
    enabled again. ``version`` (when given) must be the endpoint's current one. Disabling a disabled endpoint
    changes nothing."""
    return _set_active(uow, endpoint_id, False, version, actor)


def enable_endpoint(uow: SqlUnitOfWork, *, endpoint_id: int, actor: str, version: int | None = None) -> EndpointView:
    """Resume sending, including the deliveries that waited while the endpoint was disabled."""
    return _set_active(uow, endpoint_id, True, version, actor)


def _queue(uow: SqlUnitOfWork, endpoint_ids: list[int], event_type: str, data: dict[str, Any],
           event_id: str) -> list[WebhookDeliveryRecord]:
    now = uow.clock.now()
    return [uow.webhook_deliveries.add(endpoint_id=endpoint_id, event_type=event_type, event_id=event_id,
                                       payload=data, status=DeliveryStatus.PENDING.value, attempts=0,
                                       next_attempt_at=now, last_attempt_at=None, last_status_code=None,
                                       last_error=None, created_at=now, delivered_at=None)
            for endpoint_id in endpoint_ids]


def enqueue(uow: SqlUnitOfWork, event_type: str, payload: dict[str, Any]) -> str:
    """Queue ``event_type`` with ``payload`` (its ``data``) for every active endpoint subscribed to it, inside the
    caller's open unit of work; the caller commits. Returns the event id (a UUID) the receivers will see.

    ``payload`` may hold decimals (sent as strings), dates and datetimes (ISO 8601)."""
    if not uow.is_open:
        raise RuntimeError("enqueue joins the caller's transaction: call it inside `with uow:`, before commit()")
    (name,) = check_event_types([event_type])
    event_id, rows = outbox_rows(uow.webhook_endpoints.subscribed(name), name, payload, uow.clock.now())
    uow.webhook_deliveries.add_all(rows)
    return event_id


def send_test(uow: SqlUnitOfWork, *, endpoint_id: int, actor: str) -> DeliveryView:
    """Queue a ``ping`` event for this endpoint alone; the dispatcher sends it like any other delivery."""
    with uow:
        endpoint = _get_endpoint(uow, endpoint_id)
        if not endpoint.active:
            raise Conflict(f"webhook endpoint {endpoint_id} is disabled; enable it first")
        data = {"endpoint_id": endpoint_id, "message": "a test event from TradeCredit", "requested_by": actor}
        (record,) = _queue(uow, [endpoint_id], PING.name, data, str(uuid.uuid4()))
        uow.audit.record(at=uow.clock.now(), actor=actor, action="test", entity="webhook", key=str(endpoint_id),
                         after={"delivery": record.id, "event_id": record.event_id})
        uow.commit()
        return _delivery(record, endpoint.url)


def redeliver(uow: SqlUnitOfWork, *, delivery_id: int, actor: str) -> DeliveryView:
    """Send a failed (or delivered) delivery again now, with a fresh retry schedule; the event keeps its id."""
    with uow:
        record = uow.webhook_deliveries.get(delivery_id)
        if record is None:
            raise NotFound("webhook delivery", delivery_id)
        endpoint = _get_endpoint(uow, record.endpoint_id)
        if record.status == DeliveryStatus.PENDING.value:
            raise Conflict(f"webhook delivery {delivery_id} is already pending; the dispatcher will send it")
        if not endpoint.active:
            raise Conflict(f"webhook endpoint {endpoint.id} is disabled; enable it before redelivering")
        before = {"status": record.status, "attempts": record.attempts}
        record.status, record.attempts, record.next_attempt_at = DeliveryStatus.PENDING.value, 0, uow.clock.now()
        uow.audit.record(at=uow.clock.now(), actor=actor, action="redeliver", entity="webhook_delivery",
                         key=str(delivery_id), before=before, after={"status": record.status})
        uow.commit()
        return _delivery(record, endpoint.url)


def list_deliveries(uow: SqlUnitOfWork, *, endpoint_id: int | None = None, status: str | None = None,
                    page: int = 1, size: int = 50) -> tuple[list[DeliveryView], int]:
    """The delivery log, newest first."""
    known = [s.value for s in DeliveryStatus]
    if status is not None and status not in known:
        raise ValidationError("status", f"expected one of {', '.join(known)}; got {status!r}")
    offset = check_page(page, size)
    with uow:
        if endpoint_id is not None:
            _get_endpoint(uow, endpoint_id)
        records, total = uow.webhook_deliveries.page(endpoint_id=endpoint_id, status=status, offset=offset,
                                                     limit=size)
        urls = {endpoint.id: endpoint.url for endpoint in uow.webhook_endpoints.all()}
        return [_delivery(r, urls[r.endpoint_id]) for r in records], total
