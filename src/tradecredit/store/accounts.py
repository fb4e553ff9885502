"""Repositories for users, API tokens, browser sessions and the append-only audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from tradecredit.domain.errors import NotFound
from tradecredit.store.tables import ApiTokenRecord, AuditRecord, UserRecord, WebSessionRecord


class UserRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, **values: Any) -> UserRecord:
        record = UserRecord(**values)
        self.session.add(record)
        self.session.flush()
        return record

    def find(self, username: str) -> UserRecord | None:
        return self.session.scalar(select(UserRecord).where(UserRecord.username == username))

    def get(self, username: str) -> UserRecord:
        record = self.find(username)
        if record is None:
            raise NotFound("user", username)
        return record

    def by_id(self, user_id: int) -> UserRecord:
        record = self.session.get(UserRecord, user_id)
        if record is None:
            raise NotFound("user", user_id)
        return record

    def all(self) -> list[UserRecord]:
        return list(self.session.scalars(select(UserRecord).order_by(UserRecord.username)))

    def count(self) -> int:
        return int(self.session.scalar(select(func.count()).select_from(UserRecord)) or 0)


class TokenRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, **values: Any) -> ApiTokenRecord:
        record = ApiTokenRecord(**values)
        self.session.add(record)
        self.session.flush()
        return record

    def active(self, token_hash: str) -> ApiTokenRecord | None:
        return self.session.scalar(select(ApiTokenRecord).where(ApiTokenRecord.token_hash == token_hash,
                                                                 ApiTokenRecord.revoked_at.is_(None)))

    def active_user(self, token_hash: str) -> UserRecord | None:
        """The active user behind an unrevoked token, in one query (every API request asks this)."""
        query = (select(UserRecord).join(ApiTokenRecord, ApiTokenRecord.user_id == UserRecord.id)
                 .where(ApiTokenRecord.token_hash == token_hash, ApiTokenRecord.revoked_at.is_(None),
                        UserRecord.active.is_(True)))
        return self.session.scalar(query)

    def for_user(self, user_id: int) -> list[ApiTokenRecord]:
        return list(self.session.scalars(select(ApiTokenRecord).where(ApiTokenRecord.user_id == user_id)
                                         .order_by(ApiTokenRecord.id)))

    def revoke_all(self, user_id: int, at: datetime) -> None:
        self.session.execute(update(ApiTokenRecord).where(ApiTokenRecord.user_id == user_id,
                                                          ApiTokenRecord.revoked_at.is_(None)).values(revoked_at=at))


class WebSessionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, **values: Any) -> WebSessionRecord:
        record = WebSessionRecord(**values)
        self.session.add(record)
        self.session.flush()
        return record

    def valid(self, session_hash: str, now: datetime) -> WebSessionRecord | None:
        return self.session.scalar(select(WebSessionRecord).where(WebSessionRecord.session_hash == session_hash,
                                                                  WebSessionRecord.expires_at > now))

    def end(self, session_hash: str) -> None:
        self.session.execute(delete(WebSessionRecord).where(WebSessionRecord.session_hash == session_hash))

    def end_all(self, user_id: int) -> None:
        self.session.execute(delete(WebSessionRecord).where(WebSessionRecord.user_id == user_id))


class AuditRepository:
    """Only ``record`` writes: there is deliberately no update or delete here."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def record(self, *, at: datetime, actor: str, action: str, entity: str, key: str,
               before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> None:
        self.session.add(AuditRecord(at=at, actor=actor[:100], action=action, entity=entity, entity_key=key[:200],
                                     before=before, after=after))

    def page(self, *, entity: str | None, key: str | None, actor: str | None, offset: int,
             limit: int) -> tuple[list[AuditRecord], int]:
        query = select(AuditRecord)
        if entity:
            query = query.where(AuditRecord.entity == entity)
        if key:
            query = query.where(AuditRecord.entity_key == key)
        if actor:
            query = query.where(AuditRecord.actor == actor)
        total = int(self.session.scalar(select(func.count()).select_from(query.subquery())) or 0)
        rows = self.session.scalars(query.order_by(AuditRecord.id.desc()).offset(offset).limit(limit))
        return list(rows), total
