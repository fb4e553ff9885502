"""The monitoring run: what a caller asks for and what a run reports."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from tradecredit.api.schemas.common import ReadModel, Schema


class MonitorRunCreate(Schema):
    """Run the monitoring for ``as_of`` (today when left out); a day in the future is refused."""

    as_of: date | None = Field(default=None, examples=["2026-11-28"])


class AlertLineRead(ReadModel):
    ref: str
    code: str
    severity: str
    status: str
    text_en: str


class MonitorRunRead(ReadModel):
    id: int
    as_of: date
    actor: str
    started_at: datetime
    finished_at: datetime
    buyers: int
    opened: int
    updated: int
    closed: int


class MonitorRunResult(MonitorRunRead):
    escalated: int
    snooze_ended: int
    top: list[AlertLineRead]
