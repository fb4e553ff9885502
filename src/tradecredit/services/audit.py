"""Reading the audit trail (writing happens inside each service's own transaction)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tradecredit.services.paging import check_page
from tradecredit.store.uow import SqlUnitOfWork


@dataclass(frozen=True)
class AuditEvent:
    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    key: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def audit_trail(uow: SqlUnitOfWork, *, entity: str | None = None, key: str | None = None, actor: str | None = None,
                page: int = 1, size: int = 50) -> tuple[list[AuditEvent], int]:
    """Newest first."""
    offset = check_page(page, size)
    with uow:
        rows, total = uow.audit.page(entity=entity, key=key, actor=actor, offset=offset, limit=size)
        return [AuditEvent(r.id, r.at, r.actor, r.action, r.entity, r.entity_key, r.before, r.after)
                for r in rows], total
