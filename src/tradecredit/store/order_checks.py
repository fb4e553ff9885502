"""The order credit check's own statements, prepared once per engine (:mod:`store.prepared`).

One check is: the buyer (with its latest grade) → its group's top-level buyer when it has a parent → the lock →
is this order reference known? → the limits of the buyer and the top-level buyer → the open invoices and open
orders → one INSERT → commit. The lock serialises checks of one group, so two orders that together exceed the
headroom cannot both be released: on PostgreSQL ``SELECT … FOR UPDATE`` of the group's top-level buyer row (checks
of other groups run side by side); on SQLite, which has one writer at a time anyway, the transaction starts with
``BEGIN IMMEDIATE`` and so holds the write lock before its first read.

The transaction runs on a pooled driver connection with no ORM session: a session's own bookkeeping (begin,
flush, commit, close) cost about as much as the check's five reads. What the check rarely needs besides (rates
for other currencies, the group's top-level ref, the webhook outbox of a hold) has its own prepared statement
here too, so one connection and one transaction carry the whole check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import Engine, bindparam, select

from tradecredit.domain.fx import FxRate
from tradecredit.domain.webhooks import outbox_rows
from tradecredit.store.limits import ITEMS_OF_BUYER, ITEMS_OF_GROUP, ROOT
from tradecredit.store.prepared import Prepared, insert_all
from tradecredit.store.repositories import LATEST_RATES
from tradecredit.store.tables import (
    AssessmentRecord,
    BuyerRecord,
    CreditBlockRecord,
    CreditLimitRecord,
    OrderCheckRecord,
    WebhookDeliveryRecord,
)
from tradecredit.store.webhooks import SUBSCRIPTIONS, subscribers


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
_ORDER_KEY = (select(OrderCheckRecord.buyer_id, OrderCheckRecord.amount, OrderCheckRecord.currency)
              .where(OrderCheckRecord.order_ref == bindparam("order_ref")))
_LIMITS = (select(CreditLimitRecord.id, CreditLimitRecord.buyer_id, CreditLimitRecord.scope, CreditLimitRecord.kind,
                  CreditLimitRecord.amount, CreditLimitRecord.valid_from, CreditLimitRecord.valid_to,
                  CreditLimitRecord.review_on)
           .where(CreditLimitRecord.buyer_id.in_([bindparam("buyer_id"), bindparam("root_id")])))
_REF = select(_BUYERS.c.ref).where(_BUYERS.c.id == bindparam("buyer_id"))


class OrderCheckStore:
    """The statements compiled for one engine's dialect; build once per application."""

    def __init__(self, engine: Engine) -> None:
        dialect = engine.dialect
        self._engine = engine
        self.write_first = dialect.name == "sqlite"  # BEGIN IMMEDIATE instead of a row lock
        self.subject = Prepared(_subject_statement(), dialect)
        self.root = Prepared(ROOT, dialect)
        self.ref = Prepared(_REF, dialect)
        self.lock = Prepared(_LOCK, dialect)
        self.order_key = Prepared(_ORDER_KEY, dialect)
        self.limits = Prepared(_LIMITS, dialect)
        self.items_of_buyer = Prepared(ITEMS_OF_BUYER, dialect)
        self.items_of_group = Prepared(ITEMS_OF_GROUP, dialect)
        self.rates = Prepared(LATEST_RATES, dialect)
        self.insert = Prepared(insert_all(_ORDERS), dialect)
        self.subscriptions = Prepared(SUBSCRIPTIONS, dialect)
        self.outbox = Prepared(insert_all(WebhookDeliveryRecord.__table__), dialect)

    @contextmanager
    def transaction(self) -> Iterator[OrderCheckTransaction]:
        """One check's transaction on a pooled driver connection: ``commit()`` commits, anything else (an
        exception, leaving without committing) rolls back; the connection goes back to the pool either way."""
        connection = self._engine.raw_connection()
        tx: OrderCheckTransaction | None = None
        try:
            cursor = connection.cursor()
            if self.write_first:
                cursor.execute("BEGIN IMMEDIATE")
            tx = OrderCheckTransaction(self, connection, cursor)
            yield tx
        finally:
            try:
                if tx is None or not tx.committed:
                    connection.rollback()
            finally:
                connection.close()


class OrderCheckTransaction:
    """One check's statements on one driver connection."""

    def __init__(self, store: OrderCheckStore, connection: Any, cursor: Any) -> None:
        self._store = store
        self._connection = connection
        self._cursor = cursor
        self.committed = False

    def subject(self, ref: str) -> Subject | None:
        row = self._store.subject.first(self._cursor, {"ref": ref})
        if row is None:
            return None
        buyer_id, buyer_ref, name, country, parent_id, grade, blocked = row
        return Subject(buyer_id, buyer_ref, name, country, parent_id, grade, bool(blocked))

    def group_root(self, buyer_id: int) -> int:
        row = self._store.root.first(self._cursor, {"buyer_id": buyer_id})
        return buyer_id if row is None or row[0] is None else int(row[0])

    def ref_of(self, buyer_id: int) -> str:
        row = self._store.ref.first(self._cursor, {"buyer_id": buyer_id})
        return "" if row is None else str(row[0])

    def lock(self, buyer_id: int) -> None:
        """Serialise the checks of this group (``buyer_id`` is its top-level buyer) until commit or rollback."""
        if not self._store.write_first:
            self._store.lock.run(self._cursor, {"buyer_id": buyer_id})

    def order_known(self, order_ref: str) -> tuple[int, Decimal, str] | None:
        """(buyer id, amount, currency) of the order when it was checked before."""
        row = self._store.order_key.first(self._cursor, {"order_ref": order_ref})
        return None if row is None else (int(row[0]), row[1], str(row[2]))

    def limits(self, buyer_id: int, root_id: int) -> list[LimitRow]:
        rows = self._store.limits.rows(self._cursor, {"buyer_id": buyer_id, "root_id": root_id})
        return [LimitRow(*row) for row in rows]

    def items(self, holder_id: int, *, group: bool, day: date) -> list[Item]:
        statement = self._store.items_of_group if group else self._store.items_of_buyer
        return [Item(*row) for row in statement.rows(self._cursor, {"holder_id": holder_id, "as_of": day})]

    def latest_rates(self, day: date) -> list[FxRate]:
        """The latest rate of each currency on or before ``day`` (only when an amount is in another currency)."""
        return [FxRate(on, currency, rate) for on, currency, rate in self._store.rates.rows(self._cursor,
                                                                                          {"on": day})]

    def insert(self, values: dict[str, Any]) -> None:
        self._store.insert.run(self._cursor, values)

    def enqueue(self, event_type: str, payload: Callable[[], dict[str, Any]], now: datetime) -> None:
        """Queue the event for its subscribed webhook endpoints in this transaction (``services.webhooks`` does
        the same through a unit of work). ``payload()`` is called only when some endpoint is subscribed."""
        endpoints = subscribers(self._store.subscriptions.rows(self._cursor, {}), event_type)
        if endpoints:
            for row in outbox_rows(endpoints, event_type, payload(), now)[1]:
                self._store.outbox.run(self._cursor, row)

    def commit(self) -> None:
        self._connection.commit()
        self.committed = True
