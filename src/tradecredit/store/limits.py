"""Repositories for approval authorities, limit requests, credit limits and order checks, and the hot-path
queries of the order credit check (one statement each, bound parameters, Core rows)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, bindparam, func, select, update
from sqlalchemy.orm import Session

from tradecredit.store.tables import (
    AdjustmentRecord,
    AllocationRecord,
    ApprovalAuthorityRecord,
    AssessmentRecord,
    BuyerRecord,
    CreditLimitRecord,
    InvoiceRecord,
    LimitRequestRecord,
    OrderCheckRecord,
)


class AuthorityRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, username: str) -> ApprovalAuthorityRecord | None:
        return self.session.scalar(select(ApprovalAuthorityRecord).where(ApprovalAuthorityRecord.username == username))

    def add(self, **values: Any) -> ApprovalAuthorityRecord:
        record = ApprovalAuthorityRecord(**values)
        self.session.add(record)
        self.session.flush()
        return record

    def all(self) -> list[ApprovalAuthorityRecord]:
        return list(self.session.scalars(select(ApprovalAuthorityRecord).order_by(ApprovalAuthorityRecord.username)))


class LimitRequestRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, **values: Any) -> LimitRequestRecord:
        record = LimitRequestRecord(**values)
        self.session.add(record)
        self.session.flush()
        return record

    def get(self, request_id: int) -> LimitRequestRecord | None:
        return self.session.get(LimitRequestRecord, request_id)

    def page(self, *, status: str | None, buyer_id: int | None, offset: int,
             limit: int) -> tuple[list[LimitRequestRecord], int]:
        query = select(LimitRequestRecord)
        if status is not None:
            query = query.where(LimitRequestRecord.status == status)
        if buyer_id is not None:
            query = query.where(LimitRequestRecord.buyer_id == buyer_id)
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = self.session.scalars(query.order_by(LimitRequestRecord.id.desc()).offset(offset).limit(limit))
        return list(rows), int(total)


class CreditLimitRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, **values: Any) -> CreditLimitRecord:
        record = CreditLimitRecord(**values)
        self.session.add(record)
        self.session.flush()
        return record

    def get(self, limit_id: int) -> CreditLimitRecord | None:
        return self.session.get(CreditLimitRecord, limit_id)

    def for_buyer(self, buyer_id: int, scope: str | None = None) -> list[CreditLimitRecord]:
        query = select(CreditLimitRecord).where(CreditLimitRecord.buyer_id == buyer_id)
        if scope is not None:
            query = query.where(CreditLimitRecord.scope == scope)
        return list(self.session.scalars(query.order_by(CreditLimitRecord.valid_from, CreditLimitRecord.id)))


class OrderCheckRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, **values: Any) -> OrderCheckRecord:
        """Added to the session; written with the commit (one flush for the check and its audit event)."""
        record = OrderCheckRecord(**values)
        self.session.add(record)
        return record

    def find(self, order_ref: str) -> OrderCheckRecord | None:
        return self.session.scalar(select(OrderCheckRecord).where(OrderCheckRecord.order_ref == order_ref))

    def page(self, *, status: str | None, buyer_id: int | None, offset: int,
             limit: int) -> tuple[list[OrderCheckRecord], int]:
        query = select(OrderCheckRecord)
        if status is not None:
            query = query.where(OrderCheckRecord.status == status)
        if buyer_id is not None:
            query = query.where(OrderCheckRecord.buyer_id == buyer_id)
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = self.session.scalars(query.order_by(OrderCheckRecord.id.desc()).offset(offset).limit(limit))
        return list(rows), int(total)


# --- hot-path queries of the order check -------------------------------------------------------------------------

_BUYERS: Any = BuyerRecord.__table__
_LOCK = update(_BUYERS).where(_BUYERS.c.id == bindparam("buyer_id")).values(version=_BUYERS.c.version)


def lock_buyer(session: Session, buyer_id: int) -> None:
    """Serialise order checks on one buyer (or group root) until the transaction ends: a no-op update takes the
    row lock on PostgreSQL and the database write lock on SQLite, so a second check waits for the first."""
    session.connection().execute(_LOCK, {"buyer_id": buyer_id})


_LIMIT_ROWS = (select(CreditLimitRecord.id, CreditLimitRecord.buyer_id, CreditLimitRecord.scope,
                      CreditLimitRecord.kind, CreditLimitRecord.amount, CreditLimitRecord.valid_from,
                      CreditLimitRecord.valid_to, CreditLimitRecord.review_on)
               .where(CreditLimitRecord.buyer_id.in_(bindparam("buyer_ids", expanding=True))))


def limit_rows(session: Session, buyer_ids: Sequence[int]) -> list[Any]:
    """Every limit of these buyers (id, buyer_id, scope, kind, amount, valid_from, valid_to, review_on)."""
    return list(session.connection().execute(_LIMIT_ROWS, {"buyer_ids": list(buyer_ids)}))


_ORDER_KEY = select(OrderCheckRecord.id).where(OrderCheckRecord.order_ref == bindparam("order_ref"))


def order_id(session: Session, order_ref: str) -> int | None:
    found = session.connection().execute(_ORDER_KEY, {"order_ref": order_ref}).scalar()
    return None if found is None else int(found)


def _members_statement() -> Any:
    members = select(BuyerRecord.id).where(BuyerRecord.id == bindparam("root_id")).cte("members", recursive=True)
    children = select(BuyerRecord.id).join(members, BuyerRecord.parent_id == members.c.id)
    return select(members.union_all(children).c.id)


_MEMBERS = _members_statement()


def group_members(session: Session, root_id: int) -> list[int]:
    """The root and every buyer below it (any depth)."""
    return list(session.connection().execute(_MEMBERS, {"root_id": root_id}).scalars())


_OPEN_ORDERS = (select(OrderCheckRecord.currency, func.sum(OrderCheckRecord.amount))
                .where(OrderCheckRecord.buyer_id.in_(bindparam("buyer_ids", expanding=True)),
                       OrderCheckRecord.status == "released",
                       ~OrderCheckRecord.order_ref.in_(select(InvoiceRecord.order_ref)
                                                       .where(InvoiceRecord.order_ref.is_not(None))))
                .group_by(OrderCheckRecord.currency))


def open_orders(session: Session, buyer_ids: Sequence[int]) -> list[tuple[str, Decimal]]:
    """Released orders not yet invoiced (no invoice carries their order reference), per currency."""
    return [(currency, Decimal(total)) for currency, total in
            session.connection().execute(_OPEN_ORDERS, {"buyer_ids": list(buyer_ids)})]


def _overdue_items_statement() -> Any:
    """Open invoices due before ``before``, one row each (currency, open amount), for the overdue rule."""
    on = bindparam("as_of", type_=Date())
    paid = (select(AllocationRecord.invoice_id.label("invoice_id"), AllocationRecord.amount.label("amount"))
            .where(AllocationRecord.effective_date <= on)
            .union_all(select(AdjustmentRecord.invoice_id, AdjustmentRecord.amount)
                       .where(AdjustmentRecord.adjustment_date <= on)).subquery())
    totals = select(paid.c.invoice_id, func.sum(paid.c.amount).label("total")).group_by(paid.c.invoice_id).subquery()
    open_amount = InvoiceRecord.amount - func.coalesce(totals.c.total, 0)
    return (select(InvoiceRecord.currency, open_amount)
            .outerjoin(totals, totals.c.invoice_id == InvoiceRecord.id)
            .where(InvoiceRecord.buyer_id.in_(bindparam("buyer_ids", expanding=True)),
                   InvoiceRecord.issue_date <= on,
                   InvoiceRecord.due_date < bindparam("before", type_=Date()), open_amount > 0,
                   InvoiceRecord.disputed.is_(False)))


_OVERDUE_ITEMS = _overdue_items_statement()


def overdue_items(session: Session, buyer_ids: Sequence[int], *, as_of: date,
                  before: date) -> list[tuple[str, Decimal]]:
    """(currency, open amount) of every undisputed invoice of these buyers due before ``before`` and still open."""
    rows = session.connection().execute(_OVERDUE_ITEMS, {"buyer_ids": list(buyer_ids), "as_of": as_of,
                                                         "before": before})
    return [(currency, Decimal(amount)) for currency, amount in rows]


_LATEST_GRADE = (select(AssessmentRecord.grade).where(AssessmentRecord.buyer_id == bindparam("buyer_id"))
                 .order_by(AssessmentRecord.id.desc()).limit(1))


def latest_grade(session: Session, buyer_id: int) -> int | None:
    grade = session.connection().execute(_LATEST_GRADE, {"buyer_id": buyer_id}).scalar()
    return None if grade is None else int(grade)


def _root_statement() -> Any:
    chain = (select(BuyerRecord.id, BuyerRecord.parent_id).where(BuyerRecord.id == bindparam("buyer_id"))
             .cte("chain", recursive=True))
    parents = select(BuyerRecord.id, BuyerRecord.parent_id).join(chain, BuyerRecord.id == chain.c.parent_id)
    chain = chain.union_all(parents)
    return select(chain.c.id).where(chain.c.parent_id.is_(None))


_ROOT = _root_statement()


def group_root(session: Session, buyer_id: int) -> int:
    """The top-level parent of the buyer's group (the buyer itself when it has no parent)."""
    root = session.connection().execute(_ROOT, {"buyer_id": buyer_id}).scalar()
    return buyer_id if root is None else int(root)


def base_limits_in_force(session: Session, day: date) -> dict[int, tuple[int, Decimal]]:
    """buyer_id → (limit id, amount) of every buyer-scope base limit in force on ``day``."""
    query = (select(CreditLimitRecord.buyer_id, CreditLimitRecord.id, CreditLimitRecord.amount)
             .where(CreditLimitRecord.kind == "base", CreditLimitRecord.scope == "buyer",
                    CreditLimitRecord.valid_from <= day,
                    (CreditLimitRecord.valid_to.is_(None)) | (CreditLimitRecord.valid_to >= day))
             .order_by(CreditLimitRecord.valid_from, CreditLimitRecord.id))
    return {buyer_id: (limit_id, Decimal(amount)) for buyer_id, limit_id, amount in session.execute(query)}


def pending_proposals(session: Session) -> set[int]:
    """Buyers with a proposal from an assessment still waiting for a decision."""
    query = select(LimitRequestRecord.buyer_id).where(LimitRequestRecord.status == "pending",
                                                       LimitRequestRecord.source == "proposal")
    return set(session.scalars(query))
