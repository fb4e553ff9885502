"""The buyer page's assessment section and its "Assess now" form.

The section shows the latest assessment (grade, PD, score, DRA, flags, the components and reasons behind the PD,
the recommended limit term by term, the payment terms, why the grade changed), the grade and PD over the
assessments, and the ratios of the statements on file. The form (analysts and above, with the CSRF token) assesses
the buyer now; htmx swaps the re-rendered section in, without JavaScript the browser is sent back to the page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from tradecredit.bootstrap import App
from tradecredit.domain.errors import NotFound, TradeCreditError
from tradecredit.domain.grades import SCORE_BANDS
from tradecredit.services import assessment as service
from tradecredit.services.assessment import AssessmentView, RatioPeriod
from tradecredit.web.auth import Analyst, Posted
from tradecredit.web.i18n import N_, Formatter, formatter, gettext
from tradecredit.web.pages import WebRoute, language_of, printable, redirect, render, tc_of, url

router = APIRouter(route_class=WebRoute, include_in_schema=False)
HISTORY_READ = 100  # assessments read for the chart and the history table, newest first
HISTORY_LISTED = 10
RATIO_PERIODS = 3  # the statements the buyer page shows
TRIGGER = "dashboard"

COMPONENT_LABELS = {
    "behaviour": N_("Payment behaviour"),
    "country": N_("Country"),
    "industry": N_("Industry"),
    "stale_statement": N_("Stale statement"),
}
LIMIT_TERM_LABELS = {
    "size": N_("Buyer size"),
    "need": N_("Our need"),
    "country": N_("Country cap"),
    "default": N_("In default"),
}
FLAG_LABELS = {
    "current_assets_above_total_assets": N_("Current assets exceed total assets"),
    "negative_total_assets": N_("Total assets below zero"),
    "balance_sheet_mismatch": N_("Assets do not equal liabilities plus equity"),
    "missing_core_items": N_("Core line items missing"),
    "negative_equity": N_("Negative equity"),
    "non_finite_items": N_("A line item is not a number"),
    "duplicate_period": N_("Two statements for the same period"),
}
RATIOS: tuple[tuple[str, str, str], ...] = (  # (name, label, how it is shown: ratio | pct | days)
    ("current_ratio", N_("Working capital ratio"), "ratio"),
    ("quick_ratio", N_("Quick ratio"), "ratio"),
    ("cash_ratio", N_("Cash ratio"), "ratio"),
    ("debt_to_equity", N_("Debt to equity"), "ratio"),
    ("equity_ratio", N_("Equity ratio"), "ratio"),
    ("liabilities_to_assets", N_("Liabilities to assets"), "ratio"),
    ("roa", N_("Return on assets"), "pct"),
    ("ebit_margin", N_("EBIT margin"), "pct"),
    ("net_margin", N_("Net margin"), "pct"),
    ("interest_coverage", N_("Interest coverage"), "ratio"),
    ("asset_turnover", N_("Asset turnover"), "ratio"),
    ("dso_days", N_("Days sales outstanding"), "days"),
    ("dio_days", N_("Days inventory outstanding"), "days"),
    ("revenue_growth", N_("Revenue growth"), "pct"),
    ("log_total_assets", N_("Size (log₁₀ of total assets)"), "ratio"),
    ("altman_z2", N_("Altman Z''"), "ratio"),
)
ALTMAN_ZONES = {"safe": N_("safe"), "grey": N_("grey zone"), "distress": N_("distress")}


@dataclass(frozen=True)
class RatioColumn:
    """One statement period and its ratios (None where a ratio is undefined, such as growth without the year
    before)."""

    period_end: date
    currency: str
    ratios: Mapping[str, Any]
    zone: str | None


@dataclass(frozen=True)
class LimitLine:
    """One term of the limit formula as stored (amount None: the term does not apply)."""

    name: str
    formula: str
    amount: Decimal | None
    binding: bool

    @classmethod
    def of(cls, term: Mapping[str, Any]) -> LimitLine:
        amount = term.get("amount")
        return cls(str(term.get("name", "")), str(term.get("formula", "")),
                   None if amount is None else Decimal(str(amount)), bool(term.get("binding")))


@dataclass(frozen=True)
class Section:
    ref: str
    latest: AssessmentView | None
    total: int
    history: list[AssessmentView]  # newest first, at most HISTORY_LISTED
    up: list[Mapping[str, Any]]  # reasons raising the PD, then those lowering it
    down: list[Mapping[str, Any]]
    flags: list[tuple[str, bool]]  # (text, blocks the PD)
    limit_lines: list[LimitLine]
    terms_why: str
    band_label: str
    columns: list[RatioColumn]
    chart: dict[str, Any] | None
    assess_url: str


def assess_url(request: Request, ref: str) -> str:
    return url(request, "buyer_assess", ref=quote(ref, safe=""))


def flag_texts(view: AssessmentView, code: str) -> list[tuple[str, bool]]:
    """The statement's flags in the language; a flag that kept the statement from being scored is marked."""
    blocked = set(view.outputs.get("blocked_by") or ())
    texts = []
    for flag in view.flags:
        if flag in FLAG_LABELS:
            text = gettext(code, FLAG_LABELS[flag])
        elif flag.startswith("no_fx_rate_"):
            text = gettext(code, N_("No FX rate for %(currency)s"), currency=flag.removeprefix("no_fx_rate_"))
        else:
            text = flag
        texts.append((text, flag in blocked))
    return texts


