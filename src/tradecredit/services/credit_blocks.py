"""Credit blocks: shipments to a buyer stopped, and lifted again.

While a block is in force the order check holds every order of the buyer ("shipments to this buyer are stopped
(credit block)"). A buyer has at most one block in force; lifting keeps the row, so the history stays. A block's
id is its version: lifting may name the block it means (``block_id``), and a block lifted or replaced since gets
StaleVersion and nothing changes. Every change is audited (entity ``credit_block``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tradecredit.domain.errors import Conflict, NotFound, StaleVersion, ValidationError
from tradecredit.store.tables import BuyerRecord, CreditBlockRecord
from tradecredit.store.uow import SqlUnitOfWork

__all__ = ["SOURCES", "BlockView", "BuyerBlocks", "block_buyer", "buyer_blocks", "lift_block"]

MAX_REASON = 1000
SOURCES = ("manual", "alert", "collections")


@dataclass(frozen=True)
class BlockView:
    id: int
    buyer: str
    reason: str
    source: str
    alert_id: int | None
    blocked_by: str
    blocked_at: datetime
    lifted_by: str | None
    lifted_at: datetime | None
    lift_reason: str | None

    @property
    def in_force(self) -> bool:
        return self.lifted_at is None


@dataclass(frozen=True)
class BuyerBlocks:
    buyer: str
    current: BlockView | None
    history: list[BlockView]  # newest first, the current one included


def _view(record: CreditBlockRecord, ref: str) -> BlockView:
    return BlockView(record.id, ref, record.reason, record.source, record.alert_id, record.blocked_by,
                     record.blocked_at, record.lifted_by, record.lifted_at, record.lift_reason)


def _reason(text: str, name: str = "reason") -> str:
    value = text.strip()
    if not value or len(value) > MAX_REASON:
        raise ValidationError(name, f"expected 1–{MAX_REASON} characters; got {len(value)}")
    return value


def add_block(uow: SqlUnitOfWork, buyer: BuyerRecord, *, reason: str, actor: str, source: str,
              alert_id: int | None = None) -> CreditBlockRecord:
    """Block the buyer inside the caller's open unit of work (the caller commits); Conflict when one is in force."""
    if source not in SOURCES:
        raise ValidationError("source", f"expected one of {', '.join(SOURCES)}; got {source!r}")
    current = uow.credit_blocks.in_force(buyer.id)
    if current is not None:
        raise Conflict(f"buyer {buyer.ref} is already blocked (block {current.id}, since "
                       f"{current.blocked_at:%Y-%m-%d}); lift it first")
    now = uow.clock.now()
    record = uow.credit_blocks.add(buyer_id=buyer.id, reason=reason, source=source, alert_id=alert_id,
                                   blocked_by=actor, blocked_at=now)
    uow.audit.record(at=now, actor=actor, action="block", entity="credit_block", key=buyer.ref,
                     after={"block_id": record.id, "reason": reason, "source": source, "alert_id": alert_id})
    return record


def block_buyer(uow: SqlUnitOfWork, *, ref: str, reason: str, actor: str, source: str = "manual",
                alert_id: int | None = None) -> BlockView:
    """Stop shipments to the buyer: every order of it is held until the block is lifted."""
    why = _reason(reason)
    with uow:
        buyer = uow.buyers.get(ref)
        record = add_block(uow, buyer, reason=why, actor=actor, source=source, alert_id=alert_id)
        uow.commit()
        return _view(record, buyer.ref)


def lift_block(uow: SqlUnitOfWork, *, ref: str, reason: str, actor: str, block_id: int | None = None) -> BlockView:
    """Let shipments go again, with the reason; ``block_id`` guards against lifting a block one has not seen."""
    why = _reason(reason)
    with uow:
        buyer = uow.buyers.get(ref)
        record = uow.credit_blocks.in_force(buyer.id)
        if record is None:
            if block_id is not None and uow.credit_blocks.get(block_id) is not None:
                raise StaleVersion("credit block", block_id, block_id, 0)
            raise NotFound("credit block in force for buyer", ref)
        if block_id is not None and block_id != record.id:
            raise StaleVersion("credit block", block_id, block_id, record.id)
        now = uow.clock.now()
        record.lifted_by, record.lifted_at, record.lift_reason = actor, now, why
        uow.audit.record(at=now, actor=actor, action="lift", entity="credit_block", key=buyer.ref,
                         before={"block_id": record.id, "reason": record.reason}, after={"lift_reason": why})
        uow.commit()
        return _view(record, buyer.ref)


def buyer_blocks(uow: SqlUnitOfWork, *, ref: str) -> BuyerBlocks:
    """The block in force (None: shipments go) and every block of the buyer, newest first."""
    with uow:
        buyer = uow.buyers.get(ref)
        history = [_view(record, buyer.ref) for record in uow.credit_blocks.of_buyer(buyer.id)]
        return BuyerBlocks(buyer.ref, next((b for b in history if b.in_force), None), history)
