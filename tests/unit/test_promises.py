"""Payment promises: kept, broken and open with hand-worked dates, the checks of a new promise, and invariants."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradecredit.domain.errors import ValidationError
from tradecredit.domain.promises import (
    Paid,
    Promise,
    PromisePolicy,
    PromiseStatus,
    broken_within_year,
    new_promise,
    status,
)

D = Decimal
POLICY = PromisePolicy(grace_days=3, tolerance=D(50))
PROMISE = Promise(D("1000.00"), "EUR", made_on=date(2026, 11, 2), promised_date=date(2026, 11, 10))


def test_a_promise_is_open_until_its_deadline_and_broken_the_day_after() -> None:
    assert status(PROMISE, [], on=date(2026, 11, 13), policy=POLICY) is PromiseStatus.OPEN  # 10 Nov + 3 days
    assert status(PROMISE, [], on=date(2026, 11, 14), policy=POLICY) is PromiseStatus.BROKEN


def test_payments_up_to_the_deadline_reaching_the_amount_less_the_tolerance_keep_it() -> None:
    paid = [Paid(date(2026, 11, 5), D("600.00")), Paid(date(2026, 11, 13), D("350.00"))]  # 950 = 1,000 − 50
    assert status(PROMISE, paid, on=date(2026, 11, 20), policy=POLICY) is PromiseStatus.KEPT
    assert status(PROMISE, paid[:1], on=date(2026, 11, 20), policy=POLICY) is PromiseStatus.BROKEN


def test_payments_before_the_promise_was_made_or_after_the_deadline_do_not_count() -> None:
    paid = [Paid(date(2026, 11, 1), D("1000.00")), Paid(date(2026, 11, 14), D("1000.00"))]
    assert status(PROMISE, paid, on=date(2026, 11, 30), policy=POLICY) is PromiseStatus.BROKEN


def test_a_payment_on_the_day_the_promise_was_made_counts() -> None:
    assert status(PROMISE, [Paid(date(2026, 11, 2), D("1000.00"))], on=date(2026, 11, 2),
                  policy=POLICY) is PromiseStatus.KEPT


def test_a_promise_within_the_tolerance_needs_a_payment_to_be_kept() -> None:
    small = Promise(D("30.00"), "EUR", date(2026, 11, 2), date(2026, 11, 10))
    assert status(small, [], on=date(2026, 11, 20), policy=POLICY) is PromiseStatus.BROKEN
    assert status(small, [Paid(date(2026, 11, 3), D("1.00"))], on=date(2026, 11, 20),
                  policy=POLICY) is PromiseStatus.KEPT


def test_a_cancelled_promise_is_cancelled_from_its_day_on_and_never_broken() -> None:
    cancelled = Promise(D("1000.00"), "EUR", date(2026, 11, 2), date(2026, 11, 10), cancelled_on=date(2026, 11, 20))
    assert status(cancelled, [], on=date(2026, 11, 19), policy=POLICY) is PromiseStatus.BROKEN  # as known then
    assert status(cancelled, [], on=date(2026, 11, 20), policy=POLICY) is PromiseStatus.CANCELLED
    assert not broken_within_year(cancelled, [], on=date(2026, 11, 28), policy=POLICY)


def test_broken_promises_count_for_365_days_by_promised_date() -> None:
    assert broken_within_year(PROMISE, [], on=date(2027, 11, 9), policy=POLICY)
    assert not broken_within_year(PROMISE, [], on=date(2027, 11, 10), policy=POLICY)  # 365 days later
    assert not broken_within_year(PROMISE, [], on=date(2026, 11, 13), policy=POLICY)  # still open


@pytest.mark.parametrize(("values", "field", "reason"), [
    ({"amount": D(0)}, "amount", "expected an amount above 0; got 0"),
    ({"amount": D("-5")}, "amount", "expected an amount above 0"),
    ({"amount": D("10.001")}, "amount", "more than 2 decimal(s), the minor unit of EUR"),
    ({"currency": "XXX"}, "currency", "unknown currency code 'XXX'"),
    ({"currency": "EURO"}, "currency", "unknown currency code"),
    ({"promised_date": date(2026, 11, 1)}, "promised_date", "2026-11-01 is before the promise was made (2026-11-02)"),
    ({"made_on": date(2026, 11, 29), "promised_date": date(2026, 12, 1)}, "made_on", "is in the future"),
    ({"made_on": date(1899, 12, 31)}, "made_on", "1899-12-31 is before 1900-01-01; check the year"),
    ({"promised_date": date(9999, 12, 31)}, "promised_date", "more than ten years after the promise was made"),
])
def test_a_new_promise_is_refused_with_the_field_and_the_reason(values: dict[str, object], field: str,
                                                                reason: str) -> None:
    given_values: dict[str, object] = {"amount": D("100.00"), "currency": "EUR", "made_on": date(2026, 11, 2),
                                       "promised_date": date(2026, 11, 10), "today": date(2026, 11, 28), **values}
    with pytest.raises(ValidationError, match=re.escape(reason)) as error:
        new_promise(**given_values)  # type: ignore[arg-type]
    assert error.value.field == field


def test_a_new_promise_takes_the_currency_in_any_case_and_a_jpy_amount_without_decimals() -> None:
    promise = new_promise(amount=D(120000), currency="jpy", made_on=date(2026, 11, 2),
                          promised_date=date(2026, 11, 2), today=date(2026, 11, 28))
    assert (promise.currency, promise.amount) == ("JPY", D(120000))


START = date(2026, 1, 1)
days = st.integers(min_value=0, max_value=120)
payments = st.lists(st.tuples(days, st.integers(min_value=1, max_value=200_000)), max_size=6)
RANK = {PromiseStatus.KEPT: 0, PromiseStatus.OPEN: 1, PromiseStatus.BROKEN: 2}


def _promise(made: int, span: int, cents: int) -> Promise:
    return Promise(D(cents).scaleb(-2), "EUR", START + timedelta(days=made), START + timedelta(days=made + span))


def _paid(items: list[tuple[int, int]]) -> list[Paid]:
    return [Paid(START + timedelta(days=day), D(cents).scaleb(-2)) for day, cents in items]


@given(made=days, span=days, cents=st.integers(min_value=1, max_value=500_000), paid=payments,
       extra=st.tuples(days, st.integers(min_value=1, max_value=200_000)), on=st.integers(0, 300),
       grace=st.integers(0, 10), tolerance=st.integers(0, 100))
def test_more_payment_never_makes_a_promise_worse(made: int, span: int, cents: int, paid: list[tuple[int, int]],
                                                  extra: tuple[int, int], on: int, grace: int,
                                                  tolerance: int) -> None:
    policy = PromisePolicy(grace, D(tolerance))
    promise, day = _promise(made, span, cents), START + timedelta(days=on)
    before = status(promise, _paid(paid), on=day, policy=policy)
    after = status(promise, _paid([*paid, extra]), on=day, policy=policy)
    assert RANK[after] <= RANK[before]


@given(made=days, span=days, cents=st.integers(min_value=1, max_value=500_000), paid=payments,
       on=st.integers(0, 300), later=st.integers(1, 400), grace=st.integers(0, 10))
def test_a_kept_or_broken_promise_stays_so_on_every_later_day(made: int, span: int, cents: int,
                                                               paid: list[tuple[int, int]], on: int, later: int,
                                                               grace: int) -> None:
    policy = PromisePolicy(grace, D(50))
    promise = _promise(made, span, cents)
    first = status(promise, _paid(paid), on=START + timedelta(days=on), policy=policy)
    then = status(promise, _paid(paid), on=START + timedelta(days=on + later), policy=policy)
    if first is not PromiseStatus.OPEN:
        assert then is first  # never both kept and broken, whatever day one asks
    assert not (first is PromiseStatus.KEPT and then is PromiseStatus.BROKEN)
