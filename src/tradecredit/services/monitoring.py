"""The monitoring run: evaluate every buyer on one day and reconcile the signals with the open alerts.

``run_monitor`` reads the day's facts for the whole portfolio (:mod:`~tradecredit.services.monitor_snapshot`, a
read-only transaction: the data is dated, so nothing it depends on moves), evaluates each buyer with the signal
rules (a watch-listed buyer with the tighter thresholds), then in **one** transaction reads the open alerts, applies
the plan of :func:`tradecredit.domain.monitoring.reconcile` (alerts opened, updated, closed, woken from a snooze,
each with its ``alert_events`` row), queues the webhooks and records the ``monitor_runs`` row. Re-running a day
changes nothing and adds no events. ``docs/monitoring.md`` ("The run") has the details.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from tradecredit.domain.errors import Conflict, ValidationError
from tradecredit.domain.monitoring import Change, Finding, Plan, findings_of, reconcile, summary_counts
from tradecredit.domain.signals import BuyerSnapshot, SignalPolicy, evaluate
from tradecredit.domain.webhooks import ALERT_EVENTS
from tradecredit.services.monitor_snapshot import build_snapshots
from tradecredit.services.reports import check_as_of
from tradecredit.services.webhooks import enqueue
from tradecredit.store import monitor_run as store
from tradecredit.store.run_lock import monitor_lock
from tradecredit.store.uow import SqlUnitOfWork

MONITOR_ACTOR = "monitor"
TOP_ALERTS = 10
Progress = Callable[[str, int, int], None]
WEBHOOK_OF_EVENT = {"opened": "alert.opened", "escalated": "alert.escalated", "closed": "alert.closed"}
assert set(WEBHOOK_OF_EVENT.values()) == {event.name for event in ALERT_EVENTS}


@dataclass(frozen=True)
class AlertLine:
    ref: str
    code: str
    severity: str
    status: str
    text_en: str


@dataclass(frozen=True)
class RunView:
    """A run as its ``monitor_runs`` row keeps it."""

    id: int
    as_of: date
    actor: str
    started_at: datetime
    finished_at: datetime
    buyers: int
    opened: int
    updated: int
    closed: int


@dataclass(frozen=True)
class RunSummary(RunView):
    """What a run just did: its row, with the counts only the run itself knows and the top alerts."""

    escalated: int = 0
    snooze_ended: int = 0
    top: list[AlertLine] = field(default_factory=list)


def check_run_day(as_of: date, today: date) -> date:
    """A run looks at a day that has happened: today or any day before (a backtest replays history)."""
    check_as_of(as_of)
    if as_of > today:
        raise ValidationError("as_of", f"expected today ({today}) or an earlier day; got {as_of}, in the future")
    return as_of


def evaluate_all(snapshots: dict[int, BuyerSnapshot], policy: SignalPolicy,
                 progress: Progress | None = None) -> list[Finding]:
    """Every buyer's findings, one per signal code (``SignalPolicy.for_buyer`` tightens it for the watch list)."""
    findings: list[Finding] = []
    total = len(snapshots)
    for done, (buyer_id, snapshot) in enumerate(snapshots.items(), start=1):
        findings.extend(findings_of(buyer_id, evaluate(snapshot, policy)))
        if progress is not None and (done % 5000 == 0 or done == total):
            progress("evaluating buyers", done, total)
    return findings


def run_monitor(new_uow: Callable[[], SqlUnitOfWork], *, as_of: date | None = None, actor: str,
                policy: SignalPolicy, base_currency: str, progress: Progress | None = None) -> RunSummary:
    """Run the monitoring for ``as_of`` (default today); raises Conflict while another run is in progress."""
    uow = new_uow()
    with uow:
        engine = uow.session.get_bind()
    day = check_run_day(as_of or uow.clock.today(), uow.clock.today())
    with monitor_lock(engine) as taken:  # type: ignore[arg-type]
        if not taken:
            raise Conflict("a monitoring run is already in progress; try again when it has finished")
        return _locked_run(new_uow, as_of=day, actor=actor, policy=policy, base_currency=base_currency,
                           progress=progress)


