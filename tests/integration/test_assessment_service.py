"""Assessing buyers on each backend: combined PD, flags for bad statements, limits, history, reports, stress."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from tests.assessment_book import HEALTHY, TODAY, WEAKER, build_book
from tradecredit.bootstrap import App
from tradecredit.domain.errors import NotFound, ValidationError
from tradecredit.domain.grades import DEFAULT_MASTER_SCALE
from tradecredit.domain.limit_advice import DEFAULT_LIMIT_POLICY
from tradecredit.domain.statements import LINE_ITEMS
from tradecredit.engine.features import compute_features, feature_matrix
from tradecredit.engine.scoring import load_shipped_model
from tradecredit.services import assessment, country
from tradecredit.services.audit import audit_trail
from tradecredit.services.promises import record_promise


@pytest.fixture
def book(app: App, tmp_path: Path) -> App:
    return build_book(app, tmp_path)


def config(app: App) -> assessment.AssessmentConfig:
    return assessment.AssessmentConfig.from_settings(app.settings)


def model_pd(items: dict[str, int], previous: dict[str, int]) -> float:
    """The shipped model's PD for a statement with the one before it (growth and a24 look back a year)."""
    frame = pl.DataFrame([{"buyer_id": 1, "period_end": date(2024, 12, 31), **previous},
                          {"buyer_id": 1, "period_end": date(2025, 12, 31), **items}])
    model = load_shipped_model()
    features = compute_features(frame.with_columns(pl.col(name).cast(pl.Float64) for name in LINE_ITEMS))
    return float(model.predict_pd(feature_matrix(features.tail(1), model.attrs))[0])


