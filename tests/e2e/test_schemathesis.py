"""Property-based tests of the whole HTTP API against its own OpenAPI document (schemathesis), on each backend."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.conftest import TODAY
from tradecredit.api.app import API_PREFIX, api_router, create_app
from tradecredit.bootstrap import App
from tradecredit.domain.users import Role
from tradecredit.services.demo import load_demo
from tradecredit.services.users import add_user, issue_token

DEMO_BUYERS = 8
MAX_EXAMPLES = 15
PASSWORD = "correct horse battery staple"


def _operations() -> list[tuple[str, str]]:
    spec = get_openapi(title="TradeCredit", version="0", routes=api_router().routes)
    return sorted((method.upper(), path) for path, item in spec["paths"].items() for method in item)


def _asgi_app(tc: App) -> FastAPI:
    """The served app (API and dashboard) when the web package exists, else the API alone."""
    if importlib.util.find_spec("tradecredit.web") and importlib.util.find_spec("tradecredit.web.routes"):
        from tradecredit.server import create_server

        return create_server(tc)
    return create_app(tc)


class Target:
    def __init__(self, app: App) -> None:
        load_demo(app.uow(), buyers=DEMO_BUYERS, seed=7, today=TODAY, base_currency="EUR", actor="schemathesis")
        for username, role in (("fuzz-admin", Role.ADMIN), ("fuzz-viewer", Role.VIEWER)):
            add_user(app.uow(), username=username, password=PASSWORD, role=role.value, actor="test")
        token = issue_token(app.uow(), username="fuzz-admin", name="schemathesis", actor="test").token
        self.headers = {"Authorization": f"Bearer {token}"}
        self.asgi = _asgi_app(app)
        client = TestClient(self.asgi, headers=self.headers)
        self.known: dict[str, list[str]] = {
            f"{API_PREFIX}/buyers/": [b["ref"] for b in client.get(f"{API_PREFIX}/buyers?size=500").json()["items"]],
            f"{API_PREFIX}/invoices/": [i["ref"] for i in
                                        client.get(f"{API_PREFIX}/invoices?size=20").json()["items"]],
            f"{API_PREFIX}/payments/": [p["ref"] for p in
                                        client.get(f"{API_PREFIX}/payments?size=20").json()["items"]],
            f"{API_PREFIX}/users/": ["fuzz-viewer"],
        }
        config = SchemathesisConfig.from_dict({"seed": 20261128, "cache": {"enabled": False}})
        self.schema = schemathesis.openapi.from_asgi(f"{API_PREFIX}/openapi.json", self.asgi, config=config)


@pytest.fixture
def target(app: App) -> Target:
    return Target(app)


@pytest.mark.parametrize(("method", "path"), _operations(), ids=lambda v: str(v))
def test_no_generated_request_gets_a_server_error_and_responses_match_the_schema(
        target: Target, method: str, path: str) -> None:
    operation = target.schema[path][method]
    strategies = [operation.as_strategy(mode) for mode in GenerationMode]
    for prefix, refs in target.known.items():
        if path.startswith(prefix) and refs:
            name = path.removeprefix(prefix).split("/")[0].strip("{}")
            strategies.append(st.sampled_from(refs).flatmap(
                lambda ref, n=name: operation.as_strategy(path_parameters={n: ref})))

    @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=st.one_of(*strategies))
    def run(case: Any) -> None:
        case.call_and_validate(headers=target.headers, checks=[not_a_server_error, response_schema_conformance])

    run()
