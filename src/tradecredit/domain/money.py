"""Money as Decimal, rounded half-even to the currency's ISO 4217 minor unit."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from functools import lru_cache

import pycountry

from tradecredit.domain.errors import ValidationError

# ISO 4217 minor units that differ from the usual two decimals. pycountry knows the codes but not the
# exponents, so the exceptions are listed here (ISO 4217 amendment 176 table).
_MINOR_UNIT_EXCEPTIONS: dict[str, int] = {
    **dict.fromkeys(
        ["BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV",
         "XAF", "XOF", "XPF"],
        0,
    ),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    "CLF": 4,
    "UYW": 4,
}
# X-codes are funds, metals, SDR and test codes, except the CFA and CFP francs and the East Caribbean dollar.
_X_TRADE_CURRENCIES = frozenset(["XAF", "XOF", "XPF", "XCD", "XCG"])


@lru_cache(maxsize=512)
def _is_known(code: str) -> bool:
    if code.startswith("X") and code not in _X_TRADE_CURRENCIES:
        return False
    return pycountry.currencies.get(alpha_3=code) is not None


def check_currency(code: str, *, field: str = "currency") -> str:
    """Return the ISO 4217 code in upper case, or raise naming the field."""
    known = _normalised_currency(code)
    if known is None:
        raise ValidationError(field, f"unknown currency code {code!r}; expected an ISO 4217 code such as EUR")
    return known


@lru_cache(maxsize=1024)
def _normalised_currency(code: str) -> str | None:
    normalised = code.strip().upper()
    if len(normalised) != 3 or not normalised.isalpha() or not _is_known(normalised):
        return None
    return normalised


@lru_cache(maxsize=512)
def minor_unit(currency: str) -> int:
    """Number of decimals of the currency (JPY 0, EUR 2, KWD 3)."""
    return _MINOR_UNIT_EXCEPTIONS.get(check_currency(currency), 2)


MAX_AMOUNT = Decimal(10) ** 14  # the ledger stores amounts as NUMERIC(18, 4)


@lru_cache(maxsize=512)
def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_unit(currency))


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round half-even (banker's rounding) to the currency's minor unit."""
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_EVEN)


def parse_amount(text: str | Decimal | int | float, currency: str, *, field: str = "amount") -> Decimal:
    """Parse an amount and refuse more decimals than the currency has (no silent rounding of input)."""
    try:
        value = text if isinstance(text, Decimal) else Decimal(str(text).strip())
    except InvalidOperation:
        raise ValidationError(field, f"{text!r} is not a number; use digits with '.' as decimal point") from None
    if not value.is_finite():
        raise ValidationError(field, f"{text!r} is not a finite number")
    if abs(value) >= MAX_AMOUNT:
        raise ValidationError(field, f"{text} is too large; amounts have at most 14 digits before the decimal point")
    places = minor_unit(currency)
    step = quantum(currency)
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent == -places:
        return value  # the common case: exactly the currency's decimals
    if value != value.quantize(step, rounding=ROUND_HALF_EVEN):
        raise ValidationError(field, f"{text} has more than {places} decimal(s), the minor unit of {currency}")
    return value.quantize(step)


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in one currency, always held at the currency's minor unit."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        code = check_currency(self.currency)
        object.__setattr__(self, "currency", code)
        amount = self.amount if isinstance(self.amount, Decimal) else Decimal(self.amount)
        object.__setattr__(self, "amount", amount.quantize(quantum(code), rounding=ROUND_HALF_EVEN))

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValidationError("currency", f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def is_zero(self) -> bool:
        return self.amount == 0

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"
