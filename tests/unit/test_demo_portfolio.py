"""The demo portfolio generator: deterministic, valid identifiers, consistent ledger and statements."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from stdnum import lei
from stdnum.br import cnpj
from stdnum.cn import uscc
from stdnum.de import vat as de_vat
from stdnum.es import nif
from stdnum.fr import tva
from stdnum.gb import vat as gb_vat
from stdnum.in_ import gstin
from stdnum.it import iva
from stdnum.jp import cn as jp_cn
from stdnum.nl import btw
from stdnum.pl import nip
from stdnum.tr import vkn
from stdnum.us import ein

from tradecredit.services.demo_portfolio import DemoPortfolio, generate_portfolio

TODAY = date(2026, 11, 28)
VALIDATORS = {"CN": uscc, "DE": de_vat, "FR": tva, "IT": iva, "ES": nif, "NL": btw, "PL": nip, "GB": gb_vat,
              "BR": cnpj, "IN": gstin, "TR": vkn, "JP": jp_cn, "US": ein}
VAT_PREFIXED = ("DE", "FR", "IT", "ES", "NL", "PL", "GB")
EURO_COUNTRIES = ("DE", "FR", "IT", "ES", "NL")
AMOUNT = re.compile(r"^\d+\.\d\d$")
WHOLE_AMOUNT = re.compile(r"^\d+$")


@pytest.fixture(scope="module")
def portfolio() -> DemoPortfolio:
    return generate_portfolio(buyers=300, seed=42, today=TODAY)


@dataclass
class Replay:
    """The ledger after applying adjustments, then payments in (date, ref) order, cash on account oldest-first."""

    open_amounts: dict[str, Decimal]
    problems: list[str]


def replay(portfolio: DemoPortfolio) -> Replay:
    invoices = {row["invoice_ref"]: row for row in portfolio.invoices}
    open_amounts = {ref: Decimal(row["amount"]) for ref, row in invoices.items()}
    problems: list[str] = []
    for row in portfolio.adjustments:
        open_amounts[row["invoice_ref"]] -= Decimal(row["amount"])
        if open_amounts[row["invoice_ref"]] < 0:
            problems.append(f"{row['adjustment_ref']} takes {row['invoice_ref']} below zero")
    oldest_first: dict[tuple[str, str], list[str]] = defaultdict(list)
    for ref, row in sorted(invoices.items(), key=lambda pair: (pair[1]["due_date"], pair[1]["issue_date"], pair[0])):
        if row["disputed"] == "false":
            oldest_first[(row["buyer_ref"], row["currency"])].append(ref)
    for payment in sorted(portfolio.payments, key=lambda p: (p["payment_date"], p["payment_ref"])):
        amount = Decimal(payment["amount"])
        if payment["invoice_ref"]:
            open_amounts[payment["invoice_ref"]] -= amount
            if open_amounts[payment["invoice_ref"]] < 0:
                problems.append(f"{payment['payment_ref']} overpays {payment['invoice_ref']}")
            continue
        for ref in oldest_first[(payment["buyer_ref"], payment["currency"])]:
            take = min(amount, open_amounts[ref])
            if take > 0:
                if invoices[ref]["issue_date"] > payment["payment_date"]:
                    problems.append(f"{payment['payment_ref']} would pay {ref} before it was issued")
                open_amounts[ref] -= take
                amount -= take
        if amount > 0:
            problems.append(f"{payment['payment_ref']} leaves {amount} on account")
    return Replay(open_amounts, problems)


@pytest.fixture(scope="module")
def ledger(portfolio: DemoPortfolio) -> Replay:
    return replay(portfolio)


def latest_rates(portfolio: DemoPortfolio) -> dict[str, Decimal]:
    rates = {"EUR": Decimal(1)}
    for row in portfolio.fx:
        rates[row["currency"]] = Decimal(row["rate_to_base"])  # rows are in date order: the last one wins
    return rates


def business_days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)
            if (start + timedelta(days=n)).weekday() < 5]


def item(row: dict[str, str], name: str) -> Decimal | None:
    return Decimal(row[name]) if row[name] else None


# ---- determinism and arguments ----------------------------------------------------------------------------
def test_the_same_arguments_give_identical_rows() -> None:
    first = generate_portfolio(buyers=40, seed=7, today=TODAY)
    second = generate_portfolio(buyers=40, seed=7, today=TODAY)
    assert first == second


def test_a_different_seed_gives_a_different_portfolio() -> None:
    first = generate_portfolio(buyers=40, seed=7, today=TODAY)
    other = generate_portfolio(buyers=40, seed=8, today=TODAY)
    assert first.buyers != other.buyers
    assert first.invoices != other.invoices


def test_zero_buyers_is_refused_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match=r"buyers: expected at least 1; got 0"):
        generate_portfolio(buyers=0, today=TODAY)


def test_an_unknown_base_currency_is_refused() -> None:
    with pytest.raises(ValueError, match=r"base_currency: expected one of .*; got 'XYZ'"):
        generate_portfolio(buyers=5, today=TODAY, base_currency="XYZ")


def test_a_small_book_of_five_buyers_still_gives_a_full_portfolio() -> None:
    small = generate_portfolio(buyers=5, seed=3, today=TODAY)
    assert [row["buyer_ref"] for row in small.buyers] == ["B00001", "B00002", "B00003", "B00004", "B00005"]
    assert small.invoices and small.payments and small.fx
    assert {row["buyer_ref"] for row in small.invoices} <= {row["buyer_ref"] for row in small.buyers}


# ---- shape ------------------------------------------------------------------------------------------------
def test_every_row_has_exactly_the_import_columns_in_order(portfolio: DemoPortfolio) -> None:
    expected = {
        "buyers": ["buyer_ref", "name", "country", "registration_id", "lei", "industry", "parent_ref", "currency",
                   "payment_terms_days"],
        "financials": ["buyer_ref", "period_end", "currency", "revenue", "cost_of_sales", "gross_profit",
                       "operating_expenses", "ebit", "depreciation", "interest_expense", "net_income",
                       "total_assets", "fixed_assets", "current_assets", "inventory", "receivables", "cash",
                       "total_liabilities", "current_liabilities", "long_term_liabilities", "equity",
                       "retained_earnings", "share_capital", "operating_cash_flow"],
        "fx": ["date", "currency", "rate_to_base"],
        "invoices": ["invoice_ref", "buyer_ref", "issue_date", "due_date", "currency", "amount", "delivery_date",
                     "disputed", "dispute_reason"],
        "adjustments": ["adjustment_ref", "invoice_ref", "kind", "date", "amount", "reason"],
        "payments": ["payment_ref", "buyer_ref", "payment_date", "currency", "amount", "invoice_ref"],
    }
    for name, columns in expected.items():
        rows = getattr(portfolio, name)
        assert rows, name
        assert all(list(row) == columns for row in rows), name
        assert all(isinstance(value, str) for row in rows for value in row.values()), name


def test_rows_come_sorted_the_way_the_files_are_read(portfolio: DemoPortfolio) -> None:
    def keys(rows: list[dict[str, str]], *columns: str) -> list[tuple[str, ...]]:
        return [tuple(row[c] for c in columns) for row in rows]

    assert keys(portfolio.invoices, "issue_date", "invoice_ref") == sorted(keys(portfolio.invoices, "issue_date",
                                                                                "invoice_ref"))
    assert keys(portfolio.payments, "payment_date", "payment_ref") == sorted(
        keys(portfolio.payments, "payment_date", "payment_ref"))
    assert keys(portfolio.adjustments, "date") == sorted(keys(portfolio.adjustments, "date"))
    assert keys(portfolio.financials, "buyer_ref", "period_end") == sorted(
        keys(portfolio.financials, "buyer_ref", "period_end"))


def test_references_are_unique_and_well_formed(portfolio: DemoPortfolio) -> None:
    for rows, column, pattern in ((portfolio.invoices, "invoice_ref", r"INV-\d{4}-\d{6}"),
                                  (portfolio.payments, "payment_ref", r"PAY-\d{4}-\d{6}"),
                                  (portfolio.adjustments, "adjustment_ref", r"(CN|WO)-\d{4}-\d{6}")):
        refs = [row[column] for row in rows]
        assert len(refs) == len(set(refs))
        assert all(re.fullmatch(pattern, ref) for ref in refs)


def test_300_buyers_produce_a_realistic_volume_of_invoices(portfolio: DemoPortfolio) -> None:
    assert len(portfolio.buyers) == 300
    assert 12_000 <= len(portfolio.invoices) <= 40_000


# ---- buyers -----------------------------------------------------------------------------------------------
def test_a_book_of_300_buyers_spans_at_least_12_countries_led_by_germany(portfolio: DemoPortfolio) -> None:
    countries = Counter(row["country"] for row in portfolio.buyers)
    assert len(countries) >= 12
    assert {"CN", "DE", "US", "FR", "IT", "ES", "GB", "PL", "BR", "IN", "TR", "AE"} <= set(countries)
    assert countries.most_common(1)[0][0] == "DE"


def test_every_generated_registration_number_passes_its_checksum(portfolio: DemoPortfolio) -> None:
    for row in portfolio.buyers:
        number, country = row["registration_id"], row["country"]
        if country in VALIDATORS:
            assert VALIDATORS[country].is_valid(number), (country, number)
        if country in VAT_PREFIXED:
            assert number.startswith(country)
        if country == "CN":
            assert len(number) == 18
        if country == "AE":
            assert re.fullmatch(r"100\d{12}", number)


def test_every_lei_passes_iso_17442_and_about_one_buyer_in_seven_has_one(portfolio: DemoPortfolio) -> None:
    leis = [row["lei"] for row in portfolio.buyers if row["lei"]]
    assert all(len(code) == 20 and lei.is_valid(code) for code in leis)
    assert 0.08 <= len(leis) / len(portfolio.buyers) <= 0.22
    assert len(set(leis)) == len(leis)


def test_chinese_buyers_have_legal_names_in_chinese_characters(portfolio: DemoPortfolio) -> None:
    chinese = [row["name"] for row in portfolio.buyers if row["country"] == "CN"]
    assert chinese
    assert all(re.fullmatch(r"[\u4e00-\u9fff]+", name) and name.endswith("有限公司") for name in chinese)


def test_names_are_unique_and_carry_the_country_legal_form(portfolio: DemoPortfolio) -> None:
    names = [row["name"] for row in portfolio.buyers]
    assert len(set(names)) == len(names)
    forms = {"DE": ("GmbH", "AG", "KG"), "FR": ("S.A.S.", "S.A.", "SARL"), "IT": ("S.p.A.", "S.r.l."),
             "ES": ("S.L.", "S.A."), "GB": ("Ltd", "plc"), "PL": ("Sp. z o.o.", "S.A."), "BR": ("Ltda.", "S.A."),
             "IN": ("Pvt Ltd", "Ltd"), "TR": ("A.Ş.", "Şti."), "US": ("Inc.", "LLC", "Corp.")}
    for row in portfolio.buyers:
        if row["country"] in forms:
            assert row["name"].endswith(forms[row["country"]]), row["name"]


def test_parents_exist_earlier_in_the_list_and_groups_are_one_level_of_two_to_five(
        portfolio: DemoPortfolio) -> None:
    position = {row["buyer_ref"]: n for n, row in enumerate(portfolio.buyers)}
    parents = {row["buyer_ref"]: row["parent_ref"] for row in portfolio.buyers if row["parent_ref"]}
    assert 0.08 <= len(parents) / len(portfolio.buyers) <= 0.12
    for child, parent in parents.items():
        assert parent in position
        assert position[parent] < position[child]
        assert parent not in parents  # one level deep
    sizes = Counter(parents.values())
    assert all(2 <= size + 1 <= 5 for size in sizes.values())


def test_buyers_have_standard_terms_nace_classes_and_fitting_currencies(portfolio: DemoPortfolio) -> None:
    for row in portfolio.buyers:
        assert row["payment_terms_days"] in {"30", "45", "60", "90", "120"}
        assert re.fullmatch(r"\d{2}\.\d{2}", row["industry"])
        if row["country"] in EURO_COUNTRIES:
            assert row["currency"] == "EUR"
        if row["country"] in ("US", "AE"):
            assert row["currency"] in ("USD", "EUR")
    terms = Counter(row["payment_terms_days"] for row in portfolio.buyers)
    assert terms["120"] < terms["30"]


# ---- financial statements ---------------------------------------------------------------------------------
def test_financial_statements_add_up(portfolio: DemoPortfolio) -> None:
    for row in portfolio.financials:
        values = {name: item(row, name) for name in list(row)[3:]}
        revenue, cost, gross = values["revenue"], values["cost_of_sales"], values["gross_profit"]
        assert revenue is not None and cost is not None and gross is not None
        assert gross == revenue - cost
        assert values["ebit"] == gross - (values["operating_expenses"] or 0)
        assert values["total_assets"] == (values["fixed_assets"] or 0) + (values["current_assets"] or 0)
        assert values["total_liabilities"] == (values["current_liabilities"] or 0) + (
            values["long_term_liabilities"] or 0)
        assert values["equity"] == (values["total_assets"] or 0) - (values["total_liabilities"] or 0)
        parts = sum(values[name] or 0 for name in ("inventory", "receivables", "cash"))
        assert (values["current_assets"] or 0) >= parts
        assert (values["net_income"] or 0) <= (values["ebit"] or 0) - (values["interest_expense"] or 0)


def test_statements_are_yearly_for_the_last_three_completed_years_for_most_buyers(
        portfolio: DemoPortfolio) -> None:
    periods: dict[str, list[str]] = defaultdict(list)
    for row in portfolio.financials:
        periods[row["buyer_ref"]].append(row["period_end"])
    assert all(p.endswith("-12-31") and p < TODAY.isoformat() for ps in periods.values() for p in ps)
    full = sum(1 for ps in periods.values() if ps == ["2023-12-31", "2024-12-31", "2025-12-31"])
    assert 0.7 <= full / len(portfolio.buyers) <= 0.92
    assert len(periods) < len(portfolio.buyers)  # some buyers never filed


def test_statements_use_the_minor_unit_of_their_currency(portfolio: DemoPortfolio) -> None:
    for row in portfolio.financials:
        pattern = WHOLE_AMOUNT if row["currency"] == "JPY" else AMOUNT
        numbers = [value for value in list(row.values())[3:] if value]
        assert all(pattern.match(value.lstrip("-")) for value in numbers)
    missing = sum(1 for row in portfolio.financials for value in list(row.values())[3:] if not value)
    assert 0 < missing < 0.06 * 21 * len(portfolio.financials)


def test_healthy_buyers_have_current_ratios_between_1_5_and_2_5_and_weak_ones_slide(
        portfolio: DemoPortfolio) -> None:
    by_buyer: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in portfolio.financials:
        by_buyer[row["buyer_ref"]].append(row)
    ratios = [Decimal(r["current_assets"]) / Decimal(r["current_liabilities"]) for r in portfolio.financials]
    assert sum(1 for r in ratios if Decimal("1.5") <= r <= Decimal("2.5")) > 0.3 * len(ratios)
    sliding = [rows for rows in by_buyer.values() if len(rows) == 3
               and Decimal(rows[2]["net_income"]) < 0 and Decimal(rows[1]["net_income"]) < 0
               and Decimal(rows[2]["equity"]) < 0
               and Decimal(rows[2]["revenue"]) < Decimal("0.7") * Decimal(rows[0]["revenue"])
               and Decimal(rows[2]["current_assets"]) < Decimal(rows[2]["current_liabilities"])]
    assert len(sliding) >= 5


# ---- invoices ---------------------------------------------------------------------------------------------
def test_invoices_cover_three_years_up_to_today_with_due_dates_after_issue(portfolio: DemoPortfolio) -> None:
    start = date(2023, 11, 28)
    terms = {row["buyer_ref"]: int(row["payment_terms_days"]) for row in portfolio.buyers}
    on_terms = 0
    for row in portfolio.invoices:
        issue, due = date.fromisoformat(row["issue_date"]), date.fromisoformat(row["due_date"])
        delivery = date.fromisoformat(row["delivery_date"])
        assert start <= issue <= TODAY
        assert due > issue
        assert timedelta(0) <= issue - delivery <= timedelta(days=2)
        on_terms += (due - issue).days == terms[row["buyer_ref"]]
    assert on_terms > 0.9 * len(portfolio.invoices)
    assert min(row["issue_date"] for row in portfolio.invoices) < "2023-12-15"


def test_invoice_amounts_are_positive_in_the_minor_unit_of_the_buyer_currency(portfolio: DemoPortfolio) -> None:
    currency = {row["buyer_ref"]: row["currency"] for row in portfolio.buyers}
    for row in portfolio.invoices:
        assert row["currency"] == currency[row["buyer_ref"]]
        assert (WHOLE_AMOUNT if row["currency"] == "JPY" else AMOUNT).match(row["amount"])
        assert Decimal(row["amount"]) > 0


def test_about_two_percent_of_invoices_are_disputed_each_with_a_reason(portfolio: DemoPortfolio) -> None:
    disputed = [row for row in portfolio.invoices if row["disputed"] == "true"]
    assert {row["disputed"] for row in portfolio.invoices} == {"true", "false"}
    assert 0.01 <= len(disputed) / len(portfolio.invoices) <= 0.03
    assert all(row["dispute_reason"] for row in disputed)
    assert all(not row["dispute_reason"] for row in portfolio.invoices if row["disputed"] == "false")


# ---- payments, credit notes, write-offs -------------------------------------------------------------------
def test_no_invoice_is_settled_beyond_its_amount(ledger: Replay) -> None:
    assert ledger.problems == []
    assert all(amount >= 0 for amount in ledger.open_amounts.values())


def test_no_payment_is_dated_before_its_invoice_or_after_today(portfolio: DemoPortfolio) -> None:
    invoices = {row["invoice_ref"]: row for row in portfolio.invoices}
    for row in portfolio.payments:
        assert row["payment_date"] <= TODAY.isoformat()
        assert Decimal(row["amount"]) > 0
        if row["invoice_ref"]:
            invoice = invoices[row["invoice_ref"]]
            assert row["payment_date"] >= invoice["issue_date"]
            assert (row["buyer_ref"], row["currency"]) == (invoice["buyer_ref"], invoice["currency"])


def test_some_payments_are_instalments_and_a_few_are_on_account(portfolio: DemoPortfolio) -> None:
    per_invoice = Counter(row["invoice_ref"] for row in portfolio.payments if row["invoice_ref"])
    instalments = sum(1 for row in portfolio.payments if per_invoice.get(row["invoice_ref"], 0) > 1)
    on_account = sum(1 for row in portfolio.payments if not row["invoice_ref"])
    assert 0.05 <= instalments / len(portfolio.payments) <= 0.2
    assert 0.01 <= on_account / len(portfolio.payments) <= 0.06
    assert max(per_invoice.values()) <= 3


def test_credit_notes_are_partial_and_dated_after_the_invoice(portfolio: DemoPortfolio) -> None:
    invoices = {row["invoice_ref"]: row for row in portfolio.invoices}
    credits = [row for row in portfolio.adjustments if row["kind"] == "credit_note"]
    assert 0.015 <= len(credits) / len(portfolio.invoices) <= 0.045
    for row in credits:
        invoice = invoices[row["invoice_ref"]]
        assert row["date"] > invoice["issue_date"]
        assert 0 < Decimal(row["amount"]) < Decimal(invoice["amount"])
        assert row["reason"]


def test_insolvent_buyers_stop_paying_and_are_written_off_three_to_six_months_later(
        portfolio: DemoPortfolio) -> None:
    invoices = {row["invoice_ref"]: row for row in portfolio.invoices}
    insolvency: dict[str, date] = {}
    for row in portfolio.adjustments:
        if row["kind"] == "write_off":
            match = re.fullmatch(r"buyer insolvent since (\d{4}-\d{2}-\d{2})", row["reason"])
            assert match, row["reason"]
            since = date.fromisoformat(match.group(1))
            insolvency[invoices[row["invoice_ref"]]["buyer_ref"]] = since
            assert timedelta(days=90) <= date.fromisoformat(row["date"]) - since <= timedelta(days=183)
    assert 2 <= len(insolvency) <= 12
    for row in portfolio.payments:
        if row["buyer_ref"] in insolvency:
            assert date.fromisoformat(row["payment_date"]) < insolvency[row["buyer_ref"]]
    for row in portfolio.invoices:
        if row["buyer_ref"] in insolvency:
            assert date.fromisoformat(row["issue_date"]) < insolvency[row["buyer_ref"]]


def test_overdue_share_of_the_open_balance_at_today_is_realistic(portfolio: DemoPortfolio,
                                                                   ledger: Replay) -> None:
    rates = latest_rates(portfolio)
    open_total = overdue = Decimal(0)
    for row in portfolio.invoices:
        amount = ledger.open_amounts[row["invoice_ref"]] * rates[row["currency"]]
        open_total += amount
        if row["due_date"] < TODAY.isoformat():
            overdue += amount
    assert Decimal("0.05") <= overdue / open_total <= Decimal("0.35")


def test_invoices_of_the_last_weeks_are_mostly_still_open(portfolio: DemoPortfolio, ledger: Replay) -> None:
    recent = [row for row in portfolio.invoices if row["issue_date"] >= (TODAY - timedelta(days=20)).isoformat()]
    still_open = sum(1 for row in recent if ledger.open_amounts[row["invoice_ref"]] > 0)
    assert still_open > 0.8 * len(recent)


# ---- FX ---------------------------------------------------------------------------------------------------
def test_fx_has_one_rate_per_business_day_for_every_non_base_currency_in_use(portfolio: DemoPortfolio) -> None:
    used = {row["currency"] for row in portfolio.buyers} | {row["currency"] for row in portfolio.financials}
    dates: dict[str, list[str]] = defaultdict(list)
    for row in portfolio.fx:
        dates[row["currency"]].append(row["date"])
    assert set(dates) == used - {"EUR"}
    first = min(min(row["issue_date"] for row in portfolio.invoices),
                min(row["period_end"] for row in portfolio.financials))
    expected = [d.isoformat() for d in business_days(date.fromisoformat(first) - timedelta(days=3), TODAY)]
    assert all(days == expected for days in dates.values())


def test_fx_rates_stay_near_realistic_levels_with_eight_significant_digits(portfolio: DemoPortfolio) -> None:
    levels = {"USD": (0.8, 1.05), "GBP": (1.05, 1.3), "CNY": (0.11, 0.15), "PLN": (0.2, 0.26),
              "BRL": (0.13, 0.21), "INR": (0.009, 0.013), "TRY": (0.018, 0.045), "AED": (0.22, 0.29),
              "JPY": (0.005, 0.0075)}
    for row in portfolio.fx:
        low, high = levels[row["currency"]]
        assert low <= float(row["rate_to_base"]) <= high, row
        assert len(row["rate_to_base"].replace(".", "").lstrip("0")) == 8
    lira = [Decimal(row["rate_to_base"]) for row in portfolio.fx if row["currency"] == "TRY"]
    assert lira[-1] < lira[0]


def test_a_non_euro_base_currency_gets_cross_rates_and_a_euro_row() -> None:
    in_dollars = generate_portfolio(buyers=60, seed=5, today=TODAY, base_currency="USD")
    currencies = {row["currency"] for row in in_dollars.fx}
    assert "EUR" in currencies and "USD" not in currencies
    euro = [float(row["rate_to_base"]) for row in in_dollars.fx if row["currency"] == "EUR"]
    assert all(0.95 <= rate <= 1.25 for rate in euro)
