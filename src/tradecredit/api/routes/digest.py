"""/api/v1/digest: send the daily alert digest now, and read the digest log (administrators)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field

from tradecredit.api.deps import Admin, AppDep
from tradecredit.api.schemas.common import ReadModel, Schema
from tradecredit.services import digest as service

router = APIRouter(prefix="/digest", tags=["notifications"])


class DigestSend(Schema):
    as_of: date | None = Field(default=None, description="the digest's day (default today)")
    to: str | None = Field(default=None, max_length=254, description="only this address, instead of the users")
    language: str = Field(default="en", description="the language of the message to `to`: en or zh")


class OutcomeRead(ReadModel):
    recipient: str
    username: str | None
    language: str
    status: str = Field(description="sent, skipped (nothing new), failed, already sent, or deferred")
    alerts: int
    error: str | None


class SendRead(ReadModel):
    as_of: date
    sent: int
    failed: int
    skipped: int
    outcomes: list[OutcomeRead]


class LogRead(ReadModel):
    day: date
    recipient: str
    username: str | None
    language: str
    status: str
    since: date
    alerts: int
    attempts: int
    subject: str | None
    error: str | None
    updated_at: datetime
    sent_at: datetime | None


@router.post("/send", response_model=SendRead)
def send(tc: AppDep, user: Admin, body: DigestSend | None = None) -> SendRead:
    """Send the day's digest to every recipient not sent yet (idempotent per day and recipient)."""
    body = body or DigestSend()
    result = service.send_digest(tc.uow, as_of=body.as_of or tc.clock.today(),
                                 config=service.DigestConfig.from_settings(tc.settings), to=body.to,
                                 language=body.language if body.to else None)
    return SendRead(as_of=result.as_of, sent=result.count("sent"), failed=result.count("failed"),
                    skipped=result.count("skipped"),
                    outcomes=[OutcomeRead.model_validate(asdict(o)) for o in result.outcomes])


@router.get("/log", response_model=list[LogRead])
def log(tc: AppDep, user: Admin, day: date | None = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[LogRead]:
    """The digest log, newest day first: one row per day and recipient."""
    return [LogRead.model_validate(asdict(line)) for line in service.digest_log(tc.uow(), day=day, limit=limit)]
