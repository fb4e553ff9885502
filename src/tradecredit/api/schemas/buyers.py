"""Buyer resources."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import Field

from tradecredit.api.schemas.common import ReadModel, Schema


class BuyerCreate(Schema):
    ref: str = Field(min_length=1, max_length=64, examples=["B001"])
    name: str = Field(min_length=1, max_length=300, examples=["上海恒达机械有限公司"])
    country: str = Field(min_length=2, max_length=2, examples=["CN"])
    registration_id: str | None = Field(default=None, max_length=64)
    lei: str | None = Field(default=None, max_length=20)
    industry: str | None = Field(default=None, max_length=8, examples=["28.22"])
    parent_ref: str | None = Field(default=None, max_length=64)
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    payment_terms_days: int = Field(default=30, ge=0, le=365)


class BuyerUpdate(Schema):
    """Only the fields sent are changed; ``version`` must be the one you read (else 409, nothing changes)."""

    version: int = Field(ge=1)
    name: str | None = Field(default=None, min_length=1, max_length=300)
    country: str | None = Field(default=None, min_length=2, max_length=2)
    registration_id: str | None = Field(default=None, max_length=64)
    lei: str | None = Field(default=None, max_length=20)
    industry: str | None = Field(default=None, max_length=8)
    parent_ref: str | None = Field(default=None, max_length=64)
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    payment_terms_days: int | None = Field(default=None, ge=0, le=365)


class BuyerRead(ReadModel):
    ref: str
    name: str
    country: str
    currency: str
    payment_terms_days: int
    registration_id: str | None
    registration_scheme: str | None = Field(description="the python-stdnum scheme that verified it, if any")
    registration_verified: bool
    lei: str | None
    industry: str | None
    parent_ref: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class ExposureRead(ReadModel):
    as_of: date
    currency: str
    open: Decimal
    overdue: Decimal
    invoices: int
    oldest_due: date | None


class BuyerDetailRead(BuyerRead):
    members: list[str]
    exposure: ExposureRead


class GroupNodeRead(ReadModel):
    ref: str
    name: str
    country: str
    children: list[GroupNodeRead]
