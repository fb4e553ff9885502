"""Deliveries of released orders, as the ERP reports them.

A released order counts as exposure until an invoice carries its reference. ERPs' credit management splits that
time in two: the order is *open* until the goods leave, then *delivered, not invoiced* until the invoice is
issued (the ``delivered_not_invoiced`` and ``open_orders`` buckets, :mod:`services.limit_exposure`). The ERP
reports the day of delivery here; the report is audited. Sending the same day again changes nothing, so an ERP
may retry; another day for an order already delivered is a conflict (a correction is a person's job, in the
ERP).
"""

from __future__ import annotations

from datetime import date

from tradecredit.domain.errors import Conflict, NotFound, ValidationError
from tradecredit.services.orders import OrderCheckView, view_of
from tradecredit.store.uow import SqlUnitOfWork


def record_delivery(uow: SqlUnitOfWork, *, order_ref: str, delivered_on: date | None, actor: str,
                    base_currency: str) -> OrderCheckView:
    """The released order ``order_ref`` was delivered on ``delivered_on`` (today when None)."""
    with uow:
        record = uow.orders.find(order_ref)
        if record is None:
            raise NotFound("order", order_ref)
        today = uow.clock.today()
        day = delivered_on or today
        checked = record.checked_at.date()
        if not checked <= day <= today:
            raise ValidationError("delivered_on", f"expected a day from the check ({checked}) to today ({today}); "
                                                  f"got {day}")
        if record.status != "released":
            raise Conflict(f"order {order_ref} is {record.status}; only a released order can be delivered")
        if record.delivered_on is not None and record.delivered_on != day:
            raise Conflict(f"order {order_ref} was reported delivered on {record.delivered_on} already")
        if record.delivered_on is None:
            record.delivered_on = day
            record.version += 1
            uow.audit.record(at=uow.clock.now(), actor=actor, action="deliver", entity="order", key=order_ref,
                             before={"delivered_on": None}, after={"delivered_on": day.isoformat()})
        ref, name = uow.buyers.labels([record.buyer_id])[record.buyer_id]
        view = view_of(record, ref, name, base_currency)
        uow.commit()
        return view
