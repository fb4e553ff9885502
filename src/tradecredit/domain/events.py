"""External events about a buyer (insolvency filings, payment incidents, legal claims, rating changes, news).

Events come from a feed (a credit bureau, a collection agency, a press watch) and are kept as given: append-only,
never changed. Two events are the same when buyer, date, type, source and text are equal (the text compared
after collapsing runs of whitespace), so a feed re-imported every day adds only what is new. An insolvency is a
default event: it sets grade 10 from its date on (see :func:`tradecredit.domain.assessment.default_reasons`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from tradecredit.domain.errors import ValidationError

__all__ = [
    "EARLIEST_EVENT_DATE",
    "MAX_SOURCE",
    "MAX_TEXT",
    "BuyerEvent",
    "EventType",
    "Insolvency",
    "fingerprint",
    "new_event",
]

MAX_SOURCE = 200
MAX_TEXT = 4000
EARLIEST_EVENT_DATE = date(1900, 1, 1)


class EventType(StrEnum):
    INSOLVENCY = "insolvency"
    PAYMENT_INCIDENT = "payment_incident"
    LEGAL_CLAIM = "legal_claim"
    RATING_CHANGE = "rating_change"
    NEWS = "news"


@dataclass(frozen=True, slots=True)
class BuyerEvent:
    """One event as recorded: ``text`` is kept as given, whitespace collapsed only in the fingerprint."""

    event_date: date
    type: EventType
    source: str
    text: str


@dataclass(frozen=True, slots=True)
class Insolvency:
    """The earliest recorded insolvency of a buyer on or before an assessment date."""

    on: date
    source: str


def _event_type(value: str) -> EventType:
    try:
        return EventType(value.strip().lower())
    except ValueError:
        raise ValidationError("type", f"unknown event type {value!r}; expected one of "
                                      f"{', '.join(t.value for t in EventType)}") from None


def _clean(value: str, field: str, limit: int) -> str:
    text = value.strip()
    if not text:
        raise ValidationError(field, "is required and cannot be empty")
    if "\x00" in text:
        raise ValidationError(field, "NUL characters are not allowed in text")
    if len(text) > limit:
        raise ValidationError(field, f"is {len(text)} characters long; at most {limit} are kept")
    return text


def new_event(*, event_date: date, type: str, source: str, text: str, today: date) -> BuyerEvent:
    """Validate one event; a future date is refused (a feed reports what happened, not what is announced)."""
    if event_date > today:
        raise ValidationError("date", f"{event_date} is in the future (today is {today})")
    if event_date < EARLIEST_EVENT_DATE:
        raise ValidationError("date", f"{event_date} is before {EARLIEST_EVENT_DATE}; check the year")
    return BuyerEvent(event_date, _event_type(type), _clean(source, "source", MAX_SOURCE),
                      _clean(text, "text", MAX_TEXT))


def fingerprint(buyer_id: int, event: BuyerEvent) -> str:
    """SHA-256 of the event's identity: what makes a re-imported event recognisable as already stored."""
    text = " ".join(event.text.split())
    identity = "\x1f".join((str(buyer_id), event.event_date.isoformat(), event.type.value, event.source, text))
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()
