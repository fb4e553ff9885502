"""The served application: the API and the web dashboard on one ASGI app."""

from __future__ import annotations

import gc

from fastapi import FastAPI

from tradecredit.api.app import create_app
from tradecredit.bootstrap import App, build
from tradecredit.web.routes import install as install_web


def create_server(tc: App) -> FastAPI:
    app = create_app(tc)
    install_web(app)
    return app


def main_app() -> FastAPI:
    """Uvicorn factory: settings from the environment; the database must be migrated.

    What the start-up loaded (the models, the country tables, the routes) lives as long as the worker: frozen out
    of the garbage collector's reach, so a full collection does not walk it again and again under load."""
    tc = build(background_checkpoints=True)  # the lifespan starts the checkpointer
    tc.ensure_ready()
    app = create_server(tc)
    gc.collect()
    gc.freeze()
    return app
