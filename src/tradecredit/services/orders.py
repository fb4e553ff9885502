"""Order credit checks (the hold queue is in :mod:`tradecredit.services.order_holds`).

``check_order`` answers *release* or *hold* for an ERP's order, stores the answer with its reasons and figures,
and counts a released order as exposure until an invoice carries its reference. Checks on one buyer (or one group)
are serialised: the transaction first locks the group's top-level buyer row, so two simultaneous orders that
together exceed the headroom cannot both be released. Re-sending the same order (same ref, buyer and amount)
returns the stored answer; the same ref with other figures is a conflict.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from tradecredit.config import Settings
from tradecredit.domain.country import PaymentTerms
from tradecredit.domain.errors import Conflict, NotFound, ValidationError
from tradecredit.domain.fx import FxTable
from tradecredit.domain.limits import LimitKind, LimitScope, LimitTerm, last_ended, limit_in_force
from tradecredit.domain.money import check_currency, parse_amount, round_money
from tradecredit.domain.order_check import CheckInputs, CheckPolicy, Outcome, check_order
from tradecredit.services.country_terms import CountryTerms
from tradecredit.services.limit_exposure import Exposure, exposure_from, fx_table, overdue_beyond
from tradecredit.store.order_checks import OrderCheckStore, OrderCheckTransaction, Subject
from tradecredit.store.tables import OrderCheckRecord
from tradecredit.store.uow import SqlUnitOfWork

MAX_BATCH = 1000  # orders in one request
MAX_FILE = 20_000  # orders in one file (one transaction)


@dataclass(frozen=True)
class OrderCheckConfig:
    """What every check needs besides the request; built once per application (it holds the country cache)."""

    base_currency: str
    buckets: tuple[str, ...]
    policy: CheckPolicy
    country_terms: CountryTerms
    store: OrderCheckStore

    @classmethod
    def from_settings(cls, settings: Settings, store: OrderCheckStore) -> OrderCheckConfig:
        return cls(settings.base_currency, settings.exposure_buckets, settings.order_check_policy(),
                   CountryTerms(settings.terms_policy()), store)


@dataclass(frozen=True)
class OrderCheckView:
    order_ref: str
    buyer: str
    amount: Decimal
    currency: str
    amount_base: Decimal
    ship_date: date
    outcome: str
    status: str
    reasons: list[dict[str, Any]]
    figures: dict[str, Any]
    checked_by: str
    checked_at: datetime
    resolved_by: str | None
    resolved_at: datetime | None
    resolution_reason: str | None
    version: int
    released_amount: Decimal | None = None  # released for part of the order; None: all of it
    buyer_name: str = ""
    delivered_on: date | None = None  # the ERP reported the released order delivered

    @property
    def counted(self) -> Decimal:
        """What the order adds to open orders while released and not invoiced."""
        return self.amount if self.released_amount is None else self.released_amount


def view_of(record: OrderCheckRecord, ref: str, name: str, base: str) -> OrderCheckView:
    """Amounts at their currency's minor unit (the store keeps four places)."""
    released = None if record.released_amount is None else round_money(record.released_amount, record.currency)
    return OrderCheckView(record.order_ref, ref, round_money(record.amount, record.currency), record.currency,
                          round_money(record.amount_base, base), record.ship_date, record.outcome, record.status,
                          list(record.reasons), dict(record.figures), record.checked_by, record.checked_at,
                          record.resolved_by, record.resolved_at, record.resolution_reason, record.version, released,
                          name, record.delivered_on)


def event_of(view: OrderCheckView) -> dict[str, Any]:
    """The data of ``order.held`` / ``order.released`` / ``order.rejected``. A check that releases at once sends
    nothing: the caller has the answer already."""
    return {
        "order_ref": view.order_ref, "buyer": view.buyer, "amount": round_money(view.amount, view.currency),
        "currency": view.currency, "ship_date": view.ship_date, "status": view.status,
        "reasons": [reason["code"] for reason in view.reasons], "checked_at": view.checked_at,
        "resolved_by": view.resolved_by, "resolution_reason": view.resolution_reason, "version": view.version,
        "released_amount": view.released_amount}


