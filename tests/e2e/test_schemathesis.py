"""Property-based tests of the whole HTTP API against its own OpenAPI document (schemathesis), on each backend."""

from __future__ import annotations

import importlib.util

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.conftest import TODAY
from tradecredit.api.app import API_PREFIX, create_app
from tradecredit.bootstrap import App
from tradecredit.domain.users import Role
from tradecredit.services.demo import load_demo
from tradecredit.services.users import add_user, issue_token

DEMO_BUYERS = 8
MAX_EXAMPLES = 15


def _asgi_app(tc: App) -> FastAPI:
    """The served app (API and dashboard) when the web package exists, else the API alone."""
    if importlib.util.find_spec("tradecredit.web") and importlib.util.find_spec("tradecredit.web.routes"):
        from tradecredit.server import create_server

        return create_server(tc)
    return create_app(tc)


@pytest.fixture
def api_schema(app: App) -> schemathesis.schemas.BaseSchema:
    load_demo(app.uow(), buyers=DEMO_BUYERS, seed=7, today=TODAY, base_currency="EUR", actor="schemathesis")
    add_user(app.uow(), username="fuzz-admin", password="correct horse battery staple", role=Role.ADMIN.value,
             actor="test")
    token = issue_token(app.uow(), username="fuzz-admin", name="schemathesis", actor="test").token
    config = SchemathesisConfig.from_dict({
        "seed": 20261128,
        "cache": {"enabled": False},
        "headers": {"Authorization": f"Bearer {token}"},
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
    })
    return schemathesis.openapi.from_asgi(f"{API_PREFIX}/openapi.json", _asgi_app(app), config=config)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_generated_request_gets_a_server_error_and_responses_match_the_schema(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])
