"""Outgoing webhooks: the event types, the event document, its signature, and what to do after each attempt.

A delivery is one POST of one event to one endpoint. The body is the event document
(``{"id", "type", "created_at", "data"}``) as compact JSON; the header ``X-TradeCredit-Signature:
t=<unix seconds>,v1=<hex>`` carries HMAC-SHA256 of ``f"{t}.{body}"`` under the endpoint's secret (Stripe's
scheme), so a receiver can check both who sent it and when, and refuse replays older than a few minutes.

After an attempt: a 2xx is delivered; a timeout, a connection error, 408, 429 or 5xx is retried on the schedule
(each delay longer than the last, the last one repeating) until ``max_attempts``; anything else (another 4xx, a
redirect) is a permanent failure, because sending the same request again cannot change the answer.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from tradecredit.domain.errors import ValidationError

__all__ = [
    "ALERT_EVENTS",
    "DEFAULT_RETRY_DELAYS",
    "EVENT_TYPES",
    "ORDER_EVENTS",
    "PING",
    "SIGNATURE_HEADER",
    "Attempt",
    "DeliveryStatus",
    "EventType",
    "RetryPolicy",
    "check_event_types",
    "check_url",
    "classify",
    "encode_event",
    "json_data",
    "sign",
    "verify",
]

SIGNATURE_HEADER = "X-TradeCredit-Signature"
MAX_URL_LENGTH = 2000
DEFAULT_RETRY_DELAYS = (30, 120, 600, 3600, 21600)  # seconds: 30 s, 2 min, 10 min, 1 h, then every 6 h
DEFAULT_TOLERANCE_SECONDS = 300


@dataclass(frozen=True, slots=True)
class EventType:
    name: str  # "<area>.<what happened>", e.g. "order.held"
    description: str


ORDER_EVENTS = (
    EventType("order.held", "the order credit check held an order"),
    EventType("order.released", "a credit manager released a held order"),
    EventType("order.rejected", "a credit manager rejected a held order"),
)
ALERT_EVENTS = (
    EventType("alert.opened", "the monitoring run opened an early-warning alert"),
    EventType("alert.escalated", "the monitoring run raised an open alert's severity"),
    EventType("alert.closed", "the monitoring run closed an alert whose condition is gone"),
)
# The registry: endpoints subscribe to these names. An area adds its events by defining its own tuple (as
# ORDER_EVENTS above) and concatenating it here, so the registry is complete whatever modules a process imported.
EVENT_TYPES: tuple[EventType, ...] = ORDER_EVENTS + ALERT_EVENTS
PING = EventType("ping", "a test event sent on request to one endpoint; nobody subscribes to it")


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class Attempt(StrEnum):
    """What one attempt's outcome means for the delivery."""

    DELIVERED = "delivered"
    RETRY = "retry"
    FAILED = "failed"


def check_event_types(names: list[str] | tuple[str, ...]) -> list[str]:
    """The subscribed names, deduplicated in their given order; each must be in :data:`EVENT_TYPES`."""
    known = [event.name for event in EVENT_TYPES]
    chosen = list(dict.fromkeys(name.strip() for name in names))
    if not chosen:
        raise ValidationError("event_types", f"expected at least one event type; one of {', '.join(known)}")
    unknown = [name for name in chosen if name not in known]
    if unknown:
        raise ValidationError("event_types", f"unknown event type {unknown[0]!r}; expected one of {', '.join(known)}")
    return chosen


def check_url(url: str) -> str:
    """An absolute http(s) URL with a host; receivers behind a proxy or on a LAN may use plain http."""
    value = url.strip()
    if not value or len(value) > MAX_URL_LENGTH or any(c.isspace() or ord(c) < 32 for c in value):
        raise ValidationError("url", f"expected an http or https URL of 1–{MAX_URL_LENGTH} characters without "
                                     "spaces or control characters")
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as error:
        raise ValidationError("url", f"{value!r} is not a valid URL ({error})") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise ValidationError("url", f"expected an http:// or https:// URL; got scheme {parts.scheme or 'none'!r}")
    if not parts.hostname or port == 0:
        raise ValidationError("url", f"expected a URL with a host (and a port from 1 to 65535); got {value!r}")
    if parts.fragment:
        raise ValidationError("url", "a webhook URL cannot have a #fragment (it is never sent to the server)")
    return value


