"""The daily alert digest: what changed in the early-warning alerts since the last digest, by e-mail.

:func:`build_digest` composes one digest in one language: the alerts opened or escalated in the window (after the
recipient's previous digest, or the day before ``as_of``), critical first, each with its buyer, sentence, evidence
and recommended actions; the open alerts of the whole book by severity; and the link to the inbox.

:func:`send_digest` is what the daily scheduler calls after the monitoring run (and `tradecredit digest`, and
``POST /api/v1/digest/send``). For each recipient — an active user with an e-mail address and the digest turned
on — it keeps one row per day in the digest log, so the day's digest is sent at most once however often it is
called. Three short steps, none holding a transaction while the SMTP server answers: claim the row, send, record
the outcome. An empty digest is not sent (``skipped``); a refused or timed-out send is ``failed`` with its error;
both are tried again by the next call of the day.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from tradecredit.config import Settings
from tradecredit.domain.errors import ValidationError
from tradecredit.domain.signals import Severity
from tradecredit.domain.users import check_email
from tradecredit.services.digest_text import DigestWords, check_digest_language, label
from tradecredit.services.mailer import Mailer, SmtpConfig, message
from tradecredit.services.paging import MAX_PAGE_SIZE
from tradecredit.store import digests as reads
from tradecredit.store.tables import AlertEventRecord, AlertRecord, BuyerRecord
from tradecredit.store.uow import SqlUnitOfWork

log = logging.getLogger(__name__)

UowFactory = Callable[[], SqlUnitOfWork]
TEMPLATES = Path(__file__).parent / "templates"
SEVERITIES = (Severity.CRITICAL.value, Severity.WARNING.value, Severity.INFO.value)
RANK = {severity.value: severity.rank for severity in Severity}
CLAIM = timedelta(minutes=10)  # longer than any send can take with the timeouts the settings allow
MAX_ERROR = 500


@dataclass(frozen=True)
class DigestConfig:
    smtp: SmtpConfig
    public_url: str  # the dashboard's address; the inbox is at {public_url}/alerts

    @classmethod
    def from_settings(cls, settings: Settings) -> DigestConfig:
        return cls(SmtpConfig.from_settings(settings), settings.public_url)


@dataclass(frozen=True)
class DigestItem:
    alert_id: int
    buyer_ref: str
    buyer_name: str
    country: str
    code: str
    severity: str
    change: str  # new, escalated or reopened
    previous_severity: str | None
    opened_on: date
    text: str
    evidence: list[tuple[str, str]]
    actions: list[str]
    buyer_url: str


@dataclass(frozen=True)
class Digest:
    as_of: date
    since: date
    language: str
    subject: str
    text: str
    html: str
    items: list[DigestItem]
    open_counts: dict[str, int]

    @property
    def empty(self) -> bool:
        return not self.items


@dataclass(frozen=True)
class DigestOutcome:
    recipient: str
    username: str | None
    language: str
    status: str  # sent, skipped, failed, already sent, deferred (another caller holds it), or dry run
    alerts: int
    error: str | None = None


@dataclass
class DigestResult:
    as_of: date
    outcomes: list[DigestOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(outcome.status == status for outcome in self.outcomes)


@dataclass(frozen=True)
class DigestLogLine:
    day: date
    recipient: str
    username: str | None
    language: str
    status: str
    since: date
    alerts: int
    attempts: int
    subject: str | None
    error: str | None
    updated_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True)
class _Recipient:
    address: str
    username: str | None
    language: str


# Composing


def _escalation(event: AlertEventRecord) -> tuple[str, str | None] | None:
    """(change, previous severity) when the event raised the alert's severity or reopened it.

    The monitoring run records a severity change as an event whose ``data`` holds the new ``severity`` and the
    old one as ``from_severity`` (``previous_severity`` is read too), or ``{"severity": {"from": …, "to": …}}``;
    a reopened alert is an event with the action ``reopened``."""
    if event.action == "reopened":
        return "reopened", None
    data = event.data or {}
    severity = data.get("severity")
    before = data.get("from_severity") or data.get("previous_severity")
    if isinstance(severity, dict):
        before, severity = severity.get("from"), severity.get("to")
    if isinstance(severity, str) and isinstance(before, str) and RANK.get(severity, -1) > RANK.get(before, 99):
        return "escalated", before
    if event.action == "escalated":
        return "escalated", before if isinstance(before, str) else None
    return None


def _action_text(action: Any, language: str) -> str:
    if isinstance(action, dict):
        text = action.get(f"text_{language}") or action.get("text_en") or action.get("code") or ""
        return str(text)
    return str(action)


def _item(alert: AlertRecord, buyer: BuyerRecord, change: str, before: str | None, words: DigestWords,
          public_url: str) -> DigestItem:
    text = alert.text_zh if words.language == "zh" and alert.text_zh else alert.text_en
    evidence = [(label(key), words.figure(value)) for key, value in (alert.evidence or {}).items()]
    actions = [_action_text(action, words.language) for action in alert.actions or []]
    return DigestItem(alert.id, buyer.ref, buyer.name, buyer.country, alert.code, alert.severity, change, before,
                      alert.opened_on, text, evidence, [a for a in actions if a],
                      f"{public_url}/buyers/{quote(buyer.ref, safe='')}")


def _changes(uow: SqlUnitOfWork, *, since: date, as_of: date, words: DigestWords,
             public_url: str) -> list[DigestItem]:
    """Alerts opened in (since, as_of], and alerts escalated or reopened by an event in that window."""
    found: dict[int, DigestItem] = {}
    for alert, buyer in reads.opened_between(uow.session, since, as_of):
        found[alert.id] = _item(alert, buyer, "new", None, words, public_url)
    start = datetime.combine(since + timedelta(days=1), time(), tzinfo=UTC)
    end = datetime.combine(as_of + timedelta(days=1), time(), tzinfo=UTC)
    for event, alert, buyer in reads.events_between(uow.session, start, end):
        change = _escalation(event)
        if change is not None and alert.id not in found:
            found[alert.id] = _item(alert, buyer, *change, words, public_url)
    order = {severity: index for index, severity in enumerate(SEVERITIES)}
    return sorted(found.values(), key=lambda item: (order.get(item.severity, 9), item.buyer_ref, item.code))


def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(("html",)),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


_ENV = _environment()


def _subject(items: list[DigestItem], as_of: date, words: DigestWords) -> str:
    counts = [(severity, sum(item.severity == severity for item in items)) for severity in SEVERITIES]
    parts = [words("subject_count", count=count, severity=words.severity(severity).lower())
             for severity, count in counts if count]
    return words("subject", day=words.day(as_of), counts=words("list_separator").join(parts))


def compose(uow: SqlUnitOfWork, *, as_of: date, language: str, since: date | None = None,
            public_url: str = "http://127.0.0.1:8000") -> Digest:
    """:func:`build_digest` inside a unit of work the caller has open."""
    words = DigestWords(check_digest_language(language))
    start = since if since is not None else as_of - timedelta(days=1)
    if start >= as_of:
        raise ValidationError("since", f"expected a day before {as_of}; got {start}")
    items = _changes(uow, since=start, as_of=as_of, words=words, public_url=public_url)
    counts = reads.open_counts(uow.session)
    groups = [(severity, [item for item in items if item.severity == severity]) for severity in SEVERITIES]
    context = {"t": words, "as_of": as_of, "since": start, "items": items, "groups": [g for g in groups if g[1]],
               "counts": [(severity, counts.get(severity, 0)) for severity in SEVERITIES],
               "total": sum(counts.values()), "inbox": f"{public_url}/alerts"}
    return Digest(as_of, start, language, _subject(items, as_of, words),
                  _ENV.get_template("digest.txt.j2").render(context),
                  _ENV.get_template("digest.html.j2").render(context), items, counts)


def build_digest(uow: SqlUnitOfWork, *, as_of: date, language: str, since: date | None = None,
                 public_url: str = "http://127.0.0.1:8000") -> Digest:
    """The digest of ``as_of`` in ``language`` (en or zh): alerts opened or escalated after ``since`` (default:
    the day before) up to ``as_of``, and the open alerts by severity."""
    with uow:
        return compose(uow, as_of=as_of, language=language, since=since, public_url=public_url)


# Sending


def _recipients(uow: SqlUnitOfWork, to: str | None, language: str | None) -> list[_Recipient]:
    if to is not None:
        return [_Recipient(check_email(to), None, check_digest_language(language or "en"))]
    return [_Recipient(user.email or "", user.username, user.language) for user in reads.recipients(uow.session)]


def _prepare(uow_factory: UowFactory, who: _Recipient, *, as_of: date, config: DigestConfig,
             dry_run: bool) -> tuple[Digest, int | None] | DigestOutcome:
    """Compose the recipient's digest and claim its log row; an outcome instead when there is nothing to send."""
    with uow_factory() as uow:
        row = uow.digests.find(as_of, who.address)
        if row is not None and row.status == "sent" and not dry_run:
            return DigestOutcome(who.address, who.username, who.language, "already sent", row.alerts)
        previous = uow.digests.previous_sent(who.address, as_of)
        digest = compose(uow, as_of=as_of, language=who.language, since=previous.day if previous else None,
                         public_url=config.public_url)
        if dry_run:
            return digest, None
        now = uow.clock.now()
        status = "skipped" if digest.empty else "sending"
        values = {"since": digest.since, "alerts": len(digest.items), "subject": digest.subject,
                  "language": who.language, "username": who.username, "error": None}
        if row is None:
            row = uow.digests.insert(day=as_of, recipient=who.address, status=status, attempts=int(not digest.empty),
                                     claimed_until=now + CLAIM if not digest.empty else None, created_at=now,
                                     updated_at=now, **values)
            claimed = row is not None
        elif digest.empty:
            claimed = False
            if row.status in reads.RETRIED:
                uow.digests.record(row.id, status="skipped", updated_at=now, **values)
        else:
            claimed = uow.digests.claim(row.id, now=now, until=now + CLAIM, values=values)
        uow.commit()
        if digest.empty:
            return DigestOutcome(who.address, who.username, who.language, "skipped", 0)
        if not claimed or row is None:
            return DigestOutcome(who.address, who.username, who.language, "deferred", len(digest.items))
        return digest, row.id


