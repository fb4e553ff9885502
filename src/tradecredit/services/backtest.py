"""The monitoring backtest: replay the ledger month by month and ask how early the alerts came.

At every month end from ``start`` to ``end`` the same snapshots and rules as the daily run are evaluated (nothing
is written: no alerts, no runs), and each buyer's critical signals are kept. Credit events are insolvencies from
the events feed and the first material invoice 90 days past due (:mod:`tradecredit.engine.credit_events`); the
scoring is :func:`tradecredit.domain.backtest.score_backtest`. Assessments count from the day they were made, so a
portfolio assessed only recently is replayed without grades before that day: its figures then measure the payment
behaviour, statement, country and event signals.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from tradecredit.domain.assessment import DEFAULT_ASSESSMENT_POLICY
from tradecredit.domain.backtest import BacktestScore, score_backtest
from tradecredit.domain.errors import ValidationError
from tradecredit.domain.signals import Severity, SignalPolicy
from tradecredit.engine.credit_events import first_past_due
from tradecredit.services.monitor_snapshot import build_snapshots, ledger_snapshot
from tradecredit.services.monitoring import evaluate_all
from tradecredit.store.uow import SqlUnitOfWork

__all__ = ["BacktestLine", "BacktestReport", "month_ends", "run_backtest"]

DEFAULT_MONTHS = 24
MAX_MONTHS = 120
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class BacktestLine:
    """One buyer with a credit event: when, which, and the first critical alert before it (None: missed)."""

    ref: str
    event_date: date
    kind: str  # insolvency | 90_days_past_due
    first_alert: date | None
    lead_days: int | None
    codes: tuple[str, ...]  # the signal codes of the first critical alert


@dataclass(frozen=True)
class BacktestReport:
    start: date
    end: date
    months: int
    score: BacktestScore
    events: list[BacktestLine]


def month_ends(start: date, end: date) -> list[date]:
    """The last day of every month from ``start``'s to ``end``'s, the last one capped at ``end``."""
    days = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        days.append(min(date(year, month, calendar.monthrange(year, month)[1]), end))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return days


def _period(start: date | None, end: date | None, today: date) -> tuple[date, date]:
    last = end or today
    first = start or date(last.year - DEFAULT_MONTHS // 12, last.month, 1)
    if last > today:
        raise ValidationError("to", f"expected a day up to today ({today}); got {last}")
    if first > last:
        raise ValidationError("from", f"expected a day before {last}; got {first}")
    if len(month_ends(first, last)) > MAX_MONTHS:
        raise ValidationError("from", f"expected at most {MAX_MONTHS} months to replay; got {first} to {last}")
    return first, last


def _credit_events(new_uow: Callable[[], SqlUnitOfWork], *, end: date,
                   base_currency: str) -> dict[int, tuple[date, str]]:
    """buyer_id → (first credit event on or before ``end``, its kind)."""
    uow = new_uow()
    with uow:
        snap = ledger_snapshot(uow, as_of=end, base_currency=base_currency)
        insolvent = {buyer: found.on for buyer, found in uow.buyer_events.insolvencies(None, on=end).items()}
    late = first_past_due(snap.invoices, snap.settlements, days=DEFAULT_ASSESSMENT_POLICY.default_dpd, end=end,
                          rates=snap.rates, materiality=float(DEFAULT_ASSESSMENT_POLICY.materiality))
    events = {buyer: (day, "90_days_past_due") for buyer, day in late.items()}
    for buyer, day in insolvent.items():
        if buyer not in events or day <= events[buyer][0]:
            events[buyer] = (day, "insolvency")
    return events


def run_backtest(new_uow: Callable[[], SqlUnitOfWork], *, policy: SignalPolicy, base_currency: str,
                 start: date | None = None, end: date | None = None, horizon_days: int = 365,
                 progress: Progress | None = None) -> BacktestReport:
    """Replay month by month (nothing is written) and score the alerts against the credit events."""
    first, last = _period(start, end, new_uow().clock.today())
    days = month_ends(first, last)
    alerts: dict[int, list[date]] = {}
    codes: dict[tuple[int, date], list[str]] = {}
    refs: dict[int, str] = {}
    for number, day in enumerate(days, start=1):
        snapshots = build_snapshots(new_uow(), as_of=day, base_currency=base_currency, policy=policy)
        refs.update({buyer: snapshot.ref for buyer, snapshot in snapshots.items()})
        for finding in evaluate_all(snapshots, policy):
            if finding.severity == Severity.CRITICAL.value:
                if day not in alerts.setdefault(finding.buyer_id, []):
                    alerts[finding.buyer_id].append(day)
                codes.setdefault((finding.buyer_id, day), []).append(finding.code)
        if progress is not None:
            progress(f"replaying {day}", number, len(days))
    events = _credit_events(new_uow, end=last, base_currency=base_currency)
    dated = {buyer: day for buyer, (day, _) in events.items() if first <= day}
    earlier = {buyer for buyer, (day, _) in events.items() if day < first}  # in default before the replay: left out
    score = score_backtest(buyers=set(refs) - earlier, alerts=alerts, events=dated, end=last,
                           horizon_days=horizon_days)
    return BacktestReport(first, last, len(days), score,
                          _lines(dated, events, alerts, codes, refs, timedelta(days=horizon_days)))


def _lines(dated: dict[int, date], events: dict[int, tuple[date, str]], alerts: dict[int, list[date]],
           codes: dict[tuple[int, date], list[str]], refs: dict[int, str], horizon: timedelta) -> list[BacktestLine]:
    lines = []
    for buyer in sorted(dated, key=lambda b: (dated[b], refs.get(b, ""))):
        day = dated[buyer]
        before = sorted(a for a in alerts.get(buyer, []) if day - horizon <= a < day)
        first = before[0] if before else None
        lines.append(BacktestLine(refs.get(buyer, str(buyer)), day, events[buyer][1], first,
                                  None if first is None else (day - first).days,
                                  tuple(sorted(set(codes.get((buyer, first), [])))) if first else ()))
    return lines
