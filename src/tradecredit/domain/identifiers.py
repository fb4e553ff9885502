"""Company identifiers: country codes, registration numbers, LEI and NACE industry codes.

Registration numbers are checked with python-stdnum, scheme by scheme for the buyer's country. A number that
matches the format of a known scheme but fails its check digit is an error; a number in a scheme TradeCredit
has no validator for is accepted and marked unverified, so foreign registries never block onboarding.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType

import pycountry
from stdnum import lei as _lei
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as StdnumError

from tradecredit.domain.errors import ValidationError

# Schemes tried per country, most common first (module paths inside stdnum). VAT numbers are tried for every
# country stdnum knows a `vat` module for, after these.
_SCHEMES: dict[str, tuple[str, ...]] = {
    "CN": ("cn.uscc",),
    "DE": ("de.vat", "de.stnr"),
    "FR": ("fr.siren", "fr.siret", "fr.tva"),
    "IT": ("it.iva", "it.codicefiscale"),
    "ES": ("es.nif", "es.cif"),
    "NL": ("nl.btw", "nl.brin"),
    "PL": ("pl.nip", "pl.regon"),
    "GB": ("gb.vat", "gb.utr"),
    "BR": ("br.cnpj",),
    "IN": ("in_.gstin", "in_.pan"),
    "US": ("us.ein",),
    "TR": ("tr.vkn",),
}

_NACE_DIVISIONS = frozenset(
    [*range(1, 4), *range(5, 10), *range(10, 34), 35, *range(36, 40), *range(41, 44), *range(45, 48),
     *range(49, 54), 55, 56, *range(58, 64), *range(64, 67), 68, *range(69, 76), *range(77, 83), 84, 85,
     *range(86, 89), *range(90, 94), *range(94, 97), 97, 98, 99]
)
_LEI_PATTERN = re.compile(r"^[0-9A-Z]{18}[0-9]{2}$")
_NACE_PATTERN = re.compile(r"^(\d{2})(?:\.(\d{1,2}))?$")


@dataclass(frozen=True, slots=True)
class Registration:
    """A registration number as given, with the scheme that verified it (None when unverified)."""

    number: str
    scheme: str | None

    @property
    def verified(self) -> bool:
        return self.scheme is not None


def check_country(code: str, *, field: str = "country") -> str:
    """Return the ISO 3166-1 alpha-2 code in upper case, or raise naming the field."""
    normalised = code.strip().upper()
    if len(normalised) != 2 or pycountry.countries.get(alpha_2=normalised) is None:
        raise ValidationError(field, f"unknown country code {code!r}; expected ISO 3166-1 alpha-2 such as DE or CN")
    return normalised


@lru_cache(maxsize=64)
def _modules(country: str) -> tuple[tuple[str, ModuleType], ...]:
    names = list(_SCHEMES.get(country, ()))
    vat = f"{country.lower()}.vat"
    if vat not in names:
        names.append(vat)
    found: list[tuple[str, ModuleType]] = []
    for name in names:
        try:
            found.append((name, importlib.import_module(f"stdnum.{name}")))
        except ImportError:
            continue
    return tuple(found)


def check_registration(number: str, country: str, *, field: str = "registration_id") -> Registration:
    """Validate ``number`` against the schemes known for ``country``.

    Returns the verifying scheme; raises when the number has a known scheme's shape but a wrong check digit.
    """
    text = number.strip()
    if not text:
        raise ValidationError(field, "is empty")
    checksum_failures: list[str] = []
    for name, module in _modules(country):
        try:
            module.validate(text)
        except InvalidChecksum:
            checksum_failures.append(name)
        except StdnumError:
            continue
        else:
            return Registration(text, name)
    if checksum_failures:
        schemes = ", ".join(checksum_failures)
        raise ValidationError(field, f"{text!r} fails the check digit of {schemes} (bad checksum)")
    return Registration(text, None)


def check_lei(code: str, *, field: str = "lei") -> str:
    """Validate an ISO 17442 Legal Entity Identifier (MOD 97-10 check digits)."""
    text = code.strip().upper()
    if not _LEI_PATTERN.match(text):
        raise ValidationError(field, f"{code!r} is not a valid LEI: expected 20 letters and digits")
    try:
        return str(_lei.validate(text))
    except InvalidChecksum:
        raise ValidationError(field, f"{code!r} is not a valid LEI: bad checksum (ISO 17442)") from None
    except StdnumError:
        raise ValidationError(field, f"{code!r} is not a valid LEI: expected 20 letters and digits") from None


def check_nace(code: str, *, field: str = "industry") -> str:
    """Validate a NACE Rev. 2 division, group or class code such as ``28``, ``28.2`` or ``28.22``."""
    text = code.strip()
    match = _NACE_PATTERN.match(text)
    if match is None or int(match.group(1)) not in _NACE_DIVISIONS:
        raise ValidationError(field, f"{code!r} is not a NACE Rev. 2 code; expected a form like 28.22")
    return text
