"""/api/v1 assessment endpoints: assess a buyer or the portfolio, read the latest and the history, exposure by
grade, and the model's population stability."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, status

from tradecredit.api.deps import Analyst, AppDep, CreditManager, Viewer
from tradecredit.api.schemas.assessment import (
    AssessmentRead,
    AssessRequest,
    GradeReportRead,
    RunRead,
    StabilityRead,
)
from tradecredit.api.schemas.common import PageRead
from tradecredit.services import assessment as service
from tradecredit.services import models
from tradecredit.services.paging import MAX_PAGE

router = APIRouter(tags=["assessment"])


def read_model(view: service.AssessmentView) -> AssessmentRead:
    outputs = view.outputs
    return AssessmentRead.model_validate({
        **asdict(view), "components": outputs["components"], "reasons": outputs["reasons"],
        "limit": outputs["limit"], "terms": outputs["terms"], "change_en": view.change_en,
        "change_zh": view.change_zh, "default_reason_zh": outputs.get("default_reason_zh"),
        "credit_class": outputs.get("credit_class")})


@router.post("/buyers/{ref}/assessments", status_code=status.HTTP_201_CREATED, response_model=AssessmentRead)
def assess_buyer(ref: str, tc: AppDep, user: Analyst, body: AssessRequest | None = None) -> AssessmentRead:
    """Assess the buyer now (or as of a past date); the result is stored and returned."""
    request = body or AssessRequest()
    view = service.assess_buyer(tc.uow(), ref=ref, actor=user.actor,
                                config=service.AssessmentConfig.from_settings(tc.settings), as_of=request.as_of,
                                trigger=request.reason)
    return read_model(view)


@router.get("/buyers/{ref}/assessment", response_model=AssessmentRead)
def latest_assessment(ref: str, tc: AppDep, user: Viewer) -> AssessmentRead:
    return read_model(service.latest_assessment(tc.uow(), ref=ref))


@router.get("/buyers/{ref}/assessments", response_model=PageRead[AssessmentRead])
def assessment_history(ref: str, tc: AppDep, user: Viewer, page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
                       size: Annotated[int, Query(ge=1, le=500)] = 50) -> PageRead[AssessmentRead]:
    """The buyer's assessments, newest first; each explains its grade change against the one before."""
    found = service.assessment_history(tc.uow(), ref=ref, page=page, size=size)
    return PageRead[AssessmentRead](items=[read_model(v) for v in found.items], total=found.total, page=page,
                                    size=size)


@router.post("/assessments/run", response_model=RunRead)
def assess_portfolio(tc: AppDep, user: CreditManager, body: AssessRequest | None = None) -> RunRead:
    """Assess every buyer in one transaction."""
    request = body or AssessRequest(reason="portfolio run")
    result = service.assess_all(tc.uow(), actor=user.actor, config=service.AssessmentConfig.from_settings(tc.settings),
                                as_of=request.as_of, trigger=request.reason)
    return RunRead.model_validate(asdict(result))


@router.get("/reports/grades", response_model=GradeReportRead, tags=["reports"])
def grades(tc: AppDep, user: Viewer, as_of: date | None = None) -> GradeReportRead:
    """Open exposure and expected loss by the grade of each buyer's latest assessment."""
    report = service.exposure_by_grade(tc.uow(), as_of=as_of or tc.clock.today(),
                                       base_currency=tc.settings.base_currency, lgd=tc.settings.lgd)
    return GradeReportRead.model_validate(asdict(report))


@router.get("/model/stability", response_model=StabilityRead)
def stability(tc: AppDep, user: Viewer) -> StabilityRead:
    """Population stability index of the live financial PDs against the model's training distribution."""
    report = models.model_stability(tc.uow(), master_scale=tc.settings.assessment_policy().master_scale)
    return StabilityRead.model_validate(asdict(report))
