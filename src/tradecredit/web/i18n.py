"""The dashboard's languages: message catalogues, the language of a request, and locale-aware formatting.

Catalogues are the ``locale/<catalogue>/LC_MESSAGES/messages.po`` files, compiled in memory at first use, so no
``.mo`` binaries are kept in the repository. English message ids are the source text; an English catalogue with
empty translations falls back to them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime, format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, format_percent
from babel.support import Translations

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
DEFAULT = "en"
_QUALITY = re.compile(r"^\s*q\s*=\s*([0-9.]+)\s*$")


@dataclass(frozen=True)
class Language:
    """A language users can choose: how it is stored, its catalogue, and the locale figures are formatted in."""

    code: str
    catalogue: str
    locale: str
    html_lang: str
    label: str


LANGUAGES: dict[str, Language] = {
    "en": Language("en", "en", "en_GB", "en-GB", "English"),
    "zh": Language("zh", "zh_Hans", "zh_Hans_CN", "zh-Hans", "简体中文"),
}


def N_(message: str) -> str:  # noqa: N802 - the conventional name for "translate later"
    """Mark a string for the catalogues without translating it here; it is translated where it is shown."""
    return message


def po_path(code: str) -> Path:
    return LOCALE_DIR / LANGUAGES[code].catalogue / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(code: str) -> Translations:
    """The compiled catalogue of a language (parsed from its .po file once per process)."""
    with po_path(code).open("rb") as file:
        catalog = read_po(file, locale=LANGUAGES[code].catalogue, domain=DOMAIN)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def gettext(code: str, message: str, **values: object) -> str:
    """Translate ``message`` into the language and fill in its ``%(name)s`` fields."""
    text = translations(code).gettext(message)
    return text % values if values else text


def bucket_label(code: str, bucket: str) -> str:
    """An aging bucket's name: "current" is translated, day ranges read the same in every language."""
    return gettext(code, N_("Not due")) if bucket == "current" else gettext(code, N_("%(range)s days"), range=bucket)


def negotiate(accept_language: str | None) -> str:
    """The language a browser asks for (``zh*`` → zh, ``en*`` → en), by quality; English when none fits."""
    choices: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.partition(";")
        quality = 1.0
        match = _QUALITY.match(params) if params else None
        if match:
            try:
                quality = float(match.group(1))
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and quality > 0:
            choices.append((-quality, position, primary))
    return min(choices)[2] if choices else DEFAULT


@dataclass(frozen=True)
class Formatter:
    """Numbers, money and dates in one locale; its methods are the templates' filters."""

    locale: str

    def money(self, amount: Decimal | None, currency: str) -> str:
        """An amount with its currency symbol and the currency's ISO 4217 decimals."""
        return "–" if amount is None else format_currency(amount, currency, locale=self.locale)

    def amount(self, amount: Decimal | None, currency: str) -> str:
        """An amount without the symbol (for table columns headed by the currency)."""
        if amount is None:
            return "–"
        return format_currency(amount, currency, format="#,##0.00", locale=self.locale, currency_digits=True)

    def whole(self, amount: Decimal | None) -> str:
        """A large amount to the unit (financial statements)."""
        return "–" if amount is None else format_decimal(amount, format="#,##0", locale=self.locale)

    def number(self, value: float | int | None, digits: int = 1) -> str:
        if value is None:
            return "–"
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=pattern, locale=self.locale)

    def percent(self, share: float | None) -> str:
        return "–" if share is None else format_percent(share, format="#,##0.0%", locale=self.locale)

    def pd(self, probability: float | None) -> str:
        """A probability of default to a hundredth of a percent (the master scale starts at 0.05%)."""
        return "–" if probability is None else format_percent(probability, format="#,##0.00%", locale=self.locale)

    def day(self, value: date | None) -> str:
        return "–" if value is None else format_date(value, format="medium", locale=self.locale)

    def stamp(self, value: datetime | None) -> str:
        """A moment (stored in UTC) to the second, in UTC."""
        return "–" if value is None else format_datetime(value, format="medium", tzinfo=UTC, locale=self.locale)

    def month(self, value: date) -> str:
        return format_skeleton("yMMM", value, locale=self.locale)

    def country(self, code: str) -> str:
        """The country's name in this language (the code itself when the locale data does not know it)."""
        name: str = Locale.parse(self.locale).territories.get(code.upper(), code)
        return name


@cache
def formatter(code: str) -> Formatter:
    return Formatter(LANGUAGES[code].locale)


@cache
def countries(code: str) -> list[tuple[str, str]]:
    """ISO 3166-1 alpha-2 codes with their names in the language, sorted by name (for filters)."""
    territories = Locale.parse(LANGUAGES[code].locale).territories
    known = [(key, name) for key, name in territories.items() if re.fullmatch(r"[A-Z]{2}", key)
             and key not in _NOT_COUNTRIES]
    return sorted(known, key=lambda item: item[1])


# CLDR territory codes of two letters that are not ISO 3166-1 countries.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "XK", "ZZ"})
