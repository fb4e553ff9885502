"""Monitoring signals: the early-warning rules for one buyer on one day, pure and configurable.

:func:`evaluate` runs every rule on a :class:`BuyerSnapshot` with a :class:`SignalPolicy` (tightened by its
``watch_list`` thresholds for a watch-listed buyer) and returns the signals, most severe first. Each signal has a
stable code, a severity, its evidence, a sentence in English and Chinese, and the recommended actions with their
figures (:mod:`tradecredit.domain.alert_actions`). Severity, one rule for all signals:

* **critical** — act today: default or near-default, money already beyond what was agreed, or a deadline
  that voids cover;
* **warning** — act this week: a threshold from the issue is crossed;
* **info** — worth knowing, nothing to do at once (a stale statement, news, a PD band crossed by one step).

``docs/monitoring.md`` has every rule, threshold, severity and action.
"""

from __future__ import annotations

from tradecredit.domain.alert_actions import Action, ActionCode
from tradecredit.domain.signal_facts import (
    DEFAULT_PD_BAND_EDGES,
    DEFAULT_SIGNAL_POLICY,
    WATCH_LIST_OVERRIDES,
    BuyerSnapshot,
    EventFact,
    OverdueInvoice,
    Severity,
    Signal,
    SignalCode,
    SignalPolicy,
    StatementFacts,
)
from tradecredit.domain.signal_rules import (
    Rule,
    broken_promise,
    dbt_rising,
    grade_downgrade,
    overdue,
    pd_band_up,
    utilisation,
)
from tradecredit.domain.signal_rules_external import (
    concentration,
    country_downgrade,
    external_event,
    insurer_deadline,
    insurer_limit_cut,
    stale_statement,
    weak_statement,
)

__all__ = [
    "DEFAULT_PD_BAND_EDGES",
    "DEFAULT_SIGNAL_POLICY",
    "RULES",
    "WATCH_LIST_OVERRIDES",
    "Action",
    "ActionCode",
    "BuyerSnapshot",
    "EventFact",
    "OverdueInvoice",
    "Severity",
    "Signal",
    "SignalCode",
    "SignalPolicy",
    "StatementFacts",
    "evaluate",
    "worst",
]

RULES: tuple[Rule, ...] = (
    external_event, grade_downgrade, pd_band_up, overdue, utilisation, broken_promise, dbt_rising, weak_statement,
    country_downgrade, concentration, insurer_limit_cut, insurer_deadline, stale_statement,
)
"""Every rule, in the order signals of equal severity are listed."""


def evaluate(snapshot: BuyerSnapshot, policy: SignalPolicy = DEFAULT_SIGNAL_POLICY) -> list[Signal]:
    """Every signal the snapshot raises, most severe first (then in :data:`RULES` order)."""
    applied = policy.for_buyer(snapshot)
    found = [signal for rule in RULES for signal in rule(snapshot, applied)]
    return sorted(found, key=lambda signal: -signal.severity.rank)


def worst(signals: list[Signal]) -> Severity | None:
    """The highest severity among ``signals`` (None when there are none): the severity of the buyer's alert."""
    return max((s.severity for s in signals), key=lambda severity: severity.rank, default=None)
