"""The buyer events repository: duplicate look-up by fingerprint, bulk inserts, the lists and the insolvency
dates the assessment reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from tradecredit.domain.events import EventType, Insolvency
from tradecredit.store.repositories import BulkRepository
from tradecredit.store.tables import BuyerEventRecord, BuyerRecord


@dataclass(frozen=True, slots=True)
class EventRow:
    id: int
    buyer_ref: str
    buyer_name: str
    event_date: date
    type: str
    source: str
    text: str
    imported_by: str
    imported_at: datetime


@dataclass(frozen=True, slots=True)
class RegisteredBuyer:
    id: int
    ref: str
    country: str
    registration_id: str


class BuyerEventRepository(BulkRepository):
    record = BuyerEventRecord
    key = ("fingerprint",)

    def registered_buyers(self) -> list[RegisteredBuyer]:
        """Every buyer that has a registration number (events may name a buyer by it instead of the ref)."""
        query = (select(BuyerRecord.id, BuyerRecord.ref, BuyerRecord.country, BuyerRecord.registration_id)
                 .where(BuyerRecord.registration_id.is_not(None)).order_by(BuyerRecord.id))
        rows = self.session.execute(query)
        return [RegisteredBuyer(id_, ref, country, number or "") for id_, ref, country, number in rows]

    def insolvencies(self, buyer_ids: Sequence[int] | None, *, on: date) -> dict[int, Insolvency]:
        """buyer_id → the earliest insolvency dated on or before ``on`` (of ``buyer_ids`` when given)."""
        query = (select(BuyerEventRecord.buyer_id, BuyerEventRecord.event_date, BuyerEventRecord.source)
                 .where(BuyerEventRecord.type == EventType.INSOLVENCY.value, BuyerEventRecord.event_date <= on)
                 .order_by(BuyerEventRecord.buyer_id, BuyerEventRecord.event_date.desc(),
                           BuyerEventRecord.id.desc()))
        if buyer_ids is not None:
            query = query.where(BuyerEventRecord.buyer_id.in_(list(buyer_ids)))
        # Ordered latest first per buyer, so the last value written for a buyer is its earliest insolvency.
        return {buyer_id: Insolvency(on_day, source) for buyer_id, on_day, source in self.session.execute(query)}

    def page(self, *, buyer_id: int | None, type: str | None, since: date | None,
             offset: int, limit: int) -> tuple[list[EventRow], int]:
        """Events newest first (date, then the order they were recorded), and how many match."""
        conditions = []
        if buyer_id is not None:
            conditions.append(BuyerEventRecord.buyer_id == buyer_id)
        if type is not None:
            conditions.append(BuyerEventRecord.type == type)
        if since is not None:
            conditions.append(BuyerEventRecord.event_date >= since)
        total = self.session.scalar(select(func.count()).select_from(BuyerEventRecord).where(*conditions)) or 0
        query = (select(BuyerEventRecord.id, BuyerRecord.ref, BuyerRecord.name, BuyerEventRecord.event_date,
                        BuyerEventRecord.type, BuyerEventRecord.source, BuyerEventRecord.text,
                        BuyerEventRecord.imported_by, BuyerEventRecord.imported_at)
                 .join(BuyerRecord, BuyerRecord.id == BuyerEventRecord.buyer_id).where(*conditions)
                 .order_by(BuyerEventRecord.event_date.desc(), BuyerEventRecord.id.desc())
                 .offset(offset).limit(limit))
        return [EventRow(*row) for row in self.session.execute(query)], int(total)