def test_a_buyer_with_good_statements_and_prompt_payments_keeps_its_financial_pd(book: App) -> None:
    run = assessment.assess_all(book.uow(), actor="analyst", config=config(book))
    assert (run.assessed, run.limited_information, run.stale, run.in_default) == (6, 3, 1, 1)
    view = assessment.latest_assessment(book.uow(), ref="A1")
    assert view.financial_pd == pytest.approx(model_pd(HEALTHY, WEAKER), rel=1e-9)
    # DBT: I1 1000 paid 10 days late, I2 500 not yet due → (1000 × 10 + 500 × 0) / 1500 = 6.67 days, band ≤ 15 days
    # adds 0; DE grade 0 adds 0; NACE 28 (manufacturing, C) adds 0. So the PD is the financial PD.
    behaviour = view.outputs["components"][0]
    assert behaviour["inputs"]["dbt_days"] == pytest.approx(10_000 / 1500)
    assert [c["add"] for c in view.outputs["components"]] == [0.0, 0.0, 0.0]
    assert view.pd == view.financial_pd
    grade = DEFAULT_MASTER_SCALE.grade_for(view.pd)
    assert (view.grade, view.limited_information, view.stale_statement, view.flags) == (grade, False, False, [])
    # Need: the largest month-end exposure of the last 12 months is 1000 (I1 open on 30 September) × 1.2 = 1200.
    size = min(Decimal(4_000_000) * Decimal(str(DEFAULT_LIMIT_POLICY.equity_share[grade - 1])),
               Decimal(10_000_000) * Decimal(str(DEFAULT_LIMIT_POLICY.revenue_share[grade - 1])))
    terms = {t["name"]: t for t in view.outputs["limit"]["terms"]}
    assert Decimal(terms["need"]["amount"]) == 1200
    assert Decimal(terms["size"]["amount"]) == int(size)
    assert view.recommended_limit == (min(size, Decimal(1200)) // 1000) * 1000
    assert view.inputs["statement"]["ratios"]["current_ratio"] == 2.0  # 5,000,000 / 2,500,000
    reasons = view.outputs["reasons"]
    assert reasons and all(r["text_en"] and r["text_zh"] for r in reasons)
    assert [r["direction"] for r in reasons] == sorted(r["direction"] for r in reasons)[::-1]  # up first, then down


def test_inconsistent_statements_never_get_a_silent_pd(book: App) -> None:
    assessment.assess_all(book.uow(), actor="analyst", config=config(book))
    above = assessment.latest_assessment(book.uow(), ref="A2")
    assert (above.financial_pd, above.limited_information) == (None, True)
    assert above.outputs["blocked_by"] == ["current_assets_above_total_assets"]
    assert above.outputs["reasons"] == []
    negative = assessment.latest_assessment(book.uow(), ref="A3")
    assert negative.outputs["blocked_by"] == ["current_assets_above_total_assets", "negative_total_assets"]
    assert (negative.financial_pd, negative.limited_information) == (None, True)
    # Limited information: the configured 2% moved only by the country (FR) — no ledger history, no industry.
    country_add = negative.outputs["components"][1]["add"]
    odds = 0.02 / 0.98 * math.exp(country_add)
    assert negative.pd == pytest.approx(odds / (1 + odds))


def test_a_statement_in_a_currency_without_a_rate_is_flagged_and_the_size_term_falls_back(book: App) -> None:
    view = assessment.assess_buyer(book.uow(), ref="A4", actor="analyst", config=config(book))
    assert view.financial_pd is not None  # ratios need no exchange rate
    assert "no_fx_rate_JPY" in view.flags
    size = next(t for t in view.outputs["limit"]["terms"] if t["name"] == "size")
    assert (Decimal(size["amount"]), size["formula"]) == (Decimal(50_000), "limited information: cap 50,000 EUR")


def test_stale_statements_are_flagged_and_defaults_come_from_write_offs(book: App) -> None:
    assessment.assess_all(book.uow(), actor="analyst", config=config(book))
    stale = assessment.latest_assessment(book.uow(), ref="A5")
    assert stale.stale_statement and stale.outputs["components"][-1]["name"] == "stale_statement"
    gone = assessment.latest_assessment(book.uow(), ref="A6")
    assert (gone.grade, gone.pd, gone.in_default, gone.recommended_limit, gone.terms) == (10, 1.0, True, 0,
                                                                                          "prepayment")
    assert gone.default_reason == "written off 1000.00 in the last 12 months"


def test_history_is_append_only_and_explains_the_change(book: App) -> None:
    first = assessment.assess_buyer(book.uow(), ref="A1", actor="analyst", config=config(book),
                                    as_of=date(2025, 6, 30), trigger="annual review")
    assert first.inputs["statement"]["period_end"] == "2024-12-31"  # the 2025 statement did not exist yet
    assert first.change_en is None
    second = assessment.assess_buyer(book.uow(), ref="A1", actor="manager", config=config(book))
    assert second.inputs["statement"]["period_end"] == "2025-12-31"
    assert second.change_en is not None and "new statement for 2025-12-31" in second.change_en
    assert "equity ratio rose from 0.25 to 0.50" in second.change_en  # 2,000,000 / 8,000,000 → 4,000,000 / 8,000,000
    assert second.change_en.startswith(f"grade {first.grade} → {second.grade}" if first.grade != second.grade
                                       else f"grade {second.grade} kept")
    page = assessment.assessment_history(book.uow(), ref="A1")
    assert [v.id for v in page.items] == [second.id, first.id] and page.total == 2
    assert page.items[1] == first  # the older assessment is untouched
    events, _ = audit_trail(book.uow(), entity="assessment")
    assert [(e.actor, e.key, e.after["trigger"]) for e in events] == [("manager", "A1", "manual"),
                                                                      ("analyst", "A1", "annual review")]


def test_a_broken_payment_promise_raises_the_pd_and_is_named_in_the_behaviour_reason(book: App) -> None:
    before = assessment.assess_buyer(book.uow(), ref="A1", actor="analyst", config=config(book))
    record_promise(book.uow(), buyer_ref="A1", invoice_ref="I2", amount=Decimal("300.00"), made_on=date(2026, 11, 1),
                   promised_date=date(2026, 11, 10), actor="collector", policy=book.settings.promise_policy())
    after = assessment.assess_buyer(book.uow(), ref="A1", actor="analyst", config=config(book))
    behaviour = after.outputs["components"][0]
    # Nothing paid on I2 by 10 November + 3 days' grace: one broken promise adds broken_promise_add (0.3).
    assert (behaviour["name"], behaviour["inputs"]["broken_promises_12m"]) == ("behaviour", 1)
    assert behaviour["add"] == pytest.approx(before.outputs["components"][0]["add"] + 0.3)
    assert behaviour["text_en"].endswith("; 1 broken payment promise") and "1 次未兑现付款承诺" in behaviour["text_zh"]
    assert after.inputs["behaviour"]["broken_promises_12m"] == 1 and after.pd > before.pd
    earlier = assessment.assess_buyer(book.uow(), ref="A1", actor="analyst", config=config(book),
                                      as_of=date(2026, 11, 13))  # the last day of grace: not broken yet
    assert earlier.outputs["components"][0]["inputs"]["broken_promises_12m"] == 0


def test_bad_requests_change_nothing(book: App) -> None:
    with pytest.raises(NotFound):
        assessment.assess_buyer(book.uow(), ref="NOPE", actor="analyst", config=config(book))
    with pytest.raises(NotFound, match="assessment of buyer A1 not found"):
        assessment.latest_assessment(book.uow(), ref="A1")
    with pytest.raises(ValidationError, match="reason"):
        assessment.assess_buyer(book.uow(), ref="A1", actor="analyst", config=config(book), trigger=" ")
    with pytest.raises(ValidationError, match="as_of"):
        assessment.assess_all(book.uow(), actor="analyst", config=config(book), as_of=date(1800, 1, 1))
    assert assessment.assessment_history(book.uow(), ref="A1").total == 0


def test_exposure_by_grade_and_expected_loss(book: App) -> None:
    assessment.assess_all(book.uow(), actor="analyst", config=config(book))
    a1 = assessment.latest_assessment(book.uow(), ref="A1")
    report = assessment.exposure_by_grade(book.uow(), as_of=TODAY, base_currency="EUR", lgd=0.6)
    # Only A1 has open exposure today: I2, 500.00.
    assert [(line.grade, line.buyers, line.exposure, line.share) for line in report.lines] == [(a1.grade, 1,
                                                                                               Decimal("500.00"), 1.0)]
    assert report.expected_loss == Decimal(str(round(a1.pd * 50_000 * 0.6))) / 100
    assert (report.total, report.not_assessed_buyers) == (Decimal("500.00"), 0)
    unassessed = assessment.assess_all(book.uow(), actor="analyst", config=config(book), unassessed_only=True)
    assert unassessed.assessed == 0


def test_a_country_downgrade_shows_grades_and_expected_loss(book: App) -> None:
    assessment.assess_all(book.uow(), actor="analyst", config=config(book))
    a1 = assessment.latest_assessment(book.uow(), ref="A1")
    result = country.stress_test(book.uow(), country="DE", steps=6, on=TODAY, base_currency="EUR",
                                 policy=book.settings.terms_policy(), lgd=0.6)
    [buyer] = result.buyers
    # DE goes from grade 0 to 6: the country component moves from 0 to +0.9 log-odds.
    odds = a1.pd / (1 - a1.pd) * 2.45960311115695  # e^0.9
    assert buyer.pd_after == pytest.approx(odds / (1 + odds))
    assert (buyer.grade_before, buyer.grade_after) == (a1.grade, DEFAULT_MASTER_SCALE.grade_for(buyer.pd_after))
    assert buyer.expected_loss_after == Decimal(str(round(buyer.pd_after * 50_000 * 0.6))) / 100
    assert result.expected_loss_after > result.expected_loss_before and result.not_assessed == 0
