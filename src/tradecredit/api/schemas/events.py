"""Buyer events: what a feed or an integration posts, and what the lists return."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from tradecredit.api.schemas.common import ReadModel, Schema
from tradecredit.domain.events import MAX_SOURCE, MAX_TEXT, EventType


class EventCreate(Schema):
    """One event; name the buyer by ``buyer_ref`` or ``registration_id`` (with ``country`` if ambiguous)."""

    buyer_ref: str | None = Field(default=None, min_length=1, max_length=64)
    registration_id: str | None = Field(default=None, min_length=1, max_length=64)
    country: str | None = Field(default=None, min_length=2, max_length=2)
    date: date
    type: EventType
    source: str = Field(min_length=1, max_length=MAX_SOURCE, examples=["Creditreform"])
    text: str = Field(min_length=1, max_length=MAX_TEXT, examples=["insolvency proceedings opened at AG Köln"])


class EventRead(ReadModel):
    id: int
    buyer_ref: str
    buyer_name: str
    event_date: date
    type: str
    source: str
    text: str
    imported_by: str
    imported_at: datetime


class SkippedRead(ReadModel):
    line: int
    column: str
    reason: str


class ReassessedRead(ReadModel):
    ref: str
    grade: int | None
    problem: str | None


class EventImportRead(ReadModel):
    """What a post or an import did: ``duplicates`` events already recorded were skipped (listed in ``skipped``
    by their position, counting from 1); buyers with a new insolvency were re-assessed."""

    file: str
    rows: int
    inserted: int
    duplicates: int
    skipped: list[SkippedRead]
    reassessed: list[ReassessedRead]
