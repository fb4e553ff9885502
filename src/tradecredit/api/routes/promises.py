"""/api/v1/promises: buyers' payment promises, their status, and cancelling one (docs/promises.md)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from tradecredit.api.deps import Analyst, AppDep, Collector, Viewer
from tradecredit.api.schemas.common import PageRead
from tradecredit.api.schemas.promises import PromiseCancel, PromiseCreate, PromiseRead
from tradecredit.domain.promises import PromiseStatus
from tradecredit.services import promises as service
from tradecredit.services.paging import MAX_PAGE, MAX_PAGE_SIZE

router = APIRouter(tags=["promises"])
Page = Annotated[int, Query(ge=1, le=MAX_PAGE)]
Size = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]
PromiseId = Annotated[int, Path(ge=1, le=2**31 - 1, description="the promise's number")]


def _read(view: service.PromiseView) -> PromiseRead:
    return PromiseRead.model_validate(asdict(view))


@router.post("/promises", status_code=status.HTTP_201_CREATED, response_model=PromiseRead)
def record_promise(tc: AppDep, user: Collector, body: PromiseCreate) -> PromiseRead:
    """Record a buyer's promise to pay an amount by a date, for one invoice or its overdue balance."""
    return _read(service.record_promise(
        tc.uow(), buyer_ref=body.buyer_ref, invoice_ref=body.invoice_ref, amount=body.amount, currency=body.currency,
        promised_date=body.promised_date, made_on=body.made_on, note=body.note, actor=user.actor,
        policy=tc.settings.promise_policy()))


@router.get("/promises", response_model=PageRead[PromiseRead])
def list_promises(tc: AppDep, user: Viewer, buyer: Annotated[str | None, Query(max_length=64)] = None,
                  status_: Annotated[PromiseStatus | None, Query(alias="status")] = None,
                  page: Page = 1, size: Size = 50) -> PageRead[PromiseRead]:
    """Promises with their status today, latest promised date first (``buyer``, ``status``)."""
    found = service.list_promises(tc.uow(), policy=tc.settings.promise_policy(), buyer_ref=buyer,
                                  status=status_.value if status_ else None, page=page, size=size)
    return PageRead[PromiseRead](items=[_read(item) for item in found.items], total=found.total, page=found.page,
                                 size=found.size)


@router.post("/promises/{promise_id}/cancel", response_model=PromiseRead)
def cancel_promise(promise_id: PromiseId, tc: AppDep, user: Analyst, body: PromiseCancel) -> PromiseRead:
    """Cancel a promise with the reason; it is kept and never counts as broken. A stale ``version`` → 409."""
    return _read(service.cancel_promise(tc.uow(), promise_id=promise_id, version=body.version, reason=body.reason,
                                        actor=user.actor, policy=tc.settings.promise_policy()))
