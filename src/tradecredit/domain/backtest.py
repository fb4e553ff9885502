"""Scoring a monitoring backtest: how early the first critical alert came before a credit event, and how often a
buyer that never had one was alerted anyway.

A **credit event** is an insolvency or the first day an invoice was 90 days past due and still open. For each buyer
with an event in the replayed period, the **lead time** is the days from the first critical alert in the
``horizon_days`` before the event to the event itself; an alert on the day of the event or after it is not a
warning, so a buyer without an earlier one is a **miss**.
A buyer **without** an event is a **false alert** when it had a critical alert at least ``horizon_days`` before
the end of the period (so there was time for an event to follow and none did); a later alert is still open to
judgement and counted apart (``pending``).
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from tradecredit.domain.errors import ValidationError

__all__ = ["BacktestScore", "score_backtest"]


@dataclass(frozen=True, slots=True)
class BacktestScore:
    buyers: int
    with_event: int
    detected: int
    missed: tuple[int, ...]  # buyer ids with an event and no critical alert before it
    lead_days: tuple[int, ...]  # one per detected buyer, ascending
    without_event: int
    false_alerts: int
    pending: int  # alerted too close to the end of the period to judge
    horizon_days: int

    @property
    def detection_rate(self) -> float | None:
        return None if self.with_event == 0 else self.detected / self.with_event

    @property
    def median_lead_days(self) -> float | None:
        return statistics.median(self.lead_days) if self.lead_days else None

    @property
    def false_alert_rate(self) -> float | None:
        """False alerts among the buyers without an event that could be judged."""
        judged = self.without_event - self.pending
        return None if judged <= 0 else self.false_alerts / judged


def score_backtest(*, buyers: set[int], alerts: Mapping[int, list[date]], events: Mapping[int, date], end: date,
                   horizon_days: int = 365) -> BacktestScore:
    """``alerts``: each buyer's critical-alert dates (any order); ``events``: each buyer's first credit event."""
    if horizon_days < 1:
        raise ValidationError("horizon_days", f"expected 1 day or more; got {horizon_days}")
    horizon = timedelta(days=horizon_days)
    leads: list[int] = []
    missed: list[int] = []
    for buyer in sorted(events.keys() & buyers):
        event = events[buyer]
        before = [day for day in alerts.get(buyer, []) if event - horizon <= day < event]
        if before:
            leads.append((event - min(before)).days)
        else:
            missed.append(buyer)
    calm = buyers - events.keys()
    alerted = {buyer for buyer in calm if alerts.get(buyer)}
    pending = {buyer for buyer in alerted if min(alerts[buyer]) > end - horizon}
    return BacktestScore(len(buyers), len(events.keys() & buyers), len(leads), tuple(missed), tuple(sorted(leads)),
                         len(calm), len(alerted - pending), len(pending), horizon_days)
