"""The credit-terms advisor: the worked example of docs/credit-terms.md by hand, the rules, bad input and properties
for random sales. No database."""

from __future__ import annotations

import math
from dataclasses import replace
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradecredit.domain.country import PaymentTerms
from tradecredit.domain.errors import ValidationError
from tradecredit.domain.money import round_money
from tradecredit.domain.terms_advisor import (
    DECLINE,
    DEFAULT_ADVISOR_POLICY,
    AdvisorPolicy,
    OptionFigures,
    Sale,
    SecuredTerms,
    compare_terms,
    parse_share,
    term_pd,
)

D = Decimal
CENT = D("0.01")
DOC = Path(__file__).resolve().parents[2] / "docs" / "credit-terms.md"


def sale(**changes: Any) -> Sale:
    """The worked example: 100,000 EUR on 60 days, 25% margin, 8% cost of capital, PD 2%, LGD 60%, not insured."""
    values: dict[str, Any] = {"amount": D(100_000), "currency": "EUR", "days": 60, "margin": D("0.25"),
                              "cost_of_capital": D("0.08"), "pd": 0.02, "lgd": D("0.6"), "insured": D(0)}
    return Sale(**{**values, **changes})


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN)


def figures(option: OptionFigures) -> tuple[Decimal, ...]:
    return (option.margin, option.discount, option.financing_cost, option.expected_loss, option.fees,
            option.lost_sales, option.profit)


def test_the_worked_example_of_the_docs_reproduced_by_hand() -> None:
    amount = D(100_000)
    margin = amount * D("0.25")  # 25,000.00
    financing_60 = cents(amount * D("0.08") * 60 / 365)  # 1,315.0685 → 1,315.07
    financing_30 = cents(amount * D("0.08") * 30 / 365)  # 657.534 → 657.53
    pd_60 = 1 - (1 - 0.02) ** (60 / 365)  # 0.0033155
    pd_30 = 1 - (1 - 0.02) ** (30 / 365)  # 0.0016591
    loss_60 = amount * D(repr(pd_60)) * D("0.6")  # 198.929
    loss_30 = amount * D(repr(pd_30)) * D("0.6")  # 99.547
    assert (financing_60, financing_30, cents(loss_60), cents(loss_30)) == (D("1315.07"), D("657.53"), D("198.93"),
                                                                            D("99.55"))
    collection_fee = max(amount * D("0.002"), D(100))  # 200
    lc_fees = max(amount * D("0.01"), D(250)) + amount * D("0.0025")  # 1,000 + 250
    discount = amount * D("0.02")  # 2,000
    zero = D(0)
    by_hand = [
        (PaymentTerms.OPEN_ACCOUNT, 60, margin, zero, financing_60, cents(loss_60), zero, zero),
        (PaymentTerms.OPEN_ACCOUNT, 30, margin, zero, financing_30, cents(loss_30), zero, zero),
        (PaymentTerms.DOCUMENTARY_COLLECTION, 60, margin, zero, financing_60, cents(loss_60 / 2), collection_fee, zero),
        (PaymentTerms.CONFIRMED_LC, 60, margin, zero, financing_60, zero, lc_fees, zero),
        (PaymentTerms.PREPAYMENT, 0, margin, discount, zero, zero, zero, zero),
    ]
    expected = [(kind, days, *money, money[0] - sum(money[1:], zero)) for kind, days, *money in by_hand]
    result = compare_terms(sale())
    assert [(o.kind, o.days, *figures(o)) for o in result.options] == expected
    assert [o.profit for o in result.options] == [D("23486.00"), D("24242.92"), D("23385.47"), D("22434.93"),
                                                  D("23000.00")]
    assert result.tolerance == D("500.00")
    advice = result.recommendation
    assert (advice.kind, advice.days, advice.profit) == ("open_account", 60, D("23486.00"))
    assert [o.recommended for o in result.options] == [True, False, False, False, False]
    assert advice.explanation_en == (
        "Sell on open account at 60 days: expected profit 23,486.00 EUR (margin 25,000.00 − financing 1,315.07 − "
        "expected loss 198.93 = 23,486.00 EUR), 100.53 EUR more than documentary collection.")
    assert advice.explanation_zh.startswith("建议赊销，账期 60 天：预期利润 23,486.00 EUR")


def test_the_docs_show_the_worked_example_row_by_row() -> None:
    text = DOC.read_text(encoding="utf-8")
    for option in compare_terms(sale()).options:
        row = " | ".join([option.label_en, str(option.days), *(f"{v:,f}" for v in figures(option)),
                          "yes" if option.recommended else ""])
        assert f"| {row} |".replace("|  |", "| |") in text, row
    advice = compare_terms(sale()).recommendation
    assert advice.explanation_zh in text
    assert " ".join(advice.explanation_en.split()) in " ".join(text.replace("\n> ", " ").split())


