"""Country risk: the effective grade of a country (imported rating, else the shipped WGI grade), profiles,
settings a credit manager keeps, and the downgrade stress test.

:func:`country_grade` is the one function assessment, limits and insurance call, so a country change flows
everywhere from one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

import polars as pl

from tradecredit.domain.assessment import DEFAULT_ASSESSMENT_POLICY, AssessmentPolicy, with_country_grade
from tradecredit.domain.country import (
    CountryGrade,
    PaymentTerms,
    TermsPolicy,
    downgrade,
)
from tradecredit.domain.errors import StaleVersion, ValidationError
from tradecredit.domain.identifiers import check_country
from tradecredit.domain.money import round_money
from tradecredit.engine import country as engine
from tradecredit.services.reports import ExposureLine, exposure_by_country, exposure_report, snapshot
from tradecredit.store.tables import CountryRatingRecord, CountrySettingsRecord
from tradecredit.store.uow import SqlUnitOfWork


class Changes:
    """Counts country changes (settings saved, ratings imported) in this process, so per-process caches of
    country terms (:mod:`services.country_terms`) drop what they hold the moment a change commits here."""

    def __init__(self) -> None:
        self.value = 0

    def bump(self) -> None:
        self.value += 1


CHANGES = Changes()

SETTINGS_FIELDS = ("transfer_restrictions", "payment_delay_days", "legal_notes", "max_credit_period_days",
                   "required_terms", "insured")


@lru_cache(maxsize=1)
def shipped_grades() -> pl.DataFrame:
    """The WGI-derived grades shipped with TradeCredit (read once per process)."""
    return engine.load_shipped_grades()


@lru_cache(maxsize=1)
def _shipped_by_country() -> dict[str, list[CountryGrade]]:
    table: dict[str, list[CountryGrade]] = {}
    for row in shipped_grades().iter_rows(named=True):
        table.setdefault(row["country"], []).append(
            CountryGrade(source=engine.SHIPPED_SOURCE, **{name: row[name] for name in engine.GRADES_SCHEMA}))
    return table


def shipped_grade(country: str, on: date) -> CountryGrade | None:
    """The shipped grade for the latest data year up to ``on``'s year that has a grade."""
    graded = [g for g in _shipped_by_country().get(country, []) if g.grade is not None and g.year <= on.year]
    return graded[-1] if graded else None


@dataclass(frozen=True)
class EffectiveGrade:
    """A country's grade on a date and where it comes from (an imported rating wins from its date on)."""

    country: str
    on: date
    grade: int | None
    source: str
    since: date | None
    scale: str | None = None
    label: str | None = None
    sub_scores: CountryGrade | None = None

    @property
    def imported(self) -> bool:
        return self.scale is not None

    @property
    def short_source(self) -> str:
        """``oecd 3 · source`` for an imported rating, ``WGI 2019`` for a shipped grade."""
        if self.imported:
            return f"{self.scale} {self.label} · {self.source}"
        return f"WGI {self.sub_scores.year}" if self.sub_scores else self.source


def _effective(country: str, on: date, rating: CountryRatingRecord | None) -> EffectiveGrade:
    shipped = shipped_grade(country, on)
    if rating is not None:
        return EffectiveGrade(country, on, rating.grade, rating.source, rating.as_of, rating.scale, rating.label,
                              shipped)
    if shipped is not None:
        return EffectiveGrade(country, on, shipped.grade, f"{shipped.source}, data year {shipped.year}",
                              date(shipped.year, 12, 31), sub_scores=shipped)
    return EffectiveGrade(country, on, None, "no rating", None)


def country_grade(uow: SqlUnitOfWork, *, country: str, on: date) -> EffectiveGrade:
    """The country's effective grade on ``on`` (internal scale 0 best … 7 worst)."""
    with uow:
        return country_grade_in(uow, country=country, on=on)


def country_grade_in(uow: SqlUnitOfWork, *, country: str, on: date) -> EffectiveGrade:
    """:func:`country_grade` inside a unit of work the caller has open."""
    code = check_country(country)
    return _effective(code, on, uow.country_ratings.latest(code, on))


