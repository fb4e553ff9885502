"""Buyer pages: the searchable list (an htmx partial for the results) and one buyer's page.

:func:`render_buyer` renders the buyer page; the routes of its forms (limits, the calculator) use it to show the
page again with their result or error in place.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from tradecredit.domain.errors import FxRateMissing, NotFound
from tradecredit.domain.events import EventType
from tradecredit.domain.ledger import InvoiceStatus
from tradecredit.services import buyers, ledger, ledger_reads
from tradecredit.services.buyers import Exposure
from tradecredit.services.events import list_events
from tradecredit.services.ledger import AgingLine, InvoiceLine, PaymentLine
from tradecredit.services.ledger_reads import StatementView
from tradecredit.services.paging import MAX_PAGE
from tradecredit.services.users import WebSession
from tradecredit.web import assessment
from tradecredit.web.auth import Viewer
from tradecredit.web.credit_views import (
    Calculator,
    CalculatorForm,
    LimitState,
    calculator_url,
    label_context,
    limit_section,
)
from tradecredit.web.i18n import N_, countries
from tradecredit.web.monitoring_views import MonitoringState, monitoring_section, result_text
from tradecredit.web.monitoring_views import label_context as monitoring_labels
from tradecredit.web.pages import WebRoute, language_of, printable, render, tc_of

router = APIRouter(route_class=WebRoute, include_in_schema=False)
PAGE_SIZE = 25
MAX_QUERY = 200
SORTS = ("ref", "name", "country")
RECENT_PAYMENTS = 50
STATEMENT_PERIODS = 3
STATUS_LABELS = {
    InvoiceStatus.OPEN: N_("Open"),
    InvoiceStatus.PARTIALLY_PAID: N_("Partially paid"),
    InvoiceStatus.PAID: N_("Paid"),
    InvoiceStatus.DISPUTED: N_("Disputed"),
    InvoiceStatus.WRITTEN_OFF: N_("Written off"),
}
RECENT_EVENTS = 10
EVENT_LABELS = {
    EventType.INSOLVENCY.value: N_("Insolvency"),
    EventType.PAYMENT_INCIDENT.value: N_("Payment incident"),
    EventType.LEGAL_CLAIM.value: N_("Legal claim"),
    EventType.RATING_CHANGE.value: N_("Rating change"),
    EventType.NEWS.value: N_("News"),
}
STATEMENT_LINES = (
    ("revenue", N_("Revenue")),
    ("gross_profit", N_("Gross profit")),
    ("ebit", N_("EBIT")),
    ("net_income", N_("Net income")),
    ("total_assets", N_("Total assets")),
    ("current_assets", N_("Current assets")),
    ("cash", N_("Cash")),
    ("current_liabilities", N_("Current liabilities")),
    ("total_liabilities", N_("Total liabilities")),
    ("equity", N_("Equity")),
    ("operating_cash_flow", N_("Operating cash flow")),
)


def _page_number(text: str | None) -> int:
    try:
        return min(max(1, int(text or "1")), MAX_PAGE)
    except ValueError:
        return 1


@dataclass(frozen=True)
class Search:
    """The list's query string, cleaned: unknown sorts fall back to the reference, the page to 1."""

    q: str
    country: str
    sort: str
    page: int

    @classmethod
    def of(cls, q: str | None, country: str | None, sort: str | None, page: str | None) -> Search:
        wanted = (sort or "ref").strip()
        return cls(printable(q or "").strip()[:MAX_QUERY], printable(country or "").strip().upper()[:2],
                   wanted if wanted.removeprefix("-") in SORTS else "ref", _page_number(page))

    def query(self, **changes: Any) -> dict[str, Any]:
        """The query string of this search with some parameters changed (the links of headers and pages)."""
        values = {"q": self.q, "country": self.country, "sort": self.sort, "page": self.page, **changes}
        if values["sort"] == "ref":
            values["sort"] = ""
        if values["page"] == 1:
            values["page"] = ""
        return values

    def toggled(self, column: str) -> str:
        """The sort a column header links to: ascending first, descending when already ascending."""
        return f"-{column}" if self.sort == column else column


