"""The API application factory."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI

from tradecredit import __version__
from tradecredit.api import errors
from tradecredit.api.deps import no_nul
from tradecredit.api.routes import (
    admin,
    advisor,
    assessments,
    buyers,
    countries,
    events,
    imports,
    ledger,
    limits,
    reports,
)
from tradecredit.bootstrap import App

API_PREFIX = "/api/v1"
ROUTERS: tuple[APIRouter, ...] = (buyers.router, ledger.router, imports.router, reports.router, countries.router,
                                   assessments.router, limits.router, advisor.router, events.router, admin.router)


def api_router() -> APIRouter:
    router = APIRouter(prefix=API_PREFIX, dependencies=[Depends(no_nul)])
    for area in ROUTERS:
        router.include_router(area)
    return router


def create_app(tc: App) -> FastAPI:
    """The FastAPI app around one TradeCredit ``App`` (settings, database, clock)."""
    app = FastAPI(title="TradeCredit", version=__version__, openapi_url=f"{API_PREFIX}/openapi.json",
                  docs_url="/docs", redoc_url=None,
                  description="Trade-credit risk: the receivables ledger, reports and (to come) assessment, limits, "
                              "monitoring, collections and credit insurance. Authenticate with "
                              "`Authorization: Bearer tc_…` (an API token) or a browser session.")
    app.state.tc = tc
    errors.install(app)
    app.include_router(api_router())
    return app
