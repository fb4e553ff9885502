"""Request dependencies: the application, the authenticated principal, and role requirements.

Every endpoint declares its role with ``Depends(require(Role.X))``; the checker carries ``required_role`` so the
role-matrix test can read it from the route table.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from tradecredit.bootstrap import App
from tradecredit.domain.errors import AuthenticationRequired, PermissionDenied, ValidationError
from tradecredit.domain.users import Principal, Role, allows
from tradecredit.services.users import CSRF_HEADER, SESSION_COOKIE, session_principal, token_principal

UNSAFE = frozenset(["POST", "PUT", "PATCH", "DELETE"])


async def get_app(request: Request) -> App:
    app: App = request.app.state.tc
    return app


AppDep = Annotated[App, Depends(get_app)]


async def no_nul(request: Request) -> None:
    """Text with NUL characters cannot be stored (PostgreSQL refuses it); say so instead of failing later."""
    if "\x00" in request.url.path or any("\x00" in k or "\x00" in v for k, v in request.query_params.multi_items()):
        raise ValidationError("query", "NUL characters are not allowed in the path or query")


async def authenticate(request: Request, tc: App) -> Principal:
    """A Bearer API token, or the browser session cookie (unsafe methods then need the CSRF header).

    Async on purpose: a token is usually in the worker's cache (see ``services.users.TOKEN_CACHE_SECONDS``) and
    otherwise one indexed query, cheaper than the two thread hops a sync dependency costs on every request.
    """
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return token_principal(tc.uow(), header[7:].strip())
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id:
        session = session_principal(tc.uow(), session_id)
        if request.method in UNSAFE and request.headers.get(CSRF_HEADER) != session.csrf_token:
            raise PermissionDenied("missing or wrong CSRF token")
        return session.principal
    raise AuthenticationRequired("send an API token (Authorization: Bearer tc_…) or log in")


def require(role: Role) -> Callable[..., Awaitable[Principal]]:
    """The checker authenticates itself rather than depending on ``authenticate``: each level of dependencies
    costs FastAPI a pass on every request, and the order check answers an ERP before every order."""
    async def checker(request: Request) -> Principal:
        principal = await authenticate(request, request.app.state.tc)
        if not allows(principal.role, role):
            raise PermissionDenied(f"this needs the {role.value} role; {principal.username} is {principal.role.value}")
        return principal

    checker.required_role = role  # type: ignore[attr-defined]
    return checker


Viewer = Annotated[Principal, Depends(require(Role.VIEWER))]
Collector = Annotated[Principal, Depends(require(Role.COLLECTOR))]
Analyst = Annotated[Principal, Depends(require(Role.ANALYST))]
CreditManager = Annotated[Principal, Depends(require(Role.CREDIT_MANAGER))]
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]
