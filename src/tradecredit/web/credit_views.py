"""What the buyer page's credit sections show: the credit limit section (limits in force against exposure, the
history, the requests, and what the last request or decision form left to say) and the credit-terms calculator's
form. The routes that post to them are in ``web/limits.py`` and ``web/advisor.py``; the labels are shared with
the limit request and hold queue pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

from fastapi import Request

from tradecredit.bootstrap import App
from tradecredit.domain.errors import (
    Conflict,
    FxRateMissing,
    PermissionDenied,
    StaleVersion,
    TradeCreditError,
    ValidationError,
)
from tradecredit.domain.terms_advisor import parse_share
from tradecredit.domain.users import Role, allows
from tradecredit.services import limits as service
from tradecredit.services.limits import AuthorityView, BuyerLimits
from tradecredit.services.terms_advisor import TermsAdviceView
from tradecredit.services.users import WebSession
from tradecredit.web.i18n import N_
from tradecredit.web.pages import printable, url

KIND_LABELS = {"base": N_("Base"), "temporary": N_("Seasonal")}
SCOPE_LABELS = {"buyer": N_("Buyer"), "group": N_("Group")}
REQUEST_STATUS_LABELS = {
    "pending": N_("Pending"),
    "approved": N_("Approved"),
    "partially_approved": N_("Partially approved"),
    "refused": N_("Refused"),
    "withdrawn": N_("Withdrawn"),
}
BUCKET_LABELS = {"open_invoices": N_("Open invoices"), "overdue_invoices": N_("Overdue invoices"),
                 "delivered_not_invoiced": N_("Delivered, not invoiced"), "open_orders": N_("Open orders")}
NOTICES = {
    "requested": N_("Limit requested: it waits for a credit manager's decision."),
    "approved": N_("Request approved: the limit is in force from its start date."),
    "partially_approved": N_("Request partially approved: the limit is in force from its start date."),
    "refused": N_("Request refused."),
}


def label_context() -> dict[str, dict[str, str]]:
    """The label maps the limit templates read (``limit_macros.html``)."""
    return {"request_status_labels": REQUEST_STATUS_LABELS, "kind_labels": KIND_LABELS, "scope_labels": SCOPE_LABELS,
            "bucket_labels": BUCKET_LABELS}


@dataclass(frozen=True)
class Problem:
    """Why a form changed nothing: a message id for the title, the service's words, and where it belongs (the
    field of the form, and ``about``: the request or order whose decision failed, "" for the request form)."""

    title: str
    detail: str
    field: str | None = None
    about: str = ""


def problem_of(error: TradeCreditError, *, about: str = "") -> tuple[int, Problem]:
    """The HTTP status and the message of an error a form post met; anything else is raised again."""
    if isinstance(error, PermissionDenied):
        return 403, Problem(N_("Outside your approval authority: nothing was changed."), str(error), None, about)
    if isinstance(error, StaleVersion):
        return 409, Problem(N_("Someone else changed it in the meantime: nothing was changed. Check the current "
                               "state and try again."), str(error), None, about)
    if isinstance(error, Conflict):
        return 409, Problem(N_("Already decided: nothing was changed."), str(error), None, about)
    if isinstance(error, ValidationError):
        return 422, Problem(N_("Nothing was saved: a value is not accepted."), error.reason, error.field, about)
    if isinstance(error, FxRateMissing):
        return 422, Problem(N_("Nothing was saved: there is no exchange rate for the currency."), str(error),
                            "currency", about)
    raise error


def reason_of(text: str) -> str:
    """A free-text reason as the services take it: control characters other than line breaks and tabs dropped,
    trimmed (the service bounds its length)."""
    return "".join(char for char in text if char in "\n\t" or printable(char)).strip()


def typed_amount(text: str) -> str:
    """An amount as typed: group separators and spaces dropped (both languages write 10,000.50); the services
    check it against the currency."""
    return printable(text).replace(",", "").replace(" ", "").strip()


def version_of(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ValidationError("version", "the form has no valid version; reload the page") from None


@dataclass(frozen=True)
class RequestForm:
    """The "Request a limit" form as typed (kept when it is refused, so nothing has to be typed again)."""

    amount: str = ""
    currency: str = ""
    kind: str = "base"
    scope: str = "buyer"
    valid_from: str = ""
    valid_to: str = ""
    reason: str = ""


@dataclass(frozen=True)
class LimitState:
    """What the last form post left to show in the section: the request form, an error, a notice key."""

    form: RequestForm = field(default_factory=RequestForm)
    problem: Problem | None = None
    notice: str = ""


@dataclass(frozen=True)
class LimitSection:
    ref: str
    limits: BuyerLimits | None
    problem: str  # why the limits cannot be shown (a missing FX rate)
    authority: AuthorityView | None  # the user's own, when they may decide
    group_allowed: bool  # a group limit is set on the group's top-level parent only
    state: LimitState
    request_url: str
    decide_urls: dict[int, str]  # pending request id → its decision form's action

    @property
    def notice(self) -> str:
        return NOTICES.get(self.state.notice, "")


def own_authority(tc: App, session: WebSession) -> AuthorityView | None:
    """The user's approval authority (None: none set, or the user may not decide at all)."""
    if not allows(session.principal.role, Role.CREDIT_MANAGER):
        return None
    return next((found for found in service.list_authorities(tc.uow())
                 if found.username == session.principal.username), None)


