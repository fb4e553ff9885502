"""Users, roles and what each role may do.

Roles are ranked: each role may do everything the roles below it may do. ``viewer`` reads; ``collector``
also records collection actions (disputes, payments, cash application); ``analyst`` also maintains buyers,
statements, invoices, FX rates and imports (and will request limits); ``credit_manager`` also approves limits
and releases holds; ``admin`` also manages users and settings and reads the audit trail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from tradecredit.domain.errors import ValidationError


class Role(StrEnum):
    VIEWER = "viewer"
    COLLECTOR = "collector"
    ANALYST = "analyst"
    CREDIT_MANAGER = "credit_manager"
    ADMIN = "admin"


RANK: dict[Role, int] = {role: rank for rank, role in enumerate(Role)}
LANGUAGES = ("en", "zh")
MIN_PASSWORD_LENGTH = 12
MAX_EMAIL_LENGTH = 254
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


def allows(have: Role, need: Role) -> bool:
    """Whether a user with role ``have`` may do what needs role ``need``."""
    return RANK[have] >= RANK[need]


def check_role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        raise ValidationError("role", f"unknown role {value!r}; expected one of "
                                      f"{', '.join(r.value for r in Role)}") from None


def check_username(value: str) -> str:
    name = value.strip().lower()
    if not _USERNAME.match(name):
        raise ValidationError("username", f"{value!r} is not a valid user name; use 2-64 lower-case letters, "
                                          "digits, '.', '_' or '-', starting with a letter or digit")
    return name


def check_password(value: str) -> str:
    if len(value) < MIN_PASSWORD_LENGTH:
        raise ValidationError("password", f"must be at least {MIN_PASSWORD_LENGTH} characters long")
    return value


def check_email(value: str) -> str:
    """An e-mail address as a person types it (``name@example.com``); refuses what cannot be one."""
    address = value.strip()
    local, _, domain = address.rpartition("@")
    if (not local or "." not in domain.strip(".") or len(address) > MAX_EMAIL_LENGTH
            or any(c.isspace() or c in '<>,;"()[]' for c in address)):
        raise ValidationError("email", f"expected an e-mail address such as name@example.com; got {value!r}")
    return address


def check_language(value: str) -> str:
    code = value.strip().lower()[:2]
    if code not in LANGUAGES:
        raise ValidationError("language", f"{value!r} is not available; expected one of {', '.join(LANGUAGES)}")
    return code


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is acting: a user, and how they authenticated (``password`` session or ``token``)."""

    username: str
    role: Role
    language: str = "en"
    via: str = "session"

    @property
    def actor(self) -> str:
        return self.username if self.via != "token" else f"{self.username} (token)"


@dataclass(frozen=True, slots=True)
class Throttle:
    """Login throttling: after ``max_failures`` consecutive failures the account waits ``lockout``."""

    max_failures: int = 5
    lockout: timedelta = timedelta(minutes=15)

    def locked_until(self, failures: int, last_failure: datetime | None) -> datetime | None:
        if failures < self.max_failures or last_failure is None:
            return None
        return last_failure + self.lockout
