"""Country pages: the world table of grades and our exposure, and one country's page (grade, sub-scores,
history, exposure, settings a credit manager edits, and the downgrade stress test as an htmx partial)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from tradecredit.domain.country import BEST_GRADE, WORST_GRADE, PaymentTerms, grade_from_composite
from tradecredit.domain.errors import FxRateMissing, NotFound, StaleVersion, ValidationError
from tradecredit.domain.identifiers import check_country
from tradecredit.services import country as service
from tradecredit.services.country import CountryLine, CountryProfile, CountrySettings, StressResult
from tradecredit.services.users import WebSession
from tradecredit.web.auth import CreditManager, Posted, Viewer
from tradecredit.web.i18n import N_, Formatter, formatter, gettext
from tradecredit.web.pages import WebRoute, language_of, printable, redirect, render, tc_of, url

router = APIRouter(route_class=WebRoute, include_in_schema=False)
SORTS = ("grade", "exposure", "country")
DESCENDING_FIRST = frozenset({"exposure"})  # the service's "exposure" puts the largest first
GRADES = range(BEST_GRADE, WORST_GRADE + 1)
STEPS = range(1, WORST_GRADE + 1)
MAX_TEXT = 4000
SUB_SCORES = (
    ("political_stability", N_("Political stability")),
    ("government_quality", N_("Government quality")),
    ("rule_of_law", N_("Rule of law")),
    ("control_of_corruption", N_("Control of corruption")),
)
SETTING_LABELS = {
    "transfer_restrictions": N_("Transfer restrictions"),
    "payment_delay_days": N_("Typical payment delay"),
    "legal_notes": N_("Legal and insolvency notes"),
    "max_credit_period_days": N_("Maximum credit period"),
    "required_terms": N_("Required terms"),
    "insured": N_("Insured"),
    "version": N_("Version"),
}
INSURED = {"yes": True, "no": False, "unknown": None}


@dataclass(frozen=True)
class Listing:
    """The country list's query string, cleaned: an unknown sort falls back to the grade; exposure only by default."""

    sort: str
    exposed: bool

    @classmethod
    def of(cls, sort: str | None, exposed: str | None) -> Listing:
        wanted = (sort or "grade").strip()
        return cls(wanted if wanted.removeprefix("-") in SORTS else "grade",
                   (exposed or "1").strip().lower() not in ("0", "false", "no", "off"))

    def query(self, **changes: Any) -> dict[str, Any]:
        """The query string with some parameters changed (defaults are left out of the address)."""
        values = {"sort": self.sort, "exposed": self.exposed, **changes}
        return {"sort": "" if values["sort"] == "grade" else values["sort"],
                "exposed": "" if values["exposed"] else "0"}

    def toggled(self, column: str) -> str:
        """The sort a column header links to: its natural order first, reversed when already sorted so."""
        return f"-{column}" if self.sort == column else column

    def arrow(self, column: str) -> str:
        """▲ ascending, ▼ descending by the column's values, "" when the list is not sorted by it."""
        if self.sort.removeprefix("-") != column:
            return ""
        descending = (column in DESCENDING_FIRST) != self.sort.startswith("-")
        return "▼" if descending else "▲"


@dataclass(frozen=True)
class Totals:
    """The list's key figures over the countries where we have exposure."""

    countries: int
    exposure: Decimal
    overdue: Decimal
    secured: Decimal  # exposure in countries where open account is no longer allowed

    @classmethod
    def of(cls, lines: list[CountryLine]) -> Totals:
        exposed = [line for line in lines if line.buyers]
        return cls(len(exposed), sum((line.exposure for line in exposed), Decimal(0)),
                   sum((line.overdue for line in exposed), Decimal(0)),
                   sum((line.exposure for line in exposed if line.terms not in (None, PaymentTerms.OPEN_ACCOUNT)),
                       Decimal(0)))

    @property
    def secured_share(self) -> float | None:
        return float(self.secured / self.exposure) if self.exposure else None


def grade_chart(lines: list[CountryLine], currency: str, code: str) -> dict[str, Any]:
    """Exposure by grade (0 … 7) for static/app.js, one colour per grade."""
    by_grade: dict[int, Decimal] = defaultdict(Decimal)
    for line in lines:
        if line.grade is not None:
            by_grade[line.grade] += line.exposure
    return {"kind": "bar", "unit": "money", "currency": currency, "palette": "grades",
            "axis": gettext(code, N_("Grade (0 best … 7 worst)")), "labels": [str(grade) for grade in GRADES],
            "series": [{"label": gettext(code, N_("Exposure")), "data": [float(by_grade[grade]) for grade in GRADES]}]}


