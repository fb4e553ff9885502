"""Payment promises: what a collector records, the cancellation, and what the lists return."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import Field

from tradecredit.api.schemas.common import ReadModel, Schema
from tradecredit.domain.promises import MAX_NOTE


class PromiseCreate(Schema):
    """A promise for one invoice (``invoice_ref``), or for the buyer's overdue balance (no invoice)."""

    buyer_ref: str = Field(min_length=1, max_length=64)
    invoice_ref: str | None = Field(default=None, min_length=1, max_length=64)
    amount: Decimal = Field(gt=0, description="in `currency`, at most its minor unit's decimals")
    currency: str | None = Field(default=None, min_length=3, max_length=3,
                                 description="default: the invoice's currency, else the buyer's")
    promised_date: date = Field(description="the day the buyer promised to have paid by")
    made_on: date | None = Field(default=None, description="the day the buyer promised; default today")
    note: str | None = Field(default=None, max_length=MAX_NOTE)


class PromiseCancel(Schema):
    version: int = Field(ge=1, le=2**31 - 1, description="the promise's version as read; stale → 409")
    reason: str = Field(min_length=1, max_length=MAX_NOTE)


class PromiseRead(ReadModel):
    """A promise with its status today: ``paid`` counts payments allocated from ``made_on`` through ``deadline``
    (the promised date plus the grace days)."""

    id: int
    buyer_ref: str
    buyer_name: str
    invoice_ref: str | None
    amount: Decimal
    currency: str
    made_on: date
    promised_date: date
    deadline: date
    paid: Decimal
    status: str
    note: str | None
    recorded_by: str
    recorded_at: datetime
    cancelled_by: str | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    version: int
