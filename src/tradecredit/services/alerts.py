"""The alerts inbox: listing alerts and moving them through their life — acknowledge, snooze, resolve, reopen.

Statuses and the moves between them (``docs/alerts.md``)::

    new ──acknowledge──▶ acknowledged ──resolve──▶ resolved ──reopen──▶ acknowledged
     │  ╲                    │                       ▲
     │   ╲──snooze──▶ snoozed ◀──snooze──            │
     └──────────────────────┴────────resolve─────────┘

Every move names the alert's ``version`` (an older one gets StaleVersion and changes nothing), appends an
``alert_events`` row (who, when, from → to, the comment) and an audit event, and bumps the alert's version,
``updated_by`` and ``updated_at`` — all in one transaction. The monitoring run opens, updates and closes alerts;
this module never creates one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from tradecredit.domain.errors import Conflict, NotFound, StaleVersion, ValidationError
from tradecredit.domain.signals import Severity, SignalCode
from tradecredit.services.paging import check_page
from tradecredit.store.tables import AlertEventRecord, AlertRecord
from tradecredit.store.uow import SqlUnitOfWork

__all__ = [
    "OPEN",
    "STATUSES",
    "ActionView",
    "AlertEventView",
    "AlertView",
    "TimelineEntry",
    "acknowledge",
    "buyer_timeline",
    "comment_of",
    "get_alert",
    "list_alerts",
    "loaded_view",
    "open_for_change",
    "record_event",
    "reopen",
    "resolve",
    "snooze",
]

MAX_COMMENT = 1000
OPEN = ("new", "acknowledged", "snoozed")
STATUSES = (*OPEN, "resolved")
STATUS_FILTERS = ("open", "all", *STATUSES)


@dataclass(frozen=True)
class ActionView:
    """A recommended action with its figures; ``done`` once taken, with what it created (``result``)."""

    code: str
    text_en: str
    text_zh: str
    figures: dict[str, str]
    done: bool = False
    result: dict[str, Any] = field(default_factory=dict)
    taken_by: str | None = None
    taken_at: datetime | None = None


@dataclass(frozen=True)
class AlertEventView:
    id: int
    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str | None
    comment: str | None
    data: dict[str, Any]


@dataclass(frozen=True)
class AlertView:
    id: int
    buyer: str
    buyer_name: str
    country: str
    code: str
    severity: str
    status: str
    opened_on: date
    last_seen_on: date
    resolved_on: date | None
    snoozed_until: date | None
    evidence: dict[str, Any]
    actions: list[ActionView]
    text_en: str
    text_zh: str
    updated_by: str
    updated_at: datetime
    version: int
    history: list[AlertEventView] = field(default_factory=list)  # filled for one alert, not in lists

    @property
    def is_open(self) -> bool:
        return self.status in OPEN


@dataclass(frozen=True)
class TimelineEntry:
    """One event of one of the buyer's alerts, with the alert's code, severity and sentences."""

    alert_id: int
    code: str
    severity: str
    text_en: str
    text_zh: str
    event: AlertEventView


def _event_view(record: AlertEventRecord) -> AlertEventView:
    return AlertEventView(record.id, record.at, record.actor, record.action, record.from_status, record.to_status,
                          record.comment, dict(record.data or {}))


def _actions(stored: list[Any], taken: list[AlertEventRecord]) -> list[ActionView]:
    """The alert's stored actions (``{"code", "text_en", "text_zh", "figures"}``), each marked done when an
    ``action_taken`` event names its code."""
    done = {str((event.data or {}).get("code")): event for event in taken}
    views = []
    for item in stored:
        if not isinstance(item, Mapping) or "code" not in item:
            continue
        code = str(item["code"])
        event = done.get(code)
        result = dict((event.data or {}).get("result") or {}) if event is not None else {}
        views.append(ActionView(code, str(item.get("text_en", code)), str(item.get("text_zh", code)),
                                {str(k): str(v) for k, v in (item.get("figures") or {}).items()}, event is not None,
                                result, event.actor if event else None, event.at if event else None))
    return views


def alert_view(record: AlertRecord, buyer: tuple[str, str, str], taken: list[AlertEventRecord],
               history: list[AlertEventRecord] | None = None) -> AlertView:
    ref, name, country = buyer
    return AlertView(record.id, ref, name, country, record.code, record.severity, record.status, record.opened_on,
                     record.last_seen_on, record.resolved_on, record.snoozed_until, dict(record.evidence or {}),
                     _actions(list(record.actions or []), taken), record.text_en, record.text_zh, record.updated_by,
                     record.updated_at, record.version, [_event_view(e) for e in history or []])


def _one_of(value: str | None, allowed: tuple[str, ...], name: str) -> str | None:
    if value is None or value == "":
        return None
    if value not in allowed:
        raise ValidationError(name, f"expected one of {', '.join(allowed)}; got {value!r}")
    return value


def list_alerts(uow: SqlUnitOfWork, *, status: str | None = "open", severity: str | None = None,
                code: str | None = None, buyer: str | None = None, country: str | None = None, page: int = 1,
                size: int = 50) -> tuple[list[AlertView], int]:
    """Alerts most severe first, then newest. ``status``: ``open`` (new, acknowledged, snoozed — the default),
    ``all``, or one status; ``code`` is the signal code (the alert's type)."""
    chosen = _one_of(status or "open", STATUS_FILTERS, "status")
    statuses = OPEN if chosen == "open" else () if chosen == "all" else (str(chosen),)
    severities = [s for s in [_one_of(severity, tuple(Severity), "severity")] if s]
    codes = [c for c in [_one_of(code, tuple(SignalCode), "type")] if c]
    offset = check_page(page, size)
    with uow:
        buyer_id = uow.buyers.get(buyer).id if buyer else None
        records, total = uow.alerts.page(statuses=statuses, severities=severities, codes=codes, buyer_id=buyer_id,
                                         country=country.upper() if country else None, offset=offset, limit=size)
        facts = uow.alerts.buyer_facts([r.buyer_id for r in records])
        taken = uow.alert_events.actions_taken([r.id for r in records])
        return [alert_view(r, facts[r.buyer_id], taken.get(r.id, [])) for r in records], total


def get_alert(uow: SqlUnitOfWork, *, alert_id: int) -> AlertView:
    """One alert with its whole history, oldest event first."""
    with uow:
        return loaded_view(uow, _find(uow, alert_id))


def _find(uow: SqlUnitOfWork, alert_id: int) -> AlertRecord:
    record = uow.alerts.get(alert_id)
    if record is None:
        raise NotFound("alert", alert_id)
    return record


def loaded_view(uow: SqlUnitOfWork, record: AlertRecord) -> AlertView:
    history = uow.alert_events.of_alert(record.id)
    taken = [event for event in history if event.action == "action_taken"]
    return alert_view(record, uow.alerts.buyer_facts([record.buyer_id])[record.buyer_id], taken, history)


def buyer_timeline(uow: SqlUnitOfWork, *, ref: str, limit: int = 200) -> list[TimelineEntry]:
    """The buyer's signals and what was done about them: every event of its alerts, newest first."""
    with uow:
        buyer = uow.buyers.get(ref)
        events = uow.alert_events.of_buyer(buyer.id, limit=limit)
        alerts = uow.alerts.by_ids({event.alert_id for event in events})
        return [TimelineEntry(e.alert_id, alerts[e.alert_id].code, alerts[e.alert_id].severity,
                              alerts[e.alert_id].text_en, alerts[e.alert_id].text_zh, _event_view(e))
                for e in events]


def comment_of(text: str | None, *, required: bool) -> str | None:
    """A comment trimmed; empty is None, refused when ``required``."""
    value = (text or "").strip()
    if len(value) > MAX_COMMENT:
        raise ValidationError("comment", f"expected at most {MAX_COMMENT} characters; got {len(value)}")
    if not value:
        if required:
            raise ValidationError("comment", "a comment is required: say why")
        return None
    return value


def open_for_change(uow: SqlUnitOfWork, alert_id: int, version: int) -> AlertRecord:
    """The alert, checked against the version the caller saw (inside an open unit of work)."""
    record = _find(uow, alert_id)
    if record.version != version:
        raise StaleVersion("alert", alert_id, version, record.version)
    return record


def record_event(uow: SqlUnitOfWork, record: AlertRecord, *, actor: str, action: str, to_status: str | None,
                 comment: str | None, data: dict[str, Any]) -> None:
    """Append the event, bump the alert and write the audit event (the caller commits)."""
    now = uow.clock.now()
    before = record.status
    if to_status is not None:
        record.status = to_status
    record.updated_by, record.updated_at, record.version = actor, now, record.version + 1
    uow.alert_events.add(alert_id=record.id, at=now, actor=actor, action=action, from_status=before,
                         to_status=record.status, comment=comment, data=data)
    uow.audit.record(at=now, actor=actor, action=action, entity="alert", key=str(record.id),
                     before={"status": before}, after={"status": record.status, "comment": comment, **data})


def _move(uow: SqlUnitOfWork, *, alert_id: int, version: int, actor: str, action: str, allowed_from: tuple[str, ...],
          to_status: str, comment: str | None, data: dict[str, Any] | None = None,
          snoozed_until: date | None = None) -> AlertView:
    with uow:
        record = open_for_change(uow, alert_id, version)
        if record.status not in allowed_from:
            raise Conflict(f"alert {alert_id} is {record.status}; it can be {action} only when "
                           f"{' or '.join(allowed_from)}")
        if to_status == "resolved":
            record.resolved_on = uow.clock.today()
        elif action == "reopened":
            record.resolved_on = None
            if uow.alerts.open_of(record.buyer_id, record.code) is not None:
                raise Conflict(f"buyer already has an open {record.code} alert; work on that one instead")
        record.snoozed_until = snoozed_until
        record_event(uow, record, actor=actor, action=action, to_status=to_status, comment=comment, data=data or {})
        uow.commit()
        return loaded_view(uow, record)


def acknowledge(uow: SqlUnitOfWork, *, alert_id: int, version: int, actor: str,
                comment: str | None = None) -> AlertView:
    """Someone has seen the alert and owns it; a snoozed alert acknowledged is awake again."""
    return _move(uow, alert_id=alert_id, version=version, actor=actor, action="acknowledged",
                 allowed_from=("new", "snoozed"), to_status="acknowledged",
                 comment=comment_of(comment, required=False))


def snooze(uow: SqlUnitOfWork, *, alert_id: int, version: int, until: date, comment: str, actor: str) -> AlertView:
    """Put an open alert aside until a later day (after today), with the reason; snoozing again moves the day."""
    why = comment_of(comment, required=True)
    today = uow.clock.today()
    if until <= today:
        raise ValidationError("until", f"expected a day after today ({today}); got {until}")
    return _move(uow, alert_id=alert_id, version=version, actor=actor, action="snoozed", allowed_from=OPEN,
                 to_status="snoozed", comment=why, data={"until": until.isoformat()}, snoozed_until=until)


def resolve(uow: SqlUnitOfWork, *, alert_id: int, version: int, comment: str, actor: str) -> AlertView:
    """Close an open alert by hand, saying what was done about it."""
    return _move(uow, alert_id=alert_id, version=version, actor=actor, action="resolved", allowed_from=OPEN,
                 to_status="resolved", comment=comment_of(comment, required=True))


def reopen(uow: SqlUnitOfWork, *, alert_id: int, version: int, actor: str, comment: str | None = None) -> AlertView:
    """Open a resolved alert again (as acknowledged: the person reopening it owns it), unless the buyer already
    has another open alert of the same code."""
    return _move(uow, alert_id=alert_id, version=version, actor=actor, action="reopened", allowed_from=("resolved",),
                 to_status="acknowledged", comment=comment_of(comment, required=False))
