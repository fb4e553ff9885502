"""/api/v1/countries: grades, profiles, settings and the downgrade stress test (ratings import at /imports)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query

from tradecredit.api.deps import AppDep, CreditManager, Viewer
from tradecredit.api.schemas.country import CountryLineRead, ProfileRead, SettingsRead, SettingsUpdate, StressRead
from tradecredit.services import country as service

router = APIRouter(prefix="/countries", tags=["countries"])


@router.get("", response_model=list[CountryLineRead])
def list_countries(tc: AppDep, user: Viewer, as_of: date | None = None,
                   sort: Annotated[str, Query(description="grade, exposure or country; '-' reverses")] = "grade",
                   exposed: bool = False) -> list[CountryLineRead]:
    lines = service.list_countries(tc.uow(), on=as_of or tc.clock.today(), base_currency=tc.settings.base_currency,
                                   policy=tc.settings.terms_policy(), sort=sort, with_exposure_only=exposed)
    return [CountryLineRead.model_validate(asdict(line)) for line in lines]


@router.get("/{code}", response_model=ProfileRead)
def read_country(code: str, tc: AppDep, user: Viewer, as_of: date | None = None) -> ProfileRead:
    profile = service.country_profile(tc.uow(), country=code, on=as_of or tc.clock.today(),
                                      base_currency=tc.settings.base_currency, policy=tc.settings.terms_policy())
    scores = profile.grade.sub_scores
    buyers: list[dict[str, Any]] = [{"ref": b.ref, "name": b.name, "open": str(b.open), "overdue": str(b.overdue),
                                     "oldest_days_past_due": b.oldest_days_past_due} for b in profile.buyers]
    return ProfileRead.model_validate({
        "country": asdict(profile.line), "since": profile.grade.since, "imported": profile.grade.imported,
        "sub_scores": asdict(scores) if scores else None, "settings": asdict(profile.settings),
        "history": [asdict(point) for point in profile.history], "buyers": buyers})


@router.patch("/{code}", response_model=SettingsRead)
def update_settings(code: str, body: SettingsUpdate, tc: AppDep, user: CreditManager) -> SettingsRead:
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    settings = service.update_settings(tc.uow(), country=code, changes=changes, version=body.version,
                                       actor=user.actor)
    return SettingsRead.model_validate(asdict(settings))


@router.get("/{code}/stress", response_model=StressRead)
def stress(code: str, tc: AppDep, user: Viewer, steps: Annotated[int, Query(ge=-7, le=7)] = 1,
           as_of: date | None = None) -> StressRead:
    """Downgrade the country by ``steps``: exposure affected, allowed terms, and each assessed buyer's grade and
    expected loss (PD × open × LGD) before and after."""
    result = service.stress_test(tc.uow(), country=code, steps=steps, on=as_of or tc.clock.today(),
                                 base_currency=tc.settings.base_currency, policy=tc.settings.terms_policy(),
                                 assessment_policy=tc.settings.assessment_policy(), lgd=tc.settings.lgd)
    return StressRead.model_validate({**asdict(result), "terms_change": result.terms_change})
