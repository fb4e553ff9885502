"""Rendering pages: one Jinja2 environment per language, the page context, security headers and error pages.

Every page route uses :class:`WebRoute`, which turns the errors a page can meet into pages (a login redirect,
403, 404, 400) instead of the API's JSON problem documents.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from functools import cache, partial
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from tradecredit.bootstrap import App
from tradecredit.domain.errors import (
    AuthenticationRequired,
    NotFound,
    PermissionDenied,
    TooManyAttempts,
    TradeCreditError,
)
from tradecredit.domain.users import Role, allows
from tradecredit.services.users import WebSession
from tradecredit.web import nav
from tradecredit.web.i18n import LANGUAGES, N_, bucket_label, formatter, gettext, negotiate, translations

TEMPLATES = Path(__file__).parent / "templates"
# Scripts and styles come only from /static (no inline code), so an injected <script> cannot run.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


class CsrfFailed(Exception):
    """Raised when a form or htmx request does not carry the CSRF token of its session (or login form)."""


def tc_of(request: Request) -> App:
    tc: App = request.app.state.tc
    return tc


@cache
def environment(code: str) -> Environment:
    """The template environment of one language: its translations and its number and date filters."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(("html",)),
                      extensions=["jinja2.ext.i18n"], undefined=StrictUndefined, trim_blocks=True,
                      lstrip_blocks=True)
    env.install_gettext_translations(translations(code), newstyle=True)  # type: ignore[attr-defined]
    fmt = formatter(code)
    env.filters.update(money=fmt.money, amount=fmt.amount, whole=fmt.whole, number=fmt.number,
                       percent=fmt.percent, pd=fmt.pd, day=fmt.day, stamp=fmt.stamp, month=fmt.month,
                       country=fmt.country)
    env.globals.update(LANGUAGES=LANGUAGES, ROLE_LABELS=nav.ROLE_LABELS, bucket=partial(bucket_label, code))
    return env


def language_of(request: Request, session: WebSession | None) -> str:
    """The user's own setting when logged in, else what the browser asks for."""
    if session is not None and session.principal.language in LANGUAGES:
        return session.principal.language
    return negotiate(request.headers.get("accept-language"))


def url(request: Request, name: str, /, **params: Any) -> str:
    """The path of a named route (``query`` becomes the query string; empty values are left out)."""
    query = {key: value for key, value in (params.pop("query", None) or {}).items() if value not in (None, "")}
    path = request.scope.get("root_path", "") + str(request.app.url_path_for(name, **params))
    return f"{path}?{urlencode(query)}" if query else path


def buyer_url(request: Request, ref: str) -> str:
    return url(request, "buyer", ref=quote(ref, safe=""))


def here(request: Request) -> str:
    """The current path and query, to come back to after a login or a language change."""
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def printable(text: str) -> str:
    """``text`` without control characters (PostgreSQL refuses NUL in text, and none belongs in a query)."""
    return "".join(char for char in text if ord(char) >= 0x20 and ord(char) != 0x7F)


def safe_next(value: str | None, default: str = "/") -> str:
    """``value`` when it is a path on this site; anything that could lead elsewhere gives ``default``."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in value):
        return default  # browsers drop tabs and newlines, so "/\t/evil.example" would become "//evil.example"
    parts = urlsplit(value)
    return default if parts.scheme or parts.netloc else value


def _nav(request: Request, session: WebSession | None) -> list[dict[str, Any]]:
    if session is None:
        return []
    entries = [(entry, url(request, entry.endpoint)) for entry in nav.visible(session.principal.role)]
    path = request.url.path
    matches = [href for _, href in entries if path == href or (href != "/" and path.startswith(href + "/"))]
    current = max(matches, key=len, default=None)
    return [{"href": href, "label": entry.label, "active": href == current} for entry, href in entries]


def secure(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def render(request: Request, template: str, *, session: WebSession | None = None, status: int = 200,
           headers: Mapping[str, str] | None = None, **context: Any) -> HTMLResponse:
    """Render a page in the request's language with the layout's context (user, navigation, CSRF token)."""
    code = language_of(request, session)
    tc = tc_of(request)
    page = environment(code).get_template(template).render(
        request=request, lang=LANGUAGES[code], user=session.principal if session else None,
        csrf_token=session.csrf_token if session else "", nav=_nav(request, session), here=here(request),
        url=lambda name, **params: url(request, name, **params), buyer_url=lambda ref: buyer_url(request, ref),
        can=lambda role: session is not None and allows(session.principal.role, Role(role)),
        base_currency=tc.settings.base_currency, today=tc.clock.today(), **context)
    response = HTMLResponse(page, status_code=status, headers=dict(headers or {}))
    secure(response)
    return response


def redirect(location: str) -> RedirectResponse:
    """A 303 See Other: after a POST the browser follows with a GET."""
    return RedirectResponse(location, status_code=303, headers=SECURITY_HEADERS)


def error_page(request: Request, status: int, title: str, message: str = "", *, detail: str = "",
               **values: object) -> HTMLResponse:
    """A page for an error: ``title`` and ``message`` are message ids (translated here), ``detail`` is shown as is."""
    session: WebSession | None = getattr(request.state, "web_session", None)
    code = language_of(request, session)
    return render(request, "error.html", session=session, status=status, title=gettext(code, title),
                  message=gettext(code, message, **values) if message else "", detail=detail, status_code=status)


def to_login(request: Request) -> Response:
    """Send an unauthenticated request to the login page (htmx follows HX-Redirect instead of swapping it in)."""
    target = url(request, "login", query={"next": here(request) if request.method == "GET" else "/"})
    if request.headers.get("HX-Request"):
        return secure(Response(status_code=200, headers={"HX-Redirect": target}))
    return redirect(target)


def error_response(request: Request, error: Exception) -> Response:
    """The page for an error raised by a page route or its dependencies."""
    if isinstance(error, AuthenticationRequired) and not isinstance(error, TooManyAttempts):
        return to_login(request)
    if isinstance(error, CsrfFailed):
        return error_page(request, 403, N_("Request refused"),
                          N_("The form has expired or did not come from this site. Reload the page and try again."))
    if isinstance(error, PermissionDenied):
        return error_page(request, 403, N_("Not allowed"), N_("Your role does not give access to this page."))
    if isinstance(error, NotFound):
        if error.kind == "buyer":
            return error_page(request, 404, N_("Not found"), N_("There is no buyer with the reference %(ref)s."),
                              ref=str(error.key))
        if error.kind == "country":
            return error_page(request, 404, N_("Not found"), N_("There is no country with the code %(country)s."),
                              country=str(error.key))
        return error_page(request, 404, N_("Not found"), detail=str(error))
    if isinstance(error, RequestValidationError):
        detail = "; ".join(f"{'.'.join(str(part) for part in e['loc'])}: {e['msg']}" for e in error.errors())
        return error_page(request, 400, N_("Invalid request"), detail=detail)
    return error_page(request, 400, N_("Something is wrong"), detail=str(error))


class WebRoute(APIRoute):
    """A page route: errors become pages rather than the API's JSON problem documents."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except (TradeCreditError, CsrfFailed, RequestValidationError) as error:
                return error_response(request, error)

        return guarded
