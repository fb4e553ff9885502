"""Webhook endpoint and delivery resources."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from tradecredit.api.schemas.common import ReadModel, Schema
from tradecredit.domain.webhooks import EVENT_TYPES

EVENT_NAMES = ", ".join(f"`{event.name}`" for event in EVENT_TYPES)


class WebhookCreate(Schema):
    url: str = Field(min_length=1, max_length=2000, description="http:// or https:// URL the events are POSTed to")
    event_types: list[str] = Field(min_length=1, max_length=50, description=f"any of {EVENT_NAMES}")
    description: str | None = Field(default=None, max_length=500)


class VersionCheck(Schema):
    version: int = Field(ge=1, description="the endpoint's current version; stale → 409")


class WebhookRead(ReadModel):
    id: int
    url: str
    event_types: list[str]
    active: bool
    description: str | None
    created_by: str
    created_at: datetime
    version: int


class WebhookCreated(WebhookRead):
    secret: str = Field(description="signs every delivery; shown once, here")


class DeliveryRead(ReadModel):
    id: int
    endpoint_id: int
    url: str
    event_type: str
    event_id: str
    payload: dict[str, Any]
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
