"""What the alerts inbox and the buyer page's monitoring section show: the labels of signals, severities,
statuses, actions and alert events (translated in the templates), what an action created, and the buyer's
section — its timeline, watch-list entry and credit block. The routes that post to them are in ``web/alerts.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import Request

from tradecredit.bootstrap import App
from tradecredit.domain.errors import Conflict, NotFound, PermissionDenied, StaleVersion, TradeCreditError
from tradecredit.services import alerts, credit_blocks, watch_list
from tradecredit.services.alerts import TimelineEntry
from tradecredit.services.credit_blocks import BuyerBlocks
from tradecredit.services.watch_list import WatchView
from tradecredit.web.credit_views import Problem, problem_of
from tradecredit.web.i18n import N_, gettext
from tradecredit.web.pages import url

SEVERITY_LABELS = {"critical": N_("Critical"), "warning": N_("Warning"), "info": N_("Info")}
SEVERITY_BADGES = {"critical": "bad", "warning": "warn", "info": "neutral"}
STATUS_LABELS = {"open": N_("Open"), "new": N_("New"), "acknowledged": N_("Acknowledged"),
                 "snoozed": N_("Snoozed"), "resolved": N_("Resolved"), "all": N_("All")}
SIGNAL_LABELS = {
    "grade_downgrade": N_("Grade downgrade"),
    "pd_band_up": N_("PD band up"),
    "dbt_rising": N_("Days beyond terms rising"),
    "overdue_30": N_("Overdue invoices"),
    "utilisation_high": N_("Limit nearly used"),
    "over_limit": N_("Over the limit"),
    "broken_promise": N_("Broken payment promise"),
    "weak_statement": N_("Weak financial statement"),
    "stale_statement": N_("Stale financial statement"),
    "country_downgrade": N_("Country downgrade"),
    "external_event": N_("External event"),
    "concentration": N_("Concentration"),
    "insurer_limit_cut": N_("Insurer limit cut"),
    "insurer_deadline": N_("Insurer deadline"),
}
ACTION_LABELS = {
    "reduce_limit": N_("Request the lower limit"),
    "stop_shipments": N_("Stop shipments"),
    "reassess": N_("Re-assess now"),
    "ask_security": N_("Record: ask for security"),
    "collect_early": N_("Record: collect early"),
    "call_buyer": N_("Record: call the buyer"),
    "notify_insurer": N_("Record: notify the insurer"),
}
EVENT_LABELS = {
    "opened": N_("Signal raised"),
    "updated": N_("New evidence"),
    "escalated": N_("Escalated"),
    "snooze_ended": N_("Snooze ended"),
    "closed": N_("Condition gone"),
    "acknowledged": N_("Acknowledged"),
    "snoozed": N_("Snoozed"),
    "resolved": N_("Resolved"),
    "reopened": N_("Reopened"),
    "action_taken": N_("Action taken"),
}
INBOX_NOTICES = {
    "acknowledged": N_("Alert %(alert)s acknowledged."),
    "snoozed": N_("Alert %(alert)s snoozed."),
    "resolved": N_("Alert %(alert)s resolved."),
    "reopened": N_("Alert %(alert)s reopened."),
    "action": N_("Action taken on alert %(alert)s."),
}
BUYER_NOTICES = {
    "watched": N_("The buyer is on the watch list: the monitoring run applies the tighter thresholds."),
    "unwatched": N_("The buyer is off the watch list."),
    "blocked": N_("Shipments stopped: every order of this buyer is held until the block is lifted."),
    "lifted": N_("Credit block lifted: orders are checked as usual again."),
}


def label_context() -> dict[str, Any]:
    """The label maps the monitoring templates read."""
    return {"severity_labels": SEVERITY_LABELS, "severity_badges": SEVERITY_BADGES,
            "alert_status_labels": STATUS_LABELS, "signal_labels": SIGNAL_LABELS, "action_labels": ACTION_LABELS,
            "alert_event_labels": EVENT_LABELS}


def result_text(code: str, result: dict[str, Any]) -> str:
    """What an action created, in the language: a limit request, a credit block, an assessment, a task."""
    if result.get("request_id") is not None:
        return gettext(code, N_("limit request %(id)s, waiting for a decision"), id=result["request_id"])
    if "cancelled_limit_id" in result:
        if result["cancelled_limit_id"] is None:
            return gettext(code, N_("no limit in force to cancel"))
        return gettext(code, N_("limit %(id)s cancelled"), id=result["cancelled_limit_id"])
    if result.get("block_id") is not None:
        return gettext(code, N_("credit block %(id)s"), id=result["block_id"])
    if result.get("grade") is not None:
        return gettext(code, N_("assessed: grade %(grade)s"), grade=result["grade"])
    if result.get("due"):
        return gettext(code, N_("task recorded, due %(day)s"), day=result["due"])
    return gettext(code, N_("task recorded"))


def alert_problem(error: TradeCreditError, *, about: str = "") -> tuple[int, Problem]:
    """The status and message of an error an alert, watch-list or block form met."""
    if isinstance(error, PermissionDenied):
        return 403, Problem(N_("Your role does not allow this: nothing was changed."), str(error), None, about)
    if isinstance(error, NotFound):
        return 404, Problem(N_("Not found: nothing was changed."), str(error), None, about)
    if isinstance(error, Conflict) and not isinstance(error, StaleVersion):
        return 409, Problem(N_("Not possible in the current state: nothing was changed."), str(error), None, about)
    return problem_of(error, about=about)


@dataclass(frozen=True)
class MonitoringState:
    """What the last watch-list or block form left to show: a notice key or a problem."""

    notice: str = ""
    problem: Problem | None = None


@dataclass(frozen=True)
class MonitoringSection:
    timeline: list[TimelineEntry]
    watched: WatchView | None
    blocks: BuyerBlocks
    watch_url: str
    block_url: str
    state: MonitoringState

    @property
    def notice(self) -> str:
        return BUYER_NOTICES.get(self.state.notice, "")


def monitoring_section(request: Request, tc: App, ref: str, *, state: MonitoringState) -> MonitoringSection:
    quoted = quote(ref, safe="")
    return MonitoringSection(alerts.buyer_timeline(tc.uow(), ref=ref, limit=100),
                             watch_list.watch_entry(tc.uow(), ref=ref), credit_blocks.buyer_blocks(tc.uow(), ref=ref),
                             url(request, "buyer_watch", ref=quoted), url(request, "buyer_credit_block", ref=quoted),
                             state)
