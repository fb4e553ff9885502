"""Repositories for approval authorities, limit requests, credit limits and order checks, and the Core queries
of exposure and groups that the limit views and the order credit check share."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, bindparam, case, false, func, literal, null, or_, select, union_all
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


# --- exposure and groups ------------------------------------------------------------------------------------------

def _exposure_items_statement(buyer_id: Any, order_buyer_id: Any) -> Any:
    """Every open invoice (open amount at ``as_of``) and every released, not yet invoiced order (its released
    amount when a credit manager released only part of it) of the buyers
    that ``buyer_id`` / ``order_buyer_id`` (conditions on the invoice's and the order's buyer) select, one row each:
    (kind, buyer_id, currency, amount, due_date, disputed). ``kind`` is ``invoice``, ``delivery`` (an order the ERP
    reported delivered by ``as_of``) or ``order``.

    Plain bound parameters and correlated sums over indexed columns, the open amount computed once in a subquery:
    the order check runs this once per order. Invoices settled by ``as_of`` are passed over in the index, and an
    invoice without any settlement is taken at its amount without looking for settlements (:mod:`store.settlement`)."""
    on = bindparam("as_of", type_=Date())
    paid = (select(func.coalesce(func.sum(AllocationRecord.amount), 0))
            .where(AllocationRecord.invoice_id == InvoiceRecord.id, AllocationRecord.effective_date <= on)
            .scalar_subquery())
    adjusted = (select(func.coalesce(func.sum(AdjustmentRecord.amount), 0))
                .where(AdjustmentRecord.invoice_id == InvoiceRecord.id, AdjustmentRecord.adjustment_date <= on)
                .scalar_subquery())
    open_amount = case((InvoiceRecord.has_settlements, InvoiceRecord.amount - paid - adjusted),
                       else_=InvoiceRecord.amount)
    issued = (select(literal("invoice").label("kind"), InvoiceRecord.buyer_id, InvoiceRecord.currency,
                     open_amount.label("amount"), InvoiceRecord.due_date, InvoiceRecord.disputed)
              .where(buyer_id, InvoiceRecord.issue_date <= on,
                     or_(InvoiceRecord.settled_on.is_(None), InvoiceRecord.settled_on > on))
              .subquery("issued"))
    invoices = select(issued).where(issued.c.amount > 0)
    invoiced = select(InvoiceRecord.id).where(InvoiceRecord.order_ref == OrderCheckRecord.order_ref)
    delivered = OrderCheckRecord.delivered_on.is_not(None) & (OrderCheckRecord.delivered_on <= on)
    orders = (select(case((delivered, literal("delivery")), else_=literal("order")), OrderCheckRecord.buyer_id,
                     OrderCheckRecord.currency,
                     func.coalesce(OrderCheckRecord.released_amount, OrderCheckRecord.amount), null(), false())
              .where(order_buyer_id, OrderCheckRecord.status == "released", ~invoiced.exists()))
    return union_all(invoices, orders)


def _group_members() -> Any:
    members = select(BuyerRecord.id).where(BuyerRecord.id == bindparam("holder_id")).cte("members", recursive=True)
    children = select(BuyerRecord.id).join(members, BuyerRecord.parent_id == members.c.id)
    return members.union_all(children)


_MEMBERS = _group_members()
ITEMS_OF_BUYER = _exposure_items_statement(InvoiceRecord.buyer_id == bindparam("holder_id"),
                                          OrderCheckRecord.buyer_id == bindparam("holder_id"))
ITEMS_OF_GROUP = _exposure_items_statement(InvoiceRecord.buyer_id.in_(select(_MEMBERS.c.id)),
                                          OrderCheckRecord.buyer_id.in_(select(_MEMBERS.c.id)))


def exposure_items(session: Session, holder_id: int, *, group: bool, as_of: date) -> list[Any]:
    """Open invoices and open orders of one buyer, or of the whole group below ``holder_id`` (any depth)."""
    statement = ITEMS_OF_GROUP if group else ITEMS_OF_BUYER
    return list(session.connection().execute(statement, {"holder_id": holder_id, "as_of": as_of}))


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


ROOT = _root_statement()


def group_root(session: Session, buyer_id: int) -> int:
    """The top-level parent of the buyer's group (the buyer itself when it has no parent)."""
    root = session.connection().execute(ROOT, {"buyer_id": buyer_id}).scalar()
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
