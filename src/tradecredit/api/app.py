"""The API application factory."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI

from tradecredit import __version__
from tradecredit.api import errors
from tradecredit.api.deps import no_nul
from tradecredit.api.routes import (
    admin,
    advisor,
    alerts,
    assessments,
    buyers,
    countries,
    digest,
    events,
    imports,
    ledger,
    limits,
    monitoring,
    promises,
    reports,
    webhooks,
)
from tradecredit.bootstrap import App
from tradecredit.services.digest import send_daily_digest
from tradecredit.services.monitor_schedule import MonitorScheduler
from tradecredit.services.webhook_dispatch import DeliveryConfig, Dispatcher

API_PREFIX = "/api/v1"
# The order check first: FastAPI tries routes in order, and an ERP calls it before every order.
ROUTERS: tuple[APIRouter, ...] = (limits.router, buyers.router, ledger.router, imports.router, reports.router,
                                   countries.router, assessments.router, advisor.router, events.router, admin.router,
                                   webhooks.router, digest.router, alerts.router, monitoring.router,
                                   promises.router)


def include_api(target: FastAPI | APIRouter) -> None:
    """Every area's router under /api/v1, straight into ``target``. FastAPI matches included routers level by
    level, so a router that only held the others cost every request one more level of matching."""
    for area in ROUTERS:
        target.include_router(area, prefix=API_PREFIX, dependencies=[Depends(no_nul)])


def api_router() -> APIRouter:
    """The API on a router of its own (the OpenAPI tests read its routes)."""
    router = APIRouter()
    include_api(router)
    return router


def lifespan(tc: App) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Runs the webhook dispatcher (setting ``webhook_dispatcher``), the daily monitoring run (setting
    ``monitor_scheduler``) and, on a SQLite file, the log's checkpoints (:mod:`store.wal_checkpoint`) beside the
    server; stops them on shutdown. Each worker process runs all three; the dispatcher's workers claim
    deliveries, so none is sent twice, and only one worker runs the day's monitoring."""

    @asynccontextmanager
    async def running(_: FastAPI) -> AsyncIterator[None]:
        settings = tc.settings
        dispatcher = (Dispatcher(tc.uow, tc.clock, DeliveryConfig.from_settings(settings))
                      if settings.webhook_dispatcher else None)
        mailing = settings.smtp_host and settings.smtp_from  # then the day's e-mail digest follows the day's run
        digest = (lambda day: send_daily_digest(tc.uow, settings, as_of=day)) if mailing else None
        scheduler = (MonitorScheduler(tc.uow, tc.clock, daily_at=settings.monitor_daily_time(),
                                      policy=settings.signal_policy(), base_currency=settings.base_currency,
                                      after_run=digest)
                     if settings.monitor_scheduler else None)
        for task in (dispatcher, scheduler):
            if task is not None:
                task.start()
        if tc.checkpointer is not None:
            tc.checkpointer.start()
        try:
            yield
        finally:
            for task in (dispatcher, scheduler):
                if task is not None:
                    await task.stop()
            if tc.checkpointer is not None:
                await asyncio.to_thread(tc.checkpointer.stop)

    return running


def create_app(tc: App) -> FastAPI:
    """The FastAPI app around one TradeCredit ``App`` (settings, database, clock)."""
    app = FastAPI(title="TradeCredit", version=__version__, openapi_url=f"{API_PREFIX}/openapi.json",
                  docs_url="/docs", redoc_url=None,
                  description="Trade-credit risk: the receivables ledger, reports and (to come) assessment, limits, "
                              "monitoring, collections and credit insurance. Authenticate with "
                              "`Authorization: Bearer tc_…` (an API token) or a browser session.",
                  lifespan=lifespan(tc))
    app.state.tc = tc
    errors.install(app)
    include_api(app)
    return app
