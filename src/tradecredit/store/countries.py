"""Repositories for country ratings, country settings and grade-change events."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tradecredit.store.repositories import BulkRepository
from tradecredit.store.tables import CountryGradeEventRecord, CountryRatingRecord, CountrySettingsRecord


class CountryRatingRepository(BulkRepository):
    record = CountryRatingRecord
    key = ("country", "scale", "as_of")

    def history(self, country: str) -> list[CountryRatingRecord]:
        query = (select(CountryRatingRecord).where(CountryRatingRecord.country == country)
                 .order_by(CountryRatingRecord.as_of, CountryRatingRecord.id))
        return list(self.session.scalars(query))

    def latest(self, country: str, on: date, *, before: bool = False) -> CountryRatingRecord | None:
        """The rating in force on ``on`` (or strictly before it): the latest date, the latest import on ties."""
        when = CountryRatingRecord.as_of < on if before else CountryRatingRecord.as_of <= on
        query = (select(CountryRatingRecord).where(CountryRatingRecord.country == country, when)
                 .order_by(CountryRatingRecord.as_of.desc(), CountryRatingRecord.id.desc()).limit(1))
        return self.session.scalar(query)

    def latest_all(self, on: date) -> dict[str, CountryRatingRecord]:
        """The rating in force on ``on`` for every country that has one."""
        last = (select(CountryRatingRecord.country, func.max(CountryRatingRecord.as_of).label("as_of"))
                .where(CountryRatingRecord.as_of <= on).group_by(CountryRatingRecord.country).subquery())
        query = (select(CountryRatingRecord)
                 .join(last, (last.c.country == CountryRatingRecord.country)
                       & (last.c.as_of == CountryRatingRecord.as_of))
                 .order_by(CountryRatingRecord.id))
        return {record.country: record for record in self.session.scalars(query)}


class CountrySettingsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, country: str) -> CountrySettingsRecord | None:
        return self.session.scalar(select(CountrySettingsRecord).where(CountrySettingsRecord.country == country))

    def add(self, **values: Any) -> CountrySettingsRecord:
        record = CountrySettingsRecord(**values)
        self.session.add(record)
        self.session.flush()
        return record

    def all(self) -> dict[str, CountrySettingsRecord]:
        return {record.country: record for record in self.session.scalars(select(CountrySettingsRecord))}


class CountryEventRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, **values: Any) -> None:
        self.session.add(CountryGradeEventRecord(**values))

    def for_country(self, country: str) -> list[CountryGradeEventRecord]:
        query = (select(CountryGradeEventRecord).where(CountryGradeEventRecord.country == country)
                 .order_by(CountryGradeEventRecord.effective_on, CountryGradeEventRecord.id))
        return list(self.session.scalars(query))
