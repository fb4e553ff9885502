"""Combined buyer assessment: the financial PD adjusted by payment behaviour, country and industry.

The model gives a 12-month PD from the buyer's latest statement. The credit manager's own ledger, the country and
the sector know things the statement does not, so each adds to the PD's log-odds::

    logit(PD) = logit(financial PD) + behaviour + country + industry + stale statements

Working in log-odds keeps the PD inside (0, 1) and makes each component read as a factor on the odds of failure
(+0.69 doubles them). Each component is kept with its inputs and its effect, so the screen can show why.
Without a usable statement the financial PD is replaced by ``LIMITED_INFORMATION_PD`` and the result is marked
"limited information". Grade 10 (in default) is set by events, never by these numbers: a write-off in the last 12
months, or an undisputed amount more than 90 days past due above the materiality threshold (the Basel default
definition), or an insolvency recorded by the events feed (``docs/events.md``) on or before the assessment
date.

Every number is a configurable default (:class:`AssessmentPolicy`); ``docs/assessment.md`` has the tables.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from tradecredit.domain.errors import ValidationError
from tradecredit.domain.events import Insolvency
from tradecredit.domain.grades import DEFAULT_GRADE_IN_DEFAULT, DEFAULT_MASTER_SCALE, MasterScale

__all__ = [
    "DEFAULT_ASSESSMENT_POLICY",
    "AssessmentPolicy",
    "Behaviour",
    "Combined",
    "Component",
    "combine",
    "default_event",
    "is_stale",
]

PD_FLOOR = 0.0003
PD_CEILING = 0.9999

INDUSTRY_ADD: dict[str, float] = {
    "A": 0.1, "B": 0.1, "C": 0.0, "D": -0.2, "E": -0.2, "F": 0.4, "G": 0.1, "H": 0.2, "I": 0.4, "J": 0.0,
    "K": -0.1, "L": 0.2, "M": 0.0, "N": 0.2, "O": -0.5, "P": -0.2, "Q": -0.2, "R": 0.2, "S": 0.1, "T": 0.0,
    "U": -0.5,
}
"""NACE Rev. 2 section → log-odds added: construction (F) and accommodation and food (I) fail more often than
average in European business-demography statistics, utilities and the public sector less. A starting point the
credit manager calibrates to their own book."""

COUNTRY_ADD: tuple[float, ...] = (0.0, 0.0, 0.1, 0.2, 0.4, 0.6, 0.9, 1.2)
"""Internal country grade 0 (best) … 7 (worst) → log-odds added: a buyer in a weak country fails more often and
its payments can be blocked by transfer restrictions even when it is solvent."""


@dataclass(frozen=True, slots=True)
class AssessmentPolicy:
    """The configurable numbers of :func:`combine` (defaults documented in ``docs/assessment.md``)."""

    dbt_bands: tuple[tuple[float, float], ...] = ((0.0, -0.2), (15.0, 0.0), (30.0, 0.4), (60.0, 0.9), (90.0, 1.4))
    """(highest days beyond terms of the band, log-odds added); above the last band ``dbt_above``."""
    dbt_above: float = 2.0
    trend_days: float = 10.0  # DBT up by more than this over 3 months …
    trend_add: float = 0.3  # … adds this
    dispute_share: float = 0.10  # disputed share of the open amount above this …
    dispute_add: float = 0.2  # … adds this
    broken_promise_add: float = 0.3  # per broken payment promise in the last 12 months, at most three counted
    country_add: tuple[float, ...] = COUNTRY_ADD
    unrated_country_add: float = 0.3
    industry_add: Mapping[str, float] = field(default_factory=lambda: dict(INDUSTRY_ADD))
    stale_months: int = 18
    stale_add: float = 0.2
    limited_information_pd: float = 0.02  # the top of grade 6: no statement is no evidence of strength
    default_dpd: int = 90
    materiality: Decimal = Decimal(100)  # base-currency units past due before "90 days past due" means default
    materiality_share: float = 0.01  # … and this share of the buyer's open amount
    master_scale: MasterScale = DEFAULT_MASTER_SCALE

    def __post_init__(self) -> None:
        if len(self.country_add) != 8:
            raise ValidationError("country_add", f"expected 8 values (grades 0–7); got {len(self.country_add)}")
        days = [bound for bound, _ in self.dbt_bands]
        if days != sorted(days) or len(set(days)) != len(days):
            raise ValidationError("dbt_bands", f"expected strictly increasing day bounds; got {days}")
        if not 0.0 < self.limited_information_pd < 1.0:
            raise ValidationError("limited_information_pd", f"expected a PD between 0 and 1; got "
                                                            f"{self.limited_information_pd!r}")
        if self.stale_months < 1:
            raise ValidationError("stale_months", f"expected at least 1 month; got {self.stale_months}")


DEFAULT_ASSESSMENT_POLICY = AssessmentPolicy()


@dataclass(frozen=True, slots=True)
class Behaviour:
    """The buyer's payment behaviour in our own ledger at the assessment date (money in base currency)."""

    dbt_days: float | None  # amount-weighted days beyond terms over the last 12 months; None: nothing to weigh
    dbt_days_3m_ago: float | None
    open_amount: Decimal
    overdue_amount: Decimal
    disputed_amount: Decimal
    overdue_90_undisputed: Decimal
    write_offs_12m: Decimal
    broken_promises_12m: int = 0

    @property
    def dbt_trend(self) -> float | None:
        if self.dbt_days is None or self.dbt_days_3m_ago is None:
            return None
        return self.dbt_days - self.dbt_days_3m_ago

    @property
    def dispute_share(self) -> float:
        return float(self.disputed_amount / self.open_amount) if self.open_amount > 0 else 0.0


