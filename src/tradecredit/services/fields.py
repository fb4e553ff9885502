"""Parsing the text cells of an import row into typed values, each failure naming its column."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation

from tradecredit.domain.errors import ValidationError

TRUE = frozenset(["true", "yes", "y", "1", "t"])
FALSE = frozenset(["false", "no", "n", "0", "f", ""])


class RowValues:
    """One row as ``column -> text``; typed getters raise ValidationError naming the column."""

    def __init__(self, cells: Mapping[str, str]) -> None:
        self.cells = cells

    def has(self, column: str) -> bool:
        return column in self.cells

    def text(self, column: str) -> str | None:
        value = self.cells.get(column, "").strip()
        return value or None

    def required(self, column: str) -> str:
        value = self.text(column)
        if value is None:
            raise ValidationError(column, "is required and cannot be empty")
        return value

    def date(self, column: str, *, required: bool = True) -> date | None:
        value = self.required(column) if required else self.text(column)
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValidationError(column, f"{value!r} is not a date; expected ISO 8601 YYYY-MM-DD") from None

    def decimal(self, column: str, *, required: bool = True) -> Decimal | None:
        value = self.required(column) if required else self.text(column)
        if value is None:
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise ValidationError(column, f"{value!r} is not a number; use digits with '.' as the decimal "
                                          "point and no thousands separator") from None
        if not number.is_finite():
            raise ValidationError(column, f"{value!r} is not a finite number")
        return number

    def integer(self, column: str) -> int | None:
        value = self.text(column)
        if value is None:
            return None
        try:
            return int(value)
        except ValueError:
            raise ValidationError(column, f"{value!r} is not a whole number") from None

    def boolean(self, column: str) -> bool:
        value = (self.text(column) or "").lower()
        if value in TRUE:
            return True
        if value in FALSE:
            return False
        raise ValidationError(column, f"{value!r} is not true or false")


def not_after(value: date, today: date, column: str) -> date:
    if value > today:
        raise ValidationError(column, f"{value} is in the future (today is {today})")
    return value
