"""Repositories for monitoring: alerts and their history, monitoring runs, the watch list and credit blocks."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from tradecredit.store.tables import (
    AlertEventRecord,
    AlertRecord,
    BuyerRecord,
    CreditBlockRecord,
    MonitorRunRecord,
    WatchListRecord,
)

OPEN = ("new", "acknowledged", "snoozed")


class AlertRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, **values: Any) -> AlertRecord:
        record = AlertRecord(**values)
        self.session.add(record)
        self.session.flush()
        return record

    def get(self, alert_id: int) -> AlertRecord | None:
        return self.session.get(AlertRecord, alert_id)

    def by_ids(self, alert_ids: Collection[int]) -> dict[int, AlertRecord]:
        if not alert_ids:
            return {}
        query = select(AlertRecord).where(AlertRecord.id.in_(sorted(set(alert_ids))))
        return {record.id: record for record in self.session.scalars(query)}

    def open_of(self, buyer_id: int, code: str) -> AlertRecord | None:
        """The buyer's open alert of this code (the run keeps at most one)."""
        query = (select(AlertRecord).where(AlertRecord.buyer_id == buyer_id, AlertRecord.code == code,
                                           AlertRecord.status.in_(OPEN)).order_by(AlertRecord.id.desc()).limit(1))
        return self.session.scalar(query)

    def buyer_facts(self, buyer_ids: Collection[int]) -> dict[int, tuple[str, str, str]]:
        """buyer id → (ref, name, country), for a page of alerts (one query)."""
        if not buyer_ids:
            return {}
        query = (select(BuyerRecord.id, BuyerRecord.ref, BuyerRecord.name, BuyerRecord.country)
                 .where(BuyerRecord.id.in_(sorted(set(buyer_ids)))))
        return {row.id: (row.ref, row.name, row.country) for row in self.session.execute(query)}

    def open_alerts(self, buyer_ids: Collection[int] | None = None) -> list[AlertRecord]:
        """Every alert not resolved (of these buyers, or of all), oldest first."""
        query = select(AlertRecord).where(AlertRecord.status.in_(OPEN))
        if buyer_ids is not None:
            query = query.where(AlertRecord.buyer_id.in_(sorted(set(buyer_ids))))
        return list(self.session.scalars(query.order_by(AlertRecord.id)))

    def page(self, *, statuses: Sequence[str], severities: Sequence[str], codes: Sequence[str],
             buyer_id: int | None, country: str | None, offset: int, limit: int) -> tuple[list[AlertRecord], int]:
        """Alerts matching the filters (an empty filter matches all), most severe and newest first."""
        query = select(AlertRecord)
        if statuses:
            query = query.where(AlertRecord.status.in_(statuses))
        if severities:
            query = query.where(AlertRecord.severity.in_(severities))
        if codes:
            query = query.where(AlertRecord.code.in_(codes))
        if buyer_id is not None:
            query = query.where(AlertRecord.buyer_id == buyer_id)
        if country is not None:
            query = query.join(BuyerRecord, BuyerRecord.id == AlertRecord.buyer_id).where(
                BuyerRecord.country == country)
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        severity = case({"critical": 0, "warning": 1}, value=AlertRecord.severity, else_=2)
        ordered = query.order_by(severity, AlertRecord.id.desc())
        return list(self.session.scalars(ordered.offset(offset).limit(limit))), int(total)


class AlertEventRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, **values: Any) -> AlertEventRecord:
        record = AlertEventRecord(**values)
        self.session.add(record)
        return record

    def of_alert(self, alert_id: int) -> list[AlertEventRecord]:
        query = select(AlertEventRecord).where(AlertEventRecord.alert_id == alert_id).order_by(AlertEventRecord.id)
        return list(self.session.scalars(query))

    def actions_taken(self, alert_ids: Collection[int]) -> dict[int, list[AlertEventRecord]]:
        """alert id → its ``action_taken`` events, oldest first (what the inbox shows as done)."""
        if not alert_ids:
            return {}
        query = (select(AlertEventRecord).where(AlertEventRecord.alert_id.in_(sorted(set(alert_ids))),
                                                AlertEventRecord.action == "action_taken")
                 .order_by(AlertEventRecord.id))
        taken: dict[int, list[AlertEventRecord]] = {}
        for record in self.session.scalars(query):
            taken.setdefault(record.alert_id, []).append(record)
        return taken

    def of_buyer(self, buyer_id: int, *, limit: int = 200) -> list[AlertEventRecord]:
        """The buyer's alert history, newest first (the buyer page's timeline)."""
        query = (select(AlertEventRecord).join(AlertRecord, AlertRecord.id == AlertEventRecord.alert_id)
                 .where(AlertRecord.buyer_id == buyer_id).order_by(AlertEventRecord.id.desc()).limit(limit))
        return list(self.session.scalars(query))


class MonitorRunRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, **values: Any) -> MonitorRunRecord:
        record = MonitorRunRecord(**values)
        self.session.add(record)
        self.session.flush()
        return record

    def latest(self) -> MonitorRunRecord | None:
        return self.session.scalar(select(MonitorRunRecord).order_by(MonitorRunRecord.id.desc()).limit(1))

    def recent(self, limit: int = 20) -> list[MonitorRunRecord]:
        return list(self.session.scalars(select(MonitorRunRecord).order_by(MonitorRunRecord.id.desc()).limit(limit)))


class WatchListRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, buyer_id: int) -> WatchListRecord | None:
        return self.session.get(WatchListRecord, buyer_id)

    def add(self, **values: Any) -> WatchListRecord:
        record = WatchListRecord(**values)
        self.session.add(record)
        self.session.flush()
        return record

    def remove(self, record: WatchListRecord) -> None:
        self.session.delete(record)
        self.session.flush()

    def all(self) -> list[WatchListRecord]:
        return list(self.session.scalars(select(WatchListRecord).order_by(WatchListRecord.added_at)))

    def labelled(self) -> list[tuple[WatchListRecord, str, str]]:
        """Every entry with its buyer's ref and name, oldest first."""
        query = (select(WatchListRecord, BuyerRecord.ref, BuyerRecord.name)
                 .join(BuyerRecord, BuyerRecord.id == WatchListRecord.buyer_id)
                 .order_by(WatchListRecord.added_at, BuyerRecord.ref))
        return [(record, ref, name) for record, ref, name in self.session.execute(query)]

    def buyer_ids(self) -> set[int]:
        return set(self.session.scalars(select(WatchListRecord.buyer_id)))


class CreditBlockRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, **values: Any) -> CreditBlockRecord:
        record = CreditBlockRecord(**values)
        self.session.add(record)
        self.session.flush()
        return record

    def get(self, block_id: int) -> CreditBlockRecord | None:
        return self.session.get(CreditBlockRecord, block_id)

    def in_force(self, buyer_id: int) -> CreditBlockRecord | None:
        query = (select(CreditBlockRecord).where(CreditBlockRecord.buyer_id == buyer_id,
                                                 CreditBlockRecord.lifted_at.is_(None))
                 .order_by(CreditBlockRecord.id.desc()).limit(1))
        return self.session.scalar(query)

    def of_buyer(self, buyer_id: int) -> list[CreditBlockRecord]:
        query = (select(CreditBlockRecord).where(CreditBlockRecord.buyer_id == buyer_id)
                 .order_by(CreditBlockRecord.id.desc()))
        return list(self.session.scalars(query))
