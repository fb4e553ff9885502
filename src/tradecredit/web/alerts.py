"""The alerts inbox (``/alerts``) and the buyer page's watch-list toggle and credit-block control.

The inbox lists alerts, most severe first (open ones by default), each with its evidence, its sentence in the
user's language and its recommended actions as buttons; analysts acknowledge, snooze and take most actions,
credit managers also resolve, reopen, request the lower limit and stop shipments. Every form carries the CSRF token
and the alert's version: a stale version, a bad value or a move the alert's state does not allow shows the message
in the page (with a 4xx status) and changes nothing; a saved one redirects back with a notice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Annotated, Any
from urllib.parse import parse_qsl, quote, urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from tradecredit.domain.alert_actions import ActionCode
from tradecredit.domain.errors import NotFound, TradeCreditError, ValidationError
from tradecredit.domain.signals import Severity, SignalCode
from tradecredit.services import alert_actions, alerts, credit_blocks, watch_list
from tradecredit.services.alerts import STATUS_FILTERS, AlertView
from tradecredit.services.assessment import AssessmentConfig
from tradecredit.services.paging import MAX_PAGE
from tradecredit.services.users import WebSession
from tradecredit.web.auth import Analyst, CreditManager, Posted, Viewer
from tradecredit.web.buyers import render_buyer
from tradecredit.web.credit_views import reason_of, version_of
from tradecredit.web.i18n import gettext
from tradecredit.web.monitoring_views import (
    ACTION_LABELS,
    INBOX_NOTICES,
    MonitoringState,
    alert_problem,
    label_context,
    result_text,
)
from tradecredit.web.pages import WebRoute, language_of, printable, redirect, render, tc_of, url

router = APIRouter(route_class=WebRoute, include_in_schema=False)
PAGE_SIZE = 25
MAX_REF = 64
MAX_ID = 2**31 - 1
FormText = Annotated[str, Form()]


def _page_number(text: str | None) -> int:
    try:
        return min(max(1, int(text or "1")), MAX_PAGE)
    except ValueError:
        return 1


@dataclass(frozen=True)
class Inbox:
    """The inbox's query string, cleaned: unknown values fall back to the defaults (open alerts, page 1)."""

    status: str = "open"
    severity: str = ""
    type: str = ""
    buyer: str = ""
    country: str = ""
    page: int = 1

    @classmethod
    def of(cls, status: str | None = None, severity: str | None = None, type: str | None = None,
           buyer: str | None = None, country: str | None = None, page: str | None = None) -> Inbox:
        chosen = (status or "open").strip()
        country_code = printable(country or "").strip().upper()[:2]
        return cls(chosen if chosen in STATUS_FILTERS else "open",
                   severity if severity in tuple(Severity) else "", type if type in tuple(SignalCode) else "",
                   printable(buyer or "").strip()[:MAX_REF], country_code if country_code.isalpha() else "",
                   _page_number(page))

    @classmethod
    def parsed(cls, query: str) -> Inbox:
        values = dict(parse_qsl(query))
        return cls.of(values.get("status"), values.get("severity"), values.get("type"), values.get("buyer"),
                      values.get("country"), values.get("page"))

    def query(self, **changes: Any) -> dict[str, Any]:
        values = {"status": self.status, "severity": self.severity, "type": self.type, "buyer": self.buyer,
                  "country": self.country, "page": self.page, **changes}
        return {**values, "status": "" if values["status"] == "open" else values["status"],
                "page": "" if values["page"] == 1 else values["page"]}

    @property
    def encoded(self) -> str:
        return urlencode({k: v for k, v in self.query().items() if v not in ("", None)})


