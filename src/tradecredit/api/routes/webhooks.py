"""/api/v1/webhooks: endpoints that receive events, and the delivery log (admin only)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, status

from tradecredit.api.deps import Admin, AppDep
from tradecredit.api.schemas.common import PageRead
from tradecredit.api.schemas.webhooks import DeliveryRead, VersionCheck, WebhookCreate, WebhookCreated, WebhookRead
from tradecredit.services import webhooks as service
from tradecredit.services.paging import MAX_PAGE

router = APIRouter(prefix="/webhooks", tags=["webhooks"])
RowId = Annotated[int, Path(ge=1, le=2**31 - 1, description="the record's number")]


@router.get("", response_model=list[WebhookRead])
def list_endpoints(tc: AppDep, user: Admin) -> list[WebhookRead]:
    """Every endpoint, without its secret."""
    return [WebhookRead.model_validate(asdict(e)) for e in service.list_endpoints(tc.uow())]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=WebhookCreated)
def add_endpoint(body: WebhookCreate, tc: AppDep, user: Admin) -> WebhookCreated:
    """Subscribe a URL to event types; the answer carries the signing secret, the only time it is shown."""
    view = service.add_endpoint(tc.uow(), url=body.url, event_types=body.event_types,
                                description=body.description, actor=user.actor)
    return WebhookCreated.model_validate(asdict(view))


@router.post("/{endpoint_id}/disable", response_model=WebhookRead)
def disable(endpoint_id: RowId, body: VersionCheck, tc: AppDep, user: Admin) -> WebhookRead:
    view = service.disable_endpoint(tc.uow(), endpoint_id=endpoint_id, version=body.version, actor=user.actor)
    return WebhookRead.model_validate(asdict(view))


@router.post("/{endpoint_id}/enable", response_model=WebhookRead)
def enable(endpoint_id: RowId, body: VersionCheck, tc: AppDep, user: Admin) -> WebhookRead:
    view = service.enable_endpoint(tc.uow(), endpoint_id=endpoint_id, version=body.version, actor=user.actor)
    return WebhookRead.model_validate(asdict(view))


@router.post("/{endpoint_id}/test", status_code=status.HTTP_202_ACCEPTED, response_model=DeliveryRead)
def send_test(endpoint_id: RowId, tc: AppDep, user: Admin) -> DeliveryRead:
    """Queue a `ping` event for this endpoint; the dispatcher sends it within seconds."""
    return DeliveryRead.model_validate(asdict(service.send_test(tc.uow(), endpoint_id=endpoint_id,
                                                               actor=user.actor)))


@router.get("/deliveries", response_model=PageRead[DeliveryRead])
def deliveries(tc: AppDep, user: Admin, endpoint: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
               status_: Annotated[Literal["pending", "delivered", "failed"] | None, Query(alias="status")] = None,
               page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
               size: Annotated[int, Query(ge=1, le=500)] = 50) -> PageRead[DeliveryRead]:
    """The delivery log, newest first."""
    items, total = service.list_deliveries(tc.uow(), endpoint_id=endpoint, status=status_, page=page, size=size)
    return PageRead[DeliveryRead](items=[DeliveryRead.model_validate(asdict(i)) for i in items], total=total,
                                  page=page, size=size)


@router.post("/deliveries/{delivery_id}/redeliver", status_code=status.HTTP_202_ACCEPTED,
             response_model=DeliveryRead)
def redeliver(delivery_id: RowId, tc: AppDep, user: Admin) -> DeliveryRead:
    """Send a failed (or delivered) delivery again, with a fresh retry schedule; the event keeps its id."""
    return DeliveryRead.model_validate(asdict(service.redeliver(tc.uow(), delivery_id=delivery_id,
                                                                actor=user.actor)))
