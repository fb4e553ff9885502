"""The combined assessment, the recommended limit and terms, change explanations and PSI, worked out by hand."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from functools import partial

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradecredit.domain.assessment import (
    DEFAULT_ASSESSMENT_POLICY,
    AssessmentPolicy,
    Behaviour,
    combine,
    default_event,
    is_stale,
    nace_section,
    with_country_grade,
)
from tradecredit.domain.assessment_change import explain_change
from tradecredit.domain.country import PaymentTerms
from tradecredit.domain.errors import ValidationError
from tradecredit.domain.limit_advice import LimitPolicy, advise_terms, credit_class, recommend_limit
from tradecredit.engine.stability import grade_shares, psi, psi_status

D = Decimal
ON = date(2026, 11, 28)


def behaviour(dbt: float | None = None, then: float | None = None, open_: str = "1000", disputed: str = "0",
              late90: str = "0", written_off: str = "0") -> Behaviour:
    return Behaviour(dbt, then, D(open_), D(0), D(disputed), D(late90), D(written_off))


def pd_from(base: float, add: float) -> float:
    """PD after adding ``add`` to the log-odds, written out: odds × e^add, back to a probability."""
    odds = base / (1 - base) * math.exp(add)
    return odds / (1 + odds)


def test_each_component_adds_to_the_log_odds_and_is_shown() -> None:
    # DBT 20 days: band (15, 30] → +0.4; up 15 days in 3 months (> 10) → +0.3; 200 of 1000 disputed (> 10%) → +0.2;
    # country grade 3 → +0.2; NACE 41.20 is section F (construction) → +0.4. Total +1.5.
    result = combine(financial_pd=0.01, statement_period_end=date(2025, 12, 31), on=ON,
                     behaviour=behaviour(20.0, 5.0, disputed="200"), country="IT", country_grade=3, industry="41.20")
    assert [(c.name, round(c.add, 6)) for c in result.components] == [
        ("behaviour", 0.9), ("country", 0.2), ("industry", 0.4)]
    assert result.pd == pytest.approx(pd_from(0.01, 1.5), rel=1e-12)  # 0.043309…
    assert result.pd == pytest.approx(0.0433090, abs=1e-6)
    assert (result.grade, result.limited_information, result.stale_statement, result.in_default) == (7, False, False,
                                                                                                      False)
    assert result.components[0].text_en == ("pays 20 days beyond terms on average; up 15 days in 3 months; "
                                            "20% of the open amount disputed")
    assert result.components[2].text_en == "NACE section F"
    assert result.components[1].odds_factor == pytest.approx(math.exp(0.2))


def test_without_a_statement_the_assessment_is_limited_information_from_behaviour_and_country() -> None:
    result = combine(financial_pd=None, statement_period_end=None, on=ON, behaviour=behaviour(), country="DE",
                     country_grade=0, industry=None)
    # Nothing adds anything: the PD is the configured 2% exactly, the top of grade 6.
    assert (result.pd, result.grade, result.limited_information, result.financial_pd) == (0.02, 6, True, None)
    assert result.components[0].text_en == "no payment history in the last 12 months"
    assert result.components[2].text_en == "industry not known: no adjustment"


def test_a_statement_older_than_18_months_is_flagged_and_adds_its_penalty() -> None:
    kept = partial(combine, financial_pd=0.004, on=ON, behaviour=behaviour(), country="DE", country_grade=0,
                   industry=None)
    fresh, stale = kept(statement_period_end=date(2025, 5, 31)), kept(statement_period_end=date(2025, 5, 27))
    assert (fresh.stale_statement, stale.stale_statement) == (False, True)
    assert stale.components[-1].name == "stale_statement"
    assert stale.pd == pytest.approx(pd_from(0.004, 0.2))


@pytest.mark.parametrize(("period_end", "on", "stale"), [
    (date(2025, 5, 31), date(2026, 11, 30), False),  # exactly 18 months
    (date(2025, 5, 31), date(2026, 12, 1), True),  # 18 months and a day
    (date(2024, 8, 31), date(2026, 2, 28), False),  # 31 August + 18 months = 28 February (clamped)
    (date(2024, 8, 31), date(2026, 3, 1), True),
])
def test_staleness_counts_calendar_months(period_end: date, on: date, stale: bool) -> None:
    assert is_stale(period_end, on, 18) is stale


def test_default_comes_from_events_not_from_the_pd() -> None:
    assert default_event(behaviour(written_off="0.01")) == "written off 0.01 in the last 12 months"
    # 150 undisputed past 90 days: above max(100, 1% of 1000).
    assert default_event(behaviour(late90="150")) is not None
    assert default_event(behaviour(late90="100")) is None  # not above the materiality
    assert default_event(behaviour(open_="50000", late90="400")) is None  # 1% of 50000 = 500
    result = combine(financial_pd=0.0004, statement_period_end=date(2025, 12, 31), on=ON,
                     behaviour=behaviour(late90="150"), country="DE", country_grade=0, industry=None)
    assert (result.grade, result.pd, result.in_default) == (10, 1.0, True)


def test_nace_codes_map_to_their_section() -> None:
    assert [nace_section(code) for code in ("01.11", "10.89", "33", "35.1", "41.20", "46.90", "56", "99", "F", "",
                                            None, "x1")] == ["A", "C", "C", "D", "F", "G", "I", "U", "F", None, None,
                                                             None]


def test_a_bad_financial_pd_or_policy_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"financial_pd: expected a probability between 0 and 1; got 1\.5"):
        combine(financial_pd=1.5, statement_period_end=None, on=ON, behaviour=behaviour(), country="DE",
                country_grade=0, industry=None)
    with pytest.raises(ValidationError, match="dbt_bands"):
        AssessmentPolicy(dbt_bands=((30.0, 0.1), (15.0, 0.2)))
    with pytest.raises(ValidationError, match="country_add"):
        AssessmentPolicy(country_add=(0.0,) * 7)


@given(st.floats(0.0, 400.0), st.floats(0.0, 400.0))
def test_paying_later_never_lowers_the_pd(fast: float, slow: float) -> None:
    low, high = sorted((fast, slow))
    kept = partial(combine, financial_pd=0.01, statement_period_end=None, on=ON, country="DE", country_grade=1,
                   industry=None)
    assert kept(behaviour=behaviour(low)).pd <= kept(behaviour=behaviour(high)).pd


def test_the_limit_is_the_smallest_applying_term_rounded_down() -> None:
    # Grade 5: size = min(1,000,000 × 10%, 5,000,000 × 6%) = 100,000; need = 40,000 × 1.25 × 1.2 = 60,000;
    # country grade 4 caps at 1,000,000. Need binds.
    advice = recommend_limit(grade=5, equity=D(1_000_000), revenue=D(5_000_000), peak_exposure=D(40_000),
                             sales_growth=D("0.25"), country="TR", country_grade=4, currency="EUR")
    assert advice.amount == D(60_000)
    assert [(t.name, t.amount, t.binding) for t in advice.terms] == [
        ("size", D(100_000), False), ("need", D(60_000), True), ("country", D(1_000_000), False)]
    assert advice.terms[0].formula == "min(equity 1,000,000 × 10.0%, revenue 5,000,000 × 6.0%) EUR"
    assert advice.note == "the need term binds; rounded down to 1,000"


def test_limit_edge_cases() -> None:
    new = recommend_limit(grade=5, equity=D(475_125), revenue=D(10_000_000), peak_exposure=D(0), sales_growth=None,
                          country="DE", country_grade=0, currency="EUR")
    assert new.amount == D(47_000)  # size 47,512.5 binds (no need term: never sold), rounded down
    assert new.terms[1].amount is None
    grown = recommend_limit(grade=1, equity=D(10**9), revenue=D(10**9), peak_exposure=D(10_000),
                            sales_growth=D("0.8"), country="DE", country_grade=0, currency="EUR")
    assert grown.amount == D(18_000)  # growth capped at 50%: 10,000 × 1.5 × 1.2
    assert recommend_limit(grade=6, equity=D(-5), revenue=D(10**6), peak_exposure=D(10**5), sales_growth=None,
                           country="DE", country_grade=0, currency="EUR").amount == 0
    unknown = recommend_limit(grade=4, equity=None, revenue=None, peak_exposure=D(200_000), sales_growth=None,
                              country="DE", country_grade=0, currency="EUR")
    assert (unknown.amount, unknown.terms[0].formula) == (D(50_000), "limited information: cap 50,000 EUR")
    closed = recommend_limit(grade=3, equity=D(10**7), revenue=D(10**8), peak_exposure=D(10**5), sales_growth=None,
                             country="AF", country_grade=7, currency="EUR")
    assert (closed.amount, closed.terms[2].binding) == (0, True)
    assert recommend_limit(grade=10, equity=D(10**7), revenue=D(10**8), peak_exposure=D(10**5), sales_growth=None,
                           country="DE", country_grade=0, currency="EUR").amount == 0
    with pytest.raises(ValidationError, match="grade: expected a grade 1–10; got 11"):
        recommend_limit(grade=11, equity=None, revenue=None, peak_exposure=D(0), sales_growth=None, country="DE",
                        country_grade=0, currency="EUR")


@given(st.integers(1, 9), st.decimals(-10**6, 10**9, places=2), st.decimals(0, 10**9, places=2),
       st.decimals(0, 10**7, places=2), st.integers(0, 7))
def test_the_limit_never_exceeds_a_term_and_is_a_round_amount(grade: int, equity: Decimal, revenue: Decimal,
                                                              peak: Decimal, country_grade: int) -> None:
    advice = recommend_limit(grade=grade, equity=equity, revenue=revenue, peak_exposure=peak, sales_growth=None,
                             country="DE", country_grade=country_grade, currency="EUR")
    assert advice.amount >= 0 and advice.amount % LimitPolicy().rounding == 0
    assert all(advice.amount <= term.amount for term in advice.terms if term.amount is not None)
    assert sum(term.binding for term in advice.terms) == 1


def test_terms_take_the_stricter_of_grade_and_country() -> None:
    plain = advise_terms(grade=5, country_terms=None, country_max_days=None)
    assert (plain.kind, plain.days, plain.security_en, plain.why) == (PaymentTerms.OPEN_ACCOUNT, 60,
                                                                     "none: open account", "grade 5")
    country = advise_terms(grade=3, country_terms=PaymentTerms.DOCUMENTARY_COLLECTION, country_max_days=45)
    assert (country.kind, country.days, country.why) == (PaymentTerms.DOCUMENTARY_COLLECTION, 45,
                                                         "country policy; country allows at most 45 days")
    assert country.security_zh == "跟单托收或银行保函"
    weak = advise_terms(grade=9, country_terms=PaymentTerms.OPEN_ACCOUNT, country_max_days=None)
    assert (weak.kind, weak.security_en) == (PaymentTerms.CONFIRMED_LC, "a confirmed letter of credit")
    assert advise_terms(grade=10, country_terms=None, country_max_days=None).kind is PaymentTerms.PREPAYMENT


def test_a_grade_change_names_the_drivers_that_moved_most() -> None:
    en, zh = explain_change({"equity_ratio": 0.35, "dbt_days": 5.0, "current_ratio": 1.50},
                            {"equity_ratio": 0.12, "dbt_days": 30.0, "current_ratio": 1.55},
                            grade_before=4, grade_after=6)
    # equity moved 0.23 = 4.6 materialities, DBT 25 days = 5; the current ratio's 0.05 is below its 0.1.
    assert en == "grade 4 → 6: days beyond terms rose from 5 to 30, equity ratio fell from 0.35 to 0.12"
    assert zh == "等级 4 → 6：逾期天数从 5 升至 30，权益比率从 0.35 降至 0.12"
    same = explain_change({"dbt_days": 5.0}, {"dbt_days": 6.0, "roa": 0.1}, grade_before=5, grade_after=5)
    assert same == ("grade 5 kept: no driver moved materially", "等级保持 5：各项指标无实质变化")


def test_a_country_stress_moves_only_the_country_component() -> None:
    pd, grade = with_country_grade(0.01, 0, 5)
    assert pd == pytest.approx(pd_from(0.01, 0.6)) and grade == 6  # 0.018072…
    assert with_country_grade(1.0, 0, 7) == (1.0, 10)
    assert with_country_grade(0.01, None, 2, DEFAULT_ASSESSMENT_POLICY)[0] == pytest.approx(pd_from(0.01, -0.2))


def test_psi_by_hand() -> None:
    expected = np.array([0.2, 0.2, 0.2, 0.2, 0.2, 0, 0, 0, 0])
    actual = np.array([0.1, 0.3, 0.2, 0.2, 0.2, 0, 0, 0, 0])
    # (0.1 − 0.2)·ln(0.1/0.2) + (0.3 − 0.2)·ln(0.3/0.2); equal and empty bins add nothing.
    assert psi(expected, actual) == pytest.approx(0.1 * math.log(2) + 0.1 * math.log(1.5))
    assert psi_status(0.05) == "stable" and psi_status(0.1099) == "investigate" and psi_status(0.3) == (
        "significant shift")
    assert grade_shares(np.array([1, 1, 9, 2])).tolist() == [0.5, 0.25, 0, 0, 0, 0, 0, 0, 0.25]
    with pytest.raises(ValidationError, match="expected 9 non-negative shares summing to 1"):
        psi(expected, np.array([0.5] * 9))


def test_credit_classes_follow_the_grades() -> None:
    assert [credit_class(g).name for g in range(1, 11)] == ["A", "A", "A", "B", "B", "C", "C", "D", "D", "D"]
    assert credit_class(8).terms_en.startswith("secured terms only")
    with pytest.raises(ValidationError, match="grade: expected a grade 1–10; got 0"):
        credit_class(0)
