"""Country grades from the World Bank Worldwide Governance Indicators (WGI), vectorised over countries and years.

The method (``docs/country-risk.md``): each WGI estimate (≈ N(0, 1) across countries) becomes a sub-score
0 … 100 by a clipped linear map; government effectiveness and regulatory quality are averaged into one
sub-score; a weighted composite of the four sub-scores is cut into grades 0 … 7 by seven thresholds. A grade
for year Y uses WGI data for year Y. The shipped table (``data/country/wgi_grades.csv``) is this function's
output on the WGI 2020 update, built by ``scripts/build_country_grades.py``.
"""

from __future__ import annotations

import io
from functools import lru_cache
from importlib import resources

import polars as pl
import pycountry

from tradecredit.domain.country import (
    BEST_GRADE,
    DEFAULT_METHOD,
    DEFAULT_TERMS_POLICY,
    WORST_GRADE,
    CountryGrade,
    GradeMethod,
    TermsPolicy,
)
from tradecredit.domain.errors import ValidationError
from tradecredit.domain.identifiers import check_country

__all__ = [
    "GRADES_SCHEMA",
    "SHIPPED_SOURCE",
    "WB_CODE_ALIASES",
    "country_grades",
    "grade_of",
    "iso_alpha2",
    "latest_grades",
    "load_shipped_grades",
    "payment_terms",
    "stress",
]

SHIPPED_SOURCE = "World Bank WGI 2020 update (data 1996-2019), TradeCredit method v1"
_SHIPPED_PATH = "data/country/wgi_grades.csv"

GRADES_SCHEMA: dict[str, pl.DataType] = {
    "country": pl.String(),
    "year": pl.Int64(),
    "political_stability": pl.Float64(),
    "government_quality": pl.Float64(),
    "rule_of_law": pl.Float64(),
    "control_of_corruption": pl.Float64(),
    "composite": pl.Float64(),
    "coverage": pl.Float64(),
    "grade": pl.Int64(),
}
_SUB_SCORES = ("political_stability", "government_quality", "rule_of_law", "control_of_corruption")

# WGI indicator names, squeezed to lower-case letters, → the five inputs used. Both the names in the WGI
# workbook ("Political StabilityNoViolence") and the World Bank API codes ("PV.EST") are understood. Voice and
# Accountability is not used (see the method doc).
_INDICATORS: dict[str, str] = {
    "politicalstabilitynoviolence": "political_stability",
    "politicalstabilityandabsenceofviolenceterrorism": "political_stability",
    "pvest": "political_stability",
    "governmenteffectiveness": "government_effectiveness",
    "geest": "government_effectiveness",
    "regulatoryquality": "regulatory_quality",
    "rqest": "regulatory_quality",
    "ruleoflaw": "rule_of_law",
    "rlest": "rule_of_law",
    "controlofcorruption": "control_of_corruption",
    "ccest": "control_of_corruption",
}
_INPUTS = ("political_stability", "government_effectiveness", "regulatory_quality", "rule_of_law",
           "control_of_corruption")

# World Bank economy codes that are not the ISO 3166-1 alpha-3 code of the same country. Kosovo (KSV, XKX) has
# no ISO 3166-1 code and the Netherlands Antilles (ANT) left ISO 3166-1 in 2010: both are dropped, like regions.
WB_CODE_ALIASES: dict[str, str] = {"ADO": "AD", "ROM": "RO", "TMP": "TL", "WBG": "PS", "ZAR": "CD"}


@lru_cache(maxsize=512)
def iso_alpha2(code: str) -> str | None:
    """ISO 3166-1 alpha-2 for a WGI economy code (ISO alpha-3 or a World Bank alias); None when there is none."""
    text = code.strip().upper()
    if text in WB_CODE_ALIASES:
        return WB_CODE_ALIASES[text]
    country = pycountry.countries.get(alpha_3=text) if len(text) == 3 else None
    return None if country is None else str(country.alpha_2)


def _sub_score(estimate: pl.Expr, method: GradeMethod) -> pl.Expr:
    """0 … 100 = (estimate − low) / (high − low) · 100, clipped: 50 is the world average, 20 points per WGI unit."""
    span = method.estimate_high - method.estimate_low
    return ((estimate - method.estimate_low) / span * 100.0).clip(0.0, 100.0)


_WGI_COLUMNS = ("indicator", "code", "year", "estimate")


def _check_wgi(wgi: pl.DataFrame) -> None:
    missing = [name for name in _WGI_COLUMNS if name not in wgi.columns]
    if missing:
        raise ValidationError("wgi", f"expected the long WGI columns {', '.join(_WGI_COLUMNS)}; "
                                     f"missing {', '.join(missing)}")


def _scored_inputs(wgi: pl.DataFrame, method: GradeMethod) -> pl.LazyFrame:
    """One row per (alpha-2, year, input) with its sub-score; unknown indicators and codes are dropped."""
    _check_wgi(wgi)
    indicator_key = pl.col("indicator").str.to_lowercase().str.replace_all(r"[^a-z]", "")
    codes = wgi.get_column("code").unique().drop_nulls().to_list()
    alpha2 = {code: iso_alpha2(code) for code in codes}
    return (
        wgi.lazy()
        .filter(pl.col("estimate").is_not_null())
        .with_columns(
            input=indicator_key.replace_strict(_INDICATORS, default=None, return_dtype=pl.String),
            country=pl.col("code").replace_strict(alpha2, default=None, return_dtype=pl.String),
        )
        .filter(pl.col("input").is_not_null() & pl.col("country").is_not_null())
        .select("country", pl.col("year").cast(pl.Int64), "input", score=_sub_score(pl.col("estimate"), method))
    )


