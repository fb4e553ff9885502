"""The order check's limit rules: no limit, an ended limit, a limit in force."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tradecredit.domain.limits import LimitKind, LimitTerm, last_ended
from tradecredit.domain.order_check import CheckInputs, Outcome, check_order

D = Decimal


def inputs(limit: Decimal | None, ended: date | None = None) -> CheckInputs:
    return CheckInputs(order_amount=D("500.00"), exposure=D("9800.00"), limit=limit, limit_under_review=False,
                       overdue_old=D(0), grade=5, country_terms=None, limit_ended_on=ended)


def test_without_a_limit_the_reason_says_whether_one_ended() -> None:
    never = check_order(inputs(None))
    assert [(r.code, r.text) for r in never.reasons] == [
        ("no_limit", "no credit limit in force for this buyer or its group")]
    ended = check_order(inputs(None, date(2026, 10, 31)))
    assert ended.outcome is Outcome.HOLD
    assert [(r.code, r.text, r.figures) for r in ended.reasons] == [
        ("limit_expired", "the credit limit ended on 2026-10-31; none is in force", {"ended_on": "2026-10-31"})]


def test_a_limit_in_force_is_checked_against_whatever_ended_before() -> None:
    result = check_order(inputs(D("10000.00"), date(2026, 10, 31)))
    assert [r.code for r in result.reasons] == ["over_limit"]  # 9,800 + 500 > 10,000; headroom 200
    assert result.headroom == D("200.00")


def test_the_last_ended_base_limit_is_the_latest_end_before_the_day() -> None:
    def term(number: int, kind: LimitKind, start: date, end: date | None) -> LimitTerm:
        return LimitTerm(number, kind, D(1000), start, end, None)

    terms = [term(1, LimitKind.BASE, date(2025, 1, 1), date(2025, 12, 31)),
             term(2, LimitKind.BASE, date(2026, 1, 1), date(2026, 10, 31)),
             term(3, LimitKind.TEMPORARY, date(2026, 11, 1), date(2026, 11, 20)),  # seasonal: not a base limit
             term(4, LimitKind.BASE, date(2026, 12, 1), None)]  # starts later
    assert last_ended(terms, date(2026, 11, 28)) == date(2026, 10, 31)
    assert last_ended(terms, date(2026, 10, 31)) == date(2025, 12, 31)  # the second is still in force that day
    assert last_ended(terms[2:], date(2026, 11, 28)) is None
