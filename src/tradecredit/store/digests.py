"""The digest log, and the reads of alerts the digest and the heat map need (open counts, a day window)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tradecredit.store.monitoring import OPEN
from tradecredit.store.tables import AlertEventRecord, AlertRecord, BuyerRecord, DigestRecord, UserRecord

RETRIED = ("failed", "skipped")


class DigestRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, day: date, recipient: str) -> DigestRecord | None:
        return self.session.scalar(select(DigestRecord).where(DigestRecord.day == day,
                                                              DigestRecord.recipient == recipient))

    def previous_sent(self, recipient: str, before: date) -> DigestRecord | None:
        """The recipient's last digest actually sent before ``before``: the start of the next one's window."""
        query = (select(DigestRecord).where(DigestRecord.recipient == recipient, DigestRecord.status == "sent",
                                            DigestRecord.day < before)
                 .order_by(DigestRecord.day.desc()).limit(1))
        return self.session.scalar(query)

    def insert(self, **values: Any) -> DigestRecord | None:
        """A new row for (day, recipient); None when another caller inserted it first (the unique key)."""
        record = DigestRecord(**values)
        try:
            with self.session.begin_nested():
                self.session.add(record)
        except IntegrityError:
            return None
        return record

    def claim(self, digest_id: int, *, now: datetime, until: datetime, values: dict[str, Any]) -> bool:
        """Take a failed or skipped row (or a lapsed claim) for sending; False when someone else holds it."""
        statement = (update(DigestRecord)
                     .where(DigestRecord.id == digest_id,
                            or_(DigestRecord.status.in_(RETRIED),
                                (DigestRecord.status == "sending") & (DigestRecord.claimed_until < now)))
                     .values(status="sending", claimed_until=until, attempts=DigestRecord.attempts + 1,
                             updated_at=now, **values)
                     .execution_options(synchronize_session=False))
        return bool(self.session.execute(statement).rowcount)  # type: ignore[attr-defined]

    def record(self, digest_id: int, **values: Any) -> None:
        self.session.execute(update(DigestRecord).where(DigestRecord.id == digest_id).values(**values)
                             .execution_options(synchronize_session=False))

    def recent(self, *, limit: int, day: date | None = None) -> list[DigestRecord]:
        query = select(DigestRecord)
        if day is not None:
            query = query.where(DigestRecord.day == day)
        return list(self.session.scalars(query.order_by(DigestRecord.day.desc(), DigestRecord.id).limit(limit)))


def recipients(session: Session) -> list[UserRecord]:
    """Active users with an e-mail address who take the daily digest, by user name."""
    query = (select(UserRecord).where(UserRecord.active.is_(True), UserRecord.email.is_not(None),
                                      UserRecord.daily_digest.is_(True)).order_by(UserRecord.username))
    return list(session.scalars(query))


def open_counts(session: Session) -> dict[str, int]:
    """severity → number of open alerts (new, acknowledged or snoozed)."""
    query = select(AlertRecord.severity, func.count()).where(AlertRecord.status.in_(OPEN)).group_by(
        AlertRecord.severity)
    return {severity: int(count) for severity, count in session.execute(query)}


def open_by_buyer(session: Session) -> dict[int, dict[str, int]]:
    """buyer id → severity → number of open alerts."""
    query = (select(AlertRecord.buyer_id, AlertRecord.severity, func.count())
             .where(AlertRecord.status.in_(OPEN)).group_by(AlertRecord.buyer_id, AlertRecord.severity))
    found: dict[int, dict[str, int]] = {}
    for buyer_id, severity, count in session.execute(query):
        found.setdefault(buyer_id, {})[severity] = int(count)
    return found


def opened_between(session: Session, after: date, until: date) -> list[tuple[AlertRecord, BuyerRecord]]:
    """Open alerts opened after ``after`` and on or before ``until``, with their buyers."""
    query = (select(AlertRecord, BuyerRecord).join(BuyerRecord, BuyerRecord.id == AlertRecord.buyer_id)
             .where(AlertRecord.status.in_(OPEN), AlertRecord.opened_on > after, AlertRecord.opened_on <= until)
             .order_by(AlertRecord.id))
    return [(alert, buyer) for alert, buyer in session.execute(query)]


def events_between(session: Session, start: datetime, end: datetime
                   ) -> list[tuple[AlertEventRecord, AlertRecord, BuyerRecord]]:
    """Events recorded in [start, end) on alerts still open, with the alert and its buyer, oldest first."""
    query = (select(AlertEventRecord, AlertRecord, BuyerRecord)
             .join(AlertRecord, AlertRecord.id == AlertEventRecord.alert_id)
             .join(BuyerRecord, BuyerRecord.id == AlertRecord.buyer_id)
             .where(AlertRecord.status.in_(OPEN), AlertEventRecord.at >= start, AlertEventRecord.at < end)
             .order_by(AlertEventRecord.id))
    return [(event, alert, buyer) for event, alert, buyer in session.execute(query)]
