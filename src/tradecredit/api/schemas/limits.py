"""Credit limit and order check resources."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field

from tradecredit.api.schemas.common import ReadModel, Schema


class LimitRequestCreate(Schema):
    amount: Decimal = Field(gt=0, description="in `currency`; converted to the base currency at today's rate")
    currency: str = Field(min_length=3, max_length=3)
    kind: Literal["base", "temporary"] = "base"
    scope: Literal["buyer", "group"] = Field(default="buyer", description="group: on a top-level parent, "
                                                                          "covering the whole group")
    valid_from: date | None = None
    valid_to: date | None = Field(default=None, description="required for a temporary limit")
    reason: str = Field(min_length=1, max_length=1000)


class DecisionCreate(Schema):
    decision: Literal["approve", "partial", "refuse"]
    amount: Decimal | None = Field(default=None, gt=0, description="partial approvals: the granted amount (base)")
    reason: str = Field(min_length=1, max_length=1000)
    version: int = Field(ge=1)


class LimitChange(Schema):
    amount: Decimal | None = Field(default=None, ge=0, description="the reduced amount; omit to cancel")
    effective: date
    reason: str = Field(min_length=1, max_length=1000)


class AuthoritySet(Schema):
    max_amount: Decimal = Field(ge=0)
    worst_grade: int = Field(ge=1, le=10)
    version: int | None = Field(default=None, ge=1, description="required to change an existing authority")


class AuthorityRead(ReadModel):
    username: str
    max_amount: Decimal
    worst_grade: int
    version: int
    updated_by: str
    updated_at: datetime


class RequestRead(ReadModel):
    id: int
    ref: str
    scope: str
    kind: str
    amount: Decimal
    currency: str
    amount_base: Decimal
    valid_from: date
    valid_to: date | None
    reason: str
    source: str
    requested_by: str
    requested_at: datetime
    status: str
    decided_amount: Decimal | None
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None
    version: int


class LimitRead(ReadModel):
    id: int
    ref: str
    scope: str
    kind: str
    amount: Decimal
    valid_from: date
    valid_to: date | None
    review_on: date | None
    decided_by: str
    decided_at: datetime
    reason: str
    ended_reason: str | None
    request_id: int | None
    replaces_id: int | None


class ExposureRead(ReadModel):
    open_invoices: Decimal
    delivered_not_invoiced: Decimal
    open_orders: Decimal
    overdue: Decimal
    counted: list[str]
    total: Decimal


class PositionRead(ReadModel):
    scope: str
    holder: str
    amount: Decimal | None
    base: LimitRead | None
    temporary: list[LimitRead]
    under_review: bool
    exposure: ExposureRead
    headroom: Decimal | None


class BuyerLimitsRead(ReadModel):
    ref: str
    as_of: date
    currency: str
    own: PositionRead
    group: PositionRead | None
    insurer_limit: Decimal | None = Field(description="the credit insurer's cover (filled by the insurance module)")
    covered: Decimal
    uncovered: Decimal
    history: list[LimitRead]
    requests: list[RequestRead]


class OrderCheckCreate(Schema):
    buyer: str = Field(min_length=1, max_length=64, description="the buyer's ref")
    order_ref: str = Field(min_length=1, max_length=64, description="the ERP's order number; re-sending it returns "
                                                                    "the stored answer")
    amount: Decimal = Field(gt=0)
    currency: str = Field(min_length=3, max_length=3)
    ship_date: date


class OrderBatchCreate(Schema):
    orders: list[OrderCheckCreate] = Field(min_length=1, max_length=1000,
                                           description="checked in this order in one transaction: all or none")


class HoldResolution(Schema):
    reason: str = Field(min_length=1, max_length=1000)
    version: int = Field(ge=1)


class HoldRelease(HoldResolution):
    amount: Decimal | None = Field(default=None, gt=0, description="release only this part of the order, in its "
                                                                   "currency (a one-off partial release)")


class DeliveryCreate(Schema):
    delivered_on: date | None = Field(default=None, description="the day of delivery; default today")


class OrderCheckRead(ReadModel):
    order_ref: str
    buyer: str
    amount: Decimal
    currency: str
    amount_base: Decimal
    ship_date: date
    outcome: Literal["release", "hold"]
    status: Literal["released", "held", "rejected"]
    reasons: list[dict[str, Any]]
    figures: dict[str, Any]
    checked_by: str
    checked_at: datetime
    resolved_by: str | None
    resolved_at: datetime | None
    resolution_reason: str | None
    version: int
    released_amount: Decimal | None = Field(description="the part a credit manager released; null: all of it")
    buyer_name: str
    delivered_on: date | None = Field(description="the day the ERP reported the order delivered")


class OrderBatchRead(ReadModel):
    results: list[OrderCheckRead]
    released: int
    held: int