def _listed(request: Request, inbox: Inbox) -> tuple[list[AlertView], int, Inbox, int]:
    tc = tc_of(request)

    def page(number: int) -> tuple[list[AlertView], int]:
        try:
            return alerts.list_alerts(tc.uow(), status=inbox.status, severity=inbox.severity or None,
                                      code=inbox.type or None, buyer=inbox.buyer or None,
                                      country=inbox.country or None, page=number, size=PAGE_SIZE)
        except NotFound:
            return [], 0  # an unknown buyer in the filter: nothing to show

    items, total = page(inbox.page)
    pages = max(1, -(-total // PAGE_SIZE))
    if inbox.page > pages:
        inbox = Inbox(inbox.status, inbox.severity, inbox.type, inbox.buyer, inbox.country, pages)
        items, total = page(pages)
    return items, total, inbox, pages


def _page(request: Request, session: WebSession, inbox: Inbox, *, status: int = 200, notice: str = "",
          problem: Any = None) -> HTMLResponse:
    items, total, inbox, pages = _listed(request, inbox)
    code = language_of(request, session)
    return render(request, "alerts.html", session=session, status=status, inbox=inbox, items=items, total=total,
                  pages=pages, statuses=STATUS_FILTERS, severities=tuple(Severity), signal_codes=tuple(SignalCode),
                  notice=notice, problem=problem, zh=code == "zh", action_result=partial(result_text, code),
                  **label_context())


@router.get("/alerts", name="alerts")
def inbox(request: Request, session: Viewer, status: str | None = None, severity: str | None = None,
          type: str | None = None, buyer: str | None = None, country: str | None = None, page: str | None = None,
          done: str = "", outcome: str = "") -> HTMLResponse:
    """``done`` and ``outcome`` are the notice a form left after its redirect."""
    notice = ""
    if outcome in INBOX_NOTICES and done.isdigit():
        notice = gettext(language_of(request, session), INBOX_NOTICES[outcome], alert=done)
    return _page(request, session, Inbox.of(status, severity, type, buyer, country, page), notice=notice)


def _alert_id(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= MAX_ID:
        raise NotFound("alert", printable(text)[:20])
    return int(text)


def _until(text: str) -> date:
    value = printable(text).strip()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError("until", f"expected a date such as 2026-12-15; got {value!r}") from None


def _move(request: Request, session: WebSession, alert_id: str, back: str, outcome: str, call: Any) -> Response:
    """Run one form's service call; back to the inbox with a notice, or the inbox with the problem."""
    number = _alert_id(alert_id)
    listing = Inbox.parsed(back)
    try:
        call(tc_of(request), number)
    except NotFound:
        raise
    except TradeCreditError as error:
        status, problem = alert_problem(error, about=f"#{number}")
        return _page(request, session, listing, status=status, problem=problem)
    return redirect(url(request, "alerts", query={**listing.query(), "done": number, "outcome": outcome})
                    + f"#alert-{number}")


@router.post("/alerts/{alert_id}/acknowledge", name="alert_acknowledge")
def acknowledge(request: Request, session: Analyst, _: Posted, alert_id: str, version: FormText = "",
                comment: FormText = "", back: FormText = "") -> Response:
    return _move(request, session, alert_id, back, "acknowledged", lambda tc, number: alerts.acknowledge(
        tc.uow(), alert_id=number, version=version_of(version), actor=session.principal.actor,
        comment=reason_of(comment)))


@router.post("/alerts/{alert_id}/snooze", name="alert_snooze")
def snooze(request: Request, session: Analyst, _: Posted, alert_id: str, version: FormText = "",
           until: FormText = "", comment: FormText = "", back: FormText = "") -> Response:
    return _move(request, session, alert_id, back, "snoozed", lambda tc, number: alerts.snooze(
        tc.uow(), alert_id=number, version=version_of(version), until=_until(until), comment=reason_of(comment),
        actor=session.principal.actor))


@router.post("/alerts/{alert_id}/resolve", name="alert_resolve")
def resolve(request: Request, session: CreditManager, _: Posted, alert_id: str, version: FormText = "",
            comment: FormText = "", back: FormText = "") -> Response:
    return _move(request, session, alert_id, back, "resolved", lambda tc, number: alerts.resolve(
        tc.uow(), alert_id=number, version=version_of(version), comment=reason_of(comment),
        actor=session.principal.actor))


@router.post("/alerts/{alert_id}/reopen", name="alert_reopen")
def reopen(request: Request, session: CreditManager, _: Posted, alert_id: str, version: FormText = "",
           comment: FormText = "", back: FormText = "") -> Response:
    return _move(request, session, alert_id, back, "reopened", lambda tc, number: alerts.reopen(
        tc.uow(), alert_id=number, version=version_of(version), actor=session.principal.actor,
        comment=reason_of(comment)))


@router.post("/alerts/{alert_id}/actions/{action}", name="alert_action")
def take_action(request: Request, session: Analyst, _: Posted, alert_id: str, action: str, version: FormText = "",
                comment: FormText = "", back: FormText = "") -> Response:
    """One recommended action; the service checks the role it needs (``reduce_limit``, ``stop_shipments``:
    credit manager)."""
    if action not in ACTION_LABELS:
        raise NotFound("action", printable(action)[:20])
    return _move(request, session, alert_id, back, "action", lambda tc, number: alert_actions.take_action(
        tc.uow(), alert_id=number, action=ActionCode(action).value, version=version_of(version),
        actor=session.principal.actor, role=session.principal.role,
        config=AssessmentConfig.from_settings(tc.settings), comment=reason_of(comment)))


# --- the buyer page: watch list and credit block -------------------------------------------------------------------

def _buyer_ref(ref: str) -> str:
    if printable(ref) != ref:
        raise NotFound("buyer", ref)
    return ref


def _buyer_form(request: Request, session: WebSession, ref: str, notice: str, call: Any) -> Response:
    try:
        call(tc_of(request))
    except TradeCreditError as error:
        if isinstance(error, NotFound) and error.kind == "buyer":
            raise  # the 404 page
        status, problem = alert_problem(error)
        return render_buyer(request, session, ref, status=status, monitoring_state=MonitoringState(problem=problem))
    return redirect(url(request, "buyer", ref=quote(ref, safe=""), query={"monitor": notice}) + "#monitoring")


@router.post("/buyers/{ref:path}/watch", name="buyer_watch")
def toggle_watch(request: Request, session: Analyst, _: Posted, ref: str, action: FormText = "",
                 reason: FormText = "") -> Response:
    """``action`` add (with a reason) or remove."""
    ref = _buyer_ref(ref)
    if action == "add":
        return _buyer_form(request, session, ref, "watched", lambda tc: watch_list.watch(
            tc.uow(), ref=ref, reason=reason_of(reason), actor=session.principal.actor))
    return _buyer_form(request, session, ref, "unwatched", lambda tc: watch_list.unwatch(
        tc.uow(), ref=ref, actor=session.principal.actor, reason=reason_of(reason) or None))


@router.post("/buyers/{ref:path}/credit-block", name="buyer_credit_block")
def block_control(request: Request, session: CreditManager, _: Posted, ref: str, action: FormText = "",
                  reason: FormText = "", block_id: FormText = "") -> Response:
    """``action`` block or lift (``block_id``: the block shown, so a block set meanwhile is not lifted)."""
    ref = _buyer_ref(ref)
    if action == "block":
        return _buyer_form(request, session, ref, "blocked", lambda tc: credit_blocks.block_buyer(
            tc.uow(), ref=ref, reason=reason_of(reason), actor=session.principal.actor))
    shown = int(block_id) if block_id.strip().isdigit() and int(block_id) <= MAX_ID else None
    return _buyer_form(request, session, ref, "lifted", lambda tc: credit_blocks.lift_block(
        tc.uow(), ref=ref, reason=reason_of(reason), actor=session.principal.actor, block_id=shown))