@dataclass(frozen=True)
class _Position:
    """A limit against its exposure, as the check needs it (no history, no views)."""

    scope: str
    holder: str
    amount: Decimal | None
    under_review: bool
    exposure: Exposure
    ended_on: date | None  # no limit in force: the last day of the latest base limit that ended

    @property
    def headroom(self) -> Decimal | None:
        return None if self.amount is None else self.amount - self.exposure.total


def _position(rows: Sequence[Any], items: list[Any], *, holder: tuple[int, str], scope: LimitScope, day: date,
              table: FxTable, config: OrderCheckConfig) -> _Position:
    """The limit of ``holder`` in ``scope`` against ``items`` (already only the buyer's, or the whole group's)."""
    terms = [LimitTerm(r.id, LimitKind(r.kind), r.amount, r.valid_from, r.valid_to, r.review_on) for r in rows
             if r.buyer_id == holder[0] and r.scope == scope.value]
    in_force = limit_in_force(terms, day)
    amount = (round_money(in_force.amount, config.base_currency) if in_force.base or in_force.temporary
              else None)
    exposure = exposure_from(items, table=table, day=day, base=config.base_currency, buckets=config.buckets)
    ended_on = last_ended(terms, day) if amount is None else None
    return _Position(scope.value, holder[1], amount, in_force.under_review(day), exposure, ended_on)


def _figures(own: _Position, group: _Position | None, amount_base: Decimal) -> dict[str, Any]:
    def one(p: _Position) -> dict[str, Any]:
        return {"holder": p.holder, "limit": None if p.amount is None else str(p.amount),
                "exposure": str(p.exposure.total), "open_invoices": str(p.exposure.open_invoices),
                "delivered_not_invoiced": str(p.exposure.delivered_not_invoiced),
                "open_orders": str(p.exposure.open_orders), "overdue": str(p.exposure.overdue),
                "headroom": None if p.headroom is None else str(p.headroom), "under_review": p.under_review}
    return {"order": str(amount_base), "buyer": one(own), "group": one(group) if group else None}


def _binding(own: _Position, group: _Position | None) -> _Position:
    """The position the order is checked against: the group's when the buyer has none of its own, else the
    tighter of the two."""
    if group is None or group.amount is None:
        return own
    own_room, group_room = own.headroom, group.headroom
    if own_room is None or group_room is None:
        return group
    return group if group_room < own_room else own


def _ended_on(own: _Position, group: _Position | None) -> date | None:
    """With no limit in force for the buyer nor its group: the later day on which one of them ended."""
    days = [p.ended_on for p in (own, group) if p is not None and p.ended_on is not None]
    return max(days) if days else None


@dataclass(frozen=True)
class OrderRequest:
    """One order to check, as an ERP sends it."""

    buyer: str
    order_ref: str
    amount: Decimal | str
    currency: str
    ship_date: date


def check(uow: SqlUnitOfWork, *, ref: str, order_ref: str, amount: Decimal | str, currency: str,
          ship_date: date, actor: str, config: OrderCheckConfig) -> OrderCheckView:
    """Check one order in one transaction of its own (:meth:`OrderCheckStore.transaction`)."""
    request = validated(OrderRequest(ref, order_ref, amount, currency, ship_date), field="")
    return _check_all(uow, [request], actor, config)[0]


def check_many(uow: SqlUnitOfWork, orders: Sequence[OrderRequest], *, actor: str, config: OrderCheckConfig,
               most: int = MAX_BATCH) -> list[OrderCheckView]:
    """Check up to ``most`` orders in one transaction, in the order given: an order released earlier in
    the batch counts as exposure for the ones after it, exactly as if they had come one by one. All or nothing:
    one bad order (unknown buyer, bad amount, a known order reference with other figures) stores none of them.
    For an ERP that checks a day's order book, or re-checks its open orders, at once."""
    if not 1 <= len(orders) <= most:
        raise ValidationError("orders", f"expected 1–{most:,} orders; got {len(orders):,}")
    requests = [validated(order, field=f"orders[{index}].") for index, order in enumerate(orders)]
    return _check_all(uow, requests, actor, config)


