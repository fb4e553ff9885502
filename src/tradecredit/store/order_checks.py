"""The order credit check's own statements, prepared once per engine (:mod:`store.prepared`).

One check is: the buyer (with its latest grade and its own limits, one statement) → its group's top-level buyer and
that buyer's limits when it has a parent → the lock → the open invoices and open orders → one INSERT, which also
finds an order reference sent before → commit. The lock serialises checks of one group, so two orders that
together exceed the headroom cannot both be released: on PostgreSQL ``SELECT … FOR UPDATE`` of the group's
top-level buyer row (checks of other groups run side by side); on SQLite, which has one writer at a time anyway,
the transaction starts with ``BEGIN IMMEDIATE`` and so holds the write lock before its first read. (Limits are
read before the lock on PostgreSQL: a limit decision takes no lock of its own, so reading them after it would not
order the two any better. The exposure, which the lock is for, is read after it.)

The transaction runs on a driver connection with no ORM session: a session's own bookkeeping (begin, flush,
commit, close) cost about as much as the check's reads. What the check rarely needs besides (rates for other
currencies, the group's top-level ref, the webhook outbox of a hold) has its own prepared statement here too, so
one connection and one transaction carry the whole check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import Engine, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from tradecredit.domain.fx import FxRate
from tradecredit.domain.webhooks import outbox_rows
from tradecredit.store.kept_connections import KeptConnections
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


class LimitRow(NamedTuple):
    id: int
    buyer_id: int
    scope: str
    kind: str
    amount: Decimal
    valid_from: date
    valid_to: date | None
    review_on: date


class Subject(NamedTuple):
    id: int
    ref: str
    name: str
    country: str
    parent_id: int | None
    grade: int | None
    blocked: bool  # a credit block in force: shipments stopped
    limits: tuple[LimitRow, ...]  # every limit of the buyer's own, past and present (not its group's)


class Item(NamedTuple):
    kind: str  # invoice | delivery (an order delivered, not invoiced) | order
    buyer_id: int
    currency: str
    amount: Decimal
    due_date: date | None
    disputed: bool


def _subject_statement() -> Any:
    """The buyer with its latest grade, whether a credit block is in force, and its limits: one row per limit (one
    row with empty limit columns when it has none)."""
    buyers = BuyerRecord.__table__
    limits = CreditLimitRecord.__table__
    grade = (select(AssessmentRecord.grade).where(AssessmentRecord.buyer_id == buyers.c.id)
             .order_by(AssessmentRecord.id.desc()).limit(1).scalar_subquery())
    blocked = (select(CreditBlockRecord.id).where(CreditBlockRecord.buyer_id == buyers.c.id,
                                                  CreditBlockRecord.lifted_at.is_(None)).exists())
    return (select(buyers.c.id, buyers.c.ref, buyers.c.name, buyers.c.country, buyers.c.parent_id,
                   grade.label("grade"), blocked.label("blocked"), *_limit_columns(limits))
            .select_from(buyers.outerjoin(limits, limits.c.buyer_id == buyers.c.id))
            .where(buyers.c.ref == bindparam("ref")))


def _limit_columns(limits: Any) -> list[Any]:
    return [limits.c[name] for name in LimitRow._fields]


_BUYERS: Any = BuyerRecord.__table__
_ORDERS: Any = OrderCheckRecord.__table__
_LOCK = select(_BUYERS.c.id).where(_BUYERS.c.id == bindparam("buyer_id")).with_for_update()
_ORDER_KEY = (select(OrderCheckRecord.buyer_id, OrderCheckRecord.amount, OrderCheckRecord.currency)
              .where(OrderCheckRecord.order_ref == bindparam("order_ref")))
_LIMITS = (select(*_limit_columns(CreditLimitRecord.__table__))
           .where(CreditLimitRecord.buyer_id == bindparam("buyer_id")))
_REF = select(_BUYERS.c.ref).where(_BUYERS.c.id == bindparam("buyer_id"))


def _insert_new(dialect: str) -> Any:
    """The check's INSERT, doing nothing when the order reference is stored already (a re-sent order): one
    statement both finds a repeat and stores a new order, where a look-up first would cost a read per check."""
    dialects = {"sqlite": sqlite, "postgresql": postgresql}
    if dialect not in dialects:
        raise ValueError(f"the order check needs SQLite or PostgreSQL; got {dialect}")
    return insert_all(_ORDERS, dialects[dialect].insert).on_conflict_do_nothing(index_elements=[_ORDERS.c.order_ref])


class OrderCheckStore:
    """The statements compiled for one engine's dialect; build once per application."""

    def __init__(self, engine: Engine) -> None:
        dialect = engine.dialect
        self.write_first = dialect.name == "sqlite"  # BEGIN IMMEDIATE instead of a row lock
        self._connections = KeptConnections(engine)
        self.subject = Prepared(_subject_statement(), dialect)
        self.root = Prepared(ROOT, dialect)
        self.ref = Prepared(_REF, dialect)
        self.lock = Prepared(_LOCK, dialect)
        self.order_key = Prepared(_ORDER_KEY, dialect)
        self.limits = Prepared(_LIMITS, dialect)
        self.items_of_buyer = Prepared(ITEMS_OF_BUYER, dialect)
        self.items_of_group = Prepared(ITEMS_OF_GROUP, dialect)
        self.rates = Prepared(LATEST_RATES, dialect)
        self.insert = Prepared(_insert_new(dialect.name), dialect)
        self.subscriptions = Prepared(SUBSCRIPTIONS, dialect)
        self.outbox = Prepared(insert_all(WebhookDeliveryRecord.__table__), dialect)

    @contextmanager
    def transaction(self) -> Iterator[OrderCheckTransaction]:
        """One check's transaction on a driver connection (on a SQLite file one the check keeps,
        :mod:`store.kept_connections`; else one from the pool): ``commit()`` commits, anything else (an exception,
        leaving without committing) rolls back. A connection whose rollback fails is dropped."""
        connection = self._connections.take()
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
            except BaseException:
                self._connections.drop(connection)
                raise
            self._connections.give_back(connection)

    def close(self) -> None:
        """Return the connections the check keeps to the pool (the application's close)."""
        self._connections.close()


