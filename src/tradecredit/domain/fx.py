"""Dated FX rates to the company's base currency."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tradecredit.domain.errors import FxRateMissing, ValidationError
from tradecredit.domain.money import Money


@dataclass(frozen=True, slots=True)
class FxRate:
    """Units of the base currency for one unit of ``currency`` on ``on``."""

    on: date
    currency: str
    rate_to_base: Decimal


def check_rate(rate: Decimal, *, field: str = "rate_to_base") -> Decimal:
    if not rate.is_finite() or rate <= 0:
        raise ValidationError(field, f"expected a positive rate; got {rate}")
    return rate


class FxTable:
    """Rates by currency and date; conversion uses the latest rate on or before the date asked for."""

    def __init__(self, base: str, rates: Iterable[FxRate] = ()) -> None:
        self.base = base
        self._dates: dict[str, list[date]] = {}
        self._rates: dict[str, list[Decimal]] = {}
        for rate in sorted(rates, key=lambda r: (r.currency, r.on)):
            self._dates.setdefault(rate.currency, []).append(rate.on)
            self._rates.setdefault(rate.currency, []).append(rate.rate_to_base)

    def rate(self, currency: str, on: date) -> Decimal:
        if currency == self.base:
            return Decimal(1)
        dates = self._dates.get(currency, [])
        index = bisect.bisect_right(dates, on) - 1
        if index < 0:
            raise FxRateMissing(currency, on, self.base)
        return self._rates[currency][index]

    def convert(self, money: Money, on: date) -> Money:
        """Convert to the base currency, rounded half-even to its minor unit."""
        return Money(money.amount * self.rate(money.currency, on), self.base)
