"""The watch list: buyers under closer watch. The monitoring run applies the tighter thresholds of
``SignalPolicy.watch_list`` to them (it reads ``uow.watch_list.buyer_ids()``). Adding and removing are audited
(entity ``watch_list``); a buyer is on the list once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tradecredit.domain.errors import Conflict, NotFound, ValidationError
from tradecredit.store.tables import WatchListRecord
from tradecredit.store.uow import SqlUnitOfWork

__all__ = ["WatchView", "unwatch", "watch", "watch_entry", "watch_list"]

MAX_REASON = 1000


@dataclass(frozen=True)
class WatchView:
    buyer: str
    name: str
    reason: str
    added_by: str
    added_at: datetime


def _view(record: WatchListRecord, ref: str, name: str) -> WatchView:
    return WatchView(ref, name, record.reason, record.added_by, record.added_at)


def _text(text: str | None, *, required: bool) -> str:
    value = (text or "").strip()
    if len(value) > MAX_REASON or (required and not value):
        raise ValidationError("reason", f"expected 1–{MAX_REASON} characters; got {len(value)}")
    return value


def watch(uow: SqlUnitOfWork, *, ref: str, reason: str, actor: str) -> WatchView:
    """Put the buyer on the watch list, saying why."""
    why = _text(reason, required=True)
    with uow:
        buyer = uow.buyers.get(ref)
        if uow.watch_list.find(buyer.id) is not None:
            raise Conflict(f"buyer {ref} is already on the watch list")
        now = uow.clock.now()
        record = uow.watch_list.add(buyer_id=buyer.id, reason=why, added_by=actor, added_at=now)
        uow.audit.record(at=now, actor=actor, action="add", entity="watch_list", key=buyer.ref, after={"reason": why})
        uow.commit()
        return _view(record, buyer.ref, buyer.name)


def unwatch(uow: SqlUnitOfWork, *, ref: str, actor: str, reason: str | None = None) -> WatchView:
    """Take the buyer off the watch list (the reason is optional and goes to the audit trail)."""
    why = _text(reason, required=False)
    with uow:
        buyer = uow.buyers.get(ref)
        record = uow.watch_list.find(buyer.id)
        if record is None:
            raise NotFound("watch-list entry of buyer", ref)
        view = _view(record, buyer.ref, buyer.name)
        uow.watch_list.remove(record)
        uow.audit.record(at=uow.clock.now(), actor=actor, action="remove", entity="watch_list", key=buyer.ref,
                         before={"reason": record.reason, "added_by": record.added_by},
                         after={"reason": why} if why else None)
        uow.commit()
        return view


def watch_list(uow: SqlUnitOfWork) -> list[WatchView]:
    """Every watched buyer, longest watched first."""
    with uow:
        return [_view(record, ref, name) for record, ref, name in uow.watch_list.labelled()]


def watch_entry(uow: SqlUnitOfWork, *, ref: str) -> WatchView | None:
    """The buyer's entry, None when it is not watched."""
    with uow:
        buyer = uow.buyers.get(ref)
        record = uow.watch_list.find(buyer.id)
        return None if record is None else _view(record, buyer.ref, buyer.name)