class OrderCheckTransaction:
    """One check's statements on one driver connection."""

    def __init__(self, store: OrderCheckStore, connection: Any, cursor: Any) -> None:
        self._store = store
        self._connection = connection
        self._cursor = cursor
        self.committed = False

    def subject(self, ref: str) -> Subject | None:
        rows = self._store.subject.rows(self._cursor, {"ref": ref})
        if not rows:
            return None
        buyer_id, buyer_ref, name, country, parent_id, grade, blocked = rows[0][:7]
        limits = tuple(LimitRow(*row[7:]) for row in rows if row[7] is not None)
        return Subject(buyer_id, buyer_ref, name, country, parent_id, grade, bool(blocked), limits)

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

    def limits(self, buyer_id: int) -> list[LimitRow]:
        """Every limit of the buyer (the subject's own come with it: this is for its group's top-level buyer)."""
        return [LimitRow(*row) for row in self._store.limits.rows(self._cursor, {"buyer_id": buyer_id})]

    def items(self, holder_id: int, *, group: bool, day: date) -> list[Item]:
        statement = self._store.items_of_group if group else self._store.items_of_buyer
        return [Item(*row) for row in statement.rows(self._cursor, {"holder_id": holder_id, "as_of": day})]

    def latest_rates(self, day: date) -> list[FxRate]:
        """The latest rate of each currency on or before ``day`` (only when an amount is in another currency)."""
        return [FxRate(on, currency, rate) for on, currency, rate in self._store.rates.rows(self._cursor,
                                                                                          {"on": day})]

    def insert(self, values: dict[str, Any]) -> bool:
        """Store the check; False (and nothing stored) when its order reference is stored already."""
        return self._store.insert.count(self._cursor, values) == 1

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
