"""Country risk: grade scales and their crosswalk, the grading method's parameters, payment terms, stress.

TradeCredit's internal country grade runs 0 (lowest risk) … 7 (highest), the shape of the OECD export-credit
classification, so the OECD scale maps onto it one to one. Other scales are translated through a documented
crosswalk (``docs/country-risk.md``):

* ``oecd``      0 … 7, identical to the internal scale;
* ``a1_e``      A1, A2, A3, A4, B, C, D, E — eight steps, one to one by position;
* ``aa_d``      a medium-term letter AA, A, BB, B, C, D with a short-term level 1 … 4 (written ``BB2``),
                24 combinations folded onto 0 … 7 by :data:`AA_D_TABLE`;
* ``internal``  0 … 7, TradeCredit's own grades (e.g. from the shipped WGI-based grades).

The grade decides the payment terms a seller should allow (open account → documentary collection → confirmed
letter of credit → prepayment), by a configurable :class:`TermsPolicy`.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from tradecredit.domain.errors import ValidationError
from tradecredit.domain.identifiers import check_country

__all__ = [
    "A1_E_LABELS",
    "AA_D_LETTERS",
    "AA_D_TABLE",
    "BEST_GRADE",
    "DEFAULT_METHOD",
    "DEFAULT_TERMS_POLICY",
    "WORST_GRADE",
    "CountryGrade",
    "CountryRating",
    "GradeMethod",
    "PaymentTerms",
    "Scale",
    "TermsPolicy",
    "allowed_terms",
    "check_grade",
    "check_scale",
    "downgrade",
    "from_internal",
    "grade_from_composite",
    "new_rating",
    "to_internal",
]

BEST_GRADE = 0
WORST_GRADE = 7
_GRADES = range(BEST_GRADE, WORST_GRADE + 1)


class Scale(StrEnum):
    """The country-grade scales TradeCredit reads; the value is the name used in files and commands."""

    OECD = "oecd"
    A1_E = "a1_e"
    AA_D = "aa_d"
    INTERNAL = "internal"


A1_E_LABELS: tuple[str, ...] = ("A1", "A2", "A3", "A4", "B", "C", "D", "E")
AA_D_LETTERS: tuple[str, ...] = ("AA", "A", "BB", "B", "C", "D")
_SHORT_TERM_LEVELS = range(1, 5)

# Internal grade for each AA–D letter (rows, best first) and short-term level 1 … 4 (columns). Monotone in both
# directions; the corners are AA1 = 0 and D4 = 7; the usual combinations (the bold diagonal in the docs) land on
# one internal grade each, so :data:`_AA_D_CANONICAL` round-trips.
AA_D_TABLE: dict[str, tuple[int, int, int, int]] = {
    "AA": (0, 1, 2, 3),
    "A": (1, 1, 2, 3),
    "BB": (2, 2, 3, 4),
    "B": (3, 3, 4, 5),
    "C": (4, 5, 5, 6),
    "D": (5, 6, 7, 7),
}
_AA_D_CANONICAL: tuple[str, ...] = ("AA1", "A2", "BB2", "B2", "B3", "C3", "C4", "D4")
_AA_D_PATTERN = re.compile(r"^(AA|A|BB|B|C|D)[\s\-/]*([1-4])?$")


def check_scale(scale: Scale | str) -> Scale:
    """The scale named by ``scale`` (case-insensitive), or raise ``ValidationError("scale", …)``."""
    try:
        return Scale(str(scale).strip().lower())
    except ValueError:
        known = ", ".join(member.value for member in Scale)
        raise ValidationError("scale", f"unknown scale {scale!r}; expected one of {known}") from None


def _check_number_grade(scale: Scale, grade: str | int) -> str:
    """Grades 0 … 7 on the OECD or internal scale, given as an int or a string of digits."""
    text = str(grade).strip()
    valid = not isinstance(grade, bool) and text.isdigit() and int(text) in _GRADES
    if not valid:
        name = "an OECD" if scale is Scale.OECD else "an internal"
        raise ValidationError("grade", f"expected {name} grade 0 to 7; got {grade!r}")
    return str(int(text))


def _check_a1_e(grade: str | int) -> str:
    text = str(grade).strip().upper()
    if text not in A1_E_LABELS:
        raise ValidationError("grade", f"expected one of {', '.join(A1_E_LABELS)} on the A1–E scale; got {grade!r}")
    return text


def _check_aa_d(grade: str | int, short_term: int | None) -> str:
    """``BB2``, ``bb 2`` or ``BB`` with ``short_term=2`` all normalise to ``BB2``."""
    match = _AA_D_PATTERN.match(str(grade).strip().upper())
    if match is None:
        raise ValidationError(
            "grade", f"expected a letter AA, A, BB, B, C or D and a short-term level 1 to 4, such as BB2; "
                     f"got {grade!r}")
    letter, written_level = match.group(1), match.group(2)
    if short_term is not None and (isinstance(short_term, bool) or short_term not in _SHORT_TERM_LEVELS):
        raise ValidationError("short_term", f"expected a short-term level 1 to 4; got {short_term!r}")
    if written_level is not None and short_term is not None and int(written_level) != short_term:
        raise ValidationError("short_term", f"grade {grade!r} says level {written_level}; got {short_term}")
    level = int(written_level) if written_level is not None else short_term
    if level is None:
        raise ValidationError("grade", f"AA–D grade {grade!r} needs a short-term level 1 to 4, such as {letter}2")
    return f"{letter}{level}"


def check_grade(scale: Scale | str, grade: str | int, *, short_term: int | None = None) -> str:
    """The grade written the canonical way for its scale (``"3"``, ``"A4"``, ``"BB2"``), or raise.

    ``short_term`` is the AA–D short-term level 1 … 4 when it arrives in its own column; it is refused on
    other scales.
    """
    checked = check_scale(scale)
    if short_term is not None and checked is not Scale.AA_D:
        raise ValidationError("short_term", f"only the aa_d scale has a short-term level; got {short_term!r} "
                                            f"with scale {checked.value}")
    if checked is Scale.A1_E:
        return _check_a1_e(grade)
    if checked is Scale.AA_D:
        return _check_aa_d(grade, short_term)
    return _check_number_grade(checked, grade)


def to_internal(scale: Scale | str, grade: str | int, short_term: int | None = None) -> int:
    """The internal grade 0 … 7 for a grade on any known scale (crosswalk in the module docstring)."""
    checked = check_scale(scale)
    label = check_grade(checked, grade, short_term=short_term)
    if checked is Scale.A1_E:
        return A1_E_LABELS.index(label)
    if checked is Scale.AA_D:
        letter, level = label[:-1], int(label[-1])
        return AA_D_TABLE[letter][level - 1]
    return int(label)


def from_internal(scale: Scale | str, internal: int) -> str:
    """The grade on ``scale`` that stands for internal grade ``internal``.

    For AA–D, several combinations share an internal grade; the usual one is returned (``_AA_D_CANONICAL``),
    so ``to_internal(scale, from_internal(scale, g)) == g`` on every scale.
    """
    checked = check_scale(scale)
    grade = int(_check_number_grade(Scale.INTERNAL, internal))
    if checked is Scale.A1_E:
        return A1_E_LABELS[grade]
    if checked is Scale.AA_D:
        return _AA_D_CANONICAL[grade]
    return str(grade)


def downgrade(grade: int, steps: int) -> int:
    """The grade ``steps`` notches worse (negative ``steps`` upgrades), held inside 0 … 7.

    Used by the stress test "downgrade country X by N steps": a country already at 7 stays at 7.
    """
    current = int(_check_number_grade(Scale.INTERNAL, grade))
    if isinstance(steps, bool) or not isinstance(steps, int):
        raise ValidationError("steps", f"expected a whole number of grade steps; got {steps!r}")
    return min(WORST_GRADE, max(BEST_GRADE, current + steps))


@dataclass(frozen=True, slots=True)
class GradeMethod:
    """Parameters that turn WGI estimates into sub-scores, a composite and a grade (units in the fields).

    * ``estimate_low``/``estimate_high``: the WGI estimate range mapped linearly onto sub-scores 0 … 100
      (estimates are about N(0, 1) across countries; ±2.5 is the WGI's own nominal range). Beyond it, clipped.
    * weights of the four sub-scores in the composite; they must add up to 1.
    * ``thresholds``: seven composite floors, best grade first: a composite ≥ ``thresholds[0]`` is grade 0,
      ≥ ``thresholds[1]`` grade 1, …, below ``thresholds[6]`` grade 7.
    * ``min_coverage``: the share of weight that must be present for a grade (0 … 1).
    """

    estimate_low: float = -2.5
    estimate_high: float = 2.5
    political_stability: float = 0.30
    government_quality: float = 0.25
    rule_of_law: float = 0.30
    control_of_corruption: float = 0.15
    thresholds: tuple[float, ...] = (70.0, 60.0, 50.0, 45.0, 40.0, 35.0, 30.0)
    min_coverage: float = 0.5

    def __post_init__(self) -> None:
        if not self.estimate_high > self.estimate_low:
            raise ValidationError("estimate_high", f"expected more than {self.estimate_low}; got {self.estimate_high}")
        weights = self.weights()
        if any(weight < 0 for weight in weights.values()) or abs(sum(weights.values()) - 1.0) > 1e-9:
            raise ValidationError("weights", f"expected non-negative weights adding up to 1; got {weights}")
        floors = self.thresholds
        descending = all(later < earlier for earlier, later in itertools.pairwise(floors))
        if len(floors) != WORST_GRADE or not descending or not all(0 <= t <= 100 for t in floors):
            raise ValidationError("thresholds", f"expected 7 strictly decreasing composites in 0…100; got {floors}")
        if not 0 < self.min_coverage <= 1:
            raise ValidationError("min_coverage", f"expected a share above 0 and at most 1; got {self.min_coverage}")

    def weights(self) -> dict[str, float]:
        """Sub-score column → weight, in the order of the published columns."""
        return {
            "political_stability": self.political_stability,
            "government_quality": self.government_quality,
            "rule_of_law": self.rule_of_law,
            "control_of_corruption": self.control_of_corruption,
        }


DEFAULT_METHOD = GradeMethod()


def grade_from_composite(composite: float, method: GradeMethod = DEFAULT_METHOD) -> int:
    """Grade 0 … 7 = the number of thresholds the composite (0 … 100) falls below; a tie takes the better grade."""
    return sum(1 for floor in method.thresholds if composite < floor)


class PaymentTerms(StrEnum):
    """Payment terms from the least to the most secure for the seller."""

    OPEN_ACCOUNT = "open_account"
    DOCUMENTARY_COLLECTION = "documentary_collection"
    CONFIRMED_LC = "confirmed_lc"
    PREPAYMENT = "prepayment"


_TERMS_ORDER: tuple[PaymentTerms, ...] = tuple(PaymentTerms)


@dataclass(frozen=True, slots=True)
class TermsPolicy:
    """The worst country grade at which each kind of terms is still allowed; worse than all three → prepayment.

    Default: 0–3 open account, 4–5 documentary collection, 6 confirmed L/C, 7 prepayment. Equal limits skip a
    step (``documentary_collection_max == open_account_max`` goes straight from open account to L/C).
    """

    open_account_max: int = 3
    documentary_collection_max: int = 5
    confirmed_lc_max: int = 6

    def __post_init__(self) -> None:
        limits = (self.open_account_max, self.documentary_collection_max, self.confirmed_lc_max)
        ordered = all(earlier <= later for earlier, later in itertools.pairwise(limits))
        if not ordered or not all(-1 <= limit <= WORST_GRADE for limit in limits):
            raise ValidationError("terms_policy", f"expected non-decreasing grade limits in -1…7; got {limits}")

    def terms_for(self, grade: int) -> PaymentTerms:
        """The least secure terms allowed at ``grade``; every more secure kind is allowed too."""
        checked = int(_check_number_grade(Scale.INTERNAL, grade))
        if checked <= self.open_account_max:
            return PaymentTerms.OPEN_ACCOUNT
        if checked <= self.documentary_collection_max:
            return PaymentTerms.DOCUMENTARY_COLLECTION
        if checked <= self.confirmed_lc_max:
            return PaymentTerms.CONFIRMED_LC
        return PaymentTerms.PREPAYMENT

    def permits(self, terms: PaymentTerms, grade: int) -> bool:
        """Whether ``terms`` are at least as secure as the policy asks for at ``grade``."""
        return _TERMS_ORDER.index(terms) >= _TERMS_ORDER.index(self.terms_for(grade))


DEFAULT_TERMS_POLICY = TermsPolicy()


def allowed_terms(grade: int, *, policy: TermsPolicy = DEFAULT_TERMS_POLICY) -> PaymentTerms:
    """The least secure payment terms allowed for a buyer in a country of internal ``grade``."""
    return policy.terms_for(grade)


@dataclass(frozen=True, slots=True)
class CountryGrade:
    """A country's grade for one data year with its sub-scores (0 … 100, 100 best; None where not published).

    ``year`` is the year the underlying data describe (WGI year Y → grade for year Y); ``coverage`` is the share
    of the method's weight that had data (0 … 1); ``grade`` is None when coverage was too low.
    """

    country: str
    year: int
    grade: int | None
    political_stability: float | None
    government_quality: float | None
    rule_of_law: float | None
    control_of_corruption: float | None
    composite: float | None
    coverage: float
    source: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "country", check_country(self.country))
        if self.grade is not None:
            _check_number_grade(Scale.INTERNAL, self.grade)


@dataclass(frozen=True, slots=True)
class CountryRating:
    """A grade imported from an official or insurer source, kept as given and translated to the internal scale."""

    country: str
    scale: Scale
    label: str
    grade: int
    as_of: date
    source: str


def new_rating(
    *, country: str, scale: Scale | str, grade: str | int, as_of: date, source: str, short_term: int | None = None
) -> CountryRating:
    """Validate one imported rating (a row of ``country, scale, grade, as_of, source``)."""
    checked = check_scale(scale)
    label = check_grade(checked, grade, short_term=short_term)
    text = source.strip()
    if not text:
        raise ValidationError("source", "is required: name the agency or insurer and its publication")
    return CountryRating(check_country(country), checked, label, to_internal(checked, label), as_of, text)
