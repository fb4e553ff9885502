"""Reconciling a day's signals with the open alerts: what the monitoring run opens, updates, closes and wakes.

An alert is one signal code for one buyer while its condition lasts (``docs/monitoring.md``, "The run"). Pure:
:func:`reconcile` takes the open alerts (:class:`OpenAlert`) and the day's findings (:class:`Finding`, the signals
of one buyer and code merged) and returns a :class:`Plan`; the service writes it. The same inputs give the same
plan, and a plan computed against alerts already reconciled for that day is empty, which makes the run
idempotent per day.

* a finding with no open alert of its buyer and code **opens** one (status ``new``);
* a finding for an open alert **updates** it when severity, evidence, actions or texts differ (``escalated`` when
  the severity rose, else ``updated``); ``last_seen_on`` moves on either way;
* an open alert without a finding is **closed** (``resolved``) — except the one-shot codes (:data:`ONE_SHOT`),
  whose cause is something that happened (an event, a statement) and cannot stop being true: a person resolves
  those;
* a snoozed alert whose ``snoozed_until`` is before the day comes back as ``new`` (``snooze_ended``) when its
  finding persists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from tradecredit.domain.alert_actions import Action
from tradecredit.domain.signal_facts import Severity, Signal, SignalCode

__all__ = ["ONE_SHOT", "Change", "Finding", "OpenAlert", "Plan", "findings_of", "reconcile"]

ONE_SHOT = frozenset({SignalCode.EXTERNAL_EVENT.value, SignalCode.WEAK_STATEMENT.value})
"""Codes raised once, when the event or the statement arrives; the run never closes their alerts."""


def action_document(action: Action) -> dict[str, Any]:
    return {"code": action.code.value, "text_en": action.text_en, "text_zh": action.text_zh,
            "figures": dict(action.figures)}


@dataclass(frozen=True, slots=True)
class Finding:
    """The signals of one code for one buyer on one day, as one alert's content (plain data, as stored)."""

    buyer_id: int
    code: str
    severity: str
    evidence: dict[str, str]
    actions: list[dict[str, Any]]
    text_en: str
    text_zh: str

    def content(self) -> tuple[object, ...]:
        return (self.severity, self.evidence, self.actions, self.text_en, self.text_zh)


def _merge(buyer_id: int, signals: Sequence[Signal]) -> Finding:
    """Several signals of one code (external events): the worst one's evidence, every text, every action once."""
    first = signals[0]
    if len(signals) == 1:  # the usual case, kept cheap: the run merges a finding per buyer and code
        return Finding(buyer_id, first.code.value, first.severity.value, dict(first.evidence),
                       [action_document(a) for a in first.actions], first.text_en, first.text_zh)
    evidence = {**first.evidence, "signals": str(len(signals))}
    actions: list[dict[str, Any]] = []
    for signal in signals:
        actions.extend(doc for doc in map(action_document, signal.actions) if doc not in actions)
    return Finding(buyer_id, first.code.value, first.severity.value, evidence, actions,
                   "; ".join(s.text_en for s in signals), "；".join(s.text_zh for s in signals))


def findings_of(buyer_id: int, signals: Iterable[Signal]) -> list[Finding]:
    """One finding per code, from :func:`~tradecredit.domain.signals.evaluate`'s signals (most severe first)."""
    by_code: dict[SignalCode, list[Signal]] = {}
    for signal in signals:
        by_code.setdefault(signal.code, []).append(signal)
    return [_merge(buyer_id, group) for group in by_code.values()]


@dataclass(frozen=True, slots=True)
class OpenAlert:
    """An alert not resolved, as the run reads it."""

    id: int
    buyer_id: int
    code: str
    severity: str
    status: str
    snoozed_until: date | None
    last_seen_on: date
    evidence: dict[str, Any]
    actions: list[Any]
    text_en: str
    text_zh: str
    version: int

    def content(self) -> tuple[object, ...]:
        return (self.severity, self.evidence, self.actions, self.text_en, self.text_zh)


@dataclass(frozen=True, slots=True)
class Change:
    """What the run does to one open alert: ``events`` in order (snooze_ended, updated/escalated, closed)."""

    alert: OpenAlert
    finding: Finding | None
    events: tuple[str, ...]
    status: str

    @property
    def changed(self) -> dict[str, list[Any]]:
        """Field → [before, after] for what the finding changes (shown in the event's data)."""
        if self.finding is None:
            return {}
        names = ("severity", "evidence", "actions", "text_en", "text_zh")
        return {name: [before, after] for name, before, after in zip(
            names, self.alert.content(), self.finding.content(), strict=True) if before != after}


@dataclass
class Plan:
    opened: list[Finding] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    seen: list[OpenAlert] = field(default_factory=list)  # persisting, unchanged: only last_seen_on moves

    def count(self, event: str) -> int:
        return sum(event in change.events for change in self.changes)


def _rank(severity: str) -> int:
    return Severity(severity).rank


def _persisting(alert: OpenAlert, finding: Finding, on: date) -> Change | None:
    events: list[str] = []
    status = alert.status
    if alert.status == "snoozed" and alert.snoozed_until is not None and alert.snoozed_until < on:
        events.append("snooze_ended")
        status = "new"
    if finding.content() != alert.content():
        events.append("escalated" if _rank(finding.severity) > _rank(alert.severity) else "updated")
    return Change(alert, finding, tuple(events), status) if events else None


def reconcile(open_alerts: Sequence[OpenAlert], findings: Sequence[Finding], *, on: date) -> Plan:
    """The plan for day ``on`` (see the module docstring). Several open alerts of one buyer and code (which the
    run never makes, a person might) are all kept up to date from the one finding."""
    by_key: dict[tuple[int, str], Finding] = {(f.buyer_id, f.code): f for f in findings}
    plan = Plan()
    alerted: set[tuple[int, str]] = set()
    for alert in open_alerts:
        key = (alert.buyer_id, alert.code)
        alerted.add(key)
        finding = by_key.get(key)
        if finding is None:
            if alert.code not in ONE_SHOT:
                plan.changes.append(Change(alert, None, ("closed",), "resolved"))
            continue
        change = _persisting(alert, finding, on)
        if change is not None:
            plan.changes.append(change)
        elif alert.last_seen_on != on:
            plan.seen.append(alert)
    plan.opened = [f for key, f in by_key.items() if key not in alerted]
    return plan


def summary_counts(plan: Plan) -> Mapping[str, int]:
    """Opened, updated (updated or escalated), escalated, closed and woken alerts of a plan."""
    return {"opened": len(plan.opened),
            "updated": sum(("updated" in c.events or "escalated" in c.events) for c in plan.changes),
            "escalated": plan.count("escalated"), "closed": plan.count("closed"),
            "snooze_ended": plan.count("snooze_ended")}
