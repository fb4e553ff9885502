"""Assessment resources: grade, PD, reasons, recommended limit and terms, and the portfolio by grade."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import Field

from tradecredit.api.schemas.common import ReadModel, Schema


class AssessRequest(Schema):
    as_of: date | None = Field(default=None, description="assess as of this date (default today)")
    reason: str = Field(default="manual", min_length=1, max_length=200, description="why; kept with the result")


class ComponentRead(ReadModel):
    name: str
    add: float = Field(description="added to the log-odds of the PD")
    odds_factor: float
    text_en: str
    text_zh: str
    inputs: dict[str, Any]


class ReasonRead(ReadModel):
    feature: str
    value: float | None
    contribution: float
    direction: str
    text_en: str
    text_zh: str


class LimitTermRead(ReadModel):
    name: str
    amount: Decimal | None
    formula: str
    binding: bool


class LimitRead(ReadModel):
    amount: Decimal
    currency: str
    note: str
    terms: list[LimitTermRead]


class TermsRead(ReadModel):
    kind: str
    days: int
    security_en: str
    security_zh: str
    why: str
    why_zh: str = ""


class CreditClassRead(ReadModel):
    name: str = Field(description="A (grades 1–3) … D (8–10)")
    terms_en: str
    terms_zh: str


class AssessmentRead(ReadModel):
    id: int
    ref: str
    name: str
    country: str
    as_of: date
    assessed_at: datetime
    actor: str
    trigger: str
    model_version: str
    financial_pd: float | None = Field(description="the model's 12-month PD from the latest usable statement")
    pd: float = Field(description="the combined 12-month PD")
    grade: int = Field(description="1 exceptional … 9 at risk of failure; 10 in default (events only)")
    grade_label_en: str
    grade_label_zh: str
    score: int
    band: str
    dra: int
    credit_class: CreditClassRead | None = None
    limited_information: bool
    stale_statement: bool
    in_default: bool
    default_reason: str | None
    default_reason_zh: str | None = None
    flags: list[str]
    components: list[ComponentRead]
    reasons: list[ReasonRead]
    limit: LimitRead
    terms: TermsRead
    change_en: str | None
    change_zh: str | None
    inputs: dict[str, Any]


class RunRead(ReadModel):
    as_of: date
    assessed: int
    by_grade: dict[int, int]
    limited_information: int
    stale: int
    in_default: int
    seconds: float


class GradeLineRead(ReadModel):
    grade: int
    label_en: str
    label_zh: str
    buyers: int
    exposure: Decimal
    share: float
    expected_loss: Decimal


class GradeReportRead(ReadModel):
    as_of: date
    base_currency: str
    lgd: float
    total: Decimal
    expected_loss: Decimal
    lines: list[GradeLineRead]
    not_assessed_buyers: int
    not_assessed_exposure: Decimal


class StabilityBinRead(ReadModel):
    grade: int
    expected: float
    actual: float
    contribution: float


class StabilityRead(ReadModel):
    model_version: str
    buyers: int
    psi: float
    status: str
    bins: list[StabilityBinRead]