@router.get("/buyers", name="buyers")
def buyer_list(request: Request, session: Viewer, q: str | None = None, country: str | None = None,
               sort: str | None = None, page: str | None = None) -> HTMLResponse:
    search = Search.of(q, country, sort, page)
    tc = tc_of(request)
    found = buyers.search_buyers(tc.uow(), q=search.q or None, country=search.country or None, sort=search.sort,
                                 page=search.page, size=PAGE_SIZE)
    pages = max(1, -(-found.total // PAGE_SIZE))
    if search.page > pages:  # past the end (the list shrank): show the last page
        search = Search(search.q, search.country, search.sort, pages)
        found = buyers.search_buyers(tc.uow(), q=search.q or None, country=search.country or None,
                                     sort=search.sort, page=search.page, size=PAGE_SIZE)
    partial = bool(request.headers.get("HX-Request")) and not request.headers.get("HX-History-Restore-Request")
    code = language_of(request, session)
    return render(request, "buyer_results.html" if partial else "buyers.html", session=session,
                  headers={"Vary": "HX-Request"}, search=search, found=found, pages=pages, partial=partial,
                  countries=countries(code))


@dataclass(frozen=True)
class AgingTable:
    """A buyer's aging: one row per invoice currency, one column per bucket (in the buckets' order)."""

    buckets: list[str]
    rows: list[tuple[str, list[AgingLine]]]

    @classmethod
    def of(cls, lines: list[AgingLine]) -> AgingTable:
        buckets = list(dict.fromkeys(line.bucket for line in lines))
        by_currency: dict[str, list[AgingLine]] = defaultdict(list)
        for line in lines:
            by_currency[line.currency].append(line)
        return cls(buckets, sorted(by_currency.items()))


def cash_on_account(payments: list[PaymentLine]) -> dict[str, Decimal]:
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for payment in payments:
        if payment.unallocated:
            sums[payment.currency] += payment.unallocated
    return dict(sorted(sums.items()))


def _invoices(lines: list[InvoiceLine], show_all: bool) -> list[InvoiceLine]:
    chosen = lines if show_all else [line for line in lines if line.open_amount > 0]
    return sorted(chosen, key=lambda line: (line.issue_date, line.ref), reverse=True)


def _exposure(request: Request, ref: str) -> tuple[Exposure | None, str]:
    tc = tc_of(request)
    try:
        return buyers.get_buyer(tc.uow(), ref=ref, base_currency=tc.settings.base_currency).exposure, ""
    except FxRateMissing as error:
        return None, str(error)


def render_buyer(request: Request, session: WebSession, ref: str, *, status: int = 200, invoices: str = "open",
                 payments: str = "recent", limit_state: LimitState | None = None,
                 calculator: Calculator | None = None, monitoring_state: MonitoringState | None = None) -> HTMLResponse:
    """The buyer page; ``limit_state``, ``calculator`` and ``monitoring_state`` carry what a form post left to
    show."""
    tc = tc_of(request)
    if printable(ref) != ref:
        raise NotFound("buyer", ref)  # no reference has control characters (and PostgreSQL refuses NUL)
    account = ledger.buyer_account(tc.uow(), ref=ref, as_of=tc.clock.today())  # NotFound → the 404 page
    exposure, exposure_problem = _exposure(request, ref)
    statements: list[StatementView] = ledger_reads.list_statements(tc.uow(), buyer_ref=ref)[-STATEMENT_PERIODS:]
    newest_first = list(reversed(statements))
    all_payments = sorted(account.payments, key=lambda p: (p.payment_date, p.ref), reverse=True)
    limits = limit_section(request, tc, session, ref, top_level=account.parent_ref is None and bool(account.members),
                           state=limit_state or LimitState())
    calculator = calculator or Calculator(calculator_url(request, ref),
                                          CalculatorForm(days=str(account.payment_terms_days)))
    code = language_of(request, session)
    return render(
        request, "buyer.html", session=session, status=status, account=account, exposure=exposure,
        monitoring=monitoring_section(request, tc, ref, state=monitoring_state or MonitoringState()),
        action_result=partial(result_text, code), **monitoring_labels(),
        **assessment.context(request, tc, language_of(request, session), ref),
        limit_section=limits, calculator=calculator, **label_context(),
        exposure_problem=exposure_problem, tree=buyers.group_tree(tc.uow(), ref=ref),
        aging=AgingTable.of(ledger.account_aging(account, edges=tc.settings.aging_edges)),
        show_all_invoices=invoices == "all", invoice_lines=_invoices(account.invoices, invoices == "all"),
        open_count=sum(1 for line in account.invoices if line.open_amount > 0),
        show_all_payments=payments == "all",
        payment_lines=all_payments if payments == "all" else all_payments[:RECENT_PAYMENTS],
        cash=cash_on_account(account.payments), statements=newest_first,
        events=list_events(tc.uow(), buyer_ref=ref, size=RECENT_EVENTS).items, event_labels=EVENT_LABELS,
        statement_lines=STATEMENT_LINES, status_labels=STATUS_LABELS)


@router.get("/buyers/{ref:path}", name="buyer")
def buyer_page(request: Request, session: Viewer, ref: str, invoices: str = "open", payments: str = "recent",
               limit: str = "", monitor: str = "") -> HTMLResponse:
    """``limit`` and ``monitor`` are the notices a limit, watch-list or block form left after its redirect
    (``requested``, ``approved``, ``watched``, ``blocked``, …)."""
    return render_buyer(request, session, ref, invoices=invoices, payments=payments,
                        limit_state=LimitState(notice=limit), monitoring_state=MonitoringState(notice=monitor))