def run_if_due(new_uow: Callable[[], SqlUnitOfWork], *, actor: str, policy: SignalPolicy,
               base_currency: str) -> RunSummary | None:
    """The scheduler's run: today's, unless one for today exists or another process is running it (then None)."""
    uow = new_uow()
    with uow:
        engine = uow.session.get_bind()
    with monitor_lock(engine) as taken:  # type: ignore[arg-type]
        if not taken:
            return None
        today = uow.clock.today()
        with uow:
            if store.has_run(uow.session, as_of=today):
                return None
        return _locked_run(new_uow, as_of=today, actor=actor, policy=policy, base_currency=base_currency,
                           progress=None)


def _locked_run(new_uow: Callable[[], SqlUnitOfWork], *, as_of: date, actor: str, policy: SignalPolicy,
                base_currency: str, progress: Progress | None) -> RunSummary:
    started = new_uow().clock.now()
    if progress is not None:
        progress("reading the portfolio", 0, 1)
    snapshots = build_snapshots(new_uow(), as_of=as_of, base_currency=base_currency, policy=policy)
    findings = evaluate_all(snapshots, policy, progress)
    refs = {buyer_id: snapshot.ref for buyer_id, snapshot in snapshots.items()}
    uow = new_uow()
    with uow:
        plan = reconcile(store.open_alerts(uow.session), findings, on=as_of)
        run = uow.monitor_runs.add(as_of=as_of, actor=actor, started_at=started, finished_at=started,
                                   buyers=len(snapshots), opened=0, updated=0, closed=0)
        counts = _apply(uow, plan, as_of=as_of, run_id=run.id, refs=refs)
        run.opened, run.updated, run.closed = counts["opened"], counts["updated"], counts["closed"]
        run.finished_at = uow.clock.now()
        summary = RunSummary(run.id, as_of, actor, started, run.finished_at, len(snapshots), counts["opened"],
                             counts["updated"], counts["closed"], escalated=counts["escalated"],
                             snooze_ended=counts["snooze_ended"], top=_top(uow, refs))
        uow.commit()
    return summary


def _event(alert_id: int, action: str, at: datetime, before: str | None, after: str | None,
           data: dict[str, Any]) -> dict[str, Any]:
    return {"alert_id": alert_id, "at": at, "actor": MONITOR_ACTOR, "action": action, "from_status": before,
            "to_status": after, "comment": None, "data": data}


def _open(uow: SqlUnitOfWork, opened: Sequence[Finding], *, as_of: date, now: datetime,
          run_id: int) -> list[tuple[int, Finding]]:
    """Insert the new alerts and their ``opened`` events: only what differs per alert travels per row."""
    common = {"status": "new", "opened_on": as_of, "last_seen_on": as_of, "resolved_on": None, "snoozed_until": None,
              "updated_by": MONITOR_ACTOR, "updated_at": now, "version": 1}
    rows = [{"buyer_id": f.buyer_id, "code": f.code, "severity": f.severity, "evidence": f.evidence,
             "actions": f.actions, "text_en": f.text_en, "text_zh": f.text_zh} for f in opened]
    pairs = list(zip(store.insert_alerts(uow.session, rows, common), opened, strict=True))
    data = {"run_id": run_id, "as_of": as_of.isoformat()}
    store.insert_events(uow.session, [{"alert_id": alert_id, "data": {**data, "severity": f.severity}}
                                      for alert_id, f in pairs],
                        {"at": now, "actor": MONITOR_ACTOR, "action": "opened", "from_status": None,
                         "to_status": "new", "comment": None})
    return pairs


def _change_row(change: Change, *, as_of: date, now: datetime) -> dict[str, Any]:
    row: dict[str, Any] = {"id": change.alert.id, "status": change.status, "updated_by": MONITOR_ACTOR,
                           "updated_at": now, "version": change.alert.version + 1}
    if change.finding is None:
        return {**row, "resolved_on": as_of}
    f = change.finding
    row.update(severity=f.severity, evidence=f.evidence, actions=f.actions, text_en=f.text_en, text_zh=f.text_zh,
               last_seen_on=as_of)
    return {**row, "snoozed_until": None} if change.status != change.alert.status else row


