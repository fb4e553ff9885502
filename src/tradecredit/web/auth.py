"""Who is looking: the session cookie, CSRF checks, role requirements; the login, logout and language forms.

The session cookie (``tc_session``: HttpOnly, SameSite=Lax, Path=/, Secure over https) holds a random id; the
database keeps its hash and the session's CSRF token. Every POST must carry that token, in the ``csrf_token``
form field or (htmx) the ``X-CSRF-Token`` header. The login form has no session yet, so it uses a double-submit
token instead: a random ``tc_login_csrf`` cookie (HttpOnly, SameSite=Strict) echoed in a hidden field.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from tradecredit.domain.errors import AuthenticationRequired, PermissionDenied, TooManyAttempts
from tradecredit.domain.users import Role, Throttle, allows
from tradecredit.services import users
from tradecredit.services.users import CSRF_HEADER, SESSION_COOKIE, WebSession
from tradecredit.web.i18n import N_, gettext
from tradecredit.web.pages import (
    CsrfFailed,
    WebRoute,
    language_of,
    printable,
    redirect,
    render,
    safe_next,
    tc_of,
    url,
)

LOGIN_CSRF_COOKIE = "tc_login_csrf"
CSRF_FIELD = "csrf_token"
THROTTLE = Throttle()

router = APIRouter(route_class=WebRoute, include_in_schema=False)


def signed_in(request: Request) -> WebSession:
    """The session of the request's cookie; raises AuthenticationRequired (→ the login page) without one."""
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id:
        raise AuthenticationRequired("log in to see this page")
    session = users.session_principal(tc_of(request).uow(), session_id)
    request.state.web_session = session
    return session


SignedIn = Annotated[WebSession, Depends(signed_in)]


def require(role: Role) -> Callable[[WebSession], WebSession]:
    def checker(session: SignedIn) -> WebSession:
        if not allows(session.principal.role, role):
            raise PermissionDenied(f"this page needs the {role.value} role")
        return session

    return checker


def _same(given: str | None, expected: str | None) -> bool:
    return bool(given and expected) and secrets.compare_digest(str(given).encode(), str(expected).encode())


async def posted(request: Request, session: SignedIn) -> WebSession:
    """The session of a POST that carries its CSRF token (form field or header); raises CsrfFailed otherwise."""
    given = request.headers.get(CSRF_HEADER)
    if given is None:
        value = (await request.form()).get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not _same(given, session.csrf_token):
        raise CsrfFailed
    return session


Viewer = Annotated[WebSession, Depends(require(Role.VIEWER))]
Analyst = Annotated[WebSession, Depends(require(Role.ANALYST))]
CreditManager = Annotated[WebSession, Depends(require(Role.CREDIT_MANAGER))]
Posted = Annotated[WebSession, Depends(posted)]


def _login_page(request: Request, *, next_path: str, status: int = 200, error: str = "", detail: str = "",
                username: str = "") -> Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = render(request, "login.html", status=status, login_csrf=token, next_path=next_path, error=error,
                      detail=detail, username=username)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/login",
                        secure=request.url.scheme == "https")
    return response


@router.get("/login", name="login")
def login_form(request: Request, next: str = "/") -> Response:
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id:
        try:
            users.session_principal(tc_of(request).uow(), session_id)
            return redirect(safe_next(next))
        except AuthenticationRequired:
            pass  # an ended session: log in again
    return _login_page(request, next_path=safe_next(next))


@router.post("/login")
def login(request: Request, username: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
          csrf_token: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/") -> Response:
    target = safe_next(next)
    code = language_of(request, None)
    if not _same(csrf_token, request.cookies.get(LOGIN_CSRF_COOKIE)):
        return _login_page(request, next_path=target, status=403, username=username, error=gettext(
            code, N_("The login form has expired. Please try again.")))
    try:
        session = users.login(tc_of(request).uow(), username=printable(username), password=password,
                              throttle=THROTTLE)
    except TooManyAttempts as error:
        return _login_page(request, next_path=target, status=429, username=username, detail=str(error),
                           error=gettext(code, N_("Too many failed logins: this account is locked for a while.")))
    except AuthenticationRequired:
        return _login_page(request, next_path=target, username=username,
                           error=gettext(code, N_("Wrong user name or password.")))
    response = redirect(target)
    response.set_cookie(SESSION_COOKIE, session.session_id, httponly=True, samesite="lax", path="/",
                        secure=request.url.scheme == "https")
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout", name="logout")
def logout(request: Request, session: Posted) -> Response:
    users.logout(tc_of(request).uow(), session_id=session.session_id)
    response = redirect(url(request, "login"))
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/language", name="language")
def language(request: Request, session: Posted, language: Annotated[str, Form()] = "en",
             next: Annotated[str, Form()] = "/") -> Response:
    users.set_language(tc_of(request).uow(), username=session.principal.username, language=language)
    return redirect(safe_next(next))