def why_text(terms: Mapping[str, Any], code: str) -> str:
    """The service's reason for the payment terms in the language (assessments stored before the Chinese text
    existed show the English one)."""
    english = str(terms.get("why") or "")
    return str(terms.get("why_zh") or english) if code == "zh" else english


def band_label(band: str, code: str) -> str:
    found = next((names for _, name, *names in SCORE_BANDS if name == band), None)
    if found is None:
        return ""
    return found[1] if code == "zh" else found[0]


def ratio_columns(periods: list[RatioPeriod]) -> list[RatioColumn]:
    """The latest statement periods, newest first, each with its own ratios."""
    return [RatioColumn(period.period_end, period.currency, period.ratios, period.altman_zone)
            for period in periods[:RATIO_PERIODS]]


def history_chart(views: list[AssessmentView], code: str, fmt: Formatter) -> dict[str, Any]:
    """Grade (1 at the top, so a downgrade goes down) and PD over time, one point a day (its last assessment)."""
    by_day: dict[date, AssessmentView] = {}
    for view in reversed(views):  # oldest first: a later assessment of the same day replaces an earlier one
        by_day[view.as_of] = view
    points = list(by_day.values())
    return {"kind": "rating", "labels": [fmt.day(view.as_of) for view in points],
            "grade": [view.grade for view in points], "pd": [view.pd for view in points],
            "grade_label": gettext(code, N_("Grade")), "pd_label": gettext(code, N_("PD (12 months)")),
            "best": gettext(code, N_("best")), "worst": gettext(code, N_("worst"))}


def section(request: Request, tc: App, code: str, ref: str) -> Section:
    """Everything the section shows, read from the buyer's assessments and statements."""
    found = service.assessment_history(tc.uow(), ref=ref, page=1, size=HISTORY_READ)
    views = found.items
    empty = Section(ref=ref, latest=None, total=0, history=[], up=[], down=[], flags=[], limit_lines=[],
                    terms_why="", band_label="", columns=[], chart=None,
                    assess_url=assess_url(request, ref))
    if not views:
        return empty
    latest = views[0]
    reasons = list(latest.outputs.get("reasons") or ())
    limit = latest.outputs.get("limit") or {}
    return replace(empty, latest=latest, total=found.total, history=views[:HISTORY_LISTED],
                   up=[r for r in reasons if r.get("direction") == "up"],
                   down=[r for r in reasons if r.get("direction") == "down"], flags=flag_texts(latest, code),
                   limit_lines=[LimitLine.of(term) for term in limit.get("terms") or ()],
                   terms_why=why_text(latest.outputs.get("terms") or {}, code),
                   band_label=band_label(latest.band, code),
                   columns=ratio_columns(service.statement_ratios(tc.uow(), ref=ref)),
                   chart=history_chart(views, code, formatter(code)))


def context(request: Request, tc: App, code: str, ref: str) -> dict[str, Any]:
    """The template values of the section (also used by the buyer page)."""
    return {"section": section(request, tc, code, ref), "component_labels": COMPONENT_LABELS,
            "limit_term_labels": LIMIT_TERM_LABELS, "ratio_rows": RATIOS, "altman_zones": ALTMAN_ZONES,
            "stale_months": tc.settings.assessment_policy().stale_months, "assess_problem": "",
            "just_assessed": False}


@router.post("/buyers/{ref:path}/assessments", name="buyer_assess")
def assess_now(request: Request, session: Analyst, _: Posted, ref: str) -> Response:
    """Assess the buyer now. htmx gets the section (with the service's error, if any); a plain form post is sent
    back to the buyer page (an error becomes the error page)."""
    tc = tc_of(request)
    if printable(ref) != ref:
        raise NotFound("buyer", ref)
    htmx = bool(request.headers.get("HX-Request"))
    problem = ""
    try:
        service.assess_buyer(tc.uow(), ref=ref, actor=session.principal.actor,
                             config=service.AssessmentConfig.from_settings(tc.settings), trigger=TRIGGER)
    except NotFound:
        raise
    except TradeCreditError as error:
        if not htmx:
            raise
        problem = str(error)
    if not htmx:
        return redirect(url(request, "buyer", ref=quote(ref, safe="")) + "#assessment")
    code = language_of(request, session)
    values = {**context(request, tc, code, ref), "assess_problem": problem, "just_assessed": not problem}
    return render(request, "buyer_assessment.html", session=session, headers={"Vary": "HX-Request"}, **values)
