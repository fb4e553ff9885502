"""Receivables analytics on small hand-made ledgers; every expected figure is worked out in a comment."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradecredit.domain.errors import FxRateMissing, ValidationError
from tradecredit.engine.analytics import (
    OPEN_ITEMS_SCHEMA,
    aging,
    aging_by_buyer,
    aging_labels,
    concentration,
    countback_days,
    days_beyond_terms,
    dso,
    dso_by_month,
    empty_settlements,
    exposure,
    group_exposure,
    open_items,
    top_debtors,
)

AS_OF = date(2024, 6, 30)
EUR_BASE: dict[str, Any] = {"rates": {"EUR": 1.0}, "base_currency": "EUR", "base_minor_unit": 2}


def invoice(
    invoice_id: int, amount: float, *, buyer: int = 1, group: int | None = None, issued: date = date(2024, 1, 1),
    due: date = date(2024, 1, 31), currency: str = "EUR", disputed: bool = False,
) -> dict[str, Any]:
    return {"invoice_id": invoice_id, "buyer_id": buyer, "group_id": buyer if group is None else group,
            "issue_date": issued, "due_date": due, "currency": currency, "amount": amount, "disputed": disputed}


def settlement(invoice_id: int, amount: float, on: date, kind: str = "payment") -> dict[str, Any]:
    return {"invoice_id": invoice_id, "date": on, "amount": amount, "kind": kind}


def invoices_of(*rows: dict[str, Any]) -> pl.DataFrame:
    schema = {"invoice_id": pl.Int64, "buyer_id": pl.Int64, "group_id": pl.Int64, "issue_date": pl.Date,
              "due_date": pl.Date, "currency": pl.String, "amount": pl.Float64, "disputed": pl.Boolean}
    return pl.DataFrame(list(rows), schema=schema)


def settlements_of(*rows: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=empty_settlements().schema) if rows else empty_settlements()


def open_by_id(frame: pl.DataFrame) -> dict[int, int]:
    return dict(zip(frame["invoice_id"].to_list(), frame["open_minor"].to_list(), strict=True))


def overdue_by(days: int, amount: float, invoice_id: int, buyer: int = 1) -> dict[str, Any]:
    return invoice(invoice_id, amount, buyer=buyer, due=AS_OF - timedelta(days=days))


# --- open items ----------------------------------------------------------------------------------------------


def test_an_invoice_is_open_for_its_amount_less_the_settlements_dated_on_or_before_as_of() -> None:
    invoices = invoices_of(invoice(1, 100.00))
    settlements = settlements_of(
        settlement(1, 30.00, AS_OF),                        # counts: dated on as_of
        settlement(1, 50.00, AS_OF + timedelta(days=1)),    # ignored: after as_of
    )
    items = open_items(invoices, settlements, as_of=AS_OF, **EUR_BASE)
    assert open_by_id(items) == {1: 7_000}  # 100.00 − 30.00 = 70.00 → 7000 cents


def test_invoices_issued_after_as_of_are_not_open_items() -> None:
    invoices = invoices_of(invoice(1, 10.00, issued=AS_OF), invoice(2, 20.00, issued=AS_OF + timedelta(days=1)))
    assert open_by_id(open_items(invoices, settlements_of(), as_of=AS_OF, **EUR_BASE)) == {1: 1_000}


def test_a_paid_invoice_is_closed_although_its_payments_do_not_add_up_in_floating_point() -> None:
    # 0.1 + 0.2 − 0.3 is 5.55e-17 in floats; in cents it is 10 + 20 − 30 = 0.
    invoices = invoices_of(invoice(1, 0.30), invoice(2, 5.00))
    settlements = settlements_of(settlement(1, 0.10, AS_OF), settlement(1, 0.20, AS_OF), settlement(2, 6.00, AS_OF))
    assert open_items(invoices, settlements, as_of=AS_OF, **EUR_BASE).height == 0  # 2 is overpaid: not open


def test_days_past_due_is_as_of_minus_due_date_and_negative_before_the_due_date() -> None:
    invoices = invoices_of(invoice(1, 1.00, due=date(2024, 6, 20)), invoice(2, 1.00, due=date(2024, 7, 5)))
    items = open_items(invoices, settlements_of(), as_of=AS_OF, **EUR_BASE).sort("invoice_id")
    assert items["days_past_due"].to_list() == [10, -5]  # 30 June − 20 June; 30 June − 5 July
    assert dict(items.schema) == dict(OPEN_ITEMS_SCHEMA)


def test_open_amounts_are_converted_at_the_closing_rate_and_rounded_half_even() -> None:
    rates = {"USD": 0.5, "JPY": 0.0078125, "KWD": 3.0}  # all exact in binary, so the ties are real ties
    invoices = invoices_of(
        invoice(1, 0.25, currency="USD"),   # 25 ¢ × 0.5 = 12.5 → 12 (half to even)
        invoice(2, 0.27, currency="USD"),   # 27 ¢ × 0.5 = 13.5 → 14
        invoice(3, 16, currency="JPY"),     # ¥16 × 0.0078125 = €0.125 = 12.5 ¢ → 12
        invoice(4, 48, currency="JPY"),     # ¥48 × 0.0078125 = €0.375 = 37.5 ¢ → 38
        invoice(5, 1.235, currency="KWD"),  # 1235 fils × 3 / 10 = 370.5 ¢ → 370
        invoice(6, 1.245, currency="KWD"),  # 1245 fils × 3 / 10 = 373.5 ¢ → 374
    )
    items = open_items(invoices, settlements_of(), as_of=AS_OF, rates=rates, base_currency="EUR", base_minor_unit=2)
    assert open_by_id(items) == {1: 12, 2: 14, 3: 12, 4: 38, 5: 370, 6: 374}


def test_settlements_are_subtracted_in_the_invoice_currency_before_the_one_conversion() -> None:
    # 0.51 − 0.26 = 0.25 USD = 25 ¢ × 0.5 = 12.5 → 12. Converting first would give 26 − 13 = 13.
    invoices = invoices_of(invoice(1, 0.51, currency="USD"))
    settlements = settlements_of(settlement(1, 0.26, AS_OF))
    items = open_items(invoices, settlements, as_of=AS_OF, rates={"USD": 0.5}, base_currency="EUR", base_minor_unit=2)
    assert open_by_id(items) == {1: 12}


def test_a_base_in_a_currency_without_decimals_gets_whole_units() -> None:
    # 10.50 EUR = 1050 ¢ × 160 / 100 = ¥1680
    invoices = invoices_of(invoice(1, 10.50))
    items = open_items(invoices, settlements_of(), as_of=AS_OF, rates={"EUR": 160.0}, base_currency="JPY",
                       base_minor_unit=0)
    assert open_by_id(items) == {1: 1_680}


def test_a_currency_without_a_rate_raises_fx_rate_missing_naming_the_currency() -> None:
    invoices = invoices_of(invoice(1, 10.00), invoice(2, 10.00, currency="GBP"))
    with pytest.raises(FxRateMissing, match="GBP") as raised:
        open_items(invoices, settlements_of(), as_of=AS_OF, **EUR_BASE)
    assert (raised.value.currency, raised.value.on, raised.value.base) == ("GBP", AS_OF, "EUR")


def test_missing_columns_are_named_in_a_validation_error() -> None:
    with pytest.raises(ValidationError, match=r"invoices: expected columns .*; missing \['disputed'\]"):
        open_items(invoices_of(invoice(1, 1.00)).drop("disputed"), settlements_of(), as_of=AS_OF, **EUR_BASE)


# --- aging ---------------------------------------------------------------------------------------------------


def test_aging_buckets_are_closed_on_the_right_with_current_for_nothing_past_due() -> None:
    invoices = invoices_of(
        overdue_by(0, 1.00, 1),     # current
        overdue_by(1, 2.00, 2),     # 1-30
        overdue_by(30, 4.00, 3),    # 1-30
        overdue_by(31, 8.00, 4),    # 31-60
        overdue_by(365, 16.00, 5),  # 181-365
        overdue_by(366, 32.00, 6),  # >365
    )
    items = open_items(invoices, settlements_of(), as_of=AS_OF, **EUR_BASE)
    table = aging(items)
    assert table["bucket"].to_list() == ["current", "1-30", "31-60", "61-90", "91-180", "181-365", ">365"]
    assert table["amount_minor"].to_list() == [100, 600, 800, 0, 0, 1_600, 3_200]  # total 6300
    assert table["invoices"].to_list() == [1, 2, 1, 0, 0, 1, 1]
    assert table["share"].to_list() == pytest.approx([100 / 6300, 600 / 6300, 800 / 6300, 0, 0, 1600 / 6300,
                                                      3200 / 6300])


def test_aging_lists_every_bucket_with_zeros_when_nothing_is_open() -> None:
    table = aging(open_items(invoices_of(), settlements_of(), as_of=AS_OF, **EUR_BASE))
    assert table.height == 7
    assert table["amount_minor"].sum() == 0 and table["invoices"].sum() == 0 and table["share"].sum() == 0.0
    assert dict(table.schema) == {"bucket": pl.String, "amount_minor": pl.Int64, "invoices": pl.Int64,
                                  "share": pl.Float64}


def test_aging_labels_follow_the_edges_with_or_without_the_leading_zero() -> None:
    assert aging_labels((30, 60)) == aging_labels((0, 30, 60)) == ["current", "1-30", "31-60", ">60"]
    assert aging_labels() == ["current", "1-30", "31-60", "61-90", "91-180", "181-365", ">365"]


@pytest.mark.parametrize("edges", [(0, 30, 30), (60, 30), (-5, 30), (), (0, 30.5)])
def test_bad_aging_edges_raise_a_validation_error_saying_what_was_expected(edges: tuple[Any, ...]) -> None:
    with pytest.raises(ValidationError) as raised:
        aging(open_items(invoices_of(), settlements_of(), as_of=AS_OF, **EUR_BASE), edges=edges)
    assert raised.value.field == "edges"
    assert str(raised.value) == f"edges: expected strictly increasing positive day counts; got {list(edges)}"


def test_aging_by_buyer_has_one_column_per_bucket_and_a_total() -> None:
    invoices = invoices_of(overdue_by(-3, 1.00, 1, buyer=7), overdue_by(45, 2.00, 2, buyer=7),
                           overdue_by(400, 3.00, 3, buyer=5))
    table = aging_by_buyer(open_items(invoices, settlements_of(), as_of=AS_OF, **EUR_BASE), edges=(30, 60))
    assert table.columns == ["buyer_id", "current", "1-30", "31-60", ">60", "total_minor"]
    assert table.rows() == [(5, 0, 0, 0, 300, 300), (7, 100, 0, 200, 0, 300)]


# --- DSO -----------------------------------------------------------------------------------------------------


def test_standard_dso_is_receivables_over_the_period_sales_times_its_days() -> None:
    # Period (2024-04-01, 2024-06-30]: 90 days back from 30 June.
    invoices = invoices_of(
        invoice(1, 300.00, issued=date(2024, 4, 15)),  # sale in the period; 150 paid → 150 open
        invoice(2, 100.00, issued=date(2024, 3, 31)),  # before the period; open 100
        invoice(3, 200.00, issued=date(2024, 6, 30)),  # sale in the period (last day); open 200
        invoice(4, 50.00, issued=date(2024, 4, 1)),    # on the excluded start day; paid
    )
    settlements = settlements_of(settlement(1, 150.00, date(2024, 5, 15)), settlement(4, 50.00, date(2024, 5, 1)))
    result = dso(invoices, settlements, as_of=AS_OF, period_days=90, **EUR_BASE)
    assert result.receivables_minor == 45_000  # 150 + 100 + 200
    assert result.sales_minor == 50_000        # 300 + 200
    assert result.period_days == 90
    assert result.standard_days == pytest.approx(81.0)  # 450 / 500 × 90


def test_countback_dso_walks_back_calendar_months_until_the_receivables_are_used_up() -> None:
    # as_of 31 March 2024; months (29 Feb, 31 Mar] = 31 days, (31 Jan, 29 Feb] = 29 days, (31 Dec, 31 Jan] = 31.
    as_of = date(2024, 3, 31)
    invoices = invoices_of(
        invoice(1, 100.00, issued=date(2024, 3, 1)),   # month 1, open 100
        invoice(2, 100.00, issued=date(2024, 2, 29)),  # month 2 (29 Feb is its last day), open 50
        invoice(3, 100.00, issued=date(2024, 1, 15)),  # month 3, paid
    )
    settlements = settlements_of(settlement(2, 50.00, date(2024, 3, 10)), settlement(3, 100.00, date(2024, 2, 1)))
    result = dso(invoices, settlements, as_of=as_of, period_days=91, **EUR_BASE)
    # receivables 150: month 1 sales 100 fit → 31 days, 50 left; month 2 sales 100 > 50 → 29 × 50/100 = 14.5
    assert result.receivables_minor == 15_000
    assert result.countback_days == pytest.approx(31 + 14.5)
    # standard over (31 Dec, 31 Mar] = 91 days: 150 / 300 × 91 = 45.5
    assert result.standard_days == pytest.approx(45.5)


def test_countback_counts_whole_months_until_the_cap_and_zero_for_no_receivables() -> None:
    assert countback_days(150, [100, 100, 100], [30, 30, 30]) == pytest.approx(30 + 30 * 0.5)
    assert countback_days(200, [100, 100, 100], [31, 30, 31]) == 61.0   # exactly used up after two months
    assert countback_days(500, [100, 0, 100], [31, 30, 31]) == 92.0     # capped: all three months
    assert countback_days(0, [100], [31]) == 0.0


def test_countback_dso_stops_after_24_months() -> None:
    # 1001.00 receivable, but only 1.00 sold in the last 24 months: every month counts whole, and the walk
    # stops at 30 June 2022, 731 days back (2024 is a leap year).
    invoices = invoices_of(invoice(1, 1_000.00, issued=date(2021, 1, 1)), invoice(2, 1.00, issued=date(2024, 6, 15)))
    result = dso(invoices, settlements_of(), as_of=AS_OF, **EUR_BASE)
    assert result.countback_days == (AS_OF - date(2022, 6, 30)).days == 731


@pytest.mark.parametrize("period_days", [0, -30, True])
def test_a_dso_period_must_be_a_positive_number_of_days(period_days: int) -> None:
    expected = f"period_days: expected a positive whole number of days; got {period_days}"
    with pytest.raises(ValidationError, match=expected):
        dso(invoices_of(), settlements_of(), as_of=AS_OF, period_days=period_days, **EUR_BASE)


def test_dso_is_undefined_without_sales() -> None:
    result = dso(invoices_of(), settlements_of(), as_of=AS_OF, **EUR_BASE)
    assert (result.receivables_minor, result.sales_minor) == (0, 0)
    assert result.standard_days is None and result.countback_days is None


def test_dso_by_month_gives_standard_dso_at_each_month_end_and_at_as_of() -> None:
    as_of = date(2024, 3, 15)
    invoices = invoices_of(invoice(1, 100.00, issued=date(2024, 1, 20)), invoice(2, 200.00, issued=date(2024, 2, 20)))
    settlements = settlements_of(settlement(1, 100.00, date(2024, 2, 10)), settlement(2, 50.00, date(2024, 3, 10)))
    trend = dso_by_month(invoices, settlements, months=3, as_of=as_of, period_days=60, **EUR_BASE)
    assert trend["month_end"].to_list() == [date(2024, 1, 31), date(2024, 2, 29), as_of]
    # 31 Jan: AR 100 (invoice 1), sales (2 Dec, 31 Jan] = 100 → 60 days
    # 29 Feb: AR 200 (invoice 1 paid), sales (31 Dec, 29 Feb] = 300 → 200/300 × 60 = 40
    # 15 Mar: AR 150, sales (15 Jan, 15 Mar] = 300 → 150/300 × 60 = 30
    assert trend["receivables_minor"].to_list() == [10_000, 20_000, 15_000]
    assert trend["sales_minor"].to_list() == [10_000, 30_000, 30_000]
    assert trend["dso_days"].to_list() == pytest.approx([60.0, 40.0, 30.0])
    assert trend["dso_days"][-1] == dso(invoices, settlements, as_of=as_of, period_days=60, **EUR_BASE).standard_days


# --- days beyond terms ---------------------------------------------------------------------------------------


def test_days_beyond_terms_weights_payments_and_open_items_by_amount() -> None:
    invoices = invoices_of(
        invoice(1, 100.00, buyer=1, due=date(2024, 5, 1)),   # paid 10 days late: 10000 × 10
        invoice(2, 200.00, buyer=1, due=date(2024, 6, 10)),  # open 20 days past due: 20000 × 20
        invoice(3, 300.00, buyer=2, due=date(2024, 7, 15)),  # open, not yet due: 30000 × 0
        invoice(4, 100.00, buyer=2, due=date(2024, 3, 1)),   # closed by a credit note: no weight
        invoice(5, 100.00, buyer=2, due=date(2024, 6, 1)),   # paid 12 days early: 10000 × 0
        invoice(6, 50.00, buyer=2, due=date(2023, 1, 1)),    # paid before the lookback: no weight
    )
    settlements = settlements_of(
        settlement(1, 100.00, date(2024, 5, 11)),
        settlement(4, 100.00, date(2024, 4, 1), kind="credit_note"),
        settlement(5, 100.00, date(2024, 5, 20)),
        settlement(6, 50.00, date(2023, 3, 1)),
    )
    per_buyer, portfolio = days_beyond_terms(invoices, settlements, as_of=AS_OF, lookback_days=365, **EUR_BASE)
    # buyer 1: (10000 × 10 + 20000 × 20) / 30000 = 500000 / 30000; buyer 2: 0 / 40000
    assert per_buyer["buyer_id"].to_list() == [1, 2]
    assert per_buyer["weight_minor"].to_list() == [30_000, 40_000]
    assert per_buyer["dbt_days"].to_list() == pytest.approx([500_000 / 30_000, 0.0])
    assert portfolio == pytest.approx(500_000 / 70_000)


def test_days_beyond_terms_needs_the_settlement_kind() -> None:
    settlements = settlements_of(settlement(1, 1.00, AS_OF)).drop("kind")
    with pytest.raises(ValidationError, match="settlements"):
        days_beyond_terms(invoices_of(invoice(1, 1.00)), settlements, as_of=AS_OF, **EUR_BASE)


def test_days_beyond_terms_of_an_empty_ledger_is_none() -> None:
    per_buyer, portfolio = days_beyond_terms(invoices_of(), settlements_of(), as_of=AS_OF, **EUR_BASE)
    assert per_buyer.height == 0 and per_buyer.columns == ["buyer_id", "dbt_days", "weight_minor"]
    assert portfolio is None


# --- exposure and concentration ------------------------------------------------------------------------------


def test_exposure_splits_each_buyers_open_amount_and_group_exposure_sums_its_members() -> None:
    invoices = invoices_of(
        invoice(1, 100.00, buyer=1, group=1, due=date(2024, 6, 1)),                 # overdue 29 days
        invoice(2, 50.00, buyer=1, group=1, due=date(2024, 7, 31), disputed=True),  # not due, disputed
        invoice(3, 30.00, buyer=2, group=1, due=date(2024, 5, 1)),                  # overdue 60 days
        invoice(4, 20.00, buyer=3, group=3, due=date(2024, 7, 1)),                  # not due (−1)
    )
    items = open_items(invoices, settlements_of(), as_of=AS_OF, **EUR_BASE)
    per_buyer = exposure(items)
    assert per_buyer.columns == ["buyer_id", "group_id", "open_minor", "overdue_minor", "not_due_minor",
                                 "disputed_minor", "invoices", "oldest_days_past_due"]
    assert per_buyer.rows() == [(1, 1, 15_000, 10_000, 5_000, 5_000, 2, 29), (2, 1, 3_000, 3_000, 0, 0, 1, 60),
                                (3, 3, 2_000, 0, 2_000, 0, 1, -1)]
    groups = group_exposure(items)
    assert groups.select("group_id", "open_minor", "overdue_minor", "invoices", "oldest_days_past_due",
                         "members").rows() == [(1, 18_000, 13_000, 3, 60, 2), (3, 2_000, 0, 1, -1, 1)]


def exposure_of(amounts: dict[int, int]) -> pl.DataFrame:
    """A minimal exposure frame: every buyer in group 1."""
    columns = {"buyer_id": list(amounts), "group_id": [1] * len(amounts), "open_minor": list(amounts.values())}
    return pl.DataFrame(columns, schema={"buyer_id": pl.Int64, "group_id": pl.Int64, "open_minor": pl.Int64})


def test_concentration_gives_the_herfindahl_index_of_the_shares() -> None:
    result = concentration(exposure_of({1: 200, 2: 500, 3: 300}), top_n=2)
    # shares 0.5, 0.3, 0.2 → HHI 0.25 + 0.09 + 0.04 = 0.38; effective count 1 / 0.38
    assert result.total_minor == 1_000
    assert result.herfindahl == pytest.approx(0.38)
    assert result.effective_count == pytest.approx(1 / 0.38)
    assert result.top_share == pytest.approx(0.8)
    assert result.top.rows() == [(2, 500, 0.5, 0.5), (3, 300, 0.3, 0.8)]


def test_concentration_by_group_sums_the_buyers_of_a_group_and_breaks_ties_by_key() -> None:
    result = concentration(exposure_of({1: 100, 2: 100}).vstack(
        pl.DataFrame({"buyer_id": [3], "group_id": [0], "open_minor": [200]})), key="group_id")
    assert result.top["group_id"].to_list() == [0, 1]  # both 200: ties by key ascending
    assert result.herfindahl == pytest.approx(0.5)


def test_an_empty_portfolio_has_no_concentration() -> None:
    result = concentration(exposure_of({}))
    assert (result.total_minor, result.top_share, result.herfindahl, result.effective_count) == (0, 0.0, 0.0, 0.0)
    assert result.top.height == 0


def test_top_debtors_are_the_largest_exposures_ties_by_buyer_id() -> None:
    ranked = top_debtors(exposure_of({4: 10, 9: 30, 2: 30, 7: 20}), n=3)
    assert ranked["buyer_id"].to_list() == [2, 9, 7]
    groups = pl.DataFrame({"group_id": [5, 3], "open_minor": [10, 10]})
    assert top_debtors(groups, n=1, key="group_id")["group_id"].to_list() == [3]


def test_empty_inputs_give_well_formed_empty_results() -> None:
    items = open_items(invoices_of(), pl.DataFrame(), as_of=AS_OF, **EUR_BASE)
    assert items.height == 0 and dict(items.schema) == dict(OPEN_ITEMS_SCHEMA)
    assert exposure(items).height == 0 and group_exposure(items).height == 0
    assert aging_by_buyer(items).height == 0 and top_debtors(exposure(items)).height == 0
    assert dso_by_month(invoices_of(), pl.DataFrame(), months=2, as_of=AS_OF, **EUR_BASE)["dso_days"].to_list() == [
        None, None]


# --- money is neither created nor lost -----------------------------------------------------------------------

CURRENCIES = {"EUR": 1.0, "USD": 0.9, "JPY": 0.0061}


@st.composite
def ledgers(draw: st.DrawFn) -> tuple[pl.DataFrame, pl.DataFrame]:
    count = draw(st.integers(min_value=0, max_value=8))
    rows = [
        invoice(
            number, draw(st.integers(min_value=1, max_value=10_000_000)) / 100, buyer=draw(st.integers(1, 4)),
            group=draw(st.sampled_from([1, 2])), issued=AS_OF - timedelta(days=draw(st.integers(-30, 800))),
            due=AS_OF + timedelta(days=draw(st.integers(-800, 90))), currency=draw(st.sampled_from(list(CURRENCIES))),
            disputed=draw(st.booleans()),
        )
        for number in range(1, count + 1)
    ]
    paid = [
        settlement(draw(st.integers(1, max(count, 1))), draw(st.integers(1, 5_000_000)) / 100,
                   AS_OF - timedelta(days=draw(st.integers(-30, 400))))
        for _ in range(draw(st.integers(0, 6)))
    ]
    invoices = invoices_of(*rows).with_columns(
        pl.when(pl.col("currency") == "JPY").then(pl.col("amount").round(0)).otherwise(pl.col("amount")))
    return invoices, settlements_of(*paid)


@settings(max_examples=60, deadline=None)
@given(ledgers())
def test_aggregations_neither_create_nor_lose_money(ledger: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    invoices, settlements = ledger
    items = open_items(invoices, settlements, as_of=AS_OF, rates=CURRENCIES, base_currency="EUR", base_minor_unit=2)
    total = items["open_minor"].sum()
    assert (items["open_minor"] > 0).all()
    assert aging(items)["amount_minor"].sum() == total
    assert aging_by_buyer(items)["total_minor"].sum() == total
    assert exposure(items)["open_minor"].sum() == total
    assert group_exposure(items)["open_minor"].sum() == total
    assert concentration(exposure(items)).total_minor == total
