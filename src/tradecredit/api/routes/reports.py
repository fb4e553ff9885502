"""/api/v1/reports: the same figures and JSON shapes as `tradecredit report … --format json`."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Query

from tradecredit.api.deps import AppDep, Viewer
from tradecredit.bootstrap import App
from tradecredit.services import heatmap
from tradecredit.services import reports as service

router = APIRouter(prefix="/reports", tags=["reports"])


class By(StrEnum):
    buyer = "buyer"
    group = "group"


def _snapshot(tc: App, as_of: date | None) -> service.Snapshot:
    return service.snapshot(tc.uow(), as_of=as_of or tc.clock.today(), base_currency=tc.settings.base_currency)


@router.get("/aging")
def aging(tc: AppDep, user: Viewer, as_of: date | None = None) -> dict[str, Any]:
    return service.as_document(service.aging_report(_snapshot(tc, as_of), edges=tc.settings.aging_edges))


@router.get("/dso")
def dso(tc: AppDep, user: Viewer, as_of: date | None = None,
        period_days: Annotated[int | None, Query(ge=1, le=3650)] = None) -> dict[str, Any]:
    return service.as_document(service.dso_report(_snapshot(tc, as_of),
                                                  period_days=period_days or tc.settings.dso_period_days))


@router.get("/exposure")
def exposure(tc: AppDep, user: Viewer, as_of: date | None = None, by: By = By.buyer,
             top: Annotated[int | None, Query(ge=1, le=100_000)] = None) -> dict[str, Any]:
    return service.as_document(service.exposure_report(_snapshot(tc, as_of), by=by.value, limit=top))


@router.get("/concentration")
def concentration(tc: AppDep, user: Viewer, as_of: date | None = None, by: By = By.group,
                  top: Annotated[int | None, Query(ge=1, le=1000)] = None) -> dict[str, Any]:
    return service.as_document(service.concentration_report(_snapshot(tc, as_of), by=by.value,
                                                            top_n=top or tc.settings.top_n))


@router.get("/summary")
def summary(tc: AppDep, user: Viewer, as_of: date | None = None) -> dict[str, Any]:
    return service.as_document(service.summary_report(_snapshot(tc, as_of), edges=tc.settings.aging_edges,
                                                      period_days=tc.settings.dso_period_days,
                                                      top_n=tc.settings.top_n))


@router.get("/heatmap")
def heat_map(tc: AppDep, user: Viewer, as_of: date | None = None) -> dict[str, Any]:
    """Open exposure by grade × country with the open alerts in each cell (docs/notifications.md#heat-map)."""
    return heatmap.as_document(heatmap.heat_map(tc.uow(), as_of=as_of or tc.clock.today(),
                                                base_currency=tc.settings.base_currency))
