"""The errors TradeCredit raises below its entrypoints.

Every error is a :class:`TradeCreditError`; the API maps each class to one HTTP status and the CLI to one exit
code, in one table each. The tree::

    TradeCreditError
    ├── ValidationError            a value breaks a rule (field + reason)
    │   └── ImportRejected         a file has one or more bad rows (the full list of RowError)
    ├── NotFound                   a referenced record does not exist
    ├── Conflict                   the request contradicts what is stored
    │   ├── DuplicateRecord        the same key arrives twice with different content
    │   └── StaleVersion           an update was based on an older version of the record
    ├── AuthenticationRequired     no valid credentials (or a wrong password)
    │   └── TooManyAttempts        login throttled after repeated failures
    ├── PermissionDenied           the user's role does not allow the action
    ├── FxRateMissing              no rate for a currency on or before a date
    ├── AllocationError            a payment cannot be applied as asked
    └── DatabaseNotReady           the database is behind the latest migration
"""

from __future__ import annotations

from dataclasses import dataclass


class TradeCreditError(Exception):
    """Base of every error TradeCredit raises on purpose."""


class ValidationError(TradeCreditError):
    """Raised when a value breaks a domain rule; ``field`` names the offending input."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in one row of an imported file."""

    file: str
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.column}: {self.reason}" if self.column else f"{where}: {self.reason}"


class ImportRejected(ValidationError):
    """Raised when an imported file has bad rows; nothing of the file was written."""

    def __init__(self, file: str, errors: list[RowError], *, rows_read: int = 0) -> None:
        first = str(errors[0]) if errors else file
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        TradeCreditError.__init__(self, f"{len(errors)} error(s) in {file}; nothing was written. {first}{more}")
        self.field = "file"
        self.reason = "rejected"
        self.file = file
        self.errors = errors
        self.rows_read = rows_read


class NotFound(TradeCreditError):
    """Raised when a record looked up by its key does not exist."""

    def __init__(self, kind: str, key: object) -> None:
        super().__init__(f"{kind} {key!s} not found")
        self.kind = kind
        self.key = key


class Conflict(TradeCreditError):
    """Raised when a request contradicts what is already stored."""


class DuplicateRecord(Conflict):
    """Raised when the same key arrives twice with different content."""


class StaleVersion(Conflict):
    """Raised when an update carries a version older than the stored one; nothing is changed."""

    def __init__(self, kind: str, key: object, given: int, current: int) -> None:
        super().__init__(f"{kind} {key} was changed by someone else (you sent version {given}, it is now at "
                         f"{current}); reload it and apply your change again")
        self.current = current


class AuthenticationRequired(TradeCreditError):
    """Raised when a request has no valid credentials, or a login gives a wrong user name or password."""


class TooManyAttempts(AuthenticationRequired):
    """Raised when a login is refused because of repeated failures; says until when."""


class PermissionDenied(TradeCreditError):
    """Raised when the user's role does not allow the action."""


class FxRateMissing(TradeCreditError):
    """Raised when a conversion needs a rate that is not loaded for the currency on or before the date."""

    def __init__(self, currency: str, on: object, base: str) -> None:
        super().__init__(f"no FX rate for {currency} to {base} on or before {on}; import one with "
                         f"`tradecredit import fx FILE`")
        self.currency = currency
        self.on = on
        self.base = base


class AllocationError(TradeCreditError):
    """Raised when a payment cannot be applied to an invoice as asked (other buyer, other currency)."""


class DatabaseNotReady(TradeCreditError):
    """Raised when the database schema is missing or behind the latest migration."""
