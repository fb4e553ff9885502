"""Credit-terms advisor resources: a proposed sale in, every option's expected profit and the recommendation out."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import Field

from tradecredit.api.schemas.common import ReadModel, Schema
from tradecredit.domain.terms_advisor import MAX_AMOUNT, MAX_DAYS

Share = Annotated[Decimal, Field(ge=0, le=1, allow_inf_nan=False)]


class TermsAdviceRequest(Schema):
    amount: Decimal = Field(gt=0, le=MAX_AMOUNT, allow_inf_nan=False,
                            description="the sale in the base currency, at most its minor unit's decimals")
    days: int = Field(ge=0, le=MAX_DAYS, description="the credit period the buyer asks for, in days")
    margin: Share = Field(description="gross margin as a share of the amount (0.25 = 25%)")
    cost_of_capital: Share = Field(description="annual cost of capital (0.08 = 8% a year)")
    pd: float | None = Field(default=None, ge=0, le=1, allow_inf_nan=False,
                             description="the buyer's 12-month PD; or give `buyer`")
    buyer: str | None = Field(default=None, min_length=1, max_length=64,
                              description="a buyer ref: the PD of its latest assessment is used")
    insured: Share = Field(default=Decimal(0), description="insured share of a credit loss (0.9 = 90%)")
    lgd: Share | None = Field(default=None, description="loss given default (default: the configured `lgd`)")
    open_account_days: list[Annotated[int, Field(ge=1, le=MAX_DAYS)]] | None = Field(
        default=None, max_length=12, description="shorter open-account terms to try (default 30, 60, 90, 120)")


class SaleRead(ReadModel):
    amount: Decimal
    currency: str
    days: int
    margin: Decimal
    cost_of_capital: Decimal
    pd: float = Field(description="the 12-month PD used")
    lgd: Decimal
    insured: Decimal


class OptionRead(ReadModel):
    kind: str = Field(description="open_account, documentary_collection, confirmed_lc or prepayment")
    days: int = Field(description="days until the seller is paid")
    label_en: str
    label_zh: str
    pd_term: float = Field(description="the PD over `days`: 1 − (1 − PD)^(days/365)")
    margin: Decimal
    discount: Decimal
    financing_cost: Decimal
    expected_loss: Decimal
    fees: Decimal
    lost_sales: Decimal
    profit: Decimal = Field(description="margin − discount − financing_cost − expected_loss − fees − lost_sales")
    recommended: bool


class RecommendationRead(ReadModel):
    kind: str = Field(description="an option's kind, or decline when no option is profitable")
    days: int | None
    profit: Decimal
    explanation_en: str
    explanation_zh: str


class TermsAdviceRead(ReadModel):
    buyer: str | None
    buyer_name: str | None
    pd_source: str = Field(description="given, or assessment (the buyer's latest)")
    assessed_on: date | None = Field(description="the as-of date of the assessment whose PD was used")
    grade: int | None
    sale: SaleRead
    tolerance: Decimal = Field(description="how much less open account may earn than the best secured option")
    options: list[OptionRead]
    recommendation: RecommendationRead
