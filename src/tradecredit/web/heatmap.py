"""The early-warning heat map page: open exposure by grade × country, coloured by its share of the exposure and
framed by the worst open alert, with the numbers in every cell (services/heatmap.py)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from tradecredit.domain.errors import TradeCreditError
from tradecredit.services import heatmap as service
from tradecredit.web.auth import Viewer
from tradecredit.web.i18n import N_
from tradecredit.web.overview import parse_day
from tradecredit.web.pages import WebRoute, language_of, render, tc_of

router = APIRouter(route_class=WebRoute, include_in_schema=False)
SEVERITY_LABELS = {"critical": N_("Critical"), "warning": N_("Warning"), "info": N_("Info")}
LEVELS = (0.01, 0.05, 0.10, 0.20, 0.35)
"""Share-of-exposure edges of the six colour steps: below 1%, 1–5%, 5–10%, 10–20%, 20–35%, 35% and more."""
INBOX = "/alerts"  # the alerts inbox, filtered by its query parameters country and severity


def level(share: float) -> int:
    """The colour step of a cell (0 lightest … 5 darkest) for its share of the total exposure."""
    return sum(share >= edge for edge in LEVELS)


def alerts_link(country: str | None, severity: str | None) -> str:
    query = {key: value for key, value in (("country", country), ("severity", severity)) if value}
    return f"{INBOX}?{urlencode(query)}" if query else INBOX


@router.get("/heatmap", name="heatmap")
def heatmap_page(request: Request, session: Viewer, as_of: str | None = None) -> HTMLResponse:
    tc = tc_of(request)
    code = language_of(request, session)
    day, readable = parse_day(as_of, tc.clock.today())
    context: dict[str, Any] = {"as_of": day, "as_of_error": not readable, "problem": "", "found": None,
                               "level": level, "alerts_link": alerts_link, "severity_labels": SEVERITY_LABELS}
    try:
        context["found"] = service.heat_map(tc.uow(), as_of=day, base_currency=tc.settings.base_currency)
    except TradeCreditError as error:
        context["problem"] = str(error)
    return render(request, "heatmap.html", session=session, code=code, **context)
