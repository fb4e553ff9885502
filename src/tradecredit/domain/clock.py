"""Where "today" comes from: injected, so every rule can be tested at any date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Protocol


class Clock(Protocol):
    def today(self) -> date: ...

    def now(self) -> datetime: ...


class SystemClock:
    """The real clock: UTC now, and today's date in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return self.now().date()


@dataclass
class FixedClock:
    """A clock stopped at one instant (tests, replays, `--as-of`)."""

    instant: datetime

    @classmethod
    def on(cls, day: date) -> FixedClock:
        return cls(datetime(day.year, day.month, day.day, 12, tzinfo=UTC))

    def now(self) -> datetime:
        return self.instant

    def today(self) -> date:
        return self.instant.date()