@dataclass(frozen=True)
class CheckedOrder:
    """An order whose figures are valid: the currency known, the amount at its minor unit and above 0."""

    ref: str
    order_ref: str
    amount: Decimal
    currency: str
    ship_date: date
    field: str  # "orders[3]." in a batch: errors name the order


def validated(order: OrderRequest, *, field: str = "") -> CheckedOrder:
    """The order's figures checked (no database); ``field`` prefixes the names in errors (an order's place in a
    batch)."""
    code = check_currency(order.currency, field=f"{field}currency")
    amount = parse_amount(order.amount, code, field=f"{field}amount")
    if amount <= 0:
        raise ValidationError(f"{field}amount", f"expected an order amount > 0; got {order.amount}")
    order_ref = order.order_ref.strip()
    if not order_ref or len(order_ref) > 64:
        raise ValidationError(f"{field}order_ref", "expected an order reference of 1–64 characters")
    return CheckedOrder(order.buyer, order_ref, amount, code, order.ship_date, field)


@dataclass(frozen=True)
class _Repeated:
    """The order was checked before with the same figures: its stored answer stands."""

    buyer: Subject


@dataclass(frozen=True)
class _TermsMissing:
    countries: tuple[str, ...]
    day: date


def _check_all(uow: SqlUnitOfWork, requests: list[CheckedOrder], actor: str,
               config: OrderCheckConfig) -> list[OrderCheckView]:
    """``uow`` serves the rare reads the prepared statements do not cover, each outside the check's transaction:
    a country's terms when they are not cached (then the checks start again), and the stored answers of orders
    sent again."""
    answers = _attempt(uow, requests, actor, config)
    if isinstance(answers, _TermsMissing):
        with uow:
            for country in answers.countries:
                config.country_terms.terms(uow, country, answers.day)
        answers = _attempt(uow, requests, actor, config)
        assert not isinstance(answers, _TermsMissing), "the countries' terms were cached a moment ago"
    return [_stored(uow, request.order_ref, answer.buyer, config.base_currency) if isinstance(answer, _Repeated)
            else answer for request, answer in zip(requests, answers, strict=True)]


def _attempt(uow: SqlUnitOfWork, requests: list[CheckedOrder], actor: str,
             config: OrderCheckConfig) -> list[OrderCheckView | _Repeated] | _TermsMissing:
    """The buyers first, then every group's lock in the order of the top-level buyers' ids (two batches that share
    groups cannot deadlock), then each order in turn; one commit."""
    with uow.gate, config.store.transaction() as tx:
        day, now = uow.clock.today(), uow.clock.now()
        buyers = _subjects(tx, requests)
        terms = {country: config.country_terms.cached(country, day) for country in {b.country for b, _ in buyers}}
        missing = tuple(sorted(country for country, found in terms.items() if found is None))
        if missing:
            return _TermsMissing(missing, day)
        for root in sorted({root for _, root in buyers}):
            tx.lock(root)
        answers: list[OrderCheckView | _Repeated] = []
        for request, (buyer, root) in zip(requests, buyers, strict=True):
            found = terms[buyer.country]
            assert found is not None
            answers.append(_checked(tx, buyer, root, request, found[0], day, now, actor, config)
                           or _repeated(tx, buyer, request))
        tx.commit()
        return answers


def _repeated(tx: OrderCheckTransaction, buyer: Subject, request: CheckedOrder) -> _Repeated:
    """The order reference is stored already: the same order sent again, or a conflict."""
    if tx.order_known(request.order_ref) != (buyer.id, request.amount, request.currency):
        where = f"{request.field[:-1]}: " if request.field else ""
        raise Conflict(f"{where}order {request.order_ref} was already checked with other figures")
    return _Repeated(buyer)


