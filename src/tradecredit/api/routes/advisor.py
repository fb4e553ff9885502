"""/api/v1 credit-terms advisor: the expected profit of a proposed sale on open account and with security."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from tradecredit.api.deps import Analyst, AppDep
from tradecredit.api.schemas.advisor import TermsAdviceRead, TermsAdviceRequest
from tradecredit.services import terms_advisor as service

router = APIRouter(tags=["advisor"])


@router.post("/advisor/terms", response_model=TermsAdviceRead)
def advise_terms(tc: AppDep, user: Analyst, body: TermsAdviceRequest) -> TermsAdviceRead:
    """Price a proposed sale on open account (the days asked for and shorter terms), documentary collection, a
    confirmed letter of credit and prepayment, and recommend one; stores nothing (docs/credit-terms.md)."""
    view = service.advise_terms(
        tc.uow(), config=service.AdvisorConfig.from_settings(tc.settings), amount=body.amount, days=body.days,
        margin=body.margin, cost_of_capital=body.cost_of_capital, pd=body.pd, buyer=body.buyer, insured=body.insured,
        lgd=body.lgd, open_account_days=None if body.open_account_days is None else tuple(body.open_account_days))
    return TermsAdviceRead.model_validate(asdict(view))