def test_the_pd_over_a_term_compounds_the_12_month_pd() -> None:
    assert term_pd(0.02, 365) == pytest.approx(0.02, rel=1e-15)
    assert term_pd(0.02, 60) == pytest.approx(1 - 0.98 ** (60 / 365), rel=1e-12)
    assert (term_pd(0.02, 0), term_pd(0.0, 90), term_pd(1.0, 1), term_pd(1.0, 0)) == (0.0, 0.0, 1.0, 0.0)
    assert term_pd(1e-12, 30) == pytest.approx(1e-12 * 30 / 365, rel=1e-6)  # small PDs keep their digits


def test_a_weak_buyer_is_offered_shorter_terms_than_asked() -> None:
    # PD 30%, 90 days: 17,975.95 at 90 and 20,268.18 at 60 are more than 500 below prepayment (23,000);
    # 30 days earns 22,609.06, 390.94 below it.
    result = compare_terms(sale(days=90, pd=0.30))
    assert [(o.days, o.profit) for o in result.options if o.kind is PaymentTerms.OPEN_ACCOUNT] == [
        (90, D("17975.95")), (60, D("20268.18")), (30, D("22609.06"))]
    assert (result.recommendation.kind, result.recommendation.days) == ("open_account", 30)
    assert "390.94 EUR less than prepayment, within the tolerance of 500.00 EUR" in result.recommendation.explanation_en
    assert "The 90 days asked for would earn 17,975.95 EUR" in result.recommendation.explanation_en


def test_security_is_asked_for_when_no_open_account_term_pays_enough() -> None:
    result = compare_terms(sale(days=120, pd=0.60))
    assert (result.recommendation.kind, result.recommendation.days) == ("prepayment", 0)
    assert result.recommendation.explanation_en.startswith("Ask for prepayment: expected profit 23,000.00 EUR")
    assert "(90/60/30 days)" in result.recommendation.explanation_en
    assert "更短的账期（90/60/30 天）" in result.recommendation.explanation_zh
    short = compare_terms(sale(days=20, pd=0.60))  # nothing shorter to try; the L/C beats prepayment at 20 days
    assert (short.recommendation.kind, short.recommendation.days) == ("confirmed_lc", 20)
    assert short.recommendation.explanation_en.startswith("Ask for a confirmed letter of credit")


def test_a_sale_no_option_makes_profitable_is_declined() -> None:
    result = compare_terms(sale(days=90, pd=0.30, margin=D("0.01")))
    assert (result.recommendation.kind, result.recommendation.days) == (DECLINE, None)
    assert result.recommendation.profit == D("-1000.00")  # the best option: prepayment, 1,000 margin − 2,000 discount
    assert not any(o.recommended for o in result.options)


def test_insurance_cuts_the_expected_loss_by_the_insured_share() -> None:
    insured = compare_terms(sale(insured=D("0.9"))).options
    assert insured[0].expected_loss == cents(D(100_000) * D(repr(1 - 0.98 ** (60 / 365))) * D("0.6") * D("0.1"))
    assert insured[0].expected_loss == D("19.89")
    assert insured[2].expected_loss == D("9.95")  # the collection's residual half of 19.893


def test_fees_have_a_minimum_in_the_base_currency() -> None:
    options = compare_terms(sale(amount=D(10_000))).options
    assert [o.fees for o in options[2:]] == [D("100.00"), D("275.00"), D("0.00")]  # max(20, 100); max(100, 250) + 25


def test_a_lost_sale_share_takes_its_share_of_the_option_profit() -> None:
    policy = replace(DEFAULT_ADVISOR_POLICY, prepayment=SecuredTerms(discount=D("0.02"), lost_sale=D("0.1"), days=0))
    prepayment = compare_terms(sale(), policy).options[-1]
    assert (prepayment.lost_sales, prepayment.profit) == (D("2300.00"), D("20700.00"))  # 10% of 23,000


def test_the_shorter_terms_tried_come_from_the_policy() -> None:
    policy = replace(DEFAULT_ADVISOR_POLICY, open_account_days=(45, 15, 90))
    days = [o.days for o in compare_terms(sale(days=60), policy).options if o.kind is PaymentTerms.OPEN_ACCOUNT]
    assert days == [60, 45, 15]
    assert [o.days for o in compare_terms(sale(days=0)).options] == [0, 0, 0, 0]  # nothing shorter than 0


