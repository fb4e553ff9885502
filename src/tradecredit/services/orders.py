"""Order credit checks and the hold queue.

``check_order`` answers *release* or *hold* for an ERP's order, stores the answer with its reasons and figures,
and counts a released order as exposure until an invoice carries its reference. Checks on one buyer (or one group)
are serialised: the transaction first locks the group's top-level buyer row, so two simultaneous orders that
together exceed the headroom cannot both be released. Re-sending the same order (same ref, buyer and amount)
returns the stored answer; the same ref with other figures is a conflict.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from tradecredit.config import Settings
from tradecredit.domain.country import TermsPolicy
from tradecredit.domain.errors import Conflict, NotFound, StaleVersion, ValidationError
from tradecredit.domain.limits import LimitKind, LimitScope, LimitTerm, limit_in_force
from tradecredit.domain.money import check_currency, parse_amount, round_money
from tradecredit.domain.order_check import CheckInputs, CheckPolicy, Outcome, check_order
from tradecredit.services.country import allowed_terms, country_grade_in, settings_in
from tradecredit.services.limit_exposure import Exposure, exposure_of, fx_table
from tradecredit.services.paging import check_page
from tradecredit.services.webhooks import enqueue
from tradecredit.store import limits as limit_queries
from tradecredit.store import queries
from tradecredit.store.tables import OrderCheckRecord
from tradecredit.store.uow import SqlUnitOfWork

MAX_REASON = 1000
STATUSES = ("released", "held", "rejected")


@dataclass(frozen=True)
class OrderCheckConfig:
    base_currency: str
    buckets: tuple[str, ...]
    policy: CheckPolicy
    terms_policy: TermsPolicy

    @classmethod
    def from_settings(cls, settings: Settings) -> OrderCheckConfig:
        return cls(settings.base_currency, settings.exposure_buckets, settings.order_check_policy(),
                   settings.terms_policy())


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


def _view(record: OrderCheckRecord, ref: str) -> OrderCheckView:
    return OrderCheckView(record.order_ref, ref, record.amount, record.currency, record.amount_base, record.ship_date,
                          record.outcome, record.status, list(record.reasons), dict(record.figures),
                          record.checked_by, record.checked_at, record.resolved_by, record.resolved_at,
                          record.resolution_reason, record.version)


def _notify(uow: SqlUnitOfWork, record: OrderCheckRecord, ref: str) -> None:
    """Queue ``order.held`` / ``order.released`` / ``order.rejected`` for the subscribed webhooks, in this
    transaction. A check that releases at once sends nothing: the caller has the answer already."""
    enqueue(uow, f"order.{record.status}", {
        "order_ref": record.order_ref, "buyer": ref, "amount": round_money(record.amount, record.currency),
        "currency": record.currency, "ship_date": record.ship_date, "status": record.status,
        "reasons": [reason["code"] for reason in record.reasons], "checked_at": record.checked_at,
        "resolved_by": record.resolved_by, "resolution_reason": record.resolution_reason, "version": record.version})


def _overdue_old(uow: SqlUnitOfWork, member_ids: list[int], day: date, base: str, policy: CheckPolicy) -> Decimal:
    items = limit_queries.overdue_items(uow.session, member_ids, as_of=day,
                                        before=day - timedelta(days=policy.overdue_days))
    table = fx_table(uow, day, base, {currency for currency, _ in items})
    converted = (round_money(amount * table.rate(currency, day), base) for currency, amount in items)
    return sum((amount for amount in converted if amount > policy.residual), Decimal(0))


@dataclass(frozen=True)
class _Position:
    """A limit against its exposure, as the check needs it (no history, no views)."""

    scope: str
    holder: str
    amount: Decimal | None
    under_review: bool
    exposure: Exposure

    @property
    def headroom(self) -> Decimal | None:
        return None if self.amount is None else self.amount - self.exposure.total


def _position(uow: SqlUnitOfWork, rows: list[Any], *, holder: tuple[int, str], scope: LimitScope,
              members: list[int], day: date, config: OrderCheckConfig) -> _Position:
    terms = [LimitTerm(r.id, LimitKind(r.kind), r.amount, r.valid_from, r.valid_to, r.review_on) for r in rows
             if r.buyer_id == holder[0] and r.scope == scope.value]
    in_force = limit_in_force(terms, day)
    amount = (round_money(in_force.amount, config.base_currency) if in_force.base or in_force.temporary
              else None)
    exposure = exposure_of(uow, members, day=day, base=config.base_currency, buckets=config.buckets)
    return _Position(scope.value, holder[1], amount, in_force.under_review(day), exposure)


def _figures(own: _Position, group: _Position | None, amount_base: Decimal) -> dict[str, Any]:
    def one(p: _Position) -> dict[str, Any]:
        return {"holder": p.holder, "limit": None if p.amount is None else str(p.amount),
                "exposure": str(p.exposure.total), "open_invoices": str(p.exposure.open_invoices),
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


def check(uow: SqlUnitOfWork, *, ref: str, order_ref: str, amount: Decimal, currency: str, ship_date: date,
          actor: str, config: OrderCheckConfig) -> OrderCheckView:
    code = check_currency(currency)
    order_amount = parse_amount(amount, code)
    if order_amount <= 0:
        raise ValidationError("amount", f"expected an order amount > 0; got {amount}")
    order_ref = order_ref.strip()
    if not order_ref or len(order_ref) > 64:
        raise ValidationError("order_ref", "expected an order reference of 1–64 characters")
    with uow:
        buyer = queries.buyer_with_parent(uow.session, ref)
        if buyer is None:
            raise NotFound("buyer", ref)
        root = buyer.id if buyer.parent_id is None else limit_queries.group_root(uow.session, buyer.id)
        limit_queries.lock_buyer(uow.session, root)
        if limit_queries.order_id(uow.session, order_ref) is not None:
            return _repeated(uow, order_ref, buyer.id, order_amount, code, ref)
        return _checked(uow, buyer, root, order_ref, order_amount, code, ship_date, actor, config)


def _repeated(uow: SqlUnitOfWork, order_ref: str, buyer_id: int, amount: Decimal, code: str,
              ref: str) -> OrderCheckView:
    """The ERP sent an order again: the stored answer when the figures match, else a conflict."""
    existing = uow.orders.find(order_ref)
    assert existing is not None
    if (existing.buyer_id, existing.amount, existing.currency) != (buyer_id, amount, code):
        raise Conflict(f"order {order_ref} was already checked with other figures")
    return _view(existing, ref)


def _checked(uow: SqlUnitOfWork, buyer: Any, root: int, order_ref: str, amount: Decimal, code: str,
             ship_date: date, actor: str, config: OrderCheckConfig) -> OrderCheckView:
    base = config.base_currency
    day = uow.clock.today()
    amount_base = round_money(amount * fx_table(uow, day, base, {code}).rate(code, day), base)
    rows = limit_queries.limit_rows(uow.session, sorted({buyer.id, root}))
    own = _position(uow, rows, holder=(buyer.id, buyer.ref), scope=LimitScope.BUYER, members=[buyer.id], day=day,
                    config=config)
    group = None
    members = [buyer.id]
    if any(r.buyer_id == root and r.scope == LimitScope.GROUP.value for r in rows):
        members = limit_queries.group_members(uow.session, root)
        root_ref = buyer.ref if root == buyer.id else (uow.buyers.ref_of(root) or "")
        group = _position(uow, rows, holder=(root, root_ref), scope=LimitScope.GROUP, members=members, day=day,
                          config=config)
    binding = _binding(own, group)
    country = country_grade_in(uow, country=buyer.country, on=day)
    terms = allowed_terms(country, settings_in(uow, buyer.country), config.terms_policy)
    result = check_order(CheckInputs(
        order_amount=amount_base, exposure=binding.exposure.total, limit=binding.amount,
        limit_under_review=binding.under_review, overdue_old=_overdue_old(uow, members, day, base, config.policy),
        grade=limit_queries.latest_grade(uow.session, buyer.id), country_terms=terms.value if terms else None),
        config.policy)
    now = uow.clock.now()
    record = uow.orders.add(
        buyer_id=buyer.id, order_ref=order_ref, amount=amount, currency=code, amount_base=amount_base,
        ship_date=ship_date, outcome=result.outcome.value,
        status="released" if result.outcome is Outcome.RELEASE else "held",
        reasons=[{"code": r.code, "text": r.text, "figures": r.figures} for r in result.reasons],
        figures={**_figures(own, group, amount_base), "checked_against": binding.scope}, checked_by=actor,
        checked_at=now, resolved_by=None, resolved_at=None, resolution_reason=None, version=1)
    uow.audit.record(at=now, actor=actor, action="check", entity="order", key=order_ref,
                     after={"buyer": buyer.ref, "amount": str(amount), "currency": code,
                            "outcome": result.outcome.value, "reasons": [r.code for r in result.reasons]})
    if record.status == "held":
        _notify(uow, record, buyer.ref)
    uow.commit()
    return _view(record, buyer.ref)


def resolve_hold(uow: SqlUnitOfWork, *, order_ref: str, release: bool, reason: str, version: int,
                 actor: str) -> OrderCheckView:
    """A credit manager releases a held order (it then counts as exposure) or rejects it; with the reason."""
    why = reason.strip()
    if not why or len(why) > MAX_REASON:
        raise ValidationError("reason", f"expected a reason of 1–{MAX_REASON} characters")
    with uow:
        record = uow.orders.find(order_ref)
        if record is None:
            raise NotFound("order", order_ref)
        if record.version != version:
            raise StaleVersion("order", order_ref, version, record.version)
        if record.status != "held":
            raise Conflict(f"order {order_ref} is {record.status}, not on hold")
        now = uow.clock.now()
        record.status = "released" if release else "rejected"
        record.resolved_by, record.resolved_at, record.resolution_reason = actor, now, why
        record.version += 1
        uow.audit.record(at=now, actor=actor, action="release" if release else "reject", entity="order",
                         key=order_ref, before={"status": "held"}, after={"status": record.status, "reason": why})
        ref = uow.buyers.ref_of(record.buyer_id) or ""
        _notify(uow, record, ref)
        uow.commit()
        return _view(record, ref)


def list_orders(uow: SqlUnitOfWork, *, status: str | None = "held", ref: str | None = None, page: int = 1,
                size: int = 50) -> tuple[list[OrderCheckView], int]:
    if status is not None and status not in STATUSES:
        raise ValidationError("status", f"expected one of {', '.join(STATUSES)}; got {status!r}")
    offset = check_page(page, size)
    with uow:
        buyer_id = uow.buyers.get(ref).id if ref else None
        records, total = uow.orders.page(status=status, buyer_id=buyer_id, offset=offset, limit=size)
        return [_view(r, uow.buyers.ref_of(r.buyer_id) or "") for r in records], total
