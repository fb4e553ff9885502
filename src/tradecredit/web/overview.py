"""The portfolio overview: exposure, overdue share, DSO and DBT, trends, aging, exposure by buyer grade with the
expected loss, the PD model's population stability, countries and top buyers."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from tradecredit.bootstrap import App
from tradecredit.domain.errors import TradeCreditError, ValidationError
from tradecredit.services import assessment, models, reports
from tradecredit.services.assessment import GradeReport
from tradecredit.web.auth import Viewer
from tradecredit.web.i18n import N_, Formatter, bucket_label, formatter, gettext
from tradecredit.web.pages import WebRoute, language_of, render, tc_of

router = APIRouter(route_class=WebRoute, include_in_schema=False)
CHART_COUNTRIES = 10
GRADES = range(1, 11)
PSI_STATUS = {  # the service's status → (label, badge class)
    "stable": (N_("stable"), "status-stable"),
    "investigate": (N_("investigate"), "status-investigate"),
    "significant shift": (N_("significant shift"), "status-shift"),
}


@dataclass(frozen=True)
class Figures:
    """What the overview shows, computed from one snapshot of the ledger."""

    aging: reports.AgingReport
    dso: reports.DsoReport
    top: reports.ExposureReport
    countries: list[reports.CountryExposure]
    concentration: reports.ConcentrationReport

    @property
    def overdue_share(self) -> float | None:
        return float(self.aging.overdue / self.aging.total) if self.aging.total else None


def figures(snap: reports.Snapshot, tc: App) -> Figures:
    settings = tc.settings
    return Figures(reports.aging_report(snap, edges=settings.aging_edges),
                   reports.dso_report(snap, period_days=settings.dso_period_days),
                   reports.exposure_report(snap, limit=settings.top_n),
                   reports.exposure_by_country(snap),
                   reports.concentration_report(snap, top_n=settings.top_n))


def charts(found: Figures, code: str, fmt: Formatter) -> dict[str, dict[str, Any]]:
    """Chart data for static/app.js: labels, one or more series, and the unit of the values."""
    currency = found.aging.base_currency
    countries = found.countries[:CHART_COUNTRIES]
    return {
        "dso": {"kind": "line", "unit": "days", "labels": [fmt.month(p.month_end) for p in found.dso.trend],
                "series": [{"label": gettext(code, N_("DSO (days)")), "data": [p.dso_days for p in found.dso.trend]}]},
        "aging": {"kind": "bar", "unit": "money", "currency": currency, "palette": "aging",
                  "axis": gettext(code, N_("Days past due")),
                  "labels": [bucket_label(code, b.bucket) if b.bucket == "current" else b.bucket
                             for b in found.aging.buckets],
                  "series": [{"label": gettext(code, N_("Open amount")),
                              "data": [float(b.amount) for b in found.aging.buckets]}]},
        "countries": {"kind": "bar", "unit": "money", "currency": currency, "horizontal": True, "stacked": True,
                      "labels": [fmt.country(c.country) for c in countries],
                      "series": [{"label": gettext(code, N_("Not overdue")),
                                  "data": [float(c.open - c.overdue) for c in countries]},
                                 {"label": gettext(code, N_("Overdue")),
                                  "data": [float(c.overdue) for c in countries]}]},
    }


def grade_chart(report: GradeReport, code: str) -> dict[str, Any]:
    """Open exposure by buyer grade 1 … 10, one colour per grade (a grade without exposure has an empty bar)."""
    by_grade = {line.grade: line for line in report.lines}
    return {"kind": "bar", "unit": "money", "currency": report.base_currency, "palette": "ratings",
            "axis": gettext(code, N_("Grade (1 best … 10 in default)")), "labels": [str(grade) for grade in GRADES],
            "series": [{"label": gettext(code, N_("Exposure")),
                        "data": [float(by_grade[g].exposure) if g in by_grade else 0.0 for g in GRADES]}]}


def risk(tc: App, day: date) -> dict[str, Any]:
    """Exposure by grade (with its chart) and the model's stability; each has its own message when it cannot be
    shown, so the rest of the overview stays."""
    found: dict[str, Any] = {"grades": None, "grades_problem": "", "stability": None, "psi_status": PSI_STATUS}
    try:
        found["grades"] = assessment.exposure_by_grade(tc.uow(), as_of=day, base_currency=tc.settings.base_currency,
                                                       lgd=tc.settings.lgd)
    except TradeCreditError as error:
        found["grades_problem"] = str(error)
    with suppress(ValidationError):  # no buyer has a financial PD yet: the card says so
        found["stability"] = models.model_stability(tc.uow(),
                                                    master_scale=tc.settings.assessment_policy().master_scale)
    return found


def parse_day(text: str | None, default: date) -> tuple[date, bool]:
    """The date of an ``as_of`` parameter (YYYY-MM-DD), and whether it was readable."""
    if not text:
        return default, True
    try:
        return date.fromisoformat(text.strip()), True
    except ValueError:
        return default, False


@router.get("/", name="overview")
def overview(request: Request, session: Viewer, as_of: str | None = None) -> HTMLResponse:
    tc = tc_of(request)
    code = language_of(request, session)
    day, readable = parse_day(as_of, tc.clock.today())
    context: dict[str, Any] = {"as_of": day, "as_of_error": not readable, "problem": "", "empty": False,
                               "found": None, "charts": {}, "no_buyers": False, "grades": None,
                               "grades_problem": "", "stability": None}
    try:
        snap = reports.snapshot(tc.uow(), as_of=day, base_currency=tc.settings.base_currency)
        if not snap.buyers or snap.invoices.is_empty():
            context.update(empty=True, no_buyers=not snap.buyers)
        else:
            found = figures(snap, tc)
            context.update(found=found, charts=charts(found, code, formatter(code)), **risk(tc, day))
            if context["grades"] is not None:
                context["charts"]["grades"] = grade_chart(context["grades"], code)
    except TradeCreditError as error:
        context["problem"] = str(error)
    return render(request, "overview.html", session=session, code=code, **context)