def settings_in(uow: SqlUnitOfWork, country: str) -> CountrySettings:
    """A country's settings (defaults when none were saved), inside an open unit of work."""
    return _settings(country, uow.country_settings.find(country))


def all_grades(uow: SqlUnitOfWork, *, on: date) -> dict[str, EffectiveGrade]:
    """Every country's effective grade on ``on``: shipped grades with imported ratings laid over them."""
    with uow:
        return read_all_grades(uow, on=on)


def read_all_grades(uow: SqlUnitOfWork, *, on: date) -> dict[str, EffectiveGrade]:
    """:func:`all_grades` inside a unit of work the caller has open."""
    imported = uow.country_ratings.latest_all(on)
    codes = set(_shipped_by_country()) | set(imported)
    return {code: _effective(code, on, imported.get(code)) for code in sorted(codes)}


def read_all_settings(uow: SqlUnitOfWork) -> dict[str, CountrySettings]:
    """Every country's settings that a credit manager has saved (the others have none), in an open unit of work."""
    return {code: _settings(code, record) for code, record in uow.country_settings.all().items()}


@dataclass(frozen=True)
class CountrySettings:
    country: str
    transfer_restrictions: str | None = None
    payment_delay_days: int | None = None
    legal_notes: str | None = None
    max_credit_period_days: int | None = None
    required_terms: PaymentTerms | None = None
    insured: bool | None = None
    version: int = 0
    updated_by: str | None = None
    updated_at: datetime | None = None


def _settings(code: str, record: CountrySettingsRecord | None) -> CountrySettings:
    if record is None:
        return CountrySettings(code)
    return CountrySettings(code, record.transfer_restrictions, record.payment_delay_days, record.legal_notes,
                           record.max_credit_period_days,
                           PaymentTerms(record.required_terms) if record.required_terms else None, record.insured,
                           record.version, record.updated_by, record.updated_at)


def allowed_terms(grade: EffectiveGrade, settings: CountrySettings, policy: TermsPolicy) -> PaymentTerms | None:
    """The least secure terms allowed: the policy for the grade, or the country's stricter setting."""
    by_grade = policy.terms_for(grade.grade) if grade.grade is not None else None
    chosen = [t for t in (by_grade, settings.required_terms) if t is not None]
    order = list(PaymentTerms)
    return max(chosen, key=order.index) if chosen else None


@dataclass(frozen=True)
class CountryLine:
    country: str
    name: str
    grade: int | None
    source: str
    terms: PaymentTerms | None
    buyers: int
    exposure: Decimal
    overdue: Decimal


@dataclass(frozen=True)
class HistoryPoint:
    on: date
    grade: int | None
    source: str
    label: str | None = None


@dataclass(frozen=True)
class CountryProfile:
    line: CountryLine
    grade: EffectiveGrade
    settings: CountrySettings
    history: list[HistoryPoint]
    buyers: list[ExposureLine] = field(default_factory=list)


def country_name(code: str) -> str:
    import pycountry

    found = pycountry.countries.get(alpha_2=code)
    return str(getattr(found, "common_name", None) or found.name) if found else code


def list_countries(uow: SqlUnitOfWork, *, on: date, base_currency: str, policy: TermsPolicy,
                   sort: str = "grade", with_exposure_only: bool = False) -> list[CountryLine]:
    """Every graded country with our exposure there; sorted by grade, exposure or country."""
    if sort.removeprefix("-") not in {"grade", "exposure", "country"}:
        raise ValidationError("sort", f"{sort!r} is not sortable; expected grade, exposure or country ('-' to "
                                      "reverse)")
    grades = all_grades(uow, on=on)
    with uow:
        settings = {code: _settings(code, record) for code, record in uow.country_settings.all().items()}
    exposure = {row.country: (row.buyers, row.open, row.overdue)
                for row in exposure_by_country(snapshot(uow, as_of=on, base_currency=base_currency))}
    lines = []
    for code, grade in grades.items():
        buyers, total, late = exposure.get(code, (0, Decimal(0), Decimal(0)))
        if with_exposure_only and not buyers:
            continue
        terms = allowed_terms(grade, settings.get(code) or CountrySettings(code), policy)
        lines.append(CountryLine(code, country_name(code), grade.grade, grade.short_source, terms, buyers, total,
                                 late))
    return _sorted(lines, sort)


