"""The hold queue: the orders a check held, listed for a credit manager, who releases them (in whole or in part)
or rejects them, with a reason. Each resolution is audited and tells the ERP through a webhook."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tradecredit.domain.errors import Conflict, NotFound, StaleVersion, ValidationError
from tradecredit.domain.money import parse_amount, round_money
from tradecredit.services.orders import OrderCheckView, event_of, view_of
from tradecredit.services.paging import check_page
from tradecredit.services.webhooks import enqueue
from tradecredit.store.tables import OrderCheckRecord
from tradecredit.store.uow import SqlUnitOfWork

MAX_REASON = 1000
STATUSES = ("released", "held", "rejected")


def resolve_hold(uow: SqlUnitOfWork, *, order_ref: str, release: bool, reason: str, version: int, actor: str,
                 base_currency: str, amount: Decimal | str | None = None) -> OrderCheckView:
    """A credit manager releases a held order (it then counts as exposure) or rejects it; with the reason.

    ``amount`` releases part of the order only, as a one-off: that part counts as exposure and the ERP is told
    to ship no more than it; the rest stays unshipped (a new check when the ERP wants to ship it). It may be
    given as typed (a form's text): it is checked against the order's currency."""
    why = reason.strip()
    if not why or len(why) > MAX_REASON:
        raise ValidationError("reason", f"expected a reason of 1–{MAX_REASON} characters")
    if amount is not None and not release:
        raise ValidationError("amount", "a rejected order ships nothing; give an amount only to release part of it")
    with uow:
        record = uow.orders.find(order_ref)
        if record is None:
            raise NotFound("order", order_ref)
        if record.version != version:
            raise StaleVersion("order", order_ref, version, record.version)
        if record.status != "held":
            raise Conflict(f"order {order_ref} is {record.status}, not on hold")
        part = None if amount is None else _part_of(record, amount)
        now = uow.clock.now()
        record.status = "released" if release else "rejected"
        record.resolved_by, record.resolved_at, record.resolution_reason = actor, now, why
        record.released_amount = part
        record.version += 1
        after: dict[str, Any] = {"status": record.status, "reason": why}
        if part is not None:
            after["released_amount"] = str(part)
        uow.audit.record(at=now, actor=actor, action="release" if release else "reject", entity="order",
                         key=order_ref, before={"status": "held"}, after=after)
        ref, name = uow.buyers.labels([record.buyer_id])[record.buyer_id]
        view = view_of(record, ref, name, base_currency)
        enqueue(uow, f"order.{view.status}", event_of(view))
        uow.commit()
        return view


def _part_of(record: OrderCheckRecord, amount: Decimal | str) -> Decimal:
    part = parse_amount(amount, record.currency)
    if part <= 0 or part > record.amount:
        whole = round_money(record.amount, record.currency)
        raise ValidationError("amount", f"expected a part of the order above 0 and at most {whole} {record.currency}; "
                                        f"got {amount}")
    return part


def list_orders(uow: SqlUnitOfWork, *, base_currency: str, status: str | None = "held", ref: str | None = None,
                page: int = 1, size: int = 50) -> tuple[list[OrderCheckView], int]:
    if status is not None and status not in STATUSES:
        raise ValidationError("status", f"expected one of {', '.join(STATUSES)}; got {status!r}")
    offset = check_page(page, size)
    with uow:
        buyer_id = uow.buyers.get(ref).id if ref else None
        records, total = uow.orders.page(status=status, buyer_id=buyer_id, offset=offset, limit=size)
        labels = uow.buyers.labels([r.buyer_id for r in records])
        return [view_of(r, *labels[r.buyer_id], base_currency) for r in records], total