def _subjects(tx: OrderCheckTransaction, requests: list[CheckedOrder]) -> list[tuple[Subject, int]]:
    """(buyer, its group's top-level buyer id) of each request, each buyer read once."""
    seen: dict[str, tuple[Subject, int]] = {}
    for request in requests:
        if request.ref not in seen:
            buyer = tx.subject(request.ref)
            if buyer is None and request.field:
                raise ValidationError(f"{request.field}buyer", f"no buyer has the ref {request.ref!r}")
            if buyer is None:
                raise NotFound("buyer", request.ref)
            seen[request.ref] = (buyer, buyer.id if buyer.parent_id is None else tx.group_root(buyer.id))
    return [seen[request.ref] for request in requests]


def _stored(uow: SqlUnitOfWork, order_ref: str, buyer: Subject, base: str) -> OrderCheckView:
    with uow:
        existing = uow.orders.find(order_ref)
        assert existing is not None, "order checks are never deleted"
        return view_of(existing, buyer.ref, buyer.name, base)


def _checked(tx: OrderCheckTransaction, buyer: Subject, root: int, request: CheckedOrder, terms: PaymentTerms | None,
             day: date, now: datetime, actor: str, config: OrderCheckConfig) -> OrderCheckView | None:
    """After the lock: the group's limits (for a member of a group; the buyer's own came with it), the open items,
    one INSERT (and the outbox rows of a hold), all as prepared statements (:mod:`store.order_checks`). The row is
    the check's record (who, when, the inputs and every reason), so no separate audit event is written for it.
    None, with nothing stored, when the order reference is stored already: a repeat is rare, so it is found by the
    INSERT rather than by a read before every check."""
    base = config.base_currency
    rows = buyer.limits if root == buyer.id else (*buyer.limits, *tx.limits(root))
    has_group = any(r.buyer_id == root and r.scope == LimitScope.GROUP.value for r in rows)
    items = tx.items(root if has_group else buyer.id, group=has_group, day=day)
    currencies = {request.currency} | {row.currency for row in items}
    table = fx_table(tx.latest_rates, day, base, currencies)
    amount_base = round_money(request.amount * table.rate(request.currency, day), base)
    own_items = [row for row in items if row.buyer_id == buyer.id] if has_group else items
    own = _position(rows, own_items, holder=(buyer.id, buyer.ref), scope=LimitScope.BUYER, day=day, table=table,
                    config=config)
    group = None
    if has_group:
        root_ref = buyer.ref if root == buyer.id else tx.ref_of(root)
        group = _position(rows, items, holder=(root, root_ref), scope=LimitScope.GROUP, day=day, table=table,
                          config=config)
    binding = _binding(own, group)
    result = check_order(CheckInputs(
        order_amount=amount_base, exposure=binding.exposure.total, limit=binding.amount,
        limit_under_review=binding.under_review,
        overdue_old=overdue_beyond(items, table=table, day=day, base=base, policy=config.policy),
        grade=buyer.grade, country_terms=terms.value if terms else None, supply_suspended=buyer.blocked,
        limit_ended_on=_ended_on(own, group) if binding.amount is None else None),
        config.policy)
    values: dict[str, Any] = {
        "buyer_id": buyer.id, "order_ref": request.order_ref, "amount": request.amount,
        "currency": request.currency, "amount_base": amount_base, "ship_date": request.ship_date,
        "outcome": result.outcome.value, "status": "released" if result.outcome is Outcome.RELEASE else "held",
        "reasons": [{"code": r.code, "text": r.text, "figures": r.figures} for r in result.reasons],
        "figures": {**_figures(own, group, amount_base), "checked_against": binding.scope},
        "checked_by": actor, "checked_at": now, "resolved_by": None, "resolved_at": None,
        "resolution_reason": None, "released_amount": None, "version": 1, "delivered_on": None}
    if not tx.insert(values):
        return None
    view = OrderCheckView(buyer=buyer.ref, buyer_name=buyer.name,
                          **{k: v for k, v in values.items() if k != "buyer_id"})
    if view.status == "held":
        tx.enqueue("order.held", lambda: event_of(view), now)
    return view