def _sorted(lines: list[CountryLine], sort: str) -> list[CountryLine]:
    key = sort.removeprefix("-")
    keys: dict[str, Any] = {"grade": lambda c: (c.grade if c.grade is not None else 99, c.country),
                            "exposure": lambda c: (-c.exposure, c.country), "country": lambda c: c.country}
    return sorted(lines, key=keys[key], reverse=sort.startswith("-"))


def country_profile(uow: SqlUnitOfWork, *, country: str, on: date, base_currency: str,
                    policy: TermsPolicy) -> CountryProfile:
    code = check_country(country)
    grade = country_grade(uow, country=code, on=on)
    with uow:
        settings = _settings(code, uow.country_settings.find(code))
        imported = [HistoryPoint(r.as_of, r.grade, r.source, f"{r.scale} {r.label}")
                    for r in uow.country_ratings.history(code)]
    report = exposure_report(snapshot(uow, as_of=on, base_currency=base_currency))
    buyers = [line for line in report.lines if line.country == code]
    terms = allowed_terms(grade, settings, policy)
    line = CountryLine(code, country_name(code), grade.grade, grade.short_source, terms, len(buyers),
                       sum((b.open for b in buyers), Decimal(0)), sum((b.overdue for b in buyers), Decimal(0)))
    shipped = _shipped_by_country().get(code, [])
    history = [HistoryPoint(date(g.year, 12, 31), g.grade, f"WGI {g.year}") for g in shipped]
    history += imported
    return CountryProfile(line, grade, settings, sorted(history, key=lambda h: h.on), buyers)


def update_settings(uow: SqlUnitOfWork, *, country: str, changes: dict[str, Any], version: int,
                    actor: str) -> CountrySettings:
    """Change a country's settings when ``version`` is current (0 for a country never edited)."""
    code = check_country(country)
    values = _checked_settings(changes)
    with uow:
        record = uow.country_settings.find(code)
        current = record.version if record else 0
        if version != current:
            raise StaleVersion("country settings", code, version, current)
        before = {name: getattr(record, name) for name in SETTINGS_FIELDS} if record else {}
        now = uow.clock.now()
        if record is None:
            record = uow.country_settings.add(country=code, version=1, updated_by=actor[:100], updated_at=now,
                                              **dict.fromkeys(SETTINGS_FIELDS), )
            for name, value in values.items():
                setattr(record, name, value)
        else:
            for name, value in values.items():
                setattr(record, name, value)
            record.version += 1
            record.updated_by, record.updated_at = actor[:100], now
        after = {name: getattr(record, name) for name in SETTINGS_FIELDS}
        uow.audit.record(at=now, actor=actor, action="update", entity="country_settings", key=code,
                         before={k: v for k, v in before.items() if after.get(k) != v} or None,
                         after={k: v for k, v in after.items() if before.get(k) != v})
        uow.commit()
        CHANGES.bump()
        return _settings(code, record)


def _checked_settings(changes: dict[str, Any]) -> dict[str, Any]:
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValidationError(sorted(unknown)[0], f"is not a country setting; expected {', '.join(SETTINGS_FIELDS)}")
    values = dict(changes)
    for name in ("payment_delay_days", "max_credit_period_days"):
        if values.get(name) is not None and not 0 <= int(values[name]) <= 720:
            raise ValidationError(name, f"expected 0 to 720 days; got {values[name]}")
    if values.get("required_terms"):
        try:
            values["required_terms"] = PaymentTerms(values["required_terms"]).value
        except ValueError:
            raise ValidationError("required_terms", f"{values['required_terms']!r} is not one of "
                                  f"{', '.join(t.value for t in PaymentTerms)}") from None
    for name in ("transfer_restrictions", "legal_notes"):
        if isinstance(values.get(name), str):
            values[name] = values[name].strip() or None
    return values


