from decimal import Decimal

import pytest

from tradecredit.domain.errors import ValidationError
from tradecredit.domain.money import Money, check_currency, minor_unit, parse_amount, round_money


@pytest.mark.parametrize(("currency", "places"), [("EUR", 2), ("JPY", 0), ("KWD", 3), ("CLF", 4), ("cny", 2)])
def test_minor_units_follow_iso_4217(currency: str, places: int) -> None:
    assert minor_unit(currency) == places


def test_rounding_is_half_even_to_the_minor_unit() -> None:
    assert round_money(Decimal("0.125"), "EUR") == Decimal("0.12")
    assert round_money(Decimal("0.135"), "EUR") == Decimal("0.14")
    assert round_money(Decimal("2.5"), "JPY") == Decimal("2")
    assert round_money(Decimal("1.0005"), "KWD") == Decimal("1.000")


def test_an_amount_with_more_decimals_than_the_currency_is_refused_not_rounded() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_amount("10.005", "EUR")
    assert caught.value.field == "amount"
    assert "more than 2 decimal(s), the minor unit of EUR" in caught.value.reason
    assert parse_amount("10.5", "EUR") == Decimal("10.50")
    assert parse_amount("1.234", "KWD") == Decimal("1.234")


def test_text_that_is_not_a_number_names_the_field() -> None:
    with pytest.raises(ValidationError, match=r"amount: '1,5' is not a number"):
        parse_amount("1,5", "EUR")


@pytest.mark.parametrize("code", ["EURO", "XYZ", "XAU", "", "12A"])
def test_unknown_or_non_trade_currency_codes_are_refused(code: str) -> None:
    with pytest.raises(ValidationError, match="unknown currency code"):
        check_currency(code)


def test_money_arithmetic_stays_in_one_currency() -> None:
    total = Money(Decimal("10.10"), "EUR") + Money(Decimal("0.05"), "EUR")
    assert total == Money(Decimal("10.15"), "EUR")
    assert str(total - Money(Decimal("0.15"), "EUR")) == "10.00 EUR"
    with pytest.raises(ValidationError, match="cannot combine EUR with USD"):
        _ = total + Money(Decimal(1), "USD")


def test_money_is_always_held_at_the_minor_unit() -> None:
    assert Money(Decimal("100"), "JPY").amount.as_tuple().exponent == 0
    assert Money(Decimal("1"), "KWD").amount == Decimal("1.000")
