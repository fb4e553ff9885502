"""The dashboard's routes: ``install(app)`` adds the pages and ``/static`` to the API's FastAPI application.

Pages live at the top level (``/``, ``/alerts``, ``/buyers``, ``/countries``, ``/holds``, ``/limit-requests``,
``/heatmap``, ``/import``, ``/login``…), next to ``/api/v1`` and ``/docs``. Routers whose GET paths extend
``/buyers/{ref}`` (the calculator) come before the buyer page's, which would otherwise take the rest of the path
as part of the reference.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from tradecredit.web import (
    advisor,
    alerts,
    assessment,
    auth,
    buyers,
    countries,
    heatmap,
    holds,
    imports,
    limits,
    overview,
)

STATIC = Path(__file__).parent / "static"


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (auth, overview, advisor, alerts, buyers, assessment, limits, holds, countries, heatmap, imports):
        app.include_router(module.router)