@dataclass(frozen=True)
class StressedBuyer:
    ref: str
    name: str
    open: Decimal
    overdue: Decimal
    terms_before: PaymentTerms | None
    terms_after: PaymentTerms | None
    grade_before: int | None = None  # the buyer's grade (latest assessment) and under the stressed country grade
    grade_after: int | None = None
    pd_before: float | None = None
    pd_after: float | None = None
    expected_loss_before: Decimal | None = None  # PD × open × LGD
    expected_loss_after: Decimal | None = None


@dataclass(frozen=True)
class StressResult:
    country: str
    steps: int
    grade_before: int | None
    grade_after: int | None
    terms_before: PaymentTerms | None
    terms_after: PaymentTerms | None
    exposure: Decimal
    overdue: Decimal
    buyers: list[StressedBuyer]
    expected_loss_before: Decimal = Decimal(0)  # over the assessed buyers
    expected_loss_after: Decimal = Decimal(0)
    not_assessed: int = 0

    @property
    def terms_change(self) -> bool:
        return self.terms_before != self.terms_after


def stress_test(uow: SqlUnitOfWork, *, country: str, steps: int, on: date, base_currency: str,
                policy: TermsPolicy, assessment_policy: AssessmentPolicy = DEFAULT_ASSESSMENT_POLICY,
                lgd: float = 0.6) -> StressResult:
    """Downgrade a country by ``steps``: the exposure affected, the buyers whose allowed terms change, and each
    assessed buyer's grade and expected loss (PD × open × LGD) before and after (only the country component of
    the latest assessment moves; see :func:`tradecredit.domain.assessment.with_country_grade`)."""
    if not -7 <= steps <= 7:
        raise ValidationError("steps", f"expected -7 to 7 grade steps; got {steps}")
    profile = country_profile(uow, country=country, on=on, base_currency=base_currency, policy=policy)
    before = profile.grade
    after_grade = downgrade(before.grade, steps) if before.grade is not None else None
    after = EffectiveGrade(before.country, on, after_grade, f"stress test: {steps:+d} steps", on)
    terms_before = allowed_terms(before, profile.settings, policy)
    terms_after = allowed_terms(after, profile.settings, policy)
    with uow:
        latest = uow.assessments.latest_by_refs([b.ref for b in profile.buyers])
    buyers = [_stressed(b, latest.get(b.ref), terms_before, terms_after, after_grade, base_currency,
                        assessment_policy, lgd) for b in profile.buyers]
    assessed = [b for b in buyers if b.expected_loss_before is not None]
    return StressResult(profile.line.country, steps, before.grade, after_grade, terms_before, terms_after,
                        profile.line.exposure, profile.line.overdue, buyers,
                        sum((b.expected_loss_before or Decimal(0) for b in assessed), Decimal(0)),
                        sum((b.expected_loss_after or Decimal(0) for b in assessed), Decimal(0)),
                        len(buyers) - len(assessed))


def _stressed(buyer: ExposureLine, latest: tuple[float, int, int | None] | None, terms_before: PaymentTerms | None,
              terms_after: PaymentTerms | None, after_grade: int | None, base: str, policy: AssessmentPolicy,
              lgd: float) -> StressedBuyer:
    if latest is None:
        return StressedBuyer(buyer.ref, buyer.name, buyer.open, buyer.overdue, terms_before, terms_after)
    pd, grade, assessed_country_grade = latest
    pd_after, grade_after = with_country_grade(pd, assessed_country_grade, after_grade, policy)
    loss = Decimal(str(lgd))
    return StressedBuyer(buyer.ref, buyer.name, buyer.open, buyer.overdue, terms_before, terms_after, grade,
                         grade_after, pd, pd_after, round_money(buyer.open * Decimal(str(pd)) * loss, base),
                         round_money(buyer.open * Decimal(str(pd_after)) * loss, base))
