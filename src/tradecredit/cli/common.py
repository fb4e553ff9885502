"""What every command shares: the app, the console, actor names and error-to-exit-code mapping."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal, InvalidOperation

import typer
from pydantic import ValidationError as SettingsError
from rich.console import Console
from rich.table import Table

from tradecredit.bootstrap import App, build
from tradecredit.config import Settings
from tradecredit.domain.errors import (
    Conflict,
    DatabaseNotReady,
    FxRateMissing,
    ImportRejected,
    NotFound,
    TradeCreditError,
    ValidationError,
)

console = Console()
errors = Console(stderr=True)

# One table: error class -> exit code (documented in docs/cli.md). Usage errors are Typer's 2.
EXIT_CODES: tuple[tuple[type[TradeCreditError], int], ...] = (
    (ImportRejected, 3),
    (ValidationError, 3),
    (NotFound, 4),
    (Conflict, 5),
    (FxRateMissing, 6),
    (DatabaseNotReady, 7),
    (TradeCreditError, 1),
)
MAX_ERRORS_SHOWN = 200


def exit_code(error: TradeCreditError) -> int:
    return next(code for kind, code in EXIT_CODES if isinstance(error, kind))


@contextmanager
def handled() -> Iterator[None]:
    """Turn TradeCredit errors into a readable message and the documented exit code."""
    try:
        yield
    except ImportRejected as error:
        show_row_errors(error)
        raise typer.Exit(exit_code(error)) from None
    except TradeCreditError as error:
        errors.print(f"[bold red]error:[/] {error}", highlight=False)
        raise typer.Exit(exit_code(error)) from None
    except SettingsError as error:
        errors.print(f"[bold red]error in settings:[/] {error}", highlight=False)
        raise typer.Exit(3) from None


def show_row_errors(error: ImportRejected) -> None:
    table = Table(title=f"{error.file}: {len(error.errors)} error(s); nothing was written", title_justify="left")
    for column in ("file", "line", "column", "reason"):
        table.add_column(column, overflow="fold")
    for row in error.errors[:MAX_ERRORS_SHOWN]:
        table.add_row(row.file, str(row.line or ""), row.column, row.reason)
    errors.print(table)
    if len(error.errors) > MAX_ERRORS_SHOWN:
        errors.print(f"... {len(error.errors) - MAX_ERRORS_SHOWN} more not shown (use --format json)")


def open_app(*, ready: bool = True) -> App:
    app = build(Settings())
    if ready:
        app.ensure_ready()
    return app


def actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def parse_day(value: str | None, app: App, *, field: str = "--as-of") -> date:
    if value is None:
        return app.clock.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(field, f"{value!r} is not a date; expected YYYY-MM-DD") from None


def parse_decimal(value: str, field: str) -> Decimal:
    """An amount typed on the command line; the services check its sign and minor units."""
    try:
        parsed = Decimal(value.strip())
    except InvalidOperation:
        raise ValidationError(field, f"{value!r} is not a number; expected digits with an optional '.'") from None
    if not parsed.is_finite():
        raise ValidationError(field, f"{value!r} is not a number; expected digits with an optional '.'")
    return parsed
