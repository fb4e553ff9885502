"""The HTTP API against its own OpenAPI document: generated requests to every operation, on each backend.

Schemathesis reads /api/v1/openapi.json from the ASGI app and generates requests for every operation: valid ones
(positive), ones that break the schema (negative), and valid ones aimed at records of a small demo ledger (so the
GETs read real buyers, invoices, payments and countries rather than 404s). All go out with an admin token, so
authorisation never hides a code path. Each operation gets a bounded, derandomised Hypothesis run with no deadline
and no example database (Hypothesis still keeps small caches in .hypothesis/, which git ignores); writes pile up
across examples, which is fine because the `app` fixture empties the database before every test.

Why the operations are driven from here rather than with ``schemathesis.pytest.from_fixture``: schemathesis 4.32's
pytest integration reads ``Function._nodeid``, which pytest 9.2 no longer has (AttributeError before any request).
``APIOperation.as_strategy`` with Hypothesis' ``@given`` is the supported way to use schemathesis outside its pytest
plugin, and gives the same generated cases and checks.

The inputs schemathesis found crashing the server are pinned by explicit tests at the end of this file.
"""

from __future__ import annotations

import importlib.util
import traceback
from collections import defaultdict
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.alert_book import add_alert
from tests.conftest import TODAY
from tradecredit.api.app import API_PREFIX, api_router, create_app
from tradecredit.bootstrap import App
from tradecredit.domain.users import Role
from tradecredit.services.assessment import AssessmentConfig, assess_all
from tradecredit.services.demo import load_demo
from tradecredit.services.users import add_user, issue_token

DEMO_BUYERS = 8
# Examples per operation and kind: about 12 s of CPU per backend for the 34 operations there are now.
EXAMPLES = {"positive": 10, "negative": 10, "known records": 8}
PASSWORD = "correct horse battery staple"
ADMIN, OTHER_USER = "fuzz-admin", "fuzz-viewer"
# Checked on every response. Not `status_code_conformance` nor `content_type_conformance`: the API answers
# 401/403/404/409 and RFC 9457 `application/problem+json` bodies (api/errors.py) that FastAPI does not put in the
# document, which only lists 200/201/204 and a 422 `application/json` HTTPValidationError. For the same reason
# `response_schema_conformance` validates the success bodies (JSON, documented) and skips the problem documents
# (their media type is undocumented); that part is reliable and kept. A crash surfaces as the exception itself:
# schemathesis' in-process ASGI transport re-raises what the app raised, which is at least as strict as a 500.
CHECKS = [not_a_server_error, response_schema_conformance]
# No `explain` phase: its "lines only run by failing cases" point into requests/schemathesis, not at the app.
HYPOTHESIS = {"deadline": None, "derandomize": True, "database": None, "print_blob": False,
              "suppress_health_check": list(HealthCheck),
              "phases": [Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink]}


def _spec() -> dict[str, Any]:
    spec: dict[str, Any] = get_openapi(title="TradeCredit", version="0", routes=api_router().routes)
    return spec


def _operations() -> list[tuple[str, str]]:
    """(METHOD, path) of every documented API operation, read from the same router the app serves."""
    return sorted((method.upper(), path) for path, item in _spec()["paths"].items() for method in item)


def _negatable(definition: dict[str, Any]) -> bool:
    """Whether a request can break the schema at all: not when the only inputs are free-form strings in the path
    (any text is a valid path segment) or there are none, and Hypothesis would search in vain for a negative case."""
    return "requestBody" in definition or any(
        parameter["in"] != "path" or parameter.get("schema", {}).keys() - {"type", "title", "description"}
        or parameter["schema"].get("type") != "string" for parameter in definition.get("parameters", []))


def _asgi_app(tc: App) -> FastAPI:
    """The served app (API and dashboard) when the web package exists, else the API alone."""
    if importlib.util.find_spec("tradecredit.web") and importlib.util.find_spec("tradecredit.web.routes"):
        from tradecredit.server import create_server

        return create_server(tc)
    return create_app(tc)


