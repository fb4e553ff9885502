"""Errors as RFC 9457 problem details, with one table from error class to HTTP status."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from tradecredit.domain.errors import (
    AuthenticationRequired,
    Conflict,
    DatabaseNotReady,
    FxRateMissing,
    ImportRejected,
    NotFound,
    PermissionDenied,
    TooManyAttempts,
    TradeCreditError,
    ValidationError,
)

PROBLEM = "application/problem+json"
# First match wins, so subclasses come before their parents.
STATUS: tuple[tuple[type[TradeCreditError], int, str], ...] = (
    (ImportRejected, 422, "import-rejected"),
    (ValidationError, 422, "invalid-input"),
    (TooManyAttempts, 429, "too-many-attempts"),
    (AuthenticationRequired, 401, "authentication-required"),
    (PermissionDenied, 403, "permission-denied"),
    (NotFound, 404, "not-found"),
    (Conflict, 409, "conflict"),
    (FxRateMissing, 422, "fx-rate-missing"),
    (DatabaseNotReady, 503, "database-not-ready"),
    (TradeCreditError, 400, "error"),
)


def problem(status: int, kind: str, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": f"https://tradecredit.dev/problems/{kind}", "title": title, "status": status, "detail": detail,
            **extra}
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _domain(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, TradeCreditError)
    status, kind = next((s, k) for cls, s, k in STATUS if isinstance(error, cls))
    extra: dict[str, Any] = {"instance": request.url.path}
    if isinstance(error, ImportRejected):
        extra["errors"] = [{"file": e.file, "line": e.line, "column": e.column, "reason": e.reason}
                           for e in error.errors]
    elif isinstance(error, ValidationError):
        extra["errors"] = [{"field": error.field, "reason": error.reason}]
    return problem(status, kind, type(error).__name__, str(error), **extra)


def _request_validation(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    errors = [{"field": ".".join(str(part) for part in e["loc"]), "reason": e["msg"]} for e in error.errors()]
    detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors)
    return problem(422, "invalid-input", "RequestValidationError", detail, instance=request.url.path, errors=errors)


def _http(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    return problem(error.status_code, "http", str(error.detail), str(error.detail), instance=request.url.path)


def install(app: FastAPI) -> None:
    app.add_exception_handler(TradeCreditError, _domain)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(HTTPException, _http)
