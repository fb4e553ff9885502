"""Monitoring signals: every rule with hand-computed figures, its boundaries, watch-list tightening, invariants."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradecredit.domain.errors import ValidationError
from tradecredit.domain.signals import (
    ActionCode,
    BuyerSnapshot,
    EventFact,
    OverdueInvoice,
    Severity,
    Signal,
    SignalCode,
    SignalPolicy,
    StatementFacts,
    evaluate,
    worst,
)

ON = date(2026, 11, 28)
D = Decimal


def snap(**values: object) -> BuyerSnapshot:
    return BuyerSnapshot("B1", ON, "EUR", **values)  # type: ignore[arg-type]


def only(snapshot: BuyerSnapshot, code: SignalCode, policy: SignalPolicy | None = None) -> Signal | None:
    found = [s for s in evaluate(snapshot, policy or SignalPolicy()) if s.code == code]
    assert len(found) <= 1
    return found[0] if found else None


def actions(signal: Signal | None) -> dict[ActionCode, dict[str, str]]:
    assert signal is not None
    return {a.code: dict(a.figures) for a in signal.actions}


# --- grade and PD -------------------------------------------------------------------------------------------
def test_a_two_notch_downgrade_warns_and_reduces_the_limit_to_the_recommended_one_rounded_down() -> None:
    signal = only(snap(grade_before=4, grade=6, limit=D(100_000), recommended_limit=D("63999.99")),
                  SignalCode.GRADE_DOWNGRADE)
    assert signal is not None and signal.severity is Severity.WARNING
    assert dict(signal.evidence) == {"grade_before": "4", "grade": "6", "notches": "2"}
    assert actions(signal)[ActionCode.REDUCE_LIMIT] == {"limit": "100000.00", "reduce_to": "63000.00",
                                                        "currency": "EUR"}
    assert signal.text_zh == "评级下调 2 级，从 4 降至 6"


def test_one_notch_is_not_a_downgrade_signal_unless_into_grade_8_or_the_buyer_is_watch_listed() -> None:
    assert only(snap(grade_before=5, grade=6), SignalCode.GRADE_DOWNGRADE) is None
    assert only(snap(grade_before=7, grade=8), SignalCode.GRADE_DOWNGRADE) is not None
    assert only(snap(grade_before=8, grade=8), SignalCode.GRADE_DOWNGRADE) is None
    assert only(snap(grade_before=5, grade=6, watch_listed=True), SignalCode.GRADE_DOWNGRADE) is not None


def test_a_downgrade_to_grade_9_is_critical_and_freezes_the_limit_at_the_exposure() -> None:
    signal = only(snap(grade_before=7, grade=9, exposure=D("41250.50"), limit=D(80_000),
                       recommended_limit=D(50_000)), SignalCode.GRADE_DOWNGRADE)
    assert signal is not None and signal.severity is Severity.CRITICAL
    found = actions(signal)
    assert found[ActionCode.REDUCE_LIMIT]["reduce_to"] == "41000.00"  # min(41,250.50, 50,000) down to 1,000
    assert found[ActionCode.ASK_SECURITY] == {"amount": "41250.50", "currency": "EUR"}


def test_default_stops_shipments_cuts_the_limit_to_zero_and_notifies_an_insurer_today() -> None:
    signal = only(snap(grade_before=8, grade=10, exposure=D(5000), limit=D(20_000), insured=True),
                  SignalCode.GRADE_DOWNGRADE)
    found = actions(signal)
    assert list(found) == [ActionCode.STOP_SHIPMENTS, ActionCode.REDUCE_LIMIT, ActionCode.NOTIFY_INSURER]
    assert found[ActionCode.REDUCE_LIMIT]["reduce_to"] == "0.00"
    assert found[ActionCode.NOTIFY_INSURER] == {"by": "2026-11-28"}


def test_pd_crossing_one_band_is_info_two_bands_or_into_the_top_band_a_warning() -> None:
    assert only(snap(pd_before=0.005, pd=0.01), SignalCode.PD_BAND_UP) is None  # an edge belongs to the lower band
    one = only(snap(pd_before=0.005, pd=0.0101), SignalCode.PD_BAND_UP)
    assert one is not None and one.severity is Severity.INFO and one.evidence["band"] == "2"
    two = only(snap(pd_before=0.005, pd=0.031, limit=D(10_000), recommended_limit=D(6000)), SignalCode.PD_BAND_UP)
    assert two is not None and two.severity is Severity.WARNING
    assert actions(two)[ActionCode.REDUCE_LIMIT]["reduce_to"] == "6000.00"
    top = only(snap(pd_before=0.09, pd=0.12), SignalCode.PD_BAND_UP)
    assert top is not None and top.severity is Severity.WARNING


# --- ledger behaviour ---------------------------------------------------------------------------------------
def test_dbt_rising_more_than_10_days_in_3_months_warns_more_than_20_is_critical() -> None:
    assert only(snap(dbt_days=22.0, dbt_days_3m_ago=12.0), SignalCode.DBT_RISING) is None  # exactly +10
    warning = only(snap(dbt_days=22.5, dbt_days_3m_ago=12.0), SignalCode.DBT_RISING)
    assert warning is not None and warning.severity is Severity.WARNING
    assert dict(warning.evidence) == {"dbt_days": "22.5", "dbt_days_3m_ago": "12.0", "trend_days": "10.5"}
    critical = only(snap(dbt_days=33.0, dbt_days_3m_ago=12.0), SignalCode.DBT_RISING)
    assert critical is not None and critical.severity is Severity.CRITICAL
    assert only(snap(dbt_days=18.0, dbt_days_3m_ago=12.0, watch_listed=True), SignalCode.DBT_RISING) is not None


def test_a_new_invoice_more_than_30_days_overdue_asks_to_collect_its_amount() -> None:
    invoices = (OverdueInvoice("I2", date(2026, 10, 20), D("1200.40"), 39),
                OverdueInvoice("I1", date(2026, 10, 15), D(800), 44),
                OverdueInvoice("I3", date(2026, 10, 29), D(500), 30))
    signal = only(snap(new_overdue=invoices, oldest_overdue_days=44, exposure=D(9000), insured=True),
                  SignalCode.OVERDUE_30)
    assert signal is not None and signal.severity is Severity.WARNING
    assert signal.evidence["invoices"] == "I1, I2" and signal.evidence["amount"] == "2000.40"
    found = actions(signal)
    assert found[ActionCode.COLLECT_EARLY] == {"amount": "2000.40", "currency": "EUR", "invoices": "I1, I2"}
    assert found[ActionCode.NOTIFY_INSURER] == {"by": "2026-12-14"}  # oldest due 15 October + 60 days
    old = only(snap(new_overdue=invoices[:1], oldest_overdue_days=91), SignalCode.OVERDUE_30)
    assert old is not None and old.severity is Severity.CRITICAL and ActionCode.STOP_SHIPMENTS in actions(old)


def test_utilisation_at_exactly_90_percent_warns_and_asks_for_the_amount_above_the_threshold() -> None:
    assert only(snap(exposure=D("8999.99"), limit=D(10_000)), SignalCode.UTILISATION_HIGH) is None
    signal = only(snap(exposure=D(9000), limit=D(10_000)), SignalCode.UTILISATION_HIGH)
    assert signal is not None and signal.evidence["utilisation"] == "90.00%"
    assert actions(signal)[ActionCode.COLLECT_EARLY]["amount"] == "0.00"
    full = only(snap(exposure=D(10_000), limit=D(10_000)), SignalCode.UTILISATION_HIGH)
    assert full is not None and actions(full)[ActionCode.COLLECT_EARLY]["amount"] == "1000.00"
    watched = only(snap(exposure=D(8000), limit=D(10_000), watch_listed=True), SignalCode.UTILISATION_HIGH)
    assert watched is not None


def test_over_the_limit_warns_and_over_by_more_than_10_percent_stops_shipments() -> None:
    assert only(snap(exposure=D(10_000), limit=D(10_000)), SignalCode.OVER_LIMIT) is None
    over = only(snap(exposure=D(11_000), limit=D(10_000)), SignalCode.OVER_LIMIT)
    assert over is not None and over.severity is Severity.WARNING  # exactly 10% over
    assert actions(over)[ActionCode.COLLECT_EARLY]["amount"] == "1000.00"
    far = only(snap(exposure=D("11000.01"), limit=D(10_000)), SignalCode.OVER_LIMIT)
    assert far is not None and far.severity is Severity.CRITICAL
    assert list(actions(far)) == [ActionCode.STOP_SHIPMENTS, ActionCode.COLLECT_EARLY, ActionCode.ASK_SECURITY]
    assert only(snap(exposure=D(1), limit=D(0)), SignalCode.OVER_LIMIT).severity is Severity.CRITICAL  # type: ignore[union-attr]


def test_one_broken_promise_warns_two_are_critical_one_for_a_watch_listed_buyer() -> None:
    assert only(snap(broken_promises=1), SignalCode.BROKEN_PROMISE).severity is Severity.WARNING  # type: ignore[union-attr]
    assert only(snap(broken_promises=2), SignalCode.BROKEN_PROMISE).severity is Severity.CRITICAL  # type: ignore[union-attr]
    watched = only(snap(broken_promises=1, watch_listed=True), SignalCode.BROKEN_PROMISE)
    assert watched is not None and watched.severity is Severity.CRITICAL


# --- statements, country, events, portfolio, insurer --------------------------------------------------------
def test_a_new_statement_with_one_weakness_warns_and_with_negative_equity_is_critical() -> None:
    weak = StatementFacts(date(2025, 12, 31), working_capital_ratio=D("0.95"), equity=D(100), revenue_change=D("-0.30"))
    signal = only(snap(statement=weak), SignalCode.WEAK_STATEMENT)
    assert signal is not None and signal.severity is Severity.WARNING  # revenue down exactly 30% is not "> 30%"
    assert signal.evidence["findings"] == "working_capital_ratio"
    assert signal.text_en == "Statement for 2025-12-31: current ratio 0.95"
    losses = StatementFacts(date(2025, 12, 31), net_income=D(-5), net_income_prior=D(-1), revenue_change=D("-0.31"))
    both = only(snap(statement=losses), SignalCode.WEAK_STATEMENT)
    assert both is not None and both.severity is Severity.CRITICAL
    assert both.evidence["findings"] == "revenue_change, losses_two_years"
    negative = only(snap(statement=StatementFacts(date(2025, 12, 31), equity=D(-1))), SignalCode.WEAK_STATEMENT)
    assert negative is not None and negative.severity is Severity.CRITICAL
    seen = dataclasses.replace(weak, is_new=False)
    assert only(snap(statement=seen), SignalCode.WEAK_STATEMENT) is None


def test_a_statement_older_than_18_months_is_info_12_for_a_watch_listed_buyer() -> None:
    assert only(snap(statement_age_months=18), SignalCode.STALE_STATEMENT) is None
    assert only(snap(statement_age_months=19), SignalCode.STALE_STATEMENT).severity is Severity.INFO  # type: ignore[union-attr]
    assert only(snap(statement_age_months=13, watch_listed=True), SignalCode.STALE_STATEMENT) is not None


def test_a_country_downgrade_warns_and_into_grade_6_is_critical() -> None:
    signal = only(snap(country="TR", country_grade_before=4, country_grade=5), SignalCode.COUNTRY_DOWNGRADE)
    assert signal is not None and signal.severity is Severity.WARNING
    assert signal.text_en == "TR country grade down from 4 to 5 (0 best … 7 worst)"
    critical = only(snap(country="TR", country_grade_before=5, country_grade=6, exposure=D(700)),
                    SignalCode.COUNTRY_DOWNGRADE)
    assert critical is not None and actions(critical)[ActionCode.ASK_SECURITY]["amount"] == "700.00"


def test_each_external_event_is_a_signal_with_the_severity_of_its_type() -> None:
    events = (EventFact(date(2026, 11, 20), "news", "Press", "new CEO"),
              EventFact(date(2026, 11, 21), "insolvency", "Court", "proceedings opened"),
              EventFact(date(2026, 11, 22), "legal_claim", "Court", "claim filed"))
    found = evaluate(snap(events=events, exposure=D(3000), limit=D(10_000), insured=True))
    assert [(s.evidence["type"], s.severity) for s in found] == [
        ("insolvency", Severity.CRITICAL), ("legal_claim", Severity.WARNING), ("news", Severity.INFO)]
    insolvency = actions(found[0])
    assert insolvency[ActionCode.REDUCE_LIMIT]["reduce_to"] == "0.00"
    assert insolvency[ActionCode.NOTIFY_INSURER] == {"by": "2026-11-28"}
    assert found[0].text_zh == "2026-11-21 破产（Court）：proceedings opened"


def test_concentration_above_10_percent_reduces_the_limit_to_what_keeps_the_share_at_10_percent() -> None:
    assert only(snap(exposure=D(100), exposure_share=D("0.10")), SignalCode.CONCENTRATION) is None
    # share 12.5% of 800,000 total: exposure 100,000, rest 700,000; cap = 0.1 × 700,000 / 0.9 = 77,777.78
    signal = only(snap(exposure=D(100_000), exposure_share=D("0.125"), limit=D(150_000)), SignalCode.CONCENTRATION)
    assert signal is not None and signal.severity is Severity.WARNING and signal.evidence["cap"] == "77777.78"
    found = actions(signal)
    assert found[ActionCode.REDUCE_LIMIT]["reduce_to"] == "77000.00"
    assert found[ActionCode.ASK_SECURITY]["amount"] == "22222.22"
    critical = only(snap(exposure=D(100_000), exposure_share=D("0.21")), SignalCode.CONCENTRATION)
    assert critical is not None and critical.severity is Severity.CRITICAL


def test_an_insurer_limit_cut_warns_and_a_cancellation_is_critical() -> None:
    cut = only(snap(insurer_limit_before=D(50_000), insurer_limit=D(20_000), exposure=D(30_000), limit=D(50_000)),
               SignalCode.INSURER_LIMIT_CUT)
    assert cut is not None and cut.severity is Severity.WARNING
    assert actions(cut)[ActionCode.REDUCE_LIMIT]["reduce_to"] == "20000.00"
    assert actions(cut)[ActionCode.ASK_SECURITY]["amount"] == "10000.00"
    gone = only(snap(insurer_limit_before=D(50_000), insurer_limit=D(0), exposure=D(1)), SignalCode.INSURER_LIMIT_CUT)
    assert gone is not None and gone.severity is Severity.CRITICAL and ActionCode.STOP_SHIPMENTS in actions(gone)


def test_an_insurer_deadline_within_14_days_warns_within_3_is_critical() -> None:
    assert only(snap(insurer_deadline=ON + timedelta(days=15)), SignalCode.INSURER_DEADLINE) is None
    warn = only(snap(insurer_deadline=ON + timedelta(days=14), insurer_deadline_what="overdue notification"),
                SignalCode.INSURER_DEADLINE)
    assert warn is not None and warn.severity is Severity.WARNING
    assert actions(warn)[ActionCode.NOTIFY_INSURER] == {"by": "2026-12-12"}
    late = only(snap(insurer_deadline=ON - timedelta(days=1)), SignalCode.INSURER_DEADLINE)
    assert late is not None and late.severity is Severity.CRITICAL


# --- policy -------------------------------------------------------------------------------------------------
def test_signals_come_most_severe_first_and_an_empty_snapshot_raises_none() -> None:
    assert evaluate(snap()) == [] and worst([]) is None
    found = evaluate(snap(statement_age_months=30, broken_promises=2, exposure=D(9500), limit=D(10_000)))
    assert [s.code for s in found] == [SignalCode.BROKEN_PROMISE, SignalCode.UTILISATION_HIGH,
                                       SignalCode.STALE_STATEMENT]
    assert worst(found) is Severity.CRITICAL


def test_every_threshold_is_configurable_and_a_bad_policy_is_refused() -> None:
    policy = SignalPolicy(utilisation=D("0.75"), limit_step=D(5000))
    signal = only(snap(exposure=D(7500), limit=D(10_000)), SignalCode.UTILISATION_HIGH, policy)
    assert signal is not None
    assert only(snap(exposure=D(7500), limit=D(10_000), watch_listed=True), SignalCode.UTILISATION_HIGH,
                SignalPolicy(watch_list={})) is None
    with pytest.raises(ValidationError, match="expected threshold names; got colour"):
        SignalPolicy(watch_list={"colour": 1})
    with pytest.raises(ValidationError, match="limit_step"):
        SignalPolicy(limit_step=D(0))


# --- invariants ---------------------------------------------------------------------------------------------
money = st.decimals(min_value=0, max_value=1_000_000, places=2, allow_nan=False, allow_infinity=False)
grades = st.integers(min_value=1, max_value=10)
statements = st.builds(StatementFacts, period_end=st.just(date(2025, 12, 31)),
                       working_capital_ratio=st.none() | st.decimals(0, 5, places=2),
                       equity=st.none() | st.decimals(-1000, 1000, places=0),
                       revenue_change=st.none() | st.decimals(-1, 1, places=2),
                       net_income=st.none() | st.decimals(-100, 100, places=0),
                       net_income_prior=st.none() | st.decimals(-100, 100, places=0))
event_facts = st.builds(EventFact, event_date=st.just(date(2026, 11, 1)),
                        type=st.sampled_from(["insolvency", "payment_incident", "legal_claim", "rating_change",
                                              "news"]), source=st.just("feed"), text=st.just("x"))


@st.composite
def snapshots(draw: st.DrawFn) -> BuyerSnapshot:
    days = draw(st.lists(st.integers(0, 200), max_size=3))
    invoices = tuple(OverdueInvoice(f"I{i}", ON - timedelta(days=d), draw(money), d) for i, d in enumerate(days))
    return snap(grade=draw(st.none() | grades), grade_before=draw(st.none() | grades),
                pd=draw(st.none() | st.floats(0.0001, 0.5)), pd_before=draw(st.none() | st.floats(0.0001, 0.5)),
                dbt_days=draw(st.none() | st.floats(-10, 120)), dbt_days_3m_ago=draw(st.none() | st.floats(-10, 120)),
                new_overdue=invoices, oldest_overdue_days=max([0, *days]) + draw(st.integers(0, 30)),
                exposure=draw(money), limit=draw(st.none() | money), recommended_limit=draw(st.none() | money),
                broken_promises=draw(st.integers(0, 4)), statement=draw(st.none() | statements),
                statement_age_months=draw(st.none() | st.integers(0, 40)),
                country_grade=draw(st.none() | st.integers(0, 7)),
                country_grade_before=draw(st.none() | st.integers(0, 7)),
                events=tuple(draw(st.lists(event_facts, max_size=2))),
                exposure_share=draw(st.none() | st.decimals("0.001", "0.9", places=3)),
                watch_listed=draw(st.booleans()), insured=draw(st.booleans()),
                insurer_limit=draw(st.none() | money), insurer_limit_before=draw(st.none() | money),
                insurer_deadline=draw(st.none() | st.dates(ON - timedelta(days=10), ON + timedelta(days=60))))


def healthier(s: BuyerSnapshot, part: int) -> BuyerSnapshot:
    """The same buyer better in one respect (only today's values move; the earlier ones are history)."""
    st_better = s.statement and dataclasses.replace(
        s.statement, working_capital_ratio=None if s.statement.working_capital_ratio is None else
        s.statement.working_capital_ratio + 1, equity=None if s.statement.equity is None else s.statement.equity + 500)
    options = [
        {"grade": None if s.grade is None else max(1, s.grade - 1)},
        {"pd": None if s.pd is None else s.pd / 2},
        {"dbt_days": None if s.dbt_days is None else s.dbt_days - 5},
        {"new_overdue": s.new_overdue[1:]},
        {"exposure": s.exposure / 2, "exposure_share": s.exposure_share},
        {"broken_promises": max(0, s.broken_promises - 1)},
        {"statement": st_better},
        {"statement_age_months": None if s.statement_age_months is None else max(0, s.statement_age_months - 6)},
        {"country_grade": None if s.country_grade is None else max(0, s.country_grade - 1)},
        {"events": s.events[1:]},
        {"exposure_share": None if s.exposure_share is None else s.exposure_share / 2},
        {"watch_listed": False},
        {"insurer_limit": None if s.insurer_limit is None else s.insurer_limit + 1000},
        {"insurer_deadline": None if s.insurer_deadline is None else s.insurer_deadline + timedelta(days=7)},
    ]
    return dataclasses.replace(s, **options[part % len(options)])  # type: ignore[arg-type]


def severities(signals: list[Signal]) -> dict[SignalCode, int]:
    found: dict[SignalCode, int] = {}
    for signal in signals:
        found[signal.code] = max(found.get(signal.code, -1), signal.severity.rank)
    return found


@settings(max_examples=300, deadline=None)
@given(snapshot=snapshots(), part=st.integers(0, 13))
def test_a_healthier_snapshot_never_raises_any_signal_s_severity(snapshot: BuyerSnapshot, part: int) -> None:
    before, after = severities(evaluate(snapshot)), severities(evaluate(healthier(snapshot, part)))
    assert all(rank <= before.get(code, -1) for code, rank in after.items()), (before, after)


@settings(max_examples=300, deadline=None)
@given(snapshot=snapshots())
def test_every_critical_signal_has_an_action_and_every_figure_is_text(snapshot: BuyerSnapshot) -> None:
    for signal in evaluate(snapshot):
        assert signal.text_en and signal.text_zh and all(isinstance(v, str) for v in signal.evidence.values())
        if signal.severity is Severity.CRITICAL:
            assert signal.actions, signal
        for action in signal.actions:
            assert action.text_en and action.text_zh and all(isinstance(v, str) for v in action.figures.values())
            if action.code is ActionCode.REDUCE_LIMIT:
                assert D(action.figures["reduce_to"]) < D(action.figures["limit"])
                assert D(action.figures["reduce_to"]) % 1000 == 0


@settings(max_examples=200, deadline=None)
@given(snapshot=snapshots())
def test_watch_listing_a_buyer_never_lowers_a_severity(snapshot: BuyerSnapshot) -> None:
    plain = severities(evaluate(dataclasses.replace(snapshot, watch_listed=False)))
    watched = severities(evaluate(dataclasses.replace(snapshot, watch_listed=True)))
    assert all(watched.get(code, -1) >= rank for code, rank in plain.items())