@router.get("/countries", name="countries")
def country_list(request: Request, session: Viewer, sort: str | None = None,
                 exposed: str | None = None) -> HTMLResponse:
    listing = Listing.of(sort, exposed)
    tc = tc_of(request)
    code = language_of(request, session)
    lines: list[CountryLine] = []
    problem = ""
    try:
        lines = service.list_countries(tc.uow(), on=tc.clock.today(), base_currency=tc.settings.base_currency,
                                       policy=tc.settings.terms_policy(), sort=listing.sort)
    except FxRateMissing as error:
        problem = str(error)
    shown = [line for line in lines if line.buyers] if listing.exposed else lines
    partial = bool(request.headers.get("HX-Request")) and not request.headers.get("HX-History-Restore-Request")
    return render(request, "country_results.html" if partial else "countries.html", session=session,
                  headers={"Vary": "HX-Request"}, listing=listing, lines=shown, all_count=len(lines),
                  totals=Totals.of(lines), charts={"grades": grade_chart(lines, tc.settings.base_currency, code)},
                  problem=problem, partial=partial)


def _code(code: str) -> str:
    """The country code of the address, upper case; an unknown code is a 404, not a 400."""
    if printable(code) != code:
        raise NotFound("country", code.encode("unicode_escape").decode())
    try:
        return check_country(code)
    except ValidationError:
        raise NotFound("country", code) from None


def _year(day: date) -> float:
    """A date as a fractional year: the x axis of the history chart is linear in time."""
    return round(day.year + (day.timetuple().tm_yday - 1) / 366, 3)


def history_chart(profile: CountryProfile, today: date, code: str, fmt: Formatter) -> dict[str, Any]:
    """The grade over time: WGI grades, imported ratings (marked apart), and the effective grade as a step line."""

    def point(on: date, grade: int, source: str | None = None) -> dict[str, Any]:
        found: dict[str, Any] = {"x": _year(on), "y": grade}
        if source:
            label = gettext(code, N_("grade %(grade)s"), grade=grade)
            found["tip"] = f"{fmt.day(on)} · {label} · {source}"
        return found

    graded = [(p.on, p.grade, p.source, p.label) for p in profile.history if p.grade is not None]
    first_import = min((on for on, _, _, label in graded if label), default=None)
    shipped = [point(on, grade, source) for on, grade, source, label in graded if not label]
    imported = [point(on, grade, f"{source} ({label})") for on, grade, source, label in graded if label]
    # The effective grade: WGI grades until the first imported rating, then the imported ratings, held until today.
    steps = [point(on, grade) for on, grade, _, label in graded
             if label or first_import is None or on < first_import]
    if steps and profile.grade.grade is not None:
        steps.append(point(today, profile.grade.grade))
    series = [{"label": gettext(code, N_("Effective grade")), "data": steps, "role": "line"},
              {"label": gettext(code, N_("WGI grade (shipped)")), "data": shipped, "role": "shipped"}]
    if imported:
        series.append({"label": gettext(code, N_("Imported rating")), "data": imported, "role": "imported"})
    first = min((on.year for on, *_ in graded), default=today.year)
    return {"kind": "grades", "axis": gettext(code, N_("Grade")), "best": gettext(code, N_("best")),
            "worst": gettext(code, N_("worst")), "min": first, "max": today.year + 1,
            "years": [year for year in range(first, today.year + 1) if (today.year - year) % 2 == 0],
            "series": series}


@dataclass(frozen=True)
class Score:
    """A sub-score (0 … 100, higher is better) and the grade a composite of that value would have (its colour)."""

    label: str
    value: float | None

    @property
    def grade(self) -> int | None:
        return None if self.value is None else grade_from_composite(self.value)


def form_values(settings: CountrySettings) -> dict[str, str]:
    """The settings as the edit form shows them."""
    insured = "unknown" if settings.insured is None else "yes" if settings.insured else "no"
    return {
        "transfer_restrictions": settings.transfer_restrictions or "",
        "payment_delay_days": "" if settings.payment_delay_days is None else str(settings.payment_delay_days),
        "legal_notes": settings.legal_notes or "",
        "max_credit_period_days": "" if settings.max_credit_period_days is None
        else str(settings.max_credit_period_days),
        "required_terms": str(settings.required_terms or ""),
        "insured": insured,
        "version": str(settings.version),
    }