def _record(uow_factory: UowFactory, digest_id: int, error: str | None) -> None:
    with uow_factory() as uow:
        now = uow.clock.now()
        if error is None:
            uow.digests.record(digest_id, status="sent", sent_at=now, updated_at=now, claimed_until=None, error=None)
        else:
            uow.digests.record(digest_id, status="failed", updated_at=now, claimed_until=None,
                               error=error[:MAX_ERROR])
        uow.commit()


def send_digest(uow_factory: UowFactory, *, as_of: date, config: DigestConfig, to: str | None = None,
                language: str | None = None, dry_run: bool = False,
                preview: Callable[[str, Digest], None] | None = None) -> DigestResult:
    """Send the digest of ``as_of`` to every recipient (or only to ``to``, in ``language``), once per day each.

    Never raises for the SMTP server's failures: they are logged, kept in the digest log and tried again by the
    next call. ``dry_run`` composes every message and hands it to ``preview`` without sending or logging."""
    with uow_factory() as uow:
        who = _recipients(uow, to, language)
    result = DigestResult(as_of)
    with Mailer(config.smtp) as mailer:
        for recipient in who:
            prepared = _prepare(uow_factory, recipient, as_of=as_of, config=config, dry_run=dry_run)
            if isinstance(prepared, DigestOutcome):
                result.outcomes.append(prepared)
                continue
            digest, digest_id = prepared
            if digest_id is None:
                if preview is not None:
                    preview(recipient.address, digest)
                result.outcomes.append(DigestOutcome(recipient.address, recipient.username, recipient.language,
                                                     "dry run", len(digest.items)))
                continue
            mail = message(sender=config.smtp.sender, to=recipient.address, subject=digest.subject,
                           text=digest.text, html=digest.html)
            error = mailer.send(mail)
            _record(uow_factory, digest_id, error)
            if error is not None:
                log.warning("digest of %s to %s not sent: %s", as_of, recipient.address, error)
            result.outcomes.append(DigestOutcome(recipient.address, recipient.username, recipient.language,
                                                 "failed" if error else "sent", len(digest.items), error))
    return result


def send_daily_digest(uow_factory: UowFactory, settings: Settings, *, as_of: date) -> DigestResult:
    """For the daily scheduler, after the monitoring run: :func:`send_digest` with the SMTP settings.
    Raises ValidationError only when the settings lack the SMTP server or the sender."""
    return send_digest(uow_factory, as_of=as_of, config=DigestConfig.from_settings(settings))


def digest_log(uow: SqlUnitOfWork, *, day: date | None = None, limit: int = 100) -> list[DigestLogLine]:
    """The digest log, newest day first."""
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValidationError("limit", f"expected 1 to {MAX_PAGE_SIZE}; got {limit}")
    with uow:
        return [DigestLogLine(r.day, r.recipient, r.username, r.language, r.status, r.since, r.alerts, r.attempts,
                              r.subject, r.error, r.updated_at, r.sent_at)
                for r in uow.digests.recent(limit=limit, day=day)]
