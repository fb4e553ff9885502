"""The role matrix, generated from the route table: no endpoint can escape it."""

from __future__ import annotations

import re
from typing import Any

from fastapi.routing import APIRoute

from tests.e2e.api_support import make_clients
from tradecredit.api.app import API_PREFIX, ROUTERS, create_app
from tradecredit.bootstrap import App
from tradecredit.domain.users import Role, allows

PATH_VALUES = {"kind": "buyers"}


def required_role(dependant: Any) -> Role | None:
    for dependency in dependant.dependencies:
        role = getattr(dependency.call, "required_role", None) or required_role(dependency)
        if role is not None:
            return role  # type: ignore[no-any-return]
    return None


def route_table() -> list[tuple[str, str, Role | None]]:
    """(method, path template, role) for every route of every API router."""
    return [(method, API_PREFIX + route.path, required_role(route.dependant))
            for router in ROUTERS for route in router.routes if isinstance(route, APIRoute)
            for method in sorted(route.methods)]


def api_routes(app: App) -> list[tuple[str, str, Role | None]]:
    return [(method, re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES.get(m.group(1), "X"), path), role)
            for method, path, role in route_table()]


def test_the_route_table_is_every_operation_the_openapi_spec_publishes(app: App) -> None:
    spec = create_app(app).openapi()
    published = {(method.upper(), path) for path, item in spec["paths"].items() for method in item}
    assert published == {(method, path) for method, path, _ in route_table()}


def test_every_api_endpoint_declares_the_role_it_needs(app: App) -> None:
    routes = api_routes(app)
    assert len(routes) >= 20
    assert [(method, path) for method, path, role in routes if role is None] == []


def test_every_endpoint_refuses_anonymous_callers_and_roles_below_its_own(app: App) -> None:
    clients = make_clients(app)
    wrong: list[str] = []
    for method, path, needed in api_routes(app):
        assert needed is not None
        anonymous = clients.anonymous.request(method, path).status_code
        if anonymous != 401:
            wrong.append(f"{method} {path} anonymous → {anonymous}")
        for role in Role:
            status = clients[role].request(method, path).status_code
            denied = status in (401, 403)
            if (status != 403) if not allows(role, needed) else denied:
                wrong.append(f"{method} {path} as {role.value} (needs {needed.value}) → {status}")
    assert wrong == []
