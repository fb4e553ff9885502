"""The order credit check's own statements, prepared once per engine (:mod:`store.prepared`).

One check is: the buyer (with its latest grade) → its group's top-level buyer when it has a parent → the lock →
is this order reference known? → the limits of the buyer and the top-level buyer → the open invoices and open
orders → one INSERT → commit. The lock serialises checks of one group, so two orders that together exceed the
headroom cannot both be released: on PostgreSQL ``SELECT … FOR UPDATE`` of the group's top-level buyer row (checks
of other groups run side by side); on SQLite, which has one writer at a time anyway, the transaction starts with
``BEGIN IMMEDIATE`` and so holds the write lock before its first read.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import Engine, bindparam, insert, select
from sqlalchemy.orm import Session

from tradecredit.store.limits import ITEMS_OF_BUYER, ITEMS_OF_GROUP, ROOT
from tradecredit.store.prepared import Prepared
from tradecredit.store.tables import (
    AssessmentRecord,
    BuyerRecord,
    CreditBlockRecord,
    CreditLimitRecord,
    OrderCheckRecord,
)


class Subject(NamedTuple):
    id: int
    ref: str
    name: str
    country: str
    parent_id: int | None
    grade: int | None
    blocked: bool  # a credit block in force: shipments stopped


class LimitRow(NamedTuple):
    id: int
    buyer_id: int
    scope: str
    kind: str
    amount: Decimal
    valid_from: date
    valid_to: date | None
    review_on: date


class Item(NamedTuple):
    kind: str  # invoice | order
    buyer_id: int
    currency: str
    amount: Decimal
    due_date: date | None
    disputed: bool


def _subject_statement() -> Any:
    buyers = BuyerRecord.__table__
    grade = (select(AssessmentRecord.grade).where(AssessmentRecord.buyer_id == buyers.c.id)
             .order_by(AssessmentRecord.id.desc()).limit(1).scalar_subquery())
    blocked = (select(CreditBlockRecord.id).where(CreditBlockRecord.buyer_id == buyers.c.id,
                                                  CreditBlockRecord.lifted_at.is_(None)).exists())
    return (select(buyers.c.id, buyers.c.ref, buyers.c.name, buyers.c.country, buyers.c.parent_id,
                   grade.label("grade"), blocked.label("blocked"))
            .where(buyers.c.ref == bindparam("ref")))


_BUYERS: Any = BuyerRecord.__table__
_ORDERS: Any = OrderCheckRecord.__table__
_LOCK = select(_BUYERS.c.id).where(_BUYERS.c.id == bindparam("buyer_id")).with_for_update()
_ORDER_KEY = select(OrderCheckRecord.id).where(OrderCheckRecord.order_ref == bindparam("order_ref"))
_LIMITS = (select(CreditLimitRecord.id, CreditLimitRecord.buyer_id, CreditLimitRecord.scope, CreditLimitRecord.kind,
                  CreditLimitRecord.amount, CreditLimitRecord.valid_from, CreditLimitRecord.valid_to,
                  CreditLimitRecord.review_on)
           .where(CreditLimitRecord.buyer_id.in_([bindparam("buyer_id"), bindparam("root_id")])))
_INSERT = insert(_ORDERS).values({column.name: bindparam(column.name, type_=column.type)
                                  for column in _ORDERS.columns if column.name != "id"})


class OrderCheckStore:
    """The statements compiled for one engine's dialect; build once per application."""

    def __init__(self, engine: Engine) -> None:
        dialect = engine.dialect
        self.write_first = dialect.name == "sqlite"  # BEGIN IMMEDIATE instead of a row lock
        self.subject = Prepared(_subject_statement(), dialect)
        self.root = Prepared(ROOT, dialect)
        self.lock = Prepared(_LOCK, dialect)
        self.order_key = Prepared(_ORDER_KEY, dialect)
        self.limits = Prepared(_LIMITS, dialect)
        self.items_of_buyer = Prepared(ITEMS_OF_BUYER, dialect)
        self.items_of_group = Prepared(ITEMS_OF_GROUP, dialect)
        self.insert = Prepared(_INSERT, dialect)

    def begin(self, session: Session) -> OrderCheckTransaction:
        """The check's statements on the unit of work's own connection, so whatever else the check writes through
        the ORM (a webhook for a hold) commits or rolls back with it; the caller commits the unit of work."""
        connection = session.connection().connection.dbapi_connection
        assert connection is not None, "a connection under an open session"
        if self.write_first:
            connection.cursor().execute("BEGIN IMMEDIATE")
        return OrderCheckTransaction(self, connection)


class OrderCheckTransaction:
    """One check's statements on the driver connection under a unit of work."""

    def __init__(self, store: OrderCheckStore, connection: Any) -> None:
        self._store = store
        self._connection = connection
        self._cursor = connection.cursor()

    def subject(self, ref: str) -> Subject | None:
        row = self._store.subject.first(self._cursor, {"ref": ref})
        if row is None:
            return None
        buyer_id, buyer_ref, name, country, parent_id, grade, blocked = row
        return Subject(buyer_id, buyer_ref, name, country, parent_id, grade, bool(blocked))

    def group_root(self, buyer_id: int) -> int:
        row = self._store.root.first(self._cursor, {"buyer_id": buyer_id})
        return buyer_id if row is None or row[0] is None else int(row[0])

    def lock(self, buyer_id: int) -> None:
        """Serialise the checks of this group (``buyer_id`` is its top-level buyer) until commit or rollback."""
        if not self._store.write_first:
            self._store.lock.run(self._cursor, {"buyer_id": buyer_id})

    def order_known(self, order_ref: str) -> bool:
        return self._store.order_key.first(self._cursor, {"order_ref": order_ref}) is not None

    def limits(self, buyer_id: int, root_id: int) -> list[LimitRow]:
        rows = self._store.limits.rows(self._cursor, {"buyer_id": buyer_id, "root_id": root_id})
        return [LimitRow(*row) for row in rows]

    def items(self, holder_id: int, *, group: bool, day: date) -> list[Item]:
        statement = self._store.items_of_group if group else self._store.items_of_buyer
        return [Item(*row) for row in statement.rows(self._cursor, {"holder_id": holder_id, "as_of": day})]

    def insert(self, values: dict[str, Any]) -> None:
        self._store.insert.run(self._cursor, values)
