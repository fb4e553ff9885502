"""The hold queue: orders the credit check held, each with every reason and its figures, and the forms a credit
manager releases (the order then counts as exposure) or rejects them with (a reason and the order's version).

A resolved order leaves the queue; a stale version or an order already resolved shows the message in the page and
changes nothing. The status filter also lists released, rejected or all checked orders.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from tradecredit.domain.errors import NotFound, TradeCreditError, ValidationError
from tradecredit.services import order_holds as holds
from tradecredit.services.orders import OrderCheckView
from tradecredit.services.paging import MAX_PAGE
from tradecredit.services.users import WebSession
from tradecredit.web.auth import CreditManager, Posted, Viewer
from tradecredit.web.credit_views import Problem, problem_of, reason_of, typed_amount, version_of
from tradecredit.web.i18n import N_, formatter, gettext
from tradecredit.web.pages import WebRoute, language_of, printable, redirect, render, tc_of, url

router = APIRouter(route_class=WebRoute, include_in_schema=False)
PAGE_SIZE = 50
MAX_ORDER_REF = 64  # the longest order reference the check accepts
MAX_REF = 64  # a buyer reference in the filter
STATUSES = ("held", "released", "rejected", "all")
STATUS_LABELS = {"held": N_("Held"), "released": N_("Released"), "rejected": N_("Rejected"), "all": N_("All")}
OUTCOMES = {"released": N_("Order %(order)s released: it now counts as exposure."),
            "rejected": N_("Order %(order)s rejected.")}
REASONS = {  # the check's reason codes (domain/order_check.py), with the figures each one carries
    "no_limit": N_("No credit limit in force for this buyer or its group"),
    "limit_expired": N_("The credit limit ended on %(ended_on)s; none is in force"),
    "over_limit": N_("Exposure %(exposure)s + order %(order)s exceeds the limit %(limit)s (headroom %(headroom)s)"),
    "limit_under_review": N_("The limit is past its review date"),
    "overdue": N_("%(overdue)s overdue by more than %(days)s days"),
    "high_risk_grade": N_("The buyer is graded %(grade)s"),
    "not_assessed": N_("The buyer has never been assessed"),
    "country_requires_security": N_("The country allows %(terms)s at best, not open account"),
    "supply_suspended": N_("Shipments to this buyer are stopped (credit block)"),
}
MONEY_FIGURES = frozenset({"exposure", "order", "limit", "headroom", "overdue"})
DAY_FIGURES = frozenset({"ended_on"})
TERMS = {"open_account": N_("Open account"), "documentary_collection": N_("Documentary collection"),
         "confirmed_lc": N_("Confirmed L/C"), "prepayment": N_("Prepayment")}
FormText = Annotated[str, Form()]


def reason_text(reason: Mapping[str, Any], code: str, currency: str) -> str:
    """One hold reason in the language with its figures formatted (money in the base currency); a reason this
    page does not know, or one with figures missing, is shown as the check wrote it."""
    message = REASONS.get(str(reason.get("code")))
    fallback = str(reason.get("text") or reason.get("code") or "")
    if message is None:
        return fallback
    fmt = formatter(code)
    values: dict[str, str] = {}
    try:
        for name, value in (reason.get("figures") or {}).items():
            if name in MONEY_FIGURES:
                values[name] = fmt.money(Decimal(str(value)), currency)
            elif name == "terms":
                values[name] = gettext(code, TERMS.get(str(value), str(value)))
            elif name in DAY_FIGURES:
                values[name] = fmt.day(date.fromisoformat(str(value)))
            else:
                values[name] = str(value)
        return gettext(code, message) % values
    except (KeyError, InvalidOperation, ValueError, TypeError):
        return fallback


@dataclass(frozen=True)
class Queue:
    """The queue's query string, cleaned: an unknown status falls back to held, the page to 1."""

    status: str
    buyer: str
    page: int

    @classmethod
    def of(cls, status: str | None, buyer: str | None, page: str | None) -> Queue:
        wanted = (status or "held").strip()
        try:
            number = min(max(1, int(page or "1")), MAX_PAGE)
        except ValueError:
            number = 1
        return cls(wanted if wanted in STATUSES else "held", printable(buyer or "").strip()[:MAX_REF], number)

    def query(self, **changes: Any) -> dict[str, Any]:
        values = {"status": self.status, "buyer": self.buyer, "page": self.page, **changes}
        return {"status": "" if values["status"] == "held" else values["status"], "buyer": values["buyer"],
                "page": "" if values["page"] == 1 else values["page"]}


