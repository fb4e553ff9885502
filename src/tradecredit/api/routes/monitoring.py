"""/api/v1/monitor: run the early-warning monitoring and list the runs (docs/monitoring.md)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Body, Query

from tradecredit.api.deps import AppDep, CreditManager, Viewer
from tradecredit.api.schemas.monitoring import MonitorRunCreate, MonitorRunRead, MonitorRunResult
from tradecredit.services import monitoring as service

router = APIRouter(tags=["monitoring"])


@router.post("/monitor/run", response_model=MonitorRunResult)
def run_monitor(tc: AppDep, user: CreditManager,
                body: Annotated[MonitorRunCreate | None, Body()] = None) -> MonitorRunResult:
    """Run the monitoring for a day (default today) and return what it changed; 409 while another run is in
    progress. Running a day again changes nothing."""
    summary = service.run_monitor(tc.uow, as_of=body.as_of if body else None, actor=user.actor,
                                  policy=tc.settings.signal_policy(), base_currency=tc.settings.base_currency)
    return MonitorRunResult.model_validate(asdict(summary))


@router.get("/monitor/runs", response_model=list[MonitorRunRead])
def list_runs(tc: AppDep, user: Viewer,
              limit: Annotated[int, Query(ge=1, le=1000)] = 20) -> list[MonitorRunRead]:
    """The latest runs, newest first."""
    return [MonitorRunRead.model_validate(asdict(run)) for run in service.list_runs(tc.uow(), limit=limit)]
