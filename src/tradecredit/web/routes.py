"""The dashboard's routes: ``install(app)`` adds the pages and ``/static`` to the API's FastAPI application.

Pages live at the top level (``/``, ``/buyers``, ``/countries``, ``/import``, ``/login``…), next to ``/api/v1``
and ``/docs``.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from tradecredit.web import assessment, auth, buyers, countries, imports, overview

STATIC = Path(__file__).parent / "static"


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (auth, overview, buyers, assessment, countries, imports):
        app.include_router(module.router)
