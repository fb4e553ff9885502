"""Country risk: grades from WGI estimates, the scale crosswalk, payment terms and stress.

The synthetic WGI frames use estimates chosen so every sub-score is round: sub-score = (estimate + 2.5) / 5 · 100,
i.e. 50 + 20 · estimate. Each expected figure is worked out in a comment.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradecredit.domain.country import (
    A1_E_LABELS,
    AA_D_LETTERS,
    AA_D_TABLE,
    DEFAULT_METHOD,
    CountryGrade,
    GradeMethod,
    PaymentTerms,
    Scale,
    TermsPolicy,
    allowed_terms,
    check_grade,
    check_scale,
    downgrade,
    from_internal,
    grade_from_composite,
    new_rating,
    to_internal,
)
from tradecredit.domain.errors import ValidationError
from tradecredit.domain.identifiers import check_country
from tradecredit.engine.country import (
    GRADES_SCHEMA,
    country_grades,
    grade_of,
    iso_alpha2,
    latest_grades,
    load_shipped_grades,
    payment_terms,
    stress,
)

PS, GE, RQ, RL, CC, VA = (
    "Political StabilityNoViolence", "GovernmentEffectiveness", "RegulatoryQuality", "RuleofLaw",
    "ControlofCorruption", "VoiceandAccountability",
)


def _wgi(rows: list[tuple[str, str, int, float | None]]) -> pl.DataFrame:
    """A long WGI frame from (code, indicator, year, estimate) rows, with the extra columns the real file has."""
    codes, indicators, years, estimates = zip(*rows, strict=True)
    return pl.DataFrame(
        {"indicator": indicators, "country": ["x"] * len(rows), "code": codes, "year": years,
         "estimate": estimates, "stderr": [0.2] * len(rows)},
        schema_overrides={"estimate": pl.Float64},
    )


def _full(code: str, year: int, ps: float, ge: float, rq: float | None, rl: float, cc: float) -> list[
        tuple[str, str, int, float | None]]:
    return [(code, PS, year, ps), (code, GE, year, ge), (code, RQ, year, rq), (code, RL, year, rl),
            (code, CC, year, cc)]


@pytest.fixture
def synthetic() -> pl.DataFrame:
    rows = [
        # DEU: PS 0.5→60, GE 1.5→80, RQ 1.0→70 (GQ 75), RL 1.5→80, CC 1.75→85; Voice and Accountability ignored.
        *_full("DEU", 2019, 0.5, 1.5, 1.0, 1.5, 1.75), ("DEU", VA, 2019, -2.5),
        # ROM (World Bank code for Romania): RQ missing → GQ = GE alone = 40; coverage stays 1.
        *_full("ROM", 2019, 0.0, -0.5, None, -0.25, -1.0),
        # VEN: PS −3.0 clipped to 0; GE and RQ missing → GQ missing, coverage 0.75.
        ("VEN", PS, 2019, -3.0), ("VEN", RL, 2019, -2.0), ("VEN", CC, 2019, -1.5),
        # MCO: political stability only → coverage 0.30 < 0.5 → no composite, no grade.
        ("MCO", PS, 2019, 1.5),
        # Kosovo and the world aggregate have no ISO 3166-1 alpha-2 code: dropped.
        *_full("KSV", 2019, 0.0, 0.0, 0.0, 0.0, 0.0), *_full("WLD", 2019, 0.0, 0.0, 0.0, 0.0, 0.0),
        # DEU 2018: every sub-score 70 → composite exactly the grade-0 threshold 70.0.
        *_full("DEU", 2018, 1.0, 1.0, 1.0, 1.0, 1.0),
    ]
    return country_grades(_wgi(rows))


def _row(grades: pl.DataFrame, country: str, year: int = 2019) -> dict[str, object]:
    return grades.filter((pl.col("country") == country) & (pl.col("year") == year)).row(0, named=True)


def test_sub_scores_composite_and_grade_follow_the_documented_formulas(synthetic: pl.DataFrame) -> None:
    # composite = 0.30·60 + 0.25·75 + 0.30·80 + 0.15·85 = 18 + 18.75 + 24 + 12.75 = 73.5 → ≥ 70 → grade 0
    assert _row(synthetic, "DE") == {
        "country": "DE", "year": 2019, "political_stability": 60.0, "government_quality": 75.0,
        "rule_of_law": 80.0, "control_of_corruption": 85.0, "composite": 73.5, "coverage": 1.0, "grade": 0,
    }


def test_a_missing_regulatory_quality_leaves_government_quality_to_effectiveness(synthetic: pl.DataFrame) -> None:
    # PS 50, GQ 40, RL 45, CC 30: 15 + 10 + 13.5 + 4.5 = 43.0 → below 45, at least 40 → grade 4
    row = _row(synthetic, "RO")
    assert (row["government_quality"], row["composite"], row["coverage"], row["grade"]) == (40.0, 43.0, 1.0, 4)


def test_a_missing_sub_score_reweights_the_rest_and_lowers_coverage(synthetic: pl.DataFrame) -> None:
    # PS 0 (clipped from −3.0), RL 10, CC 20; weight present 0.30 + 0.30 + 0.15 = 0.75
    # composite = (0.30·0 + 0.30·10 + 0.15·20) / 0.75 = 6 / 0.75 = 8.0 → grade 7
    row = _row(synthetic, "VE")
    assert row["political_stability"] == 0.0
    assert row["government_quality"] is None
    assert (row["composite"], row["coverage"], row["grade"]) == (8.0, 0.75, 7)


def test_coverage_below_one_half_publishes_sub_scores_but_no_grade(synthetic: pl.DataFrame) -> None:
    row = _row(synthetic, "MC")
    assert (row["political_stability"], row["coverage"], row["composite"], row["grade"]) == (80.0, 0.3, None, None)


def test_codes_without_an_iso_country_are_dropped_and_world_bank_codes_are_translated(
        synthetic: pl.DataFrame) -> None:
    assert sorted(synthetic.get_column("country").unique().to_list()) == ["DE", "MC", "RO", "VE"]
    assert synthetic.schema == pl.Schema(GRADES_SCHEMA)


@pytest.mark.parametrize(
    ("code", "alpha2"),
    [("DEU", "DE"), ("chn", "CN"), ("TWN", "TW"), ("HKG", "HK"), ("ROM", "RO"), ("ROU", "RO"), ("ZAR", "CD"),
     ("TMP", "TL"), ("ADO", "AD"), ("WBG", "PS"), ("KSV", None), ("XKX", None), ("ANT", None), ("WLD", None),
     ("EUU", None)],
)
def test_wgi_codes_map_to_iso_alpha2(code: str, alpha2: str | None) -> None:
    assert iso_alpha2(code) == alpha2


def test_a_composite_on_a_threshold_takes_the_better_grade(synthetic: pl.DataFrame) -> None:
    # 0.30·70 + 0.25·70 + 0.30·70 + 0.15·70 = 70.0 (to 0.1) → exactly the grade-0 floor
    assert (_row(synthetic, "DE", 2018)["composite"], _row(synthetic, "DE", 2018)["grade"]) == (70.0, 0)


@pytest.mark.parametrize(
    ("composite", "grade"),
    [(100.0, 0), (70.0, 0), (69.9, 1), (60.0, 1), (59.9, 2), (50.0, 2), (45.0, 3), (44.9, 4), (40.0, 4),
     (35.0, 5), (34.9, 6), (30.0, 6), (29.9, 7), (0.0, 7)],
)
def test_thresholds_cut_the_composite_into_grades(composite: float, grade: int) -> None:
    assert grade_from_composite(composite) == grade


def test_other_weights_change_the_composite() -> None:
    equal = GradeMethod(political_stability=0.25, government_quality=0.25, rule_of_law=0.25,
                        control_of_corruption=0.25)
    # DEU 2019 with equal weights: (60 + 75 + 80 + 85) / 4 = 75.0
    grades = country_grades(_wgi(_full("DEU", 2019, 0.5, 1.5, 1.0, 1.5, 1.75)), method=equal)
    assert grades.get_column("composite").to_list() == [75.0]


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"rule_of_law": 0.5}, "weights"), ({"thresholds": (70.0, 60.0)}, "thresholds"),
     ({"thresholds": (70.0, 60.0, 60.0, 45.0, 40.0, 35.0, 30.0)}, "thresholds"), ({"min_coverage": 0.0},
                                                                                  "min_coverage"),
     ({"estimate_low": 3.0}, "estimate_high")],
)
def test_a_method_with_impossible_parameters_is_refused(changes: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        GradeMethod(**changes)  # type: ignore[arg-type]
    assert caught.value.field == field


# --- scales and the crosswalk ---------------------------------------------------------------------------------

@given(st.integers(0, 7), st.sampled_from(list(Scale)))
def test_internal_to_any_scale_and_back_is_the_identity(grade: int, scale: Scale) -> None:
    assert to_internal(scale, from_internal(scale, grade)) == grade


@pytest.mark.parametrize("scale", [Scale.OECD, Scale.A1_E, Scale.INTERNAL])
def test_eight_step_scales_map_one_to_one(scale: Scale) -> None:
    labels = [from_internal(scale, grade) for grade in range(8)]
    assert len(set(labels)) == 8
    assert [to_internal(scale, label) for label in labels] == list(range(8))


def test_a1_e_labels_map_by_position() -> None:
    assert [to_internal("a1_e", label) for label in A1_E_LABELS] == list(range(8))
    assert from_internal("a1_e", 4) == "B"


def test_the_aa_d_table_is_monotone_with_corners_at_the_ends() -> None:
    for letter in AA_D_LETTERS:
        row = AA_D_TABLE[letter]
        assert list(row) == sorted(row)
    for level in range(4):
        column = [AA_D_TABLE[letter][level] for letter in AA_D_LETTERS]
        assert column == sorted(column)
    assert (to_internal("aa_d", "AA1"), to_internal("aa_d", "D4")) == (0, 7)
    assert [from_internal("aa_d", grade) for grade in range(8)] == ["AA1", "A2", "BB2", "B2", "B3", "C3", "C4", "D4"]


@pytest.mark.parametrize(("grade", "short_term"), [("BB2", None), ("bb 2", None), ("BB-2", None), ("BB", 2),
                                                   ("BB2", 2)])
def test_aa_d_grades_are_read_in_several_spellings(grade: str, short_term: int | None) -> None:
    assert check_grade("aa_d", grade, short_term=short_term) == "BB2"
    assert to_internal("AA_D", grade, short_term) == 2


@pytest.mark.parametrize(
    ("scale", "grade", "message"),
    [
        ("oecd", 8, "grade: expected an OECD grade 0 to 7; got 8"),
        ("oecd", "-1", "grade: expected an OECD grade 0 to 7; got '-1'"),
        ("internal", True, "grade: expected an internal grade 0 to 7; got True"),
        ("a1_e", "F", "grade: expected one of A1, A2, A3, A4, B, C, D, E on the A1–E scale; got 'F'"),
        ("aa_d", "E3", "grade: expected a letter AA, A, BB, B, C or D and a short-term level 1 to 4, such as BB2; "
                       "got 'E3'"),
        ("aa_d", "BB", "grade: AA–D grade 'BB' needs a short-term level 1 to 4, such as BB2"),
        ("aa_d", "BB5", "grade: expected a letter AA, A, BB, B, C or D and a short-term level 1 to 4, such as BB2; "
                        "got 'BB5'"),
        ("moodys", "A", "scale: unknown scale 'moodys'; expected one of oecd, a1_e, aa_d, internal"),
    ],
)
def test_grades_outside_their_scale_are_refused_with_a_clear_message(scale: str, grade: str | int,
                                                                     message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        to_internal(scale, grade)
    assert str(caught.value) == message


def test_a_short_term_level_that_contradicts_the_grade_is_refused() -> None:
    with pytest.raises(ValidationError, match="short_term: grade 'BB2' says level 2; got 3"):
        check_grade("aa_d", "BB2", short_term=3)
    with pytest.raises(ValidationError, match="only the aa_d scale has a short-term level"):
        check_grade("oecd", "3", short_term=1)


def test_scales_are_named_case_insensitively() -> None:
    assert check_scale(" OECD ") is Scale.OECD
    assert check_grade(Scale.INTERNAL, " 03") == "3"
    assert check_grade("a1_e", "a4") == "A4"


def test_an_imported_rating_keeps_the_label_and_translates_it() -> None:
    rating = new_rating(country="tr", scale="aa_d", grade="c", short_term=4, as_of=date(2024, 1, 31),
                        source="insurer X country risk map")
    assert (rating.country, rating.scale, rating.label, rating.grade) == ("TR", Scale.AA_D, "C4", 6)
    with pytest.raises(ValidationError, match="source: is required"):
        new_rating(country="TR", scale="oecd", grade=5, as_of=date(2024, 1, 31), source=" ")


# --- payment terms and stress ---------------------------------------------------------------------------------

def test_the_default_terms_table_tightens_with_the_grade() -> None:
    assert [allowed_terms(grade).value for grade in range(8)] == [
        "open_account", "open_account", "open_account", "open_account",
        "documentary_collection", "documentary_collection", "confirmed_lc", "prepayment",
    ]


def test_a_stricter_policy_and_what_it_permits() -> None:
    strict = TermsPolicy(open_account_max=1, documentary_collection_max=1, confirmed_lc_max=4)
    assert [allowed_terms(grade, policy=strict) for grade in (1, 2, 5)] == [
        PaymentTerms.OPEN_ACCOUNT, PaymentTerms.CONFIRMED_LC, PaymentTerms.PREPAYMENT]
    assert strict.permits(PaymentTerms.PREPAYMENT, 2)
    assert not strict.permits(PaymentTerms.DOCUMENTARY_COLLECTION, 2)
    with pytest.raises(ValidationError, match="terms_policy: expected non-decreasing grade limits"):
        TermsPolicy(open_account_max=5, documentary_collection_max=4)


@pytest.mark.parametrize(("grade", "steps", "expected"), [(3, 2, 5), (6, 3, 7), (7, 1, 7), (1, -5, 0), (4, 0, 4)])
def test_downgrade_is_held_inside_the_scale(grade: int, steps: int, expected: int) -> None:
    assert downgrade(grade, steps) == expected


@given(st.integers(0, 7), st.integers(-20, 20))
def test_downgrade_never_leaves_the_scale_or_improves_a_grade(grade: int, steps: int) -> None:
    moved = downgrade(grade, steps)
    assert 0 <= moved <= 7
    assert (moved >= grade) if steps >= 0 else (moved <= grade)


def test_downgrading_a_grade_outside_the_scale_is_refused() -> None:
    with pytest.raises(ValidationError, match="grade: expected an internal grade 0 to 7; got 8"):
        downgrade(8, 1)


def test_stress_moves_one_country_and_keeps_the_base_grade(synthetic: pl.DataFrame) -> None:
    once = stress(synthetic.filter(pl.col("year") == 2019), country="ro", steps=2)
    twice = stress(once, country="VE", steps=1)
    by_country = {row["country"]: (row["base_grade"], row["grade"]) for row in twice.iter_rows(named=True)}
    # RO 4 → 6; VE already 7 stays 7; MC has no grade and keeps none; DE untouched.
    assert by_country == {"DE": (0, 0), "MC": (None, None), "RO": (4, 6), "VE": (7, 7)}
    with pytest.raises(ValidationError, match="unknown country code 'XK'"):
        stress(synthetic, country="XK", steps=1)


def test_terms_are_added_per_grade(synthetic: pl.DataFrame) -> None:
    terms = payment_terms(synthetic.filter(pl.col("year") == 2019)).select("country", "terms").rows()
    assert terms == [("DE", "open_account"), ("MC", None), ("RO", "documentary_collection"),
                     ("VE", "prepayment")]


# --- the shipped table ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def shipped() -> pl.DataFrame:
    return load_shipped_grades()


def test_every_shipped_row_has_a_grade_exactly_when_coverage_allows(shipped: pl.DataFrame) -> None:
    graded = shipped.filter(pl.col("coverage") >= DEFAULT_METHOD.min_coverage)
    ungraded = shipped.filter(pl.col("coverage") < DEFAULT_METHOD.min_coverage)
    assert graded.get_column("grade").is_between(0, 7).all()
    assert ungraded.get_column("grade").is_null().all()
    assert ungraded.get_column("composite").is_null().all()


def test_shipped_grades_follow_the_thresholds_from_the_published_composite(shipped: pl.DataFrame) -> None:
    graded = shipped.filter(pl.col("grade").is_not_null())
    expected = [grade_from_composite(value) for value in graded.get_column("composite").to_list()]
    assert graded.get_column("grade").to_list() == expected


def test_shipped_countries_are_iso_codes_once_per_year(shipped: pl.DataFrame) -> None:
    countries = shipped.get_column("country").unique().to_list()
    assert all(check_country(code) == code for code in countries)
    assert {"RO", "CD", "TL", "AD", "PS", "TW"} <= set(countries)
    assert shipped.select("country", "year").is_duplicated().sum() == 0
    assert shipped.get_column("year").max() == 2019


def test_shipped_2019_grades_cover_the_world_and_sit_where_expected(shipped: pl.DataFrame) -> None:
    year = shipped.filter(pl.col("year") == 2019)
    assert year.height >= 190
    grades = dict(year.select("country", "grade").iter_rows())
    assert (grades["DE"], grades["VE"]) == (0, 7)
    assert all(grades[code] == 0 for code in ("US", "NL", "CH", "JP"))
    assert all(grades[code] == 7 for code in ("AF", "YE", "SY"))


def test_the_wgi_frame_must_have_the_long_columns() -> None:
    with pytest.raises(ValidationError, match="wgi: expected the long WGI columns indicator, code, year, estimate; "
                                              "missing estimate"):
        country_grades(pl.DataFrame({"indicator": [PS], "code": ["DEU"], "year": [2019]}))


def test_a_country_grade_is_read_as_a_domain_value(shipped: pl.DataFrame) -> None:
    grade = grade_of(shipped, country="de")
    assert isinstance(grade, CountryGrade)
    assert (grade.country, grade.year, grade.grade) == ("DE", 2019, 0)
    assert grade_of(shipped, country="DE", year=1997) is None
    assert latest_grades(shipped).get_column("country").is_duplicated().sum() == 0
