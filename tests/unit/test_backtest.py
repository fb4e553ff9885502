"""Backtest scoring: lead times before credit events, misses, false alerts, computed by hand."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradecredit.domain.backtest import score_backtest
from tradecredit.domain.errors import ValidationError

END = date(2026, 11, 30)


def test_lead_times_misses_and_false_alerts_by_hand() -> None:
    alerts = {
        1: [date(2026, 3, 31), date(2026, 1, 31)],  # event 2026-05-15: first alert 2026-01-31 → 104 days
        2: [date(2024, 1, 31)],  # event 2026-06-01: the alert is more than a year before → a miss
        3: [date(2025, 6, 30)],  # no event, alerted 17 months before the end → a false alert
        4: [date(2026, 8, 31)],  # no event, alerted 3 months before the end → pending
        6: [date(2026, 7, 1)],  # alerted on the day of the event: too late, a miss
    }
    events = {1: date(2026, 5, 15), 2: date(2026, 6, 1), 6: date(2026, 7, 1), 9: date(2026, 1, 1)}
    score = score_backtest(buyers={1, 2, 3, 4, 5, 6}, alerts=alerts, events=events, end=END)
    # Buyer 9 is not in the replayed book: ignored.
    assert (score.buyers, score.with_event, score.detected, score.missed, score.lead_days) == (6, 3, 1, (2, 6), (104,))
    assert (score.without_event, score.false_alerts, score.pending) == (3, 1, 1)
    assert score.detection_rate == pytest.approx(1 / 3)
    assert score.median_lead_days == 104
    assert score.false_alert_rate == pytest.approx(1 / 2)  # buyers 3 and 5 can be judged; 3 was alerted


def test_an_empty_book_has_no_rates_and_the_horizon_is_checked() -> None:
    score = score_backtest(buyers=set(), alerts={}, events={}, end=END)
    assert (score.detection_rate, score.median_lead_days, score.false_alert_rate) == (None, None, None)
    with pytest.raises(ValidationError, match="horizon_days: expected 1 day or more; got 0"):
        score_backtest(buyers={1}, alerts={}, events={}, end=END, horizon_days=0)


days = st.integers(min_value=0, max_value=1500)


@given(st.dictionaries(st.integers(1, 30), st.lists(days, max_size=4)), st.dictionaries(st.integers(1, 30), days))
def test_every_buyer_with_an_event_is_detected_or_missed_and_rates_stay_in_range(
        alert_days: dict[int, list[int]], event_days: dict[int, int]) -> None:
    start = date(2022, 1, 1)
    alerts = {b: [start + timedelta(days=d) for d in ds] for b, ds in alert_days.items()}
    events = {b: start + timedelta(days=d) for b, d in event_days.items()}
    score = score_backtest(buyers=set(range(1, 31)), alerts=alerts, events=events, end=start + timedelta(days=1500))
    assert score.detected + len(score.missed) == score.with_event
    assert all(0 < lead <= score.horizon_days for lead in score.lead_days)
    assert score.false_alerts + score.pending <= score.without_event
    for rate in (score.detection_rate, score.false_alert_rate):
        assert rate is None or 0 <= rate <= 1


def test_the_first_material_invoice_ninety_days_past_due_is_the_buyers_credit_event() -> None:
    import polars as pl

    from tradecredit.engine.analytics import INVOICE_SCHEMA, SETTLEMENT_SCHEMA
    from tradecredit.engine.credit_events import first_past_due

    invoices = pl.DataFrame([
        (1, 10, 10, date(2026, 1, 1), date(2026, 1, 31), "EUR", 1000.0, False),  # 900 paid by day 90: 100 left
        (2, 10, 10, date(2026, 2, 1), date(2026, 3, 3), "EUR", 500.0, False),  # nothing paid: event 2026-06-01
        (3, 11, 11, date(2026, 1, 1), date(2026, 1, 31), "USD", 1000.0, True),  # disputed: never an event
        (4, 12, 12, date(2026, 1, 1), date(2026, 1, 31), "USD", 1000.0, False),  # paid on day 91: event 05-01
        (5, 13, 13, date(2026, 9, 1), date(2026, 10, 1), "EUR", 9000.0, False),  # day 90 after the end
    ], schema=dict(INVOICE_SCHEMA), orient="row")
    settlements = pl.DataFrame([
        (1, date(2026, 4, 30), 900.0, "payment"), (4, date(2026, 5, 2), 1000.0, "payment"),
    ], schema=dict(SETTLEMENT_SCHEMA), orient="row")
    found = first_past_due(invoices, settlements, days=90, end=date(2026, 11, 30), rates={"EUR": 1.0, "USD": 0.9},
                           materiality=100.0)
    # Invoice 1 has exactly 100.00 left on 2026-05-01: not above the materiality of 100.
    assert found == {10: date(2026, 6, 1), 12: date(2026, 5, 1)}
    with pytest.raises(ValidationError, match=r"rates: expected a rate for every invoice currency; none for \['USD'\]"):
        first_past_due(invoices, settlements, days=90, end=date(2026, 11, 30), rates={"EUR": 1.0}, materiality=100.0)


def test_disputed_invoices_and_small_residuals_are_not_overdue_for_monitoring() -> None:
    import polars as pl

    from tradecredit.engine.analytics import INVOICE_SCHEMA, SETTLEMENT_SCHEMA
    from tradecredit.engine.monitoring import ledger_facts

    as_of = date(2026, 11, 30)
    invoices = pl.DataFrame([
        (1, 10, 10, date(2026, 6, 1), date(2026, 7, 1), "EUR", 1000.0, True),  # 152 days, disputed
        (2, 10, 10, date(2026, 7, 1), date(2026, 8, 1), "EUR", 1000.0, False),  # 121 days, 30.00 left
        (3, 10, 10, date(2026, 9, 1), date(2026, 10, 1), "EUR", 500.0, False),  # 60 days, all open
    ], schema=dict(INVOICE_SCHEMA), orient="row")
    settlements = pl.DataFrame([(2, date(2026, 9, 1), 970.0, "payment")], schema=dict(SETTLEMENT_SCHEMA),
                               orient="row")
    facts, overdue = ledger_facts(invoices, settlements, as_of=as_of, rates={"EUR": 1.0}, base_currency="EUR",
                                  base_minor_unit=2, overdue_more_than=30, residual_minor=5000)
    # Exposure counts everything open: 1000 + 30 + 500 = 1,530.00; overdue only invoice 3.
    assert facts.select("open_minor", "oldest_days_past_due").row(0) == (153000, 60)
    assert overdue["invoice_id"].to_list() == [3]
