"""Country risk resources."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import Field

from tradecredit.api.schemas.common import ReadModel, Schema


class CountryLineRead(ReadModel):
    country: str
    name: str
    grade: int | None = Field(description="internal scale: 0 best … 7 worst")
    source: str
    terms: str | None = Field(description="the least secure payment terms allowed")
    buyers: int
    exposure: Decimal
    overdue: Decimal


class SubScoresRead(ReadModel):
    year: int
    political_stability: float | None
    government_quality: float | None
    rule_of_law: float | None
    control_of_corruption: float | None
    composite: float | None
    coverage: float


class SettingsRead(ReadModel):
    transfer_restrictions: str | None
    payment_delay_days: int | None
    legal_notes: str | None
    max_credit_period_days: int | None
    required_terms: str | None
    insured: bool | None
    version: int
    updated_by: str | None
    updated_at: datetime | None


class SettingsUpdate(Schema):
    """Only the fields sent change; ``version`` is the one you read (0 for a country never edited)."""

    version: int = Field(ge=0)
    transfer_restrictions: str | None = Field(default=None, max_length=2000)
    payment_delay_days: int | None = Field(default=None, ge=0, le=720)
    legal_notes: str | None = Field(default=None, max_length=4000)
    max_credit_period_days: int | None = Field(default=None, ge=0, le=720)
    required_terms: str | None = Field(default=None, max_length=32)
    insured: bool | None = None


class HistoryRead(ReadModel):
    on: date
    grade: int | None
    source: str
    label: str | None


class ProfileRead(ReadModel):
    country: CountryLineRead
    since: date | None
    imported: bool
    sub_scores: SubScoresRead | None
    settings: SettingsRead
    history: list[HistoryRead]
    buyers: list[dict[str, str | int | None]]


class StressedBuyerRead(ReadModel):
    ref: str
    name: str
    open: Decimal
    overdue: Decimal
    terms_before: str | None
    terms_after: str | None
    grade_before: int | None = Field(description="the buyer's grade in its latest assessment (None: not assessed)")
    grade_after: int | None
    pd_before: float | None
    pd_after: float | None
    expected_loss_before: Decimal | None
    expected_loss_after: Decimal | None


class StressRead(ReadModel):
    country: str
    steps: int
    grade_before: int | None
    grade_after: int | None
    terms_before: str | None
    terms_after: str | None
    terms_change: bool
    exposure: Decimal
    overdue: Decimal
    expected_loss_before: Decimal
    expected_loss_after: Decimal
    not_assessed: int
    buyers: list[StressedBuyerRead]
