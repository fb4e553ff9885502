"""/api/v1 credit limits, approval authorities, order credit checks and the hold queue."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status

from tradecredit.api.deps import Admin, Analyst, AppDep, CreditManager, Viewer
from tradecredit.api.schemas.common import PageRead
from tradecredit.api.schemas.limits import (
    AuthorityRead,
    AuthoritySet,
    BuyerLimitsRead,
    DecisionCreate,
    DeliveryCreate,
    HoldRelease,
    HoldResolution,
    LimitChange,
    LimitRead,
    LimitRequestCreate,
    OrderBatchCreate,
    OrderBatchRead,
    OrderCheckCreate,
    OrderCheckRead,
    RequestRead,
)
from tradecredit.services import limits as service
from tradecredit.services import order_deliveries, order_holds, orders
from tradecredit.services.paging import MAX_PAGE

router = APIRouter(tags=["limits"])
Page = Annotated[int, Query(ge=1, le=MAX_PAGE)]
Size = Annotated[int, Query(ge=1, le=500)]
RowId = Annotated[int, Path(ge=1, le=2**31 - 1, description="the record's number")]


def _limits_document(view: service.BuyerLimits) -> dict[str, Any]:
    document = asdict(view)
    for name in ("own", "group"):
        position = getattr(view, name)
        if position is not None:
            document[name]["exposure"]["total"] = position.exposure.total
    return document


# The order checks first: FastAPI tries a router's routes in the order they are defined, and an ERP calls the
# check before every order.
@router.post("/orders/check", response_model=OrderCheckRead)
async def check_order(body: OrderCheckCreate, tc: AppDep, user: Analyst) -> OrderCheckRead:
    """Release or hold an order, with every reason and the figures behind it; released orders count as
    exposure until an invoice carries the order reference.

    Async on purpose: the check takes about a third of a millisecond, less than a hop to a worker thread, and the
    checks of one worker then queue in its event loop instead of contending for the write lock."""
    view = orders.check(tc.uow(), ref=body.buyer, order_ref=body.order_ref, amount=body.amount,
                        currency=body.currency.upper(), ship_date=body.ship_date, actor=user.actor,
                        config=tc.order_check_config)
    return OrderCheckRead.model_validate(view)  # from its attributes: asdict() deep-copied it, 0.1 ms a check


@router.post("/orders/check-batch", response_model=OrderBatchRead)
async def check_orders(body: OrderBatchCreate, tc: AppDep, user: Analyst) -> OrderBatchRead:
    """Check up to 1,000 orders at once, in the order given, in one transaction: an order released earlier in
    the batch counts as exposure for the ones after it. One bad order (unknown buyer, an order reference already
    checked with other figures) stores none of them; the error names it (`orders[3].amount`). Async for the same
    reason as the single check."""
    requests = [orders.OrderRequest(o.buyer, o.order_ref, o.amount, o.currency.upper(), o.ship_date)
                for o in body.orders]
    views = orders.check_many(tc.uow(), requests, actor=user.actor, config=tc.order_check_config)
    results = [OrderCheckRead.model_validate(view) for view in views]
    released = sum(1 for view in views if view.status == "released")
    return OrderBatchRead(results=results, released=released, held=len(views) - released)


@router.get("/buyers/{ref}/limits", response_model=BuyerLimitsRead)
def buyer_limits(ref: str, tc: AppDep, user: Viewer, as_of: date | None = None) -> BuyerLimitsRead:
    """The buyer's own limit and its group's against exposure (by the configured buckets), history, requests."""
    view = service.buyer_limits(tc.uow(), ref=ref, base_currency=tc.settings.base_currency,
                                buckets=tc.settings.exposure_buckets, as_of=as_of)
    return BuyerLimitsRead.model_validate(_limits_document(view))


@router.post("/buyers/{ref}/limit-requests", status_code=status.HTTP_201_CREATED, response_model=RequestRead)
def request_limit(ref: str, body: LimitRequestCreate, tc: AppDep, user: Analyst) -> RequestRead:
    view = service.request_limit(tc.uow(), ref=ref, amount=body.amount, currency=body.currency.upper(),
                                 kind=body.kind, scope=body.scope, valid_from=body.valid_from, valid_to=body.valid_to,
                                 reason=body.reason, actor=user.actor, base_currency=tc.settings.base_currency)
    return RequestRead.model_validate(asdict(view))


@router.get("/limit-requests", response_model=PageRead[RequestRead])
def list_requests(tc: AppDep, user: Viewer, status_: Annotated[str | None, Query(alias="status")] = "pending",
                  buyer: str | None = None, page: Page = 1, size: Size = 50) -> PageRead[RequestRead]:
    """Limit requests, newest first (`status`: pending by default; `all` for every status)."""
    chosen = None if status_ == "all" else status_
    items, total = service.list_requests(tc.uow(), base_currency=tc.settings.base_currency, status=chosen,
                                         ref=buyer, page=page, size=size)
    return PageRead[RequestRead](items=[RequestRead.model_validate(asdict(i)) for i in items], total=total,
                                 page=page, size=size)


@router.post("/limit-requests/{request_id}/decision", response_model=RequestRead)
def decide(request_id: RowId, body: DecisionCreate, tc: AppDep, user: CreditManager) -> RequestRead:
    """Approve, partially approve or refuse, within the deciding user's approval authority."""
    view = service.decide_request(tc.uow(), request_id=request_id, decision=body.decision, version=body.version,
                                  reason=body.reason, actor=user.actor, username=user.username,
                                  base_currency=tc.settings.base_currency, amount=body.amount)
    return RequestRead.model_validate(asdict(view))