@dataclass(frozen=True)
class HoldLine:
    order: OrderCheckView
    reasons: list[str]
    action: str  # where its release / reject form posts


def _page(request: Request, session: WebSession, queue: Queue, *, status: int = 200, problem: Problem | None = None,
          notice: str = "") -> HTMLResponse:
    tc = tc_of(request)
    code = language_of(request, session)
    base = tc.settings.base_currency

    def listed(page: int) -> tuple[list[OrderCheckView], int]:
        return holds.list_orders(tc.uow(), base_currency=tc.settings.base_currency,
                                 status=None if queue.status == "all" else queue.status,
                                 ref=queue.buyer or None, page=page, size=PAGE_SIZE)

    orders, total = listed(queue.page)
    pages = max(1, -(-total // PAGE_SIZE))
    if queue.page > pages:  # past the end (the queue shrank): show the last page
        queue = Queue(queue.status, queue.buyer, pages)
        orders, total = listed(pages)
    lines = [HoldLine(order, [reason_text(reason, code, base) for reason in order.reasons],
                      url(request, "hold_resolution", order_ref=quote(order.order_ref, safe="")))
             for order in orders]
    return render(request, "holds.html", status=status, session=session, queue=queue, lines=lines, total=total,
                  pages=pages, statuses=STATUSES, status_labels=STATUS_LABELS, problem=problem, notice=notice)


@router.get("/holds", name="holds")
def hold_queue(request: Request, session: Viewer, status: str | None = None, buyer: str | None = None,
               page: str | None = None, resolved: str = "", outcome: str = "") -> HTMLResponse:
    """Checked orders, newest first (held by default); ``resolved`` and ``outcome`` are the notice after a form."""
    notice = ""
    if resolved and outcome in OUTCOMES:
        notice = gettext(language_of(request, session), OUTCOMES[outcome], order=printable(resolved)[:MAX_ORDER_REF])
    return _page(request, session, Queue.of(status, buyer, page), notice=notice)


@router.post("/holds/{order_ref:path}/resolution", name="hold_resolution")
def resolve(request: Request, session: CreditManager, _: Posted, order_ref: str, action: FormText = "",
            reason: FormText = "", version: FormText = "", amount: FormText = "", listed: FormText = "held",
            listed_buyer: FormText = "") -> Response:
    """Release or reject a held order (``action``), a release optionally for part of it (``amount``); ``listed``
    and ``listed_buyer`` are the queue's filters."""
    if printable(order_ref) != order_ref or len(order_ref) > MAX_ORDER_REF:
        raise NotFound("order", order_ref[:MAX_ORDER_REF].encode("unicode_escape").decode())
    queue = Queue.of(listed, listed_buyer, None)
    try:
        if action not in ("release", "reject"):
            raise ValidationError("action", f"expected release or reject; got {printable(action)!r}")
        part = typed_amount(amount) or None
        resolved = holds.resolve_hold(tc_of(request).uow(), order_ref=order_ref, release=action == "release",
                                      reason=reason_of(reason), version=version_of(version),
                                      actor=session.principal.actor, amount=part,
                                      base_currency=tc_of(request).settings.base_currency)
    except NotFound:
        raise
    except TradeCreditError as error:
        status, problem = problem_of(error, about=order_ref)
        return _page(request, session, queue, status=status, problem=problem)
    return redirect(url(request, "holds", query={**queue.query(), "resolved": resolved.order_ref,
                                                 "outcome": resolved.status}))