class Target:
    """The app on a demo ledger, an admin token, the loaded schema and real keys to aim path parameters at."""

    def __init__(self, tc: App) -> None:
        load_demo(tc.uow(), buyers=DEMO_BUYERS, seed=7, today=TODAY, base_currency="EUR", actor="schemathesis")
        assess_all(tc.uow(), actor="schemathesis", config=AssessmentConfig.from_settings(tc.settings))
        for username, role in ((ADMIN, Role.ADMIN), (OTHER_USER, Role.VIEWER)):
            add_user(tc.uow(), username=username, password=PASSWORD, role=role.value, actor="test")
        token = issue_token(tc.uow(), username=ADMIN, name="schemathesis", actor="test").token
        self.headers = {"Authorization": f"Bearer {token}"}
        self.asgi = _asgi_app(tc)
        client = TestClient(self.asgi, headers=self.headers)

        def items(resource: str) -> list[dict[str, Any]]:
            found: list[dict[str, Any]] = client.get(f"{API_PREFIX}/{resource}", params={"size": 50}).json()["items"]
            return found

        buyers = items("buyers")
        alert_ids = [str(add_alert(tc, buyers[0]["ref"])), str(add_alert(tc, buyers[1]["ref"], status="resolved"))]
        # Path prefix -> real values for its one path parameter (a new GET with a path parameter needs an entry here,
        # or it only ever gets 404/422). Users: only the viewer, never the admin the run authenticates as.
        self.known: dict[str, list[str]] = {f"{API_PREFIX}/buyers/": [b["ref"] for b in buyers],
                                            f"{API_PREFIX}/invoices/": [i["ref"] for i in items("invoices")],
                                            f"{API_PREFIX}/payments/": [p["ref"] for p in items("payments")],
                                            f"{API_PREFIX}/countries/": sorted({b["country"] for b in buyers}),
                                            f"{API_PREFIX}/users/": [OTHER_USER],
                                            f"{API_PREFIX}/alerts/": alert_ids}
        assert all(self.known.values()), f"the demo ledger should have records of every kind: {self.known}"
        config = SchemathesisConfig.from_dict({"seed": 20261128, "cache": {"enabled": False}})
        self.schema = schemathesis.openapi.from_asgi(f"{API_PREFIX}/openapi.json", self.asgi, config=config)
        self.statuses: dict[str, set[int]] = defaultdict(set)
        self.spec = _spec()

    def strategies(self, method: str, path: str) -> dict[str, st.SearchStrategy[Any]]:
        operation = self.schema[path][method]
        found = {"positive": operation.as_strategy(GenerationMode.POSITIVE)}
        if _negatable(self.spec["paths"][path][method.lower()]):
            found["negative"] = operation.as_strategy(GenerationMode.NEGATIVE)
        for prefix, values in self.known.items():
            if path.startswith(prefix):
                name = path.removeprefix(prefix).split("/")[0].strip("{}")
                found["known records"] = st.sampled_from(values).flatmap(
                    lambda value, name=name: operation.as_strategy(path_parameters={name: value}))
        return found

    def exercise(self, method: str, path: str, kind: str, strategy: st.SearchStrategy[Any]) -> None:
        @settings(max_examples=EXAMPLES[kind], **HYPOTHESIS)
        @given(case=strategy)
        def run(case: Any) -> None:
            response = case.call_and_validate(headers=self.headers, checks=CHECKS)
            self.statuses[f"{method} {path}"].add(response.status_code)

        run()


def _describe(error: BaseException) -> str:
    """The failure, where it was raised in TradeCredit, and schemathesis' curl line to reproduce it."""
    if isinstance(error, BaseExceptionGroup):
        return "\n".join(_describe(inner) for inner in error.exceptions)
    frames = [f for f in traceback.extract_tb(error.__traceback__) if "/tradecredit/" in f.filename]
    where = f" (raised at {frames[-1].filename.split('/src/')[-1]}:{frames[-1].lineno})" if frames else ""
    return f"  {''.join(traceback.format_exception_only(error)).strip()}{where}".replace("\n", "\n    ")


@pytest.fixture
def target(app: App) -> Target:
    return Target(app)


