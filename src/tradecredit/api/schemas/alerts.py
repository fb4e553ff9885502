"""Alert, watch-list and credit-block resources."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import Field

from tradecredit.api.schemas.common import ReadModel, Schema


class AlertMove(Schema):
    version: int = Field(ge=1, le=2**31 - 1, description="the alert's version as read; stale → 409")
    comment: str | None = Field(default=None, max_length=1000)


class AlertResolve(Schema):
    version: int = Field(ge=1, le=2**31 - 1)
    comment: str = Field(min_length=1, max_length=1000, description="what was done about it")


class AlertSnooze(Schema):
    version: int = Field(ge=1, le=2**31 - 1)
    until: date = Field(description="a day after today")
    comment: str = Field(min_length=1, max_length=1000)


class ActionRead(ReadModel):
    code: str
    text_en: str
    text_zh: str
    figures: dict[str, str]
    done: bool
    result: dict[str, Any]
    taken_by: str | None
    taken_at: datetime | None


class AlertEventRead(ReadModel):
    id: int
    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str | None
    comment: str | None
    data: dict[str, Any]


class AlertRead(ReadModel):
    id: int
    buyer: str
    buyer_name: str
    country: str
    code: str
    severity: str
    status: str
    opened_on: date
    last_seen_on: date
    resolved_on: date | None
    snoozed_until: date | None
    evidence: dict[str, Any]
    actions: list[ActionRead]
    text_en: str
    text_zh: str
    updated_by: str
    updated_at: datetime
    version: int
    history: list[AlertEventRead]


class ActionTakenRead(ReadModel):
    action: str
    result: dict[str, Any]
    alert: AlertRead


class TimelineRead(ReadModel):
    alert_id: int
    code: str
    severity: str
    text_en: str
    text_zh: str
    event: AlertEventRead


class WatchCreate(Schema):
    buyer: str = Field(min_length=1, max_length=64)
    reason: str = Field(min_length=1, max_length=1000)


class WatchRead(ReadModel):
    buyer: str
    name: str
    reason: str
    added_by: str
    added_at: datetime


class BlockCreate(Schema):
    reason: str = Field(min_length=1, max_length=1000)


class BlockLift(Schema):
    reason: str = Field(min_length=1, max_length=1000)
    block_id: int | None = Field(default=None, ge=1, le=2**31 - 1,
                                 description="the block you mean to lift; another in force → 409")


class BlockRead(ReadModel):
    id: int
    buyer: str
    reason: str
    source: str
    alert_id: int | None
    blocked_by: str
    blocked_at: datetime
    lifted_by: str | None
    lifted_at: datetime | None
    lift_reason: str | None
    in_force: bool


class BuyerBlocksRead(ReadModel):
    buyer: str
    current: BlockRead | None
    history: list[BlockRead]
