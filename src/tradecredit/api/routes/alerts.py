"""/api/v1 alerts inbox, one-click actions, the watch list and credit blocks (docs/alerts.md)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from tradecredit.api.deps import Analyst, AppDep, CreditManager, Viewer
from tradecredit.api.schemas.alerts import (
    ActionTakenRead,
    AlertMove,
    AlertRead,
    AlertResolve,
    AlertSnooze,
    BlockCreate,
    BlockLift,
    BlockRead,
    BuyerBlocksRead,
    TimelineRead,
    WatchCreate,
    WatchRead,
)
from tradecredit.api.schemas.common import PageRead
from tradecredit.domain.alert_actions import ActionCode
from tradecredit.domain.signals import Severity, SignalCode
from tradecredit.services import alert_actions, alerts, credit_blocks, watch_list
from tradecredit.services.alerts import AlertView
from tradecredit.services.assessment import AssessmentConfig
from tradecredit.services.credit_blocks import BlockView
from tradecredit.services.paging import MAX_PAGE, MAX_PAGE_SIZE

router = APIRouter(tags=["alerts"])
Page = Annotated[int, Query(ge=1, le=MAX_PAGE)]
Size = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]
AlertId = Annotated[int, Path(ge=1, le=2**31 - 1, description="the alert's number")]
StatusFilter = Annotated[str, Query(alias="status", pattern="^(open|all|new|acknowledged|snoozed|resolved)$",
                                    description="open (new, acknowledged, snoozed) by default, all, or one status")]


def _alert(view: AlertView) -> AlertRead:
    return AlertRead.model_validate(asdict(view))


def _block(view: BlockView) -> BlockRead:
    return BlockRead.model_validate({**asdict(view), "in_force": view.in_force})


@router.get("/alerts", response_model=PageRead[AlertRead])
def list_alerts(tc: AppDep, user: Viewer, status_: StatusFilter = "open", severity: Severity | None = None,
                type_: Annotated[SignalCode | None, Query(alias="type")] = None,
                buyer: Annotated[str | None, Query(max_length=64)] = None,
                country: Annotated[str | None, Query(min_length=2, max_length=2)] = None, page: Page = 1,
                size: Size = 50) -> PageRead[AlertRead]:
    """Alerts, most severe first, then newest (`status`, `severity`, `type` = signal code, `buyer`, `country`)."""
    items, total = alerts.list_alerts(tc.uow(), status=status_, severity=severity, code=type_, buyer=buyer,
                                      country=country, page=page, size=size)
    return PageRead[AlertRead](items=[_alert(i) for i in items], total=total, page=page, size=size)


@router.get("/alerts/{alert_id}", response_model=AlertRead)
def get_alert(alert_id: AlertId, tc: AppDep, user: Viewer) -> AlertRead:
    """One alert with its evidence, actions (done or not) and whole history."""
    return _alert(alerts.get_alert(tc.uow(), alert_id=alert_id))


@router.post("/alerts/{alert_id}/acknowledge", response_model=AlertRead)
def acknowledge(alert_id: AlertId, body: AlertMove, tc: AppDep, user: Analyst) -> AlertRead:
    return _alert(alerts.acknowledge(tc.uow(), alert_id=alert_id, version=body.version, actor=user.actor,
                                     comment=body.comment))


@router.post("/alerts/{alert_id}/snooze", response_model=AlertRead)
def snooze(alert_id: AlertId, body: AlertSnooze, tc: AppDep, user: Analyst) -> AlertRead:
    return _alert(alerts.snooze(tc.uow(), alert_id=alert_id, version=body.version, until=body.until,
                                comment=body.comment, actor=user.actor))


@router.post("/alerts/{alert_id}/resolve", response_model=AlertRead)
def resolve(alert_id: AlertId, body: AlertResolve, tc: AppDep, user: CreditManager) -> AlertRead:
    return _alert(alerts.resolve(tc.uow(), alert_id=alert_id, version=body.version, comment=body.comment,
                                 actor=user.actor))


@router.post("/alerts/{alert_id}/reopen", response_model=AlertRead)
def reopen(alert_id: AlertId, body: AlertMove, tc: AppDep, user: CreditManager) -> AlertRead:
    return _alert(alerts.reopen(tc.uow(), alert_id=alert_id, version=body.version, actor=user.actor,
                                comment=body.comment))


@router.post("/alerts/{alert_id}/actions/{action}", response_model=ActionTakenRead)
def take_action(alert_id: AlertId, action: ActionCode, body: AlertMove, tc: AppDep, user: Analyst) -> ActionTakenRead:
    """Do one recommended action; `reduce_limit` and `stop_shipments` need a credit manager."""
    taken = alert_actions.take_action(tc.uow(), alert_id=alert_id, action=action.value, version=body.version,
                                      actor=user.actor, role=user.role, config=AssessmentConfig.from_settings(
                                          tc.settings), comment=body.comment)
    return ActionTakenRead(action=taken.action, result=taken.result, alert=_alert(taken.alert))


@router.get("/buyers/{ref}/alerts", response_model=list[TimelineRead])
def buyer_timeline(ref: str, tc: AppDep, user: Viewer) -> list[TimelineRead]:
    """The buyer's signals and what was done about them: its alerts' events, newest first."""
    return [TimelineRead.model_validate(asdict(entry)) for entry in alerts.buyer_timeline(tc.uow(), ref=ref)]


@router.get("/watch-list", response_model=list[WatchRead])
def list_watched(tc: AppDep, user: Viewer) -> list[WatchRead]:
    return [WatchRead.model_validate(asdict(entry)) for entry in watch_list.watch_list(tc.uow())]


@router.post("/watch-list", status_code=status.HTTP_201_CREATED, response_model=WatchRead)
def watch(body: WatchCreate, tc: AppDep, user: Analyst) -> WatchRead:
    return WatchRead.model_validate(asdict(watch_list.watch(tc.uow(), ref=body.buyer, reason=body.reason,
                                                            actor=user.actor)))


@router.delete("/watch-list/{ref}", response_model=WatchRead)
def unwatch(ref: str, tc: AppDep, user: Analyst) -> WatchRead:
    """Take the buyer off the watch list; answers the entry removed."""
    return WatchRead.model_validate(asdict(watch_list.unwatch(tc.uow(), ref=ref, actor=user.actor)))


@router.get("/buyers/{ref}/credit-block", response_model=BuyerBlocksRead)
def buyer_blocks(ref: str, tc: AppDep, user: Viewer) -> BuyerBlocksRead:
    view = credit_blocks.buyer_blocks(tc.uow(), ref=ref)
    return BuyerBlocksRead(buyer=view.buyer, current=_block(view.current) if view.current else None,
                           history=[_block(b) for b in view.history])


@router.post("/buyers/{ref}/credit-block", status_code=status.HTTP_201_CREATED, response_model=BlockRead)
def block(ref: str, body: BlockCreate, tc: AppDep, user: CreditManager) -> BlockRead:
    """Stop shipments: every order of the buyer is held until the block is lifted."""
    return _block(credit_blocks.block_buyer(tc.uow(), ref=ref, reason=body.reason, actor=user.actor))


@router.post("/buyers/{ref}/credit-block/lift", response_model=BlockRead)
def lift(ref: str, body: BlockLift, tc: AppDep, user: CreditManager) -> BlockRead:
    return _block(credit_blocks.lift_block(tc.uow(), ref=ref, reason=body.reason, actor=user.actor,
                                           block_id=body.block_id))
