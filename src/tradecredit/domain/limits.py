"""Credit limits: requests, decisions within an approval authority, validity and review dates, temporary
(seasonal) limits on top of the base limit, and the limit in force on a date.

A buyer (or a group, through its top-level parent) has at most one base limit in force and any number of
temporary limits that do not overlap each other. The limit in force on a day is the base amount plus every
temporary amount whose dates include that day. A limit is in force from ``valid_from`` to ``valid_to`` (both
inclusive); after its ``review_date`` it still counts but the order check holds orders until someone reviews it.
Every number here is a configurable default.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from tradecredit.domain.errors import PermissionDenied, ValidationError

__all__ = [
    "Authority",
    "DecisionKind",
    "LimitKind",
    "LimitScope",
    "LimitTerm",
    "RequestStatus",
    "ReviewPolicy",
    "add_months",
    "check_authority",
    "check_dates",
    "limit_in_force",
    "overlapping",
    "review_date",
]


class LimitKind(StrEnum):
    BASE = "base"
    TEMPORARY = "temporary"


class LimitScope(StrEnum):
    BUYER = "buyer"
    GROUP = "group"  # set on a top-level parent; the whole group's exposure counts against it


class RequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    PARTIALLY_APPROVED = "partially_approved"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class DecisionKind(StrEnum):
    APPROVE = "approve"
    PARTIAL = "partial"
    REFUSE = "refuse"


def add_months(day: date, months: int) -> date:
    """Calendar months later, the day clamped to the month's end (31 January + 1 month = 28/29 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


@dataclass(frozen=True, slots=True)
class ReviewPolicy:
    """Months until the next review by grade: high risk (grade ≥ ``high_from``) monthly, medium
    (≥ ``medium_from``) quarterly, low annually; a limit is valid ``validity_months`` by default."""

    high_from: int = 7
    medium_from: int = 5
    high_months: int = 1
    medium_months: int = 3
    low_months: int = 12
    validity_months: int = 12

    def months_for(self, grade: int | None) -> int:
        if grade is None or grade >= self.high_from:
            return self.high_months  # never assessed is treated as high risk
        return self.medium_months if grade >= self.medium_from else self.low_months


def review_date(decided_on: date, grade: int | None, policy: ReviewPolicy = ReviewPolicy()) -> date:
    return add_months(decided_on, policy.months_for(grade))


@dataclass(frozen=True, slots=True)
class Authority:
    """What one user may approve: limits up to ``max_amount`` (base currency) for buyers graded at most
    ``worst_grade`` (a grade-9 buyer needs someone whose ``worst_grade`` is 9 or 10)."""

    username: str
    max_amount: Decimal
    worst_grade: int

    def __post_init__(self) -> None:
        if self.max_amount < 0:
            raise ValidationError("max_amount", f"expected an amount ≥ 0; got {self.max_amount}")
        if not 1 <= self.worst_grade <= 10:
            raise ValidationError("worst_grade", f"expected a grade 1–10; got {self.worst_grade}")


def check_authority(authority: Authority | None, *, username: str, amount: Decimal, grade: int | None) -> None:
    """Raise PermissionDenied unless ``username``'s authority covers ``amount`` for a buyer of ``grade``."""
    if authority is None:
        raise PermissionDenied(f"{username} has no approval authority; an admin sets it with "
                               f"`tradecredit limits authority {username} --max-amount N --worst-grade G`")
    if amount > authority.max_amount:
        raise PermissionDenied(f"{username} may approve up to {authority.max_amount:,.2f}; this needs {amount:,.2f}")
    checked_grade = 10 if grade is None else grade  # an unassessed buyer needs the widest authority
    if checked_grade > authority.worst_grade:
        raise PermissionDenied(f"{username} may approve buyers graded up to {authority.worst_grade}; this buyer is "
                               + ("not assessed" if grade is None else f"grade {grade}"))


def check_dates(kind: LimitKind, valid_from: date, valid_to: date | None) -> None:
    if kind is LimitKind.TEMPORARY and valid_to is None:
        raise ValidationError("valid_to", "a temporary limit needs an end date")
    if valid_to is not None and valid_to < valid_from:
        raise ValidationError("valid_to", f"valid_to {valid_to} is before valid_from {valid_from}")


@dataclass(frozen=True, slots=True)
class LimitTerm:
    """One limit as it stands (amount in the base currency)."""

    id: int
    kind: LimitKind
    amount: Decimal
    valid_from: date
    valid_to: date | None
    review_on: date | None

    def in_force(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


def overlapping(existing: Sequence[LimitTerm], valid_from: date, valid_to: date) -> LimitTerm | None:
    """The first temporary limit whose dates overlap [valid_from, valid_to], if any."""
    for term in existing:
        if term.kind is LimitKind.TEMPORARY and term.valid_to is not None and (
                term.valid_from <= valid_to and valid_from <= term.valid_to):
            return term
    return None


@dataclass(frozen=True, slots=True)
class InForce:
    base: LimitTerm | None
    temporary: tuple[LimitTerm, ...]

    @property
    def amount(self) -> Decimal:
        return (self.base.amount if self.base else Decimal(0)) + sum((t.amount for t in self.temporary), Decimal(0))

    def under_review(self, day: date) -> bool:
        return self.base is not None and self.base.review_on is not None and self.base.review_on < day


def limit_in_force(terms: Sequence[LimitTerm], day: date) -> InForce:
    """The base limit (the latest one in force) and the temporary limits in force on ``day``."""
    bases = [t for t in terms if t.kind is LimitKind.BASE and t.in_force(day)]
    base = max(bases, key=lambda t: (t.valid_from, t.id)) if bases else None
    temporary = tuple(sorted((t for t in terms if t.kind is LimitKind.TEMPORARY and t.in_force(day)),
                             key=lambda t: t.valid_from))
    return InForce(base, temporary)


def last_ended(terms: Sequence[LimitTerm], day: date) -> date | None:
    """The last day of the latest base limit that ended before ``day`` (it expired or was cancelled), if any."""
    ended = [t.valid_to for t in terms if t.kind is LimitKind.BASE and t.valid_to is not None and t.valid_to < day]
    return max(ended) if ended else None