def test_money_is_rounded_to_the_minor_unit_of_the_currency() -> None:
    yen = compare_terms(sale(currency="JPY", amount=D(1_000_000))).options[0]
    assert figures(yen) == (D(250_000), D(0), D(13_151), D(1_989), D(0), D(0), D(234_860))
    dinar = compare_terms(sale(currency="KWD", amount=D("1000.005"))).options[0]
    assert dinar.financing_cost == D("13.151") and dinar.expected_loss.as_tuple().exponent == -3


@pytest.mark.parametrize(("changes", "field", "reason"), [
    ({"amount": D(0)}, "amount", "expected an amount above 0"),
    ({"amount": D(-5)}, "amount", "expected an amount above 0"),
    ({"amount": D("10.001")}, "amount", "more than 2 decimal(s)"),
    ({"amount": D(10) ** 16}, "amount", "at most"),
    ({"amount": D("1e30")}, "amount", "at most"),  # checked before rounding, which would overflow 28 digits
    ({"amount": D("Infinity")}, "amount", "expected an amount above 0"),
    ({"days": -1}, "days", "expected whole days from 0 to 365; got -1"),
    ({"days": 366}, "days", "got 366"),
    ({"margin": D("-0.1")}, "margin", "expected a share between 0 and 1"),
    ({"margin": D("1.5")}, "margin", "got 1.5"),
    ({"cost_of_capital": D(2)}, "cost_of_capital", "expected a share between 0 and 1"),
    ({"pd": -0.01}, "pd", "expected a 12-month PD between 0 and 1"),
    ({"pd": 1.01}, "pd", "got 1.01"),
    ({"pd": math.nan}, "pd", "got nan"),
    ({"insured": D("1.2")}, "insured", "expected a share between 0 and 1"),
    ({"lgd": D("NaN")}, "lgd", "expected a share between 0 and 1"),
    ({"currency": "XYZ"}, "currency", "unknown currency code"),
])
def test_bad_input_is_refused_naming_the_field(changes: dict[str, Any], field: str, reason: str) -> None:
    with pytest.raises(ValidationError) as caught:
        sale(**changes)
    assert caught.value.field == field
    assert reason in caught.value.reason


def test_a_bad_policy_or_share_is_refused() -> None:
    with pytest.raises(ValidationError, match="open_account_days: expected up to 12 different day counts"):
        AdvisorPolicy(open_account_days=(30, 30))
    with pytest.raises(ValidationError, match="open_account_days: expected whole days from 1 to 365; got 0"):
        AdvisorPolicy(open_account_days=(0,))
    with pytest.raises(ValidationError, match="fee_share"):
        SecuredTerms(fee_share=D(2))
    with pytest.raises(ValidationError, match="fee_minimum"):
        SecuredTerms(fee_minimum=D(-1))
    with pytest.raises(ValidationError, match=r"--margin: expected a share between 0 and 1 such as 0.25; got 'x'"):
        parse_share("x", "--margin")
    assert parse_share(" 0.25 ", "margin") == D("0.25")


amounts = st.decimals(min_value=D("0.01"), max_value=D(10) ** 9, places=2)
shares = st.decimals(min_value=D(0), max_value=D(1), places=4)
pds = st.floats(min_value=0.0, max_value=1.0)
random_sales = st.builds(Sale, amount=amounts, currency=st.just("EUR"), days=st.integers(0, 365), margin=shares,
                         cost_of_capital=st.decimals(min_value=D(0), max_value=D("0.5"), places=4), pd=pds,
                         lgd=shares, insured=shares)


@settings(max_examples=300, deadline=None)
@given(random_sales)
def test_the_expected_loss_is_never_negative_nor_above_amount_times_lgd(proposed: Sale) -> None:
    ceiling = round_money(proposed.amount * proposed.lgd, "EUR")
    for option in compare_terms(proposed).options:
        assert D(0) <= option.expected_loss <= ceiling
        assert option.profit == option.margin - sum(figures(option)[1:-1], D(0))  # the shown figures add up


@settings(max_examples=300, deadline=None)
@given(random_sales, pds)
def test_a_higher_pd_never_lengthens_the_recommended_open_account_terms(proposed: Sale, other: float) -> None:
    def open_days(pd: float) -> int:
        advice = compare_terms(replace(proposed, pd=pd)).recommendation
        return advice.days if advice.kind == "open_account" and advice.days is not None else -1

    low, high = sorted((proposed.pd, other))
    assert open_days(high) <= open_days(low)


@settings(max_examples=200, deadline=None)
@given(random_sales)
def test_a_fully_insured_sale_has_no_expected_loss(proposed: Sale) -> None:
    assert all(o.expected_loss == 0 for o in compare_terms(replace(proposed, insured=D(1))).options)