def _change_events(change: Change, *, as_of: date, now: datetime, run_id: int) -> list[dict[str, Any]]:
    base = {"run_id": run_id, "as_of": as_of.isoformat()}
    status = change.alert.status
    events = []
    for action in change.events:
        if action == "closed":
            events.append(_event(change.alert.id, action, now, status, "resolved",
                                 {**base, "reason": "the condition is no longer present"}))
        elif action == "snooze_ended":
            events.append(_event(change.alert.id, action, now, status, "new",
                                 {**base, "snoozed_until": str(change.alert.snoozed_until)}))
        else:
            events.append(_event(change.alert.id, action, now, None, None, {**base, "changed": change.changed}))
    return events


def _apply(uow: SqlUnitOfWork, plan: Plan, *, as_of: date, run_id: int, refs: dict[int, str]) -> dict[str, int]:
    """Write the plan in the open unit of work and queue its webhooks; returns the counts."""
    now = uow.clock.now()
    opened = _open(uow, plan.opened, as_of=as_of, now=now, run_id=run_id)
    store.update_alerts(uow.session, [_change_row(c, as_of=as_of, now=now) for c in plan.changes]
                        + [{"id": a.id, "last_seen_on": as_of} for a in plan.seen])
    store.insert_events(uow.session, [event for c in plan.changes
                                      for event in _change_events(c, as_of=as_of, now=now, run_id=run_id)], {})
    _queue_webhooks(uow, plan, opened, as_of=as_of, refs=refs)
    return dict(summary_counts(plan))


def _payload(alert_id: int, f: Finding | None, code: str, status: str, as_of: date, ref: str) -> dict[str, Any]:
    document: dict[str, Any] = {"alert_id": alert_id, "buyer_ref": ref, "code": code, "status": status,
                                "as_of": as_of}
    if f is not None:
        document.update(severity=f.severity, text_en=f.text_en, text_zh=f.text_zh, evidence=f.evidence,
                        actions=f.actions)
    return document


def _queue_webhooks(uow: SqlUnitOfWork, plan: Plan, opened: list[tuple[int, Finding]], *, as_of: date,
                    refs: dict[int, str]) -> None:
    """One webhook per alert opened, escalated or closed, when an endpoint subscribes to that type."""
    wanted = {name for name in WEBHOOK_OF_EVENT.values() if uow.webhook_endpoints.subscribed(name)}
    if not wanted:
        return
    if "alert.opened" in wanted:
        for alert_id, f in opened:
            enqueue(uow, "alert.opened", _payload(alert_id, f, f.code, "new", as_of, refs.get(f.buyer_id, "")))
    for change in plan.changes:
        for action in change.events:
            name = WEBHOOK_OF_EVENT.get(action)
            if name in wanted:
                a = change.alert
                enqueue(uow, name, _payload(a.id, change.finding, a.code, change.status, as_of,
                                            refs.get(a.buyer_id, "")))


def _top(uow: SqlUnitOfWork, refs: dict[int, str]) -> list[AlertLine]:
    """The most severe alerts waiting for someone (new or acknowledged), newest first within a severity."""
    records, _ = uow.alerts.page(statuses=["new", "acknowledged"], severities=[], codes=[], buyer_id=None,
                                 country=None, offset=0, limit=TOP_ALERTS)
    return [AlertLine(refs.get(r.buyer_id, str(r.buyer_id)), r.code, r.severity, r.status, r.text_en)
            for r in records]


def list_runs(uow: SqlUnitOfWork, *, limit: int = 20) -> list[RunView]:
    """The latest runs, newest first."""
    if not 1 <= limit <= 1000:
        raise ValidationError("limit", f"expected 1 to 1000 runs; got {limit}")
    with uow:
        return [RunView(r.id, r.as_of, r.actor, r.started_at, r.finished_at, r.buyers, r.opened, r.updated,
                        r.closed) for r in uow.monitor_runs.recent(limit)]
