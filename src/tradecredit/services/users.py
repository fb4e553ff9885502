"""Users, API tokens, browser sessions and logins (argon2 password hashes, throttled logins)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from tradecredit.domain.errors import AuthenticationRequired, Conflict, TooManyAttempts, ValidationError
from tradecredit.domain.users import (
    Principal,
    Role,
    Throttle,
    check_email,
    check_language,
    check_password,
    check_role,
    check_username,
)
from tradecredit.services.ttl_cache import TtlCache
from tradecredit.store.tables import UserRecord
from tradecredit.store.uow import SqlUnitOfWork

_hasher = PasswordHasher()
# Verifying against this when the user does not exist keeps a failed login's timing the same either way.
_DUMMY_HASH = _hasher.hash("not a real password, only for constant timing")
TOKEN_PREFIX = "tc_"
SESSION_COOKIE = "tc_session"  # HttpOnly, SameSite=Lax; holds the random session id
CSRF_HEADER = "X-CSRF-Token"  # unsafe API calls made with the session cookie must echo the session's CSRF token
SESSION_LIFETIME = timedelta(hours=12)
FIRST_ADMIN = "admin"
TOKEN_CACHE_SECONDS = 5.0
"""How long a worker trusts an API token it has checked: a revocation (``users disable``) is immediate in the
worker that made it and reaches the other workers within this time. Saves a database query per API request."""


@dataclass(frozen=True)
class UserView:
    username: str
    display_name: str
    role: Role
    language: str
    active: bool
    created_at: datetime
    email: str | None = None
    daily_digest: bool = True


@dataclass(frozen=True)
class IssuedToken:
    """The token in clear text exists only here, once; the database keeps its SHA-256."""

    token: str
    name: str
    username: str


@dataclass(frozen=True)
class WebSession:
    session_id: str
    csrf_token: str
    principal: Principal


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _view(record: UserRecord) -> UserView:
    return UserView(record.username, record.display_name, Role(record.role), record.language, record.active,
                    record.created_at, record.email, record.daily_digest)


def add_user(uow: SqlUnitOfWork, *, username: str, password: str, role: str, actor: str,
             display_name: str | None = None, language: str = "en", email: str | None = None) -> UserView:
    name = check_username(username)
    values = {"username": name, "display_name": (display_name or name).strip()[:200], "role": check_role(role).value,
              "language": check_language(language), "password_hash": _hasher.hash(check_password(password)),
              "active": True, "failed_logins": 0, "email": check_email(email) if email else None,
              "daily_digest": True}
    with uow:
        if uow.users.find(name) is not None:
            raise Conflict(f"user {name} already exists")
        record = uow.users.add(**values, created_at=uow.clock.now())
        uow.audit.record(at=uow.clock.now(), actor=actor, action="create", entity="user", key=name,
                         after={"role": record.role, "display_name": record.display_name, "language": record.language,
                                **({"email": record.email} if record.email else {})})
        uow.commit()
        return _view(record)


def list_users(uow: SqlUnitOfWork) -> list[UserView]:
    with uow:
        return [_view(record) for record in uow.users.all()]


def disable_user(uow: SqlUnitOfWork, *, username: str, actor: str) -> None:
    """Disable a user: their sessions end and their tokens are revoked at once."""
    with uow:
        record = uow.users.get(check_username(username))
        if record.active:
            record.active = False
            uow.tokens.revoke_all(record.id, uow.clock.now())
            uow.web_sessions.end_all(record.id)
            uow.audit.record(at=uow.clock.now(), actor=actor, action="disable", entity="user", key=record.username,
                             before={"active": True}, after={"active": False})
        uow.commit()
    _token_cache.clear()


def update_user(uow: SqlUnitOfWork, *, username: str, actor: str, email: str | None = None,
                clear_email: bool = False, daily_digest: bool | None = None, language: str | None = None,
                display_name: str | None = None) -> UserView:
    """Change a user's e-mail address (or remove it), daily digest, language or display name; what is not given
    stays. A user with an address and the digest on receives the daily alert digest (docs/notifications.md)."""
    if email is not None and clear_email:
        raise ValidationError("email", "give an address or remove it, not both")
    changes: dict[str, object] = {}
    if email is not None or clear_email:
        changes["email"] = None if clear_email else check_email(email or "")
    if daily_digest is not None:
        changes["daily_digest"] = daily_digest
    if language is not None:
        changes["language"] = check_language(language)
    if display_name is not None:
        changes["display_name"] = display_name.strip()[:200] or check_username(username)
    with uow:
        record = uow.users.get(check_username(username))
        before = {key: getattr(record, key) for key in changes}
        for key, value in changes.items():
            setattr(record, key, value)
        if changes and before != changes:
            uow.audit.record(at=uow.clock.now(), actor=actor, action="update", entity="user", key=record.username,
                             before=before, after=changes)
        uow.commit()
        view = _view(record)
    _token_cache.clear()
    return view


def set_language(uow: SqlUnitOfWork, *, username: str, language: str) -> None:
    with uow:
        record = uow.users.get(username)
        before = record.language
        record.language = check_language(language)
        uow.audit.record(at=uow.clock.now(), actor=username, action="update", entity="user", key=username,
                         before={"language": before}, after={"language": record.language})
        uow.commit()
    _token_cache.clear()


def issue_token(uow: SqlUnitOfWork, *, username: str, name: str, actor: str) -> IssuedToken:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with uow:
        record = uow.users.get(check_username(username))
        if not record.active:
            raise Conflict(f"user {record.username} is disabled")
        label = name.strip()[:100] or "token"
        uow.tokens.add(user_id=record.id, name=label, prefix=token[:10], token_hash=_digest(token),
                       created_at=uow.clock.now())
        uow.audit.record(at=uow.clock.now(), actor=actor, action="issue_token", entity="user", key=record.username,
                         after={"token_name": label, "prefix": token[:10]})
        uow.commit()
        return IssuedToken(token, label, record.username)


# Principals of recently checked tokens (by digest), each trusted for TOKEN_CACHE_SECONDS.
_token_cache: TtlCache[str, Principal] = TtlCache(TOKEN_CACHE_SECONDS)


def token_principal(uow: SqlUnitOfWork, token: str) -> Principal:
    """The user behind an API token; raises AuthenticationRequired for an unknown or revoked token."""
    digest = _digest(token)
    cached = _token_cache.get(digest)
    if cached is not None:
        return cached
    with uow:
        user = uow.tokens.active_user(digest) if token.startswith(TOKEN_PREFIX) else None
        if user is None:
            raise AuthenticationRequired("invalid or revoked API token")
        principal = Principal(user.username, Role(user.role), user.language, via="token")
    _token_cache.put(digest, principal)
    return principal


def login(uow: SqlUnitOfWork, *, username: str, password: str, throttle: Throttle) -> WebSession:
    """Check the password and open a browser session; repeated failures lock the account for a while."""
    with uow:
        now = uow.clock.now()
        record = uow.users.find(username.strip().lower())
        locked_until = throttle.locked_until(record.failed_logins, record.last_failed_at) if record else None
        if locked_until is not None and now < locked_until:
            raise TooManyAttempts(f"too many failed logins; try again after {locked_until:%H:%M} UTC")
        verified = _verify(record.password_hash if record else _DUMMY_HASH, password)
        if record is None or not record.active or not verified:
            if record is not None:
                record.failed_logins = record.failed_logins + 1 if locked_until is None else 1
                record.last_failed_at = now
                uow.commit()
            raise AuthenticationRequired("wrong user name or password")
        record.failed_logins = 0
        session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        uow.web_sessions.add(user_id=record.id, session_hash=_digest(session_id), csrf_token=csrf, created_at=now,
                             expires_at=now + SESSION_LIFETIME)
        uow.commit()
        return WebSession(session_id, csrf, Principal(record.username, Role(record.role), record.language))


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def session_principal(uow: SqlUnitOfWork, session_id: str) -> WebSession:
    with uow:
        record = uow.web_sessions.valid(_digest(session_id), uow.clock.now())
        user = uow.users.by_id(record.user_id) if record else None
        if record is None or user is None or not user.active:
            raise AuthenticationRequired("your session has ended; log in again")
        return WebSession(session_id, record.csrf_token, Principal(user.username, Role(user.role), user.language))


def logout(uow: SqlUnitOfWork, *, session_id: str) -> None:
    with uow:
        uow.web_sessions.end(_digest(session_id))
        uow.commit()


def ensure_first_admin(uow: SqlUnitOfWork, *, password: str | None) -> str | None:
    """Create the ``admin`` user when there are no users; returns the password when it was generated here."""
    with uow:
        if uow.users.count() > 0:
            return None
    generated = password is None
    secret = password or secrets.token_urlsafe(12)
    add_user(uow, username=FIRST_ADMIN, password=secret, role=Role.ADMIN.value, actor="system",
             display_name="Administrator")
    return secret if generated else None
