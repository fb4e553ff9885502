"""Credit limit forms and the limit request page.

Analysts request a limit on a buyer's page; credit managers decide pending requests there or on
``/limit-requests`` (every buyer's requests, by status), within their approval authority. Every form carries the
CSRF token, and a decision the request's version: an authority refusal, a stale version or a wrong value shows
the service's message in the page (with a 4xx status) and changes nothing; a saved one redirects back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from tradecredit.domain.errors import NotFound, TradeCreditError, ValidationError
from tradecredit.domain.money import check_currency, parse_amount
from tradecredit.services import limits as service
from tradecredit.services.limits import RequestView
from tradecredit.services.paging import MAX_PAGE
from tradecredit.services.users import WebSession
from tradecredit.web.auth import Analyst, CreditManager, Posted, Viewer
from tradecredit.web.buyers import render_buyer
from tradecredit.web.credit_views import (
    REQUEST_STATUS_LABELS,
    LimitState,
    Problem,
    RequestForm,
    label_context,
    own_authority,
    problem_of,
    reason_of,
    typed_amount,
    version_of,
)
from tradecredit.web.pages import WebRoute, printable, redirect, render, tc_of, url

router = APIRouter(route_class=WebRoute, include_in_schema=False)
PAGE_SIZE = 50
MAX_ID = 2**31 - 1  # the largest id an INTEGER column holds
STATUSES = ("pending", "approved", "partially_approved", "refused", "withdrawn", "all")
FormText = Annotated[str, Form()]


def _date(name: str, text: str) -> date | None:
    value = printable(text).strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(name, f"expected a date such as 2027-03-01; got {value!r}") from None


def _amount(text: str, currency: str) -> Decimal:
    return parse_amount(typed_amount(text), currency)


def _buyer_ref(ref: str) -> str:
    if printable(ref) != ref:
        raise NotFound("buyer", ref)  # no reference has control characters (and PostgreSQL refuses NUL)
    return ref


def _back_to_buyer(request: Request, ref: str, notice: str) -> Response:
    return redirect(url(request, "buyer", ref=quote(ref, safe=""), query={"limit": notice}) + "#limits")


@router.post("/buyers/{ref:path}/limit-requests", name="buyer_limit_request")
def request_limit(request: Request, session: Analyst, _: Posted, ref: str, amount: FormText = "",
                  currency: FormText = "", kind: FormText = "base", scope: FormText = "buyer",
                  valid_from: FormText = "", valid_to: FormText = "", reason: FormText = "") -> Response:
    """Ask for a limit on the buyer (or, on a group's top-level parent, the group)."""
    tc = tc_of(request)
    ref = _buyer_ref(ref)
    form = RequestForm(amount, currency, kind, scope, valid_from, valid_to, reason)
    try:
        code = check_currency(printable(currency).strip() or tc.settings.base_currency)
        service.request_limit(tc.uow(), ref=ref, amount=_amount(amount, code), currency=code,
                              kind=printable(kind).strip(), scope=printable(scope).strip(),
                              valid_from=_date("valid_from", valid_from), valid_to=_date("valid_to", valid_to),
                              reason=reason_of(reason), actor=session.principal.actor,
                              base_currency=tc.settings.base_currency)
    except NotFound:
        raise
    except TradeCreditError as error:
        status, problem = problem_of(error)
        return render_buyer(request, session, ref, status=status, limit_state=LimitState(form=form, problem=problem))
    return _back_to_buyer(request, ref, "requested")


def _decide(request: Request, session: WebSession, request_id: int, *, decision: str, amount: str, reason: str,
            version: str) -> RequestView | tuple[int, Problem]:
    """The decided request, or the status and message of why nothing changed (an unknown request is a 404)."""
    if not 0 < request_id <= MAX_ID:
        raise NotFound("limit request", request_id)  # PostgreSQL would refuse the number, not just miss it
    tc = tc_of(request)
    base = tc.settings.base_currency
    chosen = printable(decision).strip()
    try:
        granted = _amount(amount, base) if chosen == "partial" and amount.strip() else None
        return service.decide_request(tc.uow(), request_id=request_id, decision=chosen, version=version_of(version),
                                      reason=reason_of(reason), actor=session.principal.actor,
                                      username=session.principal.username, base_currency=base, amount=granted)
    except NotFound:
        raise
    except TradeCreditError as error:
        return problem_of(error, about=str(request_id))


@router.post("/buyers/{ref:path}/limit-requests/{request_id:int}/decision", name="buyer_limit_decision")
def decide_on_buyer_page(request: Request, session: CreditManager, _: Posted, ref: str, request_id: int,
                         decision: FormText = "", amount: FormText = "", reason: FormText = "",
                         version: FormText = "") -> Response:
    ref = _buyer_ref(ref)
    decided = _decide(request, session, request_id, decision=decision, amount=amount, reason=reason, version=version)
    if isinstance(decided, tuple):
        status, problem = decided
        return render_buyer(request, session, ref, status=status, limit_state=LimitState(problem=problem))
    return _back_to_buyer(request, ref, decided.status)


@dataclass(frozen=True)
class Listing:
    """The request list's query string, cleaned: an unknown status falls back to pending, the page to 1."""

    status: str
    page: int

    @classmethod
    def of(cls, status: str | None, page: str | None) -> Listing:
        wanted = (status or "pending").strip()
        try:
            number = min(max(1, int(page or "1")), MAX_PAGE)
        except ValueError:
            number = 1
        return cls(wanted if wanted in STATUSES else "pending", number)

    def query(self, **changes: Any) -> dict[str, Any]:
        values = {"status": self.status, "page": self.page, **changes}
        return {"status": "" if values["status"] == "pending" else values["status"],
                "page": "" if values["page"] == 1 else values["page"]}


def _request_page(request: Request, session: WebSession, listing: Listing, *, status: int = 200,
                  problem: Problem | None = None, notice: tuple[str, str] = ("", "")) -> HTMLResponse:
    tc = tc_of(request)

    def listed(page: int) -> tuple[list[RequestView], int]:
        return service.list_requests(tc.uow(), base_currency=tc.settings.base_currency,
                                     status=None if listing.status == "all" else listing.status, page=page,
                                     size=PAGE_SIZE)

    items, total = listed(listing.page)
    pages = max(1, -(-total // PAGE_SIZE))
    if listing.page > pages:  # past the end (the list shrank): show the last page
        listing = Listing(listing.status, pages)
        items, total = listed(pages)
    return render(request, "limit_requests.html", status=status, session=session, listing=listing, items=items,
                  total=total, pages=pages, statuses=STATUSES, **label_context(), authority=own_authority(tc, session),
                  problem=problem, notice=notice,
                  decide_urls={item.id: url(request, "limit_decision", request_id=item.id)
                               for item in items if item.status == "pending"})


@router.get("/limit-requests", name="limit_requests")
def request_list(request: Request, session: Viewer, status: str | None = None, page: str | None = None,
                 decided: str = "", outcome: str = "") -> HTMLResponse:
    """Limit requests across buyers, newest first; ``decided`` and ``outcome`` are the notice after a decision."""
    notice = (decided, outcome) if decided.isdigit() and outcome in REQUEST_STATUS_LABELS else ("", "")
    return _request_page(request, session, Listing.of(status, page), notice=notice)


@router.post("/limit-requests/{request_id:int}/decision", name="limit_decision")
def decide_on_list(request: Request, session: CreditManager, _: Posted, request_id: int, decision: FormText = "",
                   amount: FormText = "", reason: FormText = "", version: FormText = "",
                   listed: FormText = "pending") -> Response:
    """``listed`` is the status filter of the list the form was on, to return to."""
    listing = Listing.of(listed, None)
    decided = _decide(request, session, request_id, decision=decision, amount=amount, reason=reason, version=version)
    if isinstance(decided, tuple):
        status, problem = decided
        return _request_page(request, session, listing, status=status, problem=problem)
    return redirect(url(request, "limit_requests",
                        query={**listing.query(), "decided": decided.id, "outcome": decided.status}))
