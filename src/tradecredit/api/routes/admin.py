"""/api/v1/me, /users and /audit: who am I, user administration, and the audit trail."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from pydantic import Field

from tradecredit.api.deps import Admin, AppDep, Viewer
from tradecredit.api.schemas.common import PageRead, ReadModel, Schema
from tradecredit.services import users as service
from tradecredit.services.audit import audit_trail
from tradecredit.services.paging import MAX_PAGE

router = APIRouter(tags=["administration"])


class MeRead(ReadModel):
    username: str
    role: str
    language: str


class UserCreate(Schema):
    username: str = Field(min_length=2, max_length=64)
    password: str = Field(min_length=12, max_length=200)
    role: str
    display_name: str | None = Field(default=None, max_length=200)
    language: str = "en"
    email: str | None = Field(default=None, max_length=254, description="address for the daily alert digest")


class UserUpdate(Schema):
    """Only the fields sent change; ``"email": null`` removes the address (and with it the digest)."""

    email: str | None = Field(default=None, max_length=254)
    daily_digest: bool | None = None
    language: str | None = None
    display_name: str | None = Field(default=None, max_length=200)


class UserRead(ReadModel):
    username: str
    display_name: str
    role: str
    language: str
    active: bool
    created_at: datetime
    email: str | None
    daily_digest: bool


class TokenCreate(Schema):
    name: str = Field(min_length=1, max_length=100)


class TokenRead(ReadModel):
    token: str = Field(description="shown once: only its hash is stored")
    name: str
    username: str


class AuditRead(ReadModel):
    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    key: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@router.get("/me", response_model=MeRead)
def me(user: Viewer) -> MeRead:
    return MeRead(username=user.username, role=user.role.value, language=user.language)


@router.get("/users", response_model=list[UserRead])
def list_users(tc: AppDep, user: Admin) -> list[UserRead]:
    return [UserRead.model_validate(asdict(u)) for u in service.list_users(tc.uow())]


@router.post("/users", status_code=status.HTTP_201_CREATED, response_model=UserRead)
def add_user(body: UserCreate, tc: AppDep, user: Admin) -> UserRead:
    view = service.add_user(tc.uow(), username=body.username, password=body.password, role=body.role,
                            display_name=body.display_name, language=body.language, email=body.email,
                            actor=user.actor)
    return UserRead.model_validate(asdict(view))


@router.patch("/users/{username}", response_model=UserRead)
def update_user(username: str, body: UserUpdate, tc: AppDep, user: Admin) -> UserRead:
    clear = "email" in body.model_fields_set and body.email is None
    view = service.update_user(tc.uow(), username=username, email=body.email, clear_email=clear,
                               daily_digest=body.daily_digest, language=body.language,
                               display_name=body.display_name, actor=user.actor)
    return UserRead.model_validate(asdict(view))


@router.post("/users/{username}/disable", status_code=status.HTTP_204_NO_CONTENT)
def disable_user(username: str, tc: AppDep, user: Admin) -> None:
    service.disable_user(tc.uow(), username=username, actor=user.actor)


@router.post("/users/{username}/tokens", status_code=status.HTTP_201_CREATED, response_model=TokenRead)
def issue_token(username: str, body: TokenCreate, tc: AppDep, user: Admin) -> TokenRead:
    return TokenRead.model_validate(asdict(service.issue_token(tc.uow(), username=username, name=body.name,
                                                               actor=user.actor)))


@router.get("/audit", response_model=PageRead[AuditRead])
def audit(tc: AppDep, user: Admin, entity: Annotated[str | None, Query(max_length=50)] = None,
          key: Annotated[str | None, Query(max_length=200)] = None,
          actor: Annotated[str | None, Query(max_length=100)] = None,
          page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
          size: Annotated[int, Query(ge=1, le=500)] = 50) -> PageRead[AuditRead]:
    """The append-only audit trail, newest first; there is no endpoint that changes or deletes it."""
    items, total = audit_trail(tc.uow(), entity=entity, key=key, actor=actor, page=page, size=size)
    return PageRead[AuditRead](items=[AuditRead.model_validate(asdict(i)) for i in items], total=total, page=page,
                               size=size)