@router.post("/limits/{limit_id}/change", response_model=LimitRead)
def change(limit_id: RowId, body: LimitChange, tc: AppDep, user: CreditManager) -> LimitRead:
    """Reduce the limit from `effective` (give `amount`) or cancel it (omit `amount`)."""
    view = service.change_limit(tc.uow(), limit_id=limit_id, new_amount=body.amount, effective=body.effective,
                                reason=body.reason, actor=user.actor, base_currency=tc.settings.base_currency)
    return LimitRead.model_validate(asdict(view))


@router.get("/authorities", response_model=list[AuthorityRead])
def authorities(tc: AppDep, user: Admin) -> list[AuthorityRead]:
    return [AuthorityRead.model_validate(asdict(a)) for a in service.list_authorities(tc.uow())]


@router.put("/authorities/{username}", response_model=AuthorityRead)
def set_authority(username: str, body: AuthoritySet, tc: AppDep, user: Admin) -> AuthorityRead:
    """What the user may approve: limits up to `max_amount` for buyers graded up to `worst_grade`."""
    view = service.set_authority(tc.uow(), username=username, max_amount=body.max_amount,
                                 worst_grade=body.worst_grade, actor=user.actor, version=body.version)
    return AuthorityRead.model_validate(asdict(view))


@router.get("/orders", response_model=PageRead[OrderCheckRead])
def list_orders(tc: AppDep, user: Viewer, status_: Annotated[str | None, Query(alias="status")] = "held",
                buyer: str | None = None, page: Page = 1, size: Size = 50) -> PageRead[OrderCheckRead]:
    """Checked orders, newest first: the hold queue by default (`status=held`; `all` for every order)."""
    chosen = None if status_ == "all" else status_
    items, total = order_holds.list_orders(tc.uow(), base_currency=tc.settings.base_currency, status=chosen, ref=buyer,
                                      page=page, size=size)
    return PageRead[OrderCheckRead](items=[OrderCheckRead.model_validate(asdict(i)) for i in items], total=total,
                                    page=page, size=size)


@router.post("/orders/{order_ref}/release", response_model=OrderCheckRead)
def release(order_ref: str, body: HoldRelease, tc: AppDep, user: CreditManager) -> OrderCheckRead:
    """Release a held order, or with `amount` only that part of it (a one-off; the rest is not shipped)."""
    view = order_holds.resolve_hold(tc.uow(), order_ref=order_ref, release=True, reason=body.reason,
                               version=body.version, actor=user.actor, amount=body.amount,
                               base_currency=tc.settings.base_currency)
    return OrderCheckRead.model_validate(view)  # from its attributes: asdict() deep-copied it, 0.1 ms a check


@router.post("/orders/{order_ref}/delivery", response_model=OrderCheckRead)
def deliver(order_ref: str, body: DeliveryCreate, tc: AppDep, user: Analyst) -> OrderCheckRead:
    """The ERP reports a released order delivered (`delivered_on`, default today): it then counts as delivered, not
    invoiced, until an invoice carries its reference. The same day sent again changes nothing; another day is a
    conflict (409)."""
    view = order_deliveries.record_delivery(tc.uow(), order_ref=order_ref, delivered_on=body.delivered_on,
                                            actor=user.actor, base_currency=tc.settings.base_currency)
    return OrderCheckRead.model_validate(view)


@router.post("/orders/{order_ref}/reject", response_model=OrderCheckRead)
def reject(order_ref: str, body: HoldResolution, tc: AppDep, user: CreditManager) -> OrderCheckRead:
    view = order_holds.resolve_hold(tc.uow(), order_ref=order_ref, release=False, reason=body.reason,
                               version=body.version, actor=user.actor,
                               base_currency=tc.settings.base_currency)
    return OrderCheckRead.model_validate(view)  # from its attributes: asdict() deep-copied it, 0.1 ms a check