def limit_section(request: Request, tc: App, session: WebSession, ref: str, *, top_level: bool,
                  state: LimitState) -> LimitSection:
    quoted = quote(ref, safe="")
    limits, problem = None, ""
    try:
        limits = service.buyer_limits(tc.uow(), ref=ref, base_currency=tc.settings.base_currency,
                                      buckets=tc.settings.exposure_buckets)
    except FxRateMissing as error:
        problem = str(error)
    pending = [found.id for found in (limits.requests if limits else ()) if found.status == "pending"]
    return LimitSection(
        ref=ref, limits=limits, problem=problem, authority=own_authority(tc, session), group_allowed=top_level,
        state=state, request_url=url(request, "buyer_limit_request", ref=quoted),
        decide_urls={number: url(request, "buyer_limit_decision", ref=quoted, request_id=number)
                     for number in pending})


# --- the credit-terms calculator ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class CalculatorForm:
    """The calculator as typed: the sale in the base currency, days, and shares in percent (25 = 25%)."""

    amount: str = ""
    days: str = ""
    margin: str = ""
    cost_of_capital: str = ""
    insured: str = "0"

    def days_value(self) -> int:
        text = printable(self.days).strip()
        try:
            return int(text)
        except ValueError:
            raise ValidationError("days", f"expected a whole number of days; got {text!r}") from None

    def share(self, name: str) -> Decimal:
        """A percentage field as a share (25 → 0.25); the advisor's rule (0–1) names the field."""
        text = printable(getattr(self, name)).strip().removesuffix("%").strip()
        if not text and name == "insured":
            text = "0"  # not insured
        try:
            percent = Decimal(text)
        except InvalidOperation:
            raise ValidationError(name, f"expected a percentage such as 25; got {text!r}") from None
        if not percent.is_finite():
            raise ValidationError(name, f"expected a percentage such as 25; got {text!r}")
        return parse_share(percent / 100, name)


@dataclass(frozen=True)
class Calculator:
    """The calculator card: its form, and the advice (or why there is none) once it was run."""

    action: str
    form: CalculatorForm
    advice: TermsAdviceView | None = None
    problem: Problem | None = None

    @property
    def ran(self) -> bool:
        return self.advice is not None or self.problem is not None


def calculator_url(request: Request, ref: str) -> str:
    return url(request, "buyer_terms_advice", ref=quote(ref, safe=""))