def _wide(scored: pl.LazyFrame) -> pl.LazyFrame:
    """One row per (country, year), one column per input (null when that indicator has no estimate)."""
    columns = [pl.col("score").filter(pl.col("input") == name).mean().alias(name) for name in _INPUTS]
    return scored.group_by("country", "year").agg(columns).with_columns(
        government_quality=pl.mean_horizontal("government_effectiveness", "regulatory_quality"),
    )


def _composite(method: GradeMethod) -> tuple[pl.Expr, pl.Expr]:
    """(composite, coverage): Σ wᵢ·sᵢ / Σ wᵢ over the sub-scores present, and Σ wᵢ present / Σ wᵢ."""
    weights = method.weights()
    total_weight = sum(weights.values())
    present_weight = pl.sum_horizontal([pl.col(name).is_not_null() * weight for name, weight in weights.items()])
    weighted_sum = pl.sum_horizontal([pl.col(name).fill_null(0.0) * weight for name, weight in weights.items()])
    coverage = present_weight / total_weight
    composite = pl.when(coverage >= method.min_coverage - 1e-9).then(weighted_sum / present_weight)
    return composite, coverage


def _grade(composite: pl.Expr, method: GradeMethod) -> pl.Expr:
    """Number of thresholds the composite falls below (0 … 7); null composite → null grade."""
    below = [(composite < floor).cast(pl.Int64) for floor in method.thresholds]
    return pl.when(composite.is_not_null()).then(pl.sum_horizontal(below))


def country_grades(wgi: pl.DataFrame, *, method: GradeMethod = DEFAULT_METHOD) -> pl.DataFrame:
    """Grades per (country alpha-2, year) from the long WGI table (columns indicator, code, year, estimate).

    Sub-scores and the composite are 0 … 100 (100 best), rounded to 0.1 — far below the WGI's own standard
    error (about 0.2 estimate units = 4 points), so more digits would be false precision. The grade is cut
    from the rounded composite, so anyone can re-derive it from the published table. Coverage is the share
    of weight with data (rounded to 0.01); below ``method.min_coverage`` composite and grade are null.
    Columns and types: :data:`GRADES_SCHEMA`; sorted by country and year.
    """
    composite, coverage = _composite(method)
    rounded = [pl.col(name).round(1) for name in _SUB_SCORES]
    return (
        _wide(_scored_inputs(wgi, method))
        .with_columns(composite=composite, coverage=coverage)
        .with_columns(*rounded, pl.col("composite").round(1), pl.col("coverage").round(2))
        .with_columns(grade=_grade(pl.col("composite"), method))
        .select([pl.col(name).cast(dtype) for name, dtype in GRADES_SCHEMA.items()])
        .sort("country", "year")
        .collect()
    )


def load_shipped_grades() -> pl.DataFrame:
    """The grades shipped with TradeCredit (WGI 2020 update, data years 1996–2019), as :data:`GRADES_SCHEMA`."""
    data = resources.files("tradecredit").joinpath(_SHIPPED_PATH).read_bytes()
    return pl.read_csv(io.BytesIO(data), schema=GRADES_SCHEMA)


def latest_grades(grades: pl.DataFrame) -> pl.DataFrame:
    """Each country's row for the latest year it has a grade (the data year is kept in ``year``)."""
    return (
        grades.filter(pl.col("grade").is_not_null())
        .sort("country", "year")
        .group_by("country", maintain_order=True)
        .last()
    )


def grade_of(grades: pl.DataFrame, *, country: str, year: int | None = None) -> CountryGrade | None:
    """One country's grade for ``year`` (default: its latest graded year) as a domain value; None if absent."""
    code = check_country(country)
    rows = grades.filter(pl.col("country") == code)
    rows = latest_grades(rows) if year is None else rows.filter(pl.col("year") == year)
    if rows.is_empty():
        return None
    row = rows.row(0, named=True)
    return CountryGrade(source=SHIPPED_SOURCE, **{name: row[name] for name in GRADES_SCHEMA})


def stress(grades: pl.DataFrame, *, country: str, steps: int) -> pl.DataFrame:
    """The grades with ``country`` moved ``steps`` notches worse (negative: better), held inside 0 … 7.

    Adds ``base_grade`` (the grade before any stress) on the first call and keeps it on later calls, so
    several countries can be stressed in turn and compared with the unstressed grade.
    """
    code = check_country(country)
    if isinstance(steps, bool) or not isinstance(steps, int):
        raise ValidationError("steps", f"expected a whole number of grade steps; got {steps!r}")
    base = grades if "base_grade" in grades.columns else grades.with_columns(base_grade=pl.col("grade"))
    moved = (pl.col("grade") + steps).clip(BEST_GRADE, WORST_GRADE)
    return base.with_columns(grade=pl.when(pl.col("country") == code).then(moved).otherwise(pl.col("grade")))


def payment_terms(grades: pl.DataFrame, *, policy: TermsPolicy = DEFAULT_TERMS_POLICY) -> pl.DataFrame:
    """The grades with ``terms``: the least secure payment terms allowed at each grade (null grade → null)."""
    table = {grade: policy.terms_for(grade).value for grade in range(BEST_GRADE, WORST_GRADE + 1)}
    terms = pl.col("grade").replace_strict(table, default=None, return_dtype=pl.String)
    return grades.with_columns(terms=terms)

