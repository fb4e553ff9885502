"""The credit-terms calculator on the buyer page (analysts and above): a proposed sale priced on open account and
with security, the PD taken from the buyer's latest assessment (docs/credit-terms.md). It stores nothing, so it
is a GET form: htmx gets the result alone, without JavaScript the buyer page comes back with the result in place.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from tradecredit.domain.errors import NotFound, ValidationError
from tradecredit.services import terms_advisor as service
from tradecredit.services.terms_advisor import TermsAdviceView
from tradecredit.web.auth import Analyst
from tradecredit.web.buyers import render_buyer
from tradecredit.web.credit_views import Calculator, CalculatorForm, Problem, calculator_url
from tradecredit.web.i18n import N_
from tradecredit.web.pages import WebRoute, printable, render, tc_of

router = APIRouter(route_class=WebRoute, include_in_schema=False)


def _advice(request: Request, ref: str, form: CalculatorForm) -> TermsAdviceView | Problem:
    tc = tc_of(request)
    try:
        return service.advise_terms(
            tc.uow(), config=service.AdvisorConfig.from_settings(tc.settings),
            amount=printable(form.amount).replace(",", "").replace(" ", "").strip(), days=form.days_value(),
            margin=form.share("margin"), cost_of_capital=form.share("cost_of_capital"), buyer=ref,
            insured=form.share("insured"))
    except NotFound as error:
        if error.kind == "buyer":
            raise
        return Problem(N_("The buyer has not been assessed yet: the calculator takes the PD of its latest "
                          "assessment."), str(error))
    except ValidationError as error:
        return Problem(N_("Nothing was calculated: a value is not accepted."), error.reason, error.field)


@router.get("/buyers/{ref:path}/terms-advice", name="buyer_terms_advice")
def terms_advice(request: Request, session: Analyst, ref: str, amount: str = "", days: str = "", margin: str = "",
                 cost_of_capital: str = "", insured: str = "0") -> HTMLResponse:
    """Margin, cost of capital and insured share are percentages (25 = 25%); the amount is in the base currency."""
    if printable(ref) != ref:
        raise NotFound("buyer", ref)
    form = CalculatorForm(amount, days, margin, cost_of_capital, insured)
    found = _advice(request, ref, form)
    advice = found if isinstance(found, TermsAdviceView) else None
    problem = found if isinstance(found, Problem) else None
    calculator = Calculator(calculator_url(request, ref), form, advice, problem)
    if request.headers.get("HX-Request") and not request.headers.get("HX-History-Restore-Request"):
        return render(request, "buyer_advice.html", session=session, headers={"Vary": "HX-Request"},
                      calculator=calculator)
    return render_buyer(request, session, ref, calculator=calculator)
