"""/api/v1/events and /api/v1/buyers/{ref}/events: the buyer events feed (docs/events.md)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Body, Query, status
from pydantic import Field

from tradecredit.api.deps import Analyst, AppDep, Viewer
from tradecredit.api.schemas.common import PageRead
from tradecredit.api.schemas.events import EventCreate, EventImportRead, EventRead
from tradecredit.domain.events import EventType
from tradecredit.services import events as service
from tradecredit.services.assessment import AssessmentConfig
from tradecredit.services.paging import MAX_PAGE, MAX_PAGE_SIZE

router = APIRouter(tags=["events"])
Page = Annotated[int, Query(ge=1, le=MAX_PAGE)]
Size = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]
MAX_EVENTS_PER_REQUEST = 1000


def _page(found: service.EventPage) -> PageRead[EventRead]:
    return PageRead[EventRead](items=[EventRead.model_validate(asdict(item)) for item in found.items],
                               total=found.total, page=found.page, size=found.size)


@router.post("/events", status_code=status.HTTP_201_CREATED, response_model=EventImportRead)
def record_events(
    tc: AppDep, user: Analyst,
    body: Annotated[EventCreate | Annotated[list[EventCreate], Field(min_length=1, max_length=MAX_EVENTS_PER_REQUEST)],
                    Body()],
) -> EventImportRead:
    """Record one event or a list in one transaction, with the checks of the events import; events already
    recorded are skipped and counted; a new insolvency re-assesses its buyer (grade 10)."""
    items = body if isinstance(body, list) else [body]
    result = service.record_events(tc.uow(), records=[item.model_dump(mode="json") for item in items],
                                   actor=user.actor, config=AssessmentConfig.from_settings(tc.settings))
    return EventImportRead.model_validate(asdict(result))


@router.get("/events", response_model=PageRead[EventRead])
def list_events(tc: AppDep, user: Viewer, buyer: Annotated[str | None, Query(max_length=64)] = None,
                type: EventType | None = None, since: date | None = None,
                page: Page = 1, size: Size = 50) -> PageRead[EventRead]:
    """Events newest first (``buyer``, ``type``, ``since`` = dated on or after)."""
    return _page(service.list_events(tc.uow(), buyer_ref=buyer, type=type.value if type else None, since=since,
                                     page=page, size=size))


@router.get("/buyers/{ref}/events", response_model=PageRead[EventRead])
def buyer_events(ref: str, tc: AppDep, user: Viewer, type: EventType | None = None,
                 since: date | None = None, page: Page = 1, size: Size = 50) -> PageRead[EventRead]:
    return _page(service.list_events(tc.uow(), buyer_ref=ref, type=type.value if type else None, since=since,
                                     page=page, size=size))