def test_no_generated_request_to_any_operation_crashes_the_server_or_breaks_the_documented_response_schema(
        target: Target) -> None:
    operations = _operations()
    assert len(operations) >= 25, operations
    failures = []
    for method, path in operations:
        for kind, strategy in target.strategies(method, path).items():
            try:
                target.exercise(method, path, kind, strategy)
            except Unsatisfiable:
                # `_negatable` misjudged: nothing in this operation can break the schema, so no negative case.
                assert kind == "negative", f"{method} {path}: no {kind} case could be generated"
            except Exception as error:
                failures.append(f"{method} {path} ({kind} cases):\n{_describe(error)}")
    assert not failures, "schemathesis found server errors or off-schema responses:\n\n" + "\n\n".join(failures)
    never_succeeded = [f"{m} {p}: {sorted(target.statuses[f'{m} {p}'])}" for m, p in operations
                       if m == "GET" and not any(200 <= s < 300 for s in target.statuses[f"{m} {p}"])]
    assert not never_succeeded, (f"GETs that never answered 2xx, so read no real data (give their path parameter "
                                 f"real values in Target.known): {never_succeeded}")


# Inputs that crashed the server (500) when schemathesis first ran, pinned so they stay a 422 with problem details.
LISTS = ("buyers", "invoices", "payments", "fx-rates", "imports", "audit")
REPORTS = ("aging", "dso", "exposure", "concentration", "summary")
TOO_BIG = "184467440737095518"  # × the page size it overflows a 64-bit OFFSET


@pytest.fixture
def admin_client(app: App) -> TestClient:
    add_user(app.uow(), username=ADMIN, password=PASSWORD, role=Role.ADMIN.value, actor="test")
    token = issue_token(app.uow(), username=ADMIN, name="regressions", actor="test").token
    return TestClient(_asgi_app(app), headers={"Authorization": f"Bearer {token}"}, raise_server_exceptions=False)


def _not_rejected(client: TestClient, urls: list[str], method: str = "GET", body: Any = None) -> list[str]:
    """The requests among these that the API did not answer with 422 (problem details), with what it answered."""
    wrong = []
    for url in urls:
        response = client.request(method, url, json=body)
        if response.status_code != 422 or response.headers["content-type"] != "application/problem+json":
            wrong.append(f"{response.status_code} ← {method} {url}{f' {body!r}' if body else ''}")
    return wrong


def test_a_page_number_too_large_for_the_database_is_a_client_error_not_a_server_error(
        admin_client: TestClient) -> None:
    # page × size overflowed the 64-bit OFFSET: SQLite raised OverflowError, PostgreSQL "bigint out of range".
    # Fixed by bounding page numbers in services/paging.py.
    wrong = _not_rejected(admin_client, [f"{API_PREFIX}/{name}?page={TOO_BIG}" for name in LISTS])
    assert not wrong, f"expected 422 (page out of range), got: {wrong}"


def test_a_nul_character_in_a_text_parameter_is_a_client_error_not_a_server_error(admin_client: TestClient) -> None:
    # PostgreSQL text cannot hold NUL (0x00): psycopg raised DataError, a 500 (SQLite stores it). Fixed by
    # api/deps.py `no_nul` (path and query) and the request-body base class in api/schemas/common.py.
    wrong = _not_rejected(admin_client, [f"{API_PREFIX}/{url}" for url in (
        "buyers?q=%00", "buyers?country=a%00", "buyers?parent=%00", "buyers/%00", "buyers/%00/group",
        "buyers/%00/statements", "invoices/%00", "invoices?buyer=%00", "payments/%00", "payments?buyer=%00",
        "fx-rates?currency=00%00", "audit?actor=%00", "audit?entity=%00", "audit?key=%00")])
    wrong += _not_rejected(admin_client, [f"{API_PREFIX}/buyers"], "POST",
                           {"ref": "A\x00", "name": "x", "country": "DE"})
    assert not wrong, f"expected 422 (NUL character), got: {wrong}"


def test_a_report_date_near_the_year_one_is_a_client_error_not_a_server_error(admin_client: TestClient) -> None:
    # Reports step back months and days from `as_of`: engine/dso.py add_months raised ValueError ("year 0 is out of
    # range") and `as_of - timedelta(...)` OverflowError. Fixed by services/reports.py `check_as_of` (1900-2999).
    wrong = _not_rejected(admin_client, [f"{API_PREFIX}/reports/{name}?as_of={day}" for name in REPORTS
                                      for day in ("0001-01-01", "0002-01-01")])
    assert not wrong, f"expected 422 (as_of out of range), got: {wrong}"
