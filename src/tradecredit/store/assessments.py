"""The assessments repository: append-only rows, read as the latest per buyer or as a buyer's history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from tradecredit.store.tables import AssessmentRecord, BuyerRecord


def _latest_ids(buyer_ids: Sequence[int] | None = None) -> Any:
    """The id of each buyer's latest assessment (of ``buyer_ids`` when given), as a subquery."""
    last = select(func.max(AssessmentRecord.id)).group_by(AssessmentRecord.buyer_id)
    if buyer_ids is not None:
        last = last.where(AssessmentRecord.buyer_id.in_(list(buyer_ids)))
    return last.scalar_subquery()


class AssessmentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_many(self, rows: Sequence[dict[str, Any]]) -> None:
        """Insert in the open transaction (one executemany; rows are never updated afterwards)."""
        if rows:
            self.session.execute(insert(AssessmentRecord), list(rows))

    def assessed_ids(self) -> set[int]:
        return set(self.session.scalars(select(AssessmentRecord.buyer_id).distinct()))

    def latest_drivers(self, buyer_ids: Sequence[int] | None) -> dict[int, tuple[int, dict[str, Any], date | None]]:
        """buyer_id → (grade, drivers, statement period end) of the latest assessments, without the big documents."""
        query = select(AssessmentRecord.buyer_id, AssessmentRecord.grade, AssessmentRecord.drivers,
                       AssessmentRecord.statement_period_end).where(AssessmentRecord.id.in_(_latest_ids(buyer_ids)))
        return {row[0]: (row[1], dict(row[2] or {}), row[3]) for row in self.session.execute(query)}

    def latest(self, buyer_id: int) -> AssessmentRecord | None:
        query = (select(AssessmentRecord).where(AssessmentRecord.buyer_id == buyer_id)
                 .order_by(AssessmentRecord.id.desc()).limit(1))
        return self.session.scalar(query)

    def latest_all(self, buyer_ids: Sequence[int] | None = None) -> dict[int, AssessmentRecord]:
        """The latest assessment of every buyer (of ``buyer_ids`` when given) that has one."""
        query = select(AssessmentRecord).where(AssessmentRecord.id.in_(_latest_ids(buyer_ids)))
        return {record.buyer_id: record for record in self.session.scalars(query)}

    def history(self, buyer_id: int, *, offset: int, limit: int) -> tuple[list[AssessmentRecord], int]:
        """A buyer's assessments, newest first, and how many there are."""
        where = AssessmentRecord.buyer_id == buyer_id
        total = self.session.scalar(select(func.count()).select_from(AssessmentRecord).where(where)) or 0
        query = select(AssessmentRecord).where(where).order_by(AssessmentRecord.id.desc()).offset(offset).limit(limit)
        return list(self.session.scalars(query)), int(total)

    def financial_pds(self, model_version: str) -> list[float | None]:
        """The financial PD of every buyer's latest assessment made with this model version."""
        query = select(AssessmentRecord.financial_pd).where(AssessmentRecord.id.in_(_latest_ids()),
                                                            AssessmentRecord.model_version == model_version)
        return list(self.session.scalars(query))

    def latest_by_refs(self, refs: Sequence[str]) -> dict[str, tuple[float, int, int | None]]:
        """ref → (PD, grade, the country grade it used) of these buyers' latest assessments."""
        if not refs:
            return {}
        query = select(BuyerRecord.id, BuyerRecord.ref).where(BuyerRecord.ref.in_(refs))
        ids: dict[int, str] = {row[0]: row[1] for row in self.session.execute(query)}
        return {ids[buyer_id]: (record.pd, record.grade, (record.inputs.get("country") or {}).get("grade"))
                for buyer_id, record in self.latest_all(list(ids)).items()}

    def grades(self) -> list[tuple[int, int, float]]:
        """(buyer_id, grade, pd) of every buyer's latest assessment."""
        query = (select(AssessmentRecord.buyer_id, AssessmentRecord.grade, AssessmentRecord.pd)
                 .where(AssessmentRecord.id.in_(_latest_ids())))
        return [(b, g, p) for b, g, p in self.session.execute(query)]
