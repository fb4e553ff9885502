"""What the monitoring rules read (:class:`BuyerSnapshot`), their thresholds (:class:`SignalPolicy`) and what
they produce (:class:`Signal`). The rules themselves are in :mod:`tradecredit.domain.signal_rules`; the public
surface is :mod:`tradecredit.domain.signals`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

from tradecredit.domain.alert_actions import Action
from tradecredit.domain.errors import ValidationError

DEFAULT_PD_BAND_EDGES: tuple[float, ...] = (0.0025, 0.01, 0.03, 0.10)
"""PD band edges, ascending: very low ≤ 0.25% < low ≤ 1% < moderate ≤ 3% < high ≤ 10% < very high. Coarser than
the grades on purpose: crossing one of these is a change of risk class, not of a notch."""


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _RANKS[self]


_RANKS = {Severity.INFO: 0, Severity.WARNING: 1, Severity.CRITICAL: 2}


class SignalCode(StrEnum):
    GRADE_DOWNGRADE = "grade_downgrade"
    PD_BAND_UP = "pd_band_up"
    DBT_RISING = "dbt_rising"
    OVERDUE_30 = "overdue_30"
    UTILISATION_HIGH = "utilisation_high"
    OVER_LIMIT = "over_limit"
    BROKEN_PROMISE = "broken_promise"
    WEAK_STATEMENT = "weak_statement"
    STALE_STATEMENT = "stale_statement"
    COUNTRY_DOWNGRADE = "country_downgrade"
    EXTERNAL_EVENT = "external_event"
    CONCENTRATION = "concentration"
    INSURER_LIMIT_CUT = "insurer_limit_cut"
    INSURER_DEADLINE = "insurer_deadline"


@dataclass(frozen=True, slots=True)
class Signal:
    """One finding about one buyer: evidence as strings (numbers and dates), a sentence each in en and zh, and
    the recommended actions, most urgent first."""

    code: SignalCode
    severity: Severity
    evidence: Mapping[str, str]
    text_en: str
    text_zh: str
    actions: tuple[Action, ...] = ()


@dataclass(frozen=True, slots=True)
class StatementFacts:
    """The buyer's latest statement, as the weak-statement rule reads it (money in the statement's currency)."""

    period_end: date
    working_capital_ratio: Decimal | None = None  # current assets / current liabilities
    equity: Decimal | None = None
    revenue_change: Decimal | None = None  # against the year before, as a fraction: -0.35 is down 35%
    net_income: Decimal | None = None
    net_income_prior: Decimal | None = None
    is_new: bool = True  # arrived since the last evaluation: a weak statement is signalled once, when it comes


@dataclass(frozen=True, slots=True)
class OverdueInvoice:
    ref: str
    due_date: date
    open_amount: Decimal  # base currency
    days_overdue: int


@dataclass(frozen=True, slots=True)
class EventFact:
    """An external event recorded since the last evaluation (``type`` is an events-feed type)."""

    event_date: date
    type: str
    source: str
    text: str


@dataclass(frozen=True, slots=True)
class BuyerSnapshot:
    """One buyer on one day, as the rules read it. Money is in the base currency ``currency``; ``*_before`` are
    the values at the previous evaluation; None means "not known" and silences the rules that need it.

    The insurer fields are filled once credit insurance is recorded; until then they stay None."""

    ref: str
    on: date
    currency: str
    grade: int | None = None
    grade_before: int | None = None
    pd: float | None = None
    pd_before: float | None = None
    pd_band_edges: tuple[float, ...] = DEFAULT_PD_BAND_EDGES
    dbt_days: float | None = None
    dbt_days_3m_ago: float | None = None
    oldest_overdue_days: int = 0
    new_overdue: tuple[OverdueInvoice, ...] = ()  # invoices that passed the overdue threshold since last time
    exposure: Decimal = Decimal(0)
    limit: Decimal | None = None
    recommended_limit: Decimal | None = None
    broken_promises: int = 0  # in the last 12 months
    statement: StatementFacts | None = None
    statement_age_months: int | None = None
    country: str = ""
    country_grade: int | None = None  # 0 best … 7 worst
    country_grade_before: int | None = None
    events: tuple[EventFact, ...] = ()
    exposure_share: Decimal | None = None  # of the portfolio's total exposure, as a fraction
    watch_listed: bool = False
    insured: bool = False
    insurer_limit: Decimal | None = None
    insurer_limit_before: Decimal | None = None
    insurer_deadline: date | None = None
    insurer_deadline_what: str = ""


WATCH_LIST_OVERRIDES: Mapping[str, object] = MappingProxyType({
    "downgrade_notches": 1, "downgrade_into_grade": 7, "dbt_trend_days": 5.0, "dbt_trend_critical_days": 10.0,
    "overdue_days": 15, "overdue_critical_days": 60, "utilisation": Decimal("0.80"), "broken_promises_critical": 1,
    "stale_months": 12, "concentration": Decimal("0.075"), "insurer_deadline_days": 21,
})
"""The tighter thresholds of watch-listed buyers (``docs/monitoring.md``): roughly half-way to the alarm."""


@dataclass(frozen=True, slots=True)
class SignalPolicy:
    """Every threshold of the rules, with the issue's defaults (``docs/monitoring.md`` has the table)."""

    downgrade_notches: int = 2  # a downgrade by at least this many notches …
    downgrade_into_grade: int = 8  # … or into this grade or worse
    critical_grade: int = 9  # a downgrade into this grade or worse is critical
    dbt_trend_days: float = 10.0  # DBT up by more than this over 3 months
    dbt_trend_critical_days: float = 20.0
    overdue_days: int = 30  # an invoice more than this many days overdue
    overdue_critical_days: int = 90
    overdue_residual: Decimal = Decimal(50)  # disputed invoices, and those with this much or less open, never count
    utilisation: Decimal = Decimal("0.90")  # exposure / limit at or above this
    over_limit_critical: Decimal = Decimal("0.10")  # exposure above the limit by more than this share of it
    broken_promises_critical: int = 2
    promise_grace_days: int = 3  # a payment promise is broken this many days after its promised date
    working_capital_ratio: Decimal = Decimal(1)  # current ratio below this
    revenue_drop: Decimal = Decimal("0.30")  # revenue down by more than this share
    stale_months: int = 18
    country_critical_grade: int = 6  # a country downgrade into this grade or worse is critical
    concentration: Decimal = Decimal("0.10")  # one buyer's share of total exposure above this
    concentration_critical: Decimal = Decimal("0.20")
    insurer_deadline_days: int = 14  # an insurer deadline this many days away or closer
    insurer_deadline_critical_days: int = 3
    insurer_notify_days: int = 60  # overdue: notify the insurer by the oldest due date + this (until policies land)
    limit_step: Decimal = Decimal(1000)  # recommended limits are rounded down to this
    watch_list: Mapping[str, object] = field(default_factory=lambda: WATCH_LIST_OVERRIDES)

    def __post_init__(self) -> None:
        names = {f.name for f in dataclasses.fields(self)} - {"watch_list"}
        unknown = sorted(set(self.watch_list) - names)
        if unknown:
            raise ValidationError("watch_list", f"expected threshold names; got {', '.join(unknown)}")
        if self.limit_step <= 0:
            raise ValidationError("limit_step", f"expected a positive amount; got {self.limit_step}")
        if not 0 < self.utilisation <= 1:
            raise ValidationError("utilisation", f"expected a share in (0, 1]; got {self.utilisation}")

    def for_buyer(self, snapshot: BuyerSnapshot) -> SignalPolicy:
        """This policy, tightened by :attr:`watch_list` when the buyer is watch-listed."""
        if not snapshot.watch_listed or not self.watch_list:
            return self
        return dataclasses.replace(self, watch_list={}, **self.watch_list)  # type: ignore[arg-type]


DEFAULT_SIGNAL_POLICY = SignalPolicy()
