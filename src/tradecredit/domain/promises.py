"""Payment promises: a buyer's word to pay an amount by a date, and whether it was kept.

A promise covers one invoice, or the buyer's overdue balance when no invoice is named. It is **kept** once the
payments allocated to that invoice (or to any invoice of the buyer in the promise's currency), effective from the
day the promise was made through the promised date plus ``grace_days``, reach the promised amount less
``tolerance`` (the residual that is ignored elsewhere too: a few cents short is not a broken promise); **broken**
when the grace has passed without that; **open** before. A cancelled promise is none of these from the day it was
cancelled. Broken promises are counted by their promised date, over the 365 days up to the day asked about.
``docs/promises.md`` has the rule with examples.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from tradecredit.domain.errors import ValidationError
from tradecredit.domain.money import check_currency, parse_amount

__all__ = [
    "DEFAULT_PROMISE_POLICY",
    "MAX_NOTE",
    "YEAR",
    "Paid",
    "Promise",
    "PromisePolicy",
    "PromiseStatus",
    "broken_within_year",
    "new_promise",
    "paid_towards",
    "status",
]

MAX_NOTE = 1000
YEAR = timedelta(days=365)
EARLIEST_MADE_ON = date(1900, 1, 1)
MAX_AHEAD = timedelta(days=3660)  # a promised date more than ten years after the promise is a typing error


class PromiseStatus(StrEnum):
    OPEN = "open"
    KEPT = "kept"
    BROKEN = "broken"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class PromisePolicy:
    """``grace_days`` after the promised date before a promise counts as broken; ``tolerance`` (in the promise's
    currency) that the payments may fall short of the amount and still keep it."""

    grace_days: int = 3
    tolerance: Decimal = Decimal(50)

    def __post_init__(self) -> None:
        if self.grace_days < 0:
            raise ValidationError("grace_days", f"expected 0 days or more; got {self.grace_days}")
        if self.tolerance < 0:
            raise ValidationError("tolerance", f"expected an amount of 0 or more; got {self.tolerance}")


DEFAULT_PROMISE_POLICY = PromisePolicy()


@dataclass(frozen=True, slots=True)
class Promise:
    """A promise as recorded; ``cancelled_on`` is the day it was cancelled (None while it stands)."""

    amount: Decimal
    currency: str
    made_on: date
    promised_date: date
    cancelled_on: date | None = None

    def deadline(self, policy: PromisePolicy) -> date:
        """The last day a payment still keeps the promise: the promised date plus the grace days."""
        return self.promised_date + timedelta(days=policy.grace_days)


@dataclass(frozen=True, slots=True)
class Paid:
    """Payments allocated on one day to the invoices a promise covers, in the promise's currency."""

    on: date
    amount: Decimal


def new_promise(*, amount: Decimal, currency: str, made_on: date, promised_date: date, today: date) -> Promise:
    """Validate a new promise: a positive amount in the currency's minor unit, made today or earlier, and a
    promised date on or after the day it was made and at most ten years later."""
    code = check_currency(currency)
    value = parse_amount(amount, code)
    if value <= 0:
        raise ValidationError("amount", f"expected an amount above 0; got {value}")
    if made_on > today:
        raise ValidationError("made_on", f"{made_on} is in the future (today is {today})")
    if made_on < EARLIEST_MADE_ON:
        raise ValidationError("made_on", f"{made_on} is before {EARLIEST_MADE_ON}; check the year")
    if promised_date < made_on:
        raise ValidationError("promised_date", f"{promised_date} is before the promise was made ({made_on})")
    if promised_date - made_on > MAX_AHEAD:
        raise ValidationError("promised_date", f"{promised_date} is more than ten years after the promise was made "
                                               f"({made_on}); check the year")
    return Promise(value, code, made_on, promised_date)


def paid_towards(promise: Promise, payments: Iterable[Paid], *, on: date, policy: PromisePolicy) -> Decimal:
    """What was paid from the day the promise was made through its deadline, as known on ``on``."""
    last = min(promise.deadline(policy), on)
    return sum((p.amount for p in payments if promise.made_on <= p.on <= last), Decimal(0))


def status(promise: Promise, payments: Iterable[Paid], *, on: date, policy: PromisePolicy) -> PromiseStatus:
    """The promise's status on ``on``. Kept needs a payment (so a promise no larger than the tolerance is not kept
    by nothing) and the shortfall at most the tolerance; broken needs the deadline passed. Once kept or broken, a
    promise stays so on every later day: only payments up to the deadline count."""
    if promise.cancelled_on is not None and promise.cancelled_on <= on:
        return PromiseStatus.CANCELLED
    paid = paid_towards(promise, payments, on=on, policy=policy)
    if paid > 0 and paid >= promise.amount - policy.tolerance:
        return PromiseStatus.KEPT
    if on > promise.deadline(policy):
        return PromiseStatus.BROKEN
    return PromiseStatus.OPEN


def broken_within_year(promise: Promise, payments: Iterable[Paid], *, on: date, policy: PromisePolicy) -> bool:
    """Broken on ``on`` with a promised date in the 365 days up to ``on`` (what the monitoring signal and the
    assessment's behaviour count)."""
    return (on - YEAR < promise.promised_date <= on
            and status(promise, payments, on=on, policy=policy) is PromiseStatus.BROKEN)