def _country_page(request: Request, session: WebSession, code: str, *, status: int = 200,
                  **context: Any) -> HTMLResponse:
    tc = tc_of(request)
    language = language_of(request, session)
    profile = service.country_profile(tc.uow(), country=code, on=tc.clock.today(),
                                      base_currency=tc.settings.base_currency, policy=tc.settings.terms_policy())
    values: dict[str, Any] = {"saved": False, "conflict": False, "error": None, "stress": None, "steps": 2,
                              "form": form_values(profile.settings), **context}
    scores = profile.grade.sub_scores
    return render(request, "country.html", session=session, status=status, profile=profile,
                  charts={"history": history_chart(profile, tc.clock.today(), language, formatter(language))},
                  sub_scores=[Score(label, getattr(scores, name)) for name, label in SUB_SCORES] if scores else [],
                  composite=Score(N_("Composite"), scores.composite) if scores else None,
                  setting_labels=SETTING_LABELS, terms_choices=list(PaymentTerms), step_choices=list(STEPS),
                  **values)


@router.get("/countries/{code}", name="country")
def country_page(request: Request, session: Viewer, code: str, saved: str | None = None) -> HTMLResponse:
    return _country_page(request, session, _code(code), saved=saved == "1")


def _steps(text: str | None) -> int:
    try:
        return min(max(STEPS.start, int(text or "1")), STEPS.stop - 1)
    except ValueError:
        return STEPS.start


@router.get("/countries/{code}/stress", name="country_stress")
def stress(request: Request, session: Viewer, code: str, steps: str | None = None) -> HTMLResponse:
    """The stress test: the result alone for htmx, else the country page with the result in place."""
    country = _code(code)
    tc = tc_of(request)
    chosen = _steps(steps)
    result: StressResult = service.stress_test(tc.uow(), country=country, steps=chosen, on=tc.clock.today(),
                                               base_currency=tc.settings.base_currency,
                                               policy=tc.settings.terms_policy(),
                                               assessment_policy=tc.settings.assessment_policy(),
                                               lgd=tc.settings.lgd)
    if request.headers.get("HX-Request") and not request.headers.get("HX-History-Restore-Request"):
        return render(request, "country_stress.html", session=session, headers={"Vary": "HX-Request"},
                      stress=result)
    return _country_page(request, session, country, stress=result, steps=chosen)


def _text(name: str, value: str) -> str | None:
    """A free-text setting: control characters other than line breaks and tabs dropped, trimmed, bounded."""
    kept = "".join(char for char in value if char in "\n\t" or (ord(char) >= 0x20 and ord(char) != 0x7F)).strip()
    if len(kept) > MAX_TEXT:
        raise ValidationError(name, f"at most {MAX_TEXT} characters; got {len(kept)}")
    return kept or None


def _days(name: str, value: str) -> int | None:
    text = printable(value).strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise ValidationError(name, f"expected a whole number of days; got {text!r}") from None


def changes_of(values: dict[str, str]) -> tuple[dict[str, Any], int]:
    """The service's changes and the version the form was read at; raises ValidationError naming the field."""
    try:
        version = int(values["version"].strip())
    except ValueError:
        raise ValidationError("version", "the form has no valid version; reload the page") from None
    insured = values["insured"].strip().lower()
    if insured not in INSURED:
        raise ValidationError("insured", f"expected yes, no or unknown; got {insured!r}")
    changes = {
        "transfer_restrictions": _text("transfer_restrictions", values["transfer_restrictions"]),
        "payment_delay_days": _days("payment_delay_days", values["payment_delay_days"]),
        "legal_notes": _text("legal_notes", values["legal_notes"]),
        "max_credit_period_days": _days("max_credit_period_days", values["max_credit_period_days"]),
        "required_terms": printable(values["required_terms"]).strip() or None,
        "insured": INSURED[insured],
    }
    return changes, version


@router.post("/countries/{code}/settings", name="country_settings")
def save_settings(request: Request, session: CreditManager, _: Posted, code: str,
                  version: Annotated[str, Form()] = "", transfer_restrictions: Annotated[str, Form()] = "",
                  payment_delay_days: Annotated[str, Form()] = "", legal_notes: Annotated[str, Form()] = "",
                  max_credit_period_days: Annotated[str, Form()] = "", required_terms: Annotated[str, Form()] = "",
                  insured: Annotated[str, Form()] = "unknown") -> Response:
    country = _code(code)
    submitted = {"version": version, "transfer_restrictions": transfer_restrictions,
                 "payment_delay_days": payment_delay_days, "legal_notes": legal_notes,
                 "max_credit_period_days": max_credit_period_days, "required_terms": required_terms,
                 "insured": insured}
    try:
        changes, read_version = changes_of(submitted)
        service.update_settings(tc_of(request).uow(), country=country, changes=changes, version=read_version,
                                actor=session.principal.actor)
    except StaleVersion:
        return _country_page(request, session, country, status=409, conflict=True)
    except ValidationError as error:
        return _country_page(request, session, country, status=422, form=submitted,
                             error={"field": error.field, "reason": error.reason})
    return redirect(url(request, "country", code=country, query={"saved": "1"}) + "#settings")