@dataclass(frozen=True, slots=True)
class Component:
    """One adjustment: its name, the inputs it read, log-odds added, and a sentence (en, zh) why."""

    name: str
    add: float
    inputs: Mapping[str, object]
    text_en: str
    text_zh: str

    @property
    def odds_factor(self) -> float:
        return math.exp(self.add)


@dataclass(frozen=True, slots=True)
class Combined:
    financial_pd: float | None
    pd: float
    grade: int
    components: tuple[Component, ...]
    limited_information: bool
    stale_statement: bool
    in_default: bool
    default_reason: str | None
    default_reason_zh: str | None = None


def logit(p: float) -> float:
    q = min(max(p, 1e-12), 1.0 - 1e-12)
    return math.log(q / (1.0 - q))


def expit(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def is_stale(period_end: date, on: date, months: int) -> bool:
    """A statement is stale when ``on`` is after its period end plus ``months`` calendar months (the day clamped
    to the month's end: 31 August + 18 months = 28 February)."""
    index = period_end.year * 12 + period_end.month - 1 + months
    year, month = divmod(index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return on > date(year, month + 1, min(period_end.day, last_day))


def default_reasons(behaviour: Behaviour, policy: AssessmentPolicy = DEFAULT_ASSESSMENT_POLICY,
                    insolvency: Insolvency | None = None) -> tuple[str, str] | None:
    """Why the buyer is in default (grade 10), in English and Chinese, or None: a recorded insolvency, a recent
    write-off, or 90+ days past due on a material, undisputed amount (a dispute is a disagreement about the debt,
    not a failure to pay). An insolvency does not expire: proceedings end in liquidation far more often than in a
    cure, and a cured buyer is re-admitted by a credit manager, not by a date."""
    if insolvency is not None:
        return (f"insolvency reported on {insolvency.on} (source: {insolvency.source})",
                f"{insolvency.on} 报告破产（来源：{insolvency.source}）")
    if behaviour.write_offs_12m > 0:
        return (f"written off {behaviour.write_offs_12m} in the last 12 months",
                f"最近12个月核销 {behaviour.write_offs_12m}")
    threshold = max(policy.materiality, behaviour.open_amount * Decimal(str(policy.materiality_share)))
    if behaviour.overdue_90_undisputed > threshold:
        late = behaviour.overdue_90_undisputed
        return (f"{late} undisputed more than {policy.default_dpd} days past due (materiality {threshold:.2f})",
                f"{late} 无争议款项逾期超过 {policy.default_dpd} 天（重要性门槛 {threshold:.2f}）")
    return None


def default_event(behaviour: Behaviour, policy: AssessmentPolicy = DEFAULT_ASSESSMENT_POLICY) -> str | None:
    """The English reason of :func:`default_reasons`."""
    reasons = default_reasons(behaviour, policy)
    return reasons[0] if reasons else None


def _dbt_add(days: float, policy: AssessmentPolicy) -> float:
    return next((add for bound, add in policy.dbt_bands if days <= bound), policy.dbt_above)


def behaviour_component(behaviour: Behaviour, policy: AssessmentPolicy) -> Component:
    parts_en: list[str] = []
    parts_zh: list[str] = []
    add = 0.0
    if behaviour.dbt_days is None:
        parts_en.append("no payment history in the last 12 months")
        parts_zh.append("最近12个月无付款记录")
    else:
        add += _dbt_add(behaviour.dbt_days, policy)
        parts_en.append(f"pays {behaviour.dbt_days:.0f} days beyond terms on average")
        parts_zh.append(f"平均逾期 {behaviour.dbt_days:.0f} 天付款")
    trend = behaviour.dbt_trend
    if trend is not None and trend > policy.trend_days:
        add += policy.trend_add
        parts_en.append(f"up {trend:.0f} days in 3 months")
        parts_zh.append(f"3个月内增加 {trend:.0f} 天")
    if behaviour.dispute_share > policy.dispute_share:
        add += policy.dispute_add
        parts_en.append(f"{behaviour.dispute_share:.0%} of the open amount disputed")
        parts_zh.append(f"未付金额的 {behaviour.dispute_share:.0%} 有争议")
    if behaviour.broken_promises_12m:
        add += policy.broken_promise_add * min(behaviour.broken_promises_12m, 3)
        count = behaviour.broken_promises_12m
        parts_en.append(f"{count} broken payment promise{'' if count == 1 else 's'}")
        parts_zh.append(f"{behaviour.broken_promises_12m} 次未兑现付款承诺")
    inputs = {"dbt_days": behaviour.dbt_days, "dbt_days_3m_ago": behaviour.dbt_days_3m_ago,
              "dbt_trend": trend, "dispute_share": round(behaviour.dispute_share, 4),
              "broken_promises_12m": behaviour.broken_promises_12m}
    return Component("behaviour", add, inputs, "; ".join(parts_en), "；".join(parts_zh))


def country_component(country: str, grade: int | None, policy: AssessmentPolicy) -> Component:
    if grade is None:
        return Component("country", policy.unrated_country_add, {"country": country, "country_grade": None},
                         f"{country} has no country grade", f"{country} 无国家评级")
    return Component("country", policy.country_add[grade], {"country": country, "country_grade": grade},
                     f"{country} country grade {grade} (0 best … 7 worst)",
                     f"{country} 国家风险等级 {grade}（0最好…7最差）")


_SECTION_STARTS: tuple[tuple[int, str], ...] = (
    (1, "A"), (5, "B"), (10, "C"), (35, "D"), (36, "E"), (41, "F"), (45, "G"), (49, "H"), (55, "I"), (58, "J"),
    (64, "K"), (68, "L"), (69, "M"), (77, "N"), (84, "O"), (85, "P"), (86, "Q"), (90, "R"), (94, "S"), (97, "T"),
    (99, "U"),
)
"""First NACE Rev. 2 division of each section."""


def nace_section(industry: str | None) -> str | None:
    """The NACE section letter of a code such as ``46.90`` or ``28`` (or of a section letter itself)."""
    text = (industry or "").strip().upper()
    if len(text) == 1 and text.isalpha():
        return text
    digits = text[:2]
    if not digits.isdigit():
        return None
    division = int(digits)
    return next((letter for start, letter in reversed(_SECTION_STARTS) if division >= start), None)


def industry_component(industry: str | None, policy: AssessmentPolicy) -> Component:
    section = nace_section(industry) or ""
    if section not in policy.industry_add:
        return Component("industry", 0.0, {"industry": industry}, "industry not known: no adjustment",
                         "行业未知：不调整")
    return Component("industry", policy.industry_add[section], {"industry": industry, "nace_section": section},
                     f"NACE section {section}", f"NACE 门类 {section}")


def combine(*, financial_pd: float | None, statement_period_end: date | None, on: date, behaviour: Behaviour,
            country: str, country_grade: int | None, industry: str | None,
            policy: AssessmentPolicy = DEFAULT_ASSESSMENT_POLICY, insolvency: Insolvency | None = None) -> Combined:
    """The combined 12-month PD and grade (see the module docstring); ``insolvency`` must be dated on or before
    ``on`` (an insolvency dated later is not known yet on that day and is refused)."""
    if insolvency is not None and insolvency.on > on:
        raise ValidationError("insolvency", f"dated {insolvency.on}, after the assessment date {on}")
    if financial_pd is not None and not 0.0 <= financial_pd <= 1.0:
        raise ValidationError("financial_pd", f"expected a probability between 0 and 1; got {financial_pd!r}")
    limited = financial_pd is None
    stale = statement_period_end is not None and is_stale(statement_period_end, on, policy.stale_months)
    components = [behaviour_component(behaviour, policy), country_component(country, country_grade, policy),
                  industry_component(industry, policy)]
    if stale and not limited:
        components.append(Component("stale_statement", policy.stale_add,
                                    {"period_end": statement_period_end.isoformat() if statement_period_end else None},
                                    f"latest statement is older than {policy.stale_months} months",
                                    f"最新财务报表已超过 {policy.stale_months} 个月"))
    base = policy.limited_information_pd if financial_pd is None else financial_pd
    total = sum(c.add for c in components)
    pd = base if total == 0 else min(max(expit(logit(base) + total), PD_FLOOR), PD_CEILING)  # no round-trip drift
    reasons = default_reasons(behaviour, policy, insolvency)
    grade = DEFAULT_GRADE_IN_DEFAULT if reasons else policy.master_scale.grade_for(pd)
    return Combined(financial_pd, 1.0 if reasons else pd, grade, tuple(components), limited, stale,
                    reasons is not None, reasons[0] if reasons else None, reasons[1] if reasons else None)


def country_add(grade: int | None, policy: AssessmentPolicy = DEFAULT_ASSESSMENT_POLICY) -> float:
    return policy.unrated_country_add if grade is None else policy.country_add[grade]


def with_country_grade(pd: float, old_grade: int | None, new_grade: int | None,
                       policy: AssessmentPolicy = DEFAULT_ASSESSMENT_POLICY) -> tuple[float, int]:
    """The combined PD and grade had the country been graded ``new_grade`` instead of ``old_grade`` (a stress
    test: only the country component moves). A buyer in default stays in default."""
    if pd >= 1.0:
        return 1.0, DEFAULT_GRADE_IN_DEFAULT
    shift = country_add(new_grade, policy) - country_add(old_grade, policy)
    stressed = min(max(expit(logit(pd) + shift), PD_FLOOR), PD_CEILING)
    return stressed, policy.master_scale.grade_for(stressed)
