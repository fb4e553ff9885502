"""Repositories for webhook endpoints and deliveries (the outbox), and the dispatcher's claim-and-record queries.

A dispatcher never holds a transaction while it waits for a receiver: it claims a due delivery in one short
transaction (a conditional UPDATE that moves ``next_attempt_at`` past the send's timeout, so a second dispatcher's
claim of the same row matches nothing), sends, and records the outcome in another, conditional on its claim still
standing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from tradecredit.store.tables import WebhookDeliveryRecord, WebhookEndpointRecord

PENDING = "pending"


class WebhookEndpointRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, **values: Any) -> WebhookEndpointRecord:
        record = WebhookEndpointRecord(**values)
        self.session.add(record)
        self.session.flush()
        return record

    def get(self, endpoint_id: int) -> WebhookEndpointRecord | None:
        return self.session.get(WebhookEndpointRecord, endpoint_id)

    def all(self) -> list[WebhookEndpointRecord]:
        return list(self.session.scalars(select(WebhookEndpointRecord).order_by(WebhookEndpointRecord.id)))

    def subscribed(self, event_type: str) -> list[int]:
        """Ids of the active endpoints subscribed to ``event_type`` (a handful of rows: filtered here, which
        reads the same on every database, rather than with each one's JSON operators)."""
        return subscribers(self.session.connection().execute(SUBSCRIPTIONS), event_type)


SUBSCRIPTIONS = (select(WebhookEndpointRecord.id, WebhookEndpointRecord.event_types)
                 .where(WebhookEndpointRecord.active.is_(True)).order_by(WebhookEndpointRecord.id))


def subscribers(rows: Iterable[Sequence[Any]], event_type: str) -> list[int]:
    """The endpoint ids among ``SUBSCRIPTIONS`` rows that take ``event_type``."""
    return [endpoint_id for endpoint_id, types in rows if event_type in types]


class WebhookDeliveryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, **values: Any) -> WebhookDeliveryRecord:
        record = WebhookDeliveryRecord(**values)
        self.session.add(record)
        self.session.flush()
        return record

    def add_all(self, rows: list[dict[str, Any]]) -> None:
        """One Core INSERT for the deliveries of one event (the order check queues them on its hot path)."""
        if rows:
            self.session.connection().execute(insert(WebhookDeliveryRecord), rows)

    def get(self, delivery_id: int) -> WebhookDeliveryRecord | None:
        return self.session.get(WebhookDeliveryRecord, delivery_id)

    def page(self, *, endpoint_id: int | None, status: str | None, offset: int,
             limit: int) -> tuple[list[WebhookDeliveryRecord], int]:
        query = select(WebhookDeliveryRecord)
        if endpoint_id is not None:
            query = query.where(WebhookDeliveryRecord.endpoint_id == endpoint_id)
        if status is not None:
            query = query.where(WebhookDeliveryRecord.status == status)
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = self.session.scalars(query.order_by(WebhookDeliveryRecord.id.desc()).offset(offset).limit(limit))
        return list(rows), int(total)

    def due(self, now: datetime, limit: int) -> list[tuple[int, int]]:
        """(delivery id, endpoint id) of pending deliveries due at ``now`` to active endpoints, longest due first.
        Deliveries to a disabled endpoint wait, and go out when it is enabled again."""
        query = (select(WebhookDeliveryRecord.id, WebhookDeliveryRecord.endpoint_id)
                 .join(WebhookEndpointRecord, WebhookEndpointRecord.id == WebhookDeliveryRecord.endpoint_id)
                 .where(WebhookDeliveryRecord.status == PENDING, WebhookDeliveryRecord.next_attempt_at <= now,
                        WebhookEndpointRecord.active.is_(True))
                 .order_by(WebhookDeliveryRecord.next_attempt_at, WebhookDeliveryRecord.id).limit(limit))
        return [(delivery_id, endpoint_id) for delivery_id, endpoint_id in self.session.execute(query)]

    def claim(self, delivery_id: int, *, now: datetime, until: datetime) -> bool:
        """Take a due delivery for sending until ``until``; False when another dispatcher took it first (or it is
        no longer due). The UPDATE is the transaction's first statement, so it waits for a competing claim's
        commit and then finds the row no longer due."""
        claimed = self.session.execute(
            update(WebhookDeliveryRecord)
            .where(WebhookDeliveryRecord.id == delivery_id, WebhookDeliveryRecord.status == PENDING,
                   WebhookDeliveryRecord.next_attempt_at <= now)
            .values(next_attempt_at=until).execution_options(synchronize_session=False))
        return bool(claimed.rowcount == 1)  # type: ignore[attr-defined]

    def claimed(self, delivery_id: int) -> Any:
        """What sending needs: the event, the attempts so far, and the endpoint's URL and secret."""
        query = (select(WebhookDeliveryRecord.id, WebhookDeliveryRecord.event_id, WebhookDeliveryRecord.event_type,
                        WebhookDeliveryRecord.created_at, WebhookDeliveryRecord.payload,
                        WebhookDeliveryRecord.attempts, WebhookEndpointRecord.url, WebhookEndpointRecord.secret)
                 .join(WebhookEndpointRecord, WebhookEndpointRecord.id == WebhookDeliveryRecord.endpoint_id)
                 .where(WebhookDeliveryRecord.id == delivery_id))
        return self.session.execute(query).one()

    def record(self, delivery_id: int, *, claimed_until: datetime, **values: Any) -> bool:
        """Write an attempt's outcome if the claim still stands (False: it lapsed and another dispatcher took the
        delivery over; its outcome will be the one recorded)."""
        done = self.session.execute(
            update(WebhookDeliveryRecord)
            .where(WebhookDeliveryRecord.id == delivery_id, WebhookDeliveryRecord.status == PENDING,
                   WebhookDeliveryRecord.next_attempt_at == claimed_until)
            .values(**values).execution_options(synchronize_session=False))
        return bool(done.rowcount == 1)  # type: ignore[attr-defined]