def json_data(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as plain JSON data: decimals as strings (exact, like every amount in the API), dates and
    instants in ISO 8601; anything else that JSON cannot hold is refused here, not when the delivery is sent."""

    def convert(value: Any) -> Any:
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, date | datetime):
            return value.isoformat()
        raise ValidationError("payload", f"cannot send a {type(value).__name__} in a webhook; convert it first")

    document: dict[str, Any] = json.loads(json.dumps(payload, default=convert, ensure_ascii=False))
    return document


def outbox_rows(endpoint_ids: list[int], event_type: str, payload: dict[str, Any],
                now: datetime) -> tuple[str, list[dict[str, Any]]]:
    """(event id, the pending delivery rows of one event for these endpoints): what every sender of an event
    writes to the outbox in its own transaction. The payload is converted once (:func:`json_data`) and only when
    somebody is subscribed."""
    event_id = str(uuid.uuid4())
    if not endpoint_ids:
        return event_id, []
    data = json_data(payload)
    return event_id, [
        {"endpoint_id": endpoint_id, "event_type": event_type, "event_id": event_id, "payload": data,
         "status": DeliveryStatus.PENDING.value, "attempts": 0, "next_attempt_at": now, "last_attempt_at": None,
         "last_status_code": None, "last_error": None, "created_at": now, "delivered_at": None}
        for endpoint_id in endpoint_ids]


def encode_event(*, event_id: str, event_type: str, created_at: datetime, data: dict[str, Any]) -> bytes:
    """The request body: compact UTF-8 JSON, keys in a fixed order, so a redelivery sends the same bytes."""
    document = {"id": event_id, "type": event_type, "created_at": created_at.isoformat(), "data": data}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The signature header's value for ``body`` sent at ``timestamp`` (Unix seconds)."""
    return f"t={timestamp},v1={_digest(secret, timestamp, body)}"


def verify(secret: str, body: bytes, header: str, *, now: int,
           tolerance: int = DEFAULT_TOLERANCE_SECONDS) -> bool:
    """What a receiver does: the header's ``v1`` matches and ``t`` is within ``tolerance`` seconds of ``now``."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    expected = _digest(secret, timestamp, body)
    return abs(now - timestamp) <= tolerance and hmac.compare_digest(expected, fields.get("v1", ""))


def classify(status_code: int | None) -> Attempt:
    """``None`` is a timeout or a connection error (no answer at all)."""
    if status_code is None or status_code in (408, 429) or status_code >= 500:
        return Attempt.RETRY
    if 200 <= status_code < 300:
        return Attempt.DELIVERED
    return Attempt.FAILED


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """``delays[i]`` seconds wait after failed attempt ``i + 1``; the last delay caps the backoff and repeats."""

    delays: tuple[int, ...] = DEFAULT_RETRY_DELAYS
    max_attempts: int = 8

    def __post_init__(self) -> None:
        if not self.delays or any(d <= 0 for d in self.delays) or list(self.delays) != sorted(self.delays):
            raise ValidationError("retry_delays", f"expected increasing delays > 0 s; got {list(self.delays)}")
        if not 1 <= self.max_attempts <= 100:
            raise ValidationError("max_attempts", f"expected 1–100 attempts; got {self.max_attempts}")

    def delay(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failed attempt (1-based)."""
        return timedelta(seconds=self.delays[min(attempts, len(self.delays)) - 1])

    def next_attempt(self, attempts: int, now: datetime) -> datetime | None:
        """When to try again after ``attempts`` attempts have failed, or None: give up."""
        return None if attempts >= self.max_attempts else now + self.delay(attempts)
