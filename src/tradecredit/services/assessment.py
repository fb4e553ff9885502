"""Buyer assessment use cases: assess one buyer or the whole portfolio, read the latest assessment and the history,
and the portfolio's exposure by grade.

An assessment reads the ledger, statements, country grades and the previous assessment in one transaction, and
appends one row per buyer (never updating an older one) with an audit event for the run. The computation is in
:mod:`tradecredit.services.assessment_compute`; the rules in :mod:`tradecredit.domain.assessment` and
:mod:`tradecredit.domain.limit_advice`; ``docs/assessment.md`` explains both.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import polars as pl

from tradecredit.config import Settings
from tradecredit.domain.assessment import AssessmentPolicy
from tradecredit.domain.country import TermsPolicy
from tradecredit.domain.errors import NotFound, ValidationError
from tradecredit.domain.fx import FxTable
from tradecredit.domain.grades import describe_grade
from tradecredit.domain.limit_advice import LimitPolicy
from tradecredit.domain.promises import DEFAULT_PROMISE_POLICY, PromisePolicy
from tradecredit.engine.scoring import load_shipped_model
from tradecredit.services.assessment_compute import SHOWN_RATIOS, Inputs, Outcome, assess_many, statements_frame
from tradecredit.services.country import read_all_grades, read_all_settings
from tradecredit.services.limits import ProposalPolicy, Recommendation, propose_limits
from tradecredit.services.paging import check_page
from tradecredit.services.promises import broken_promises
from tradecredit.services.reports import check_as_of, read_snapshot, snapshot
from tradecredit.store import queries
from tradecredit.store.tables import AssessmentRecord
from tradecredit.store.uow import SqlUnitOfWork

Progress = Callable[[int, int], None]
MAX_TRIGGER = 200


@dataclass(frozen=True)
class AssessmentConfig:
    base_currency: str
    policy: AssessmentPolicy
    limit_policy: LimitPolicy
    terms_policy: TermsPolicy
    proposals: ProposalPolicy = field(default_factory=ProposalPolicy)
    promises: PromisePolicy = DEFAULT_PROMISE_POLICY

    @classmethod
    def from_settings(cls, settings: Settings) -> AssessmentConfig:
        return cls(settings.base_currency, settings.assessment_policy(), settings.limit_policy(),
                   settings.terms_policy(), ProposalPolicy(settings.limit_proposal_share, settings.auto_decide_below),
                   settings.promise_policy())


@dataclass(frozen=True)
class AssessmentView:
    id: int
    ref: str
    name: str
    country: str
    as_of: date
    assessed_at: datetime
    actor: str
    trigger: str
    model_version: str
    financial_pd: float | None
    pd: float
    grade: int
    grade_label_en: str
    grade_label_zh: str
    score: int
    band: str
    dra: int
    limited_information: bool
    stale_statement: bool
    in_default: bool
    default_reason: str | None
    flags: list[str]
    recommended_limit: Decimal
    currency: str
    terms: str
    terms_days: int
    inputs: dict[str, Any]
    outputs: dict[str, Any]

    @property
    def change_en(self) -> str | None:
        value = self.outputs.get("change_en")
        return str(value) if value else None

    @property
    def change_zh(self) -> str | None:
        value = self.outputs.get("change_zh")
        return str(value) if value else None


@dataclass(frozen=True)
class RunResult:
    as_of: date
    assessed: int
    by_grade: dict[int, int]
    limited_information: int
    stale: int
    in_default: int
    seconds: float


@dataclass(frozen=True)
class HistoryPage:
    items: list[AssessmentView]
    total: int
    page: int
    size: int


@dataclass(frozen=True)
class GradeLine:
    grade: int
    label_en: str
    label_zh: str
    buyers: int
    exposure: Decimal
    share: float
    expected_loss: Decimal


def view_of(record: AssessmentRecord, ref: str, name: str, country: str) -> AssessmentView:
    outputs = dict(record.outputs)
    return AssessmentView(
        record.id, ref, name, country, record.as_of, record.assessed_at, record.actor, record.trigger,
        record.model_version, record.financial_pd, record.pd, record.grade, describe_grade(record.grade, "en"),
        describe_grade(record.grade, "zh"), record.score, str(outputs.get("band", "")), int(outputs.get("dra", 0)),
        record.limited_information, record.stale_statement, bool(outputs.get("in_default")),
        outputs.get("default_reason"), list(outputs.get("flags", [])), record.recommended_limit, record.currency,
        record.terms, record.terms_days, dict(record.inputs), outputs)


def _check_trigger(trigger: str) -> str:
    text = trigger.strip()
    if not text or len(text) > MAX_TRIGGER:
        raise ValidationError("reason", f"expected a reason of 1–{MAX_TRIGGER} characters; got {len(text)}")
    return text


def _read_inputs(uow: SqlUnitOfWork, *, buyers: list[queries.BuyerRow], as_of: date,
                 config: AssessmentConfig, scope: str) -> Inputs:
    """Read what the assessment needs: only these buyers' ledger for one buyer, the whole ledger otherwise."""
    ids = [b.id for b in buyers] if scope == "buyer" else None
    previous = uow.assessments.latest_drivers(ids)
    return Inputs(
        as_of=as_of, base_currency=config.base_currency, buyers=buyers,
        snapshot=read_snapshot(uow, as_of=as_of, base_currency=config.base_currency, buyer_ids=ids),
        statements=queries.statement_columns(uow.session, period_end_on_or_before=as_of, buyer_ids=ids),
        fx=FxTable(config.base_currency, uow.fx.latest(as_of)), grades=read_all_grades(uow, on=as_of),
        country_settings=read_all_settings(uow), previous=previous, model=load_shipped_model(),
        policy=config.policy, limit_policy=config.limit_policy, terms_policy=config.terms_policy,
        insolvencies=uow.buyer_events.insolvencies(ids, on=as_of),
        broken_promises=broken_promises(uow, as_of=as_of, policy=config.promises, buyer_ids=ids))


def _record(outcome: Outcome, *, as_of: date, at: datetime, actor: str, trigger: str, model_version: str,
            currency: str) -> dict[str, Any]:
    combined = outcome.combined
    return {"buyer_id": outcome.buyer_id, "as_of": as_of, "assessed_at": at, "actor": actor, "trigger": trigger,
            "model_version": model_version, "statement_id": outcome.statement_id,
            "statement_period_end": outcome.statement_period_end, "drivers": outcome.inputs["drivers"],
            "financial_pd": combined.financial_pd, "pd": combined.pd, "grade": combined.grade,
            "score": outcome.score, "limited_information": combined.limited_information,
            "stale_statement": combined.stale_statement, "recommended_limit": outcome.limit.amount,
            "currency": currency, "terms": outcome.terms.kind.value, "terms_days": outcome.terms.days,
            "inputs": outcome.inputs, "outputs": outcome.outputs}


def _run(uow: SqlUnitOfWork, *, buyers: list[queries.BuyerRow], as_of: date, actor: str, trigger: str,
         config: AssessmentConfig, scope: str, progress: Progress | None) -> list[Outcome]:
    """Assess and store inside the caller's open unit of work; commits. ``scope``: buyer, all or unassessed."""
    inputs = _read_inputs(uow, buyers=buyers, as_of=as_of, config=config, scope=scope)
    outcomes = assess_many(inputs, progress)
    now = uow.clock.now()
    version = inputs.model.info.version
    uow.assessments.add_many([_record(o, as_of=as_of, at=now, actor=actor, trigger=trigger, model_version=version,
                                      currency=config.base_currency) for o in outcomes])
    refs = {b.id: b.ref for b in buyers}
    proposed, approved = propose_limits(
        uow, [Recommendation(o.buyer_id, refs[o.buyer_id], o.combined.grade, o.limit.amount) for o in outcomes],
        day=as_of, base_currency=config.base_currency, actor=f"{actor} (assessment)", policy=config.proposals)
    grades = Counter(o.combined.grade for o in outcomes)
    key = ", ".join(b.ref for b in buyers) if scope == "buyer" else f"{scope} buyers"
    uow.audit.record(at=now, actor=actor, action="assess", entity="assessment", key=key[:200],
                     after={"as_of": as_of.isoformat(), "buyers": len(outcomes), "trigger": trigger,
                            "model_version": version, "by_grade": {str(g): n for g, n in sorted(grades.items())},
                            "limit_proposals": proposed, "limits_approved_automatically": approved})
    uow.commit()
    return outcomes


def assess_buyer(uow: SqlUnitOfWork, *, ref: str, actor: str, config: AssessmentConfig, as_of: date | None = None,
                 trigger: str = "manual") -> AssessmentView:
    """Assess one buyer now (or as of a past date) and return the stored assessment."""
    reason = _check_trigger(trigger)
    with uow:
        day = check_as_of(as_of or uow.clock.today())
        record = uow.buyers.get(ref)
        _run(uow, buyers=queries.buyers(uow.session, [record.id]), as_of=day, actor=actor, trigger=reason,
             config=config, scope="buyer", progress=None)
    return latest_assessment(uow, ref=ref)


def assess_all(uow: SqlUnitOfWork, *, actor: str, config: AssessmentConfig, as_of: date | None = None,
               trigger: str = "portfolio run", progress: Progress | None = None,
               unassessed_only: bool = False) -> RunResult:
    """Assess every buyer (or only those never assessed) in one transaction (a failure stores nothing)."""
    reason = _check_trigger(trigger)
    started = time.perf_counter()
    with uow:
        day = check_as_of(as_of or uow.clock.today())
        buyers = queries.buyers(uow.session)
        if unassessed_only:
            assessed = uow.assessments.assessed_ids()
            buyers = [b for b in buyers if b.id not in assessed]
        scope = "unassessed" if unassessed_only else "all"
        outcomes = _run(uow, buyers=buyers, as_of=day, actor=actor, trigger=reason, config=config, scope=scope,
                        progress=progress) if buyers else []
    combined = [o.combined for o in outcomes]
    return RunResult(day, len(outcomes), dict(sorted(Counter(c.grade for c in combined).items())),
                     sum(c.limited_information for c in combined), sum(c.stale_statement for c in combined),
                     sum(c.in_default for c in combined), time.perf_counter() - started)


def latest_assessment(uow: SqlUnitOfWork, *, ref: str) -> AssessmentView:
    with uow:
        buyer = uow.buyers.get(ref)
        record = uow.assessments.latest(buyer.id)
        if record is None:
            raise NotFound("assessment of buyer", ref)
        return view_of(record, buyer.ref, buyer.name, buyer.country)


def assessment_history(uow: SqlUnitOfWork, *, ref: str, page: int = 1, size: int = 50) -> HistoryPage:
    offset = check_page(page, size)
    with uow:
        buyer = uow.buyers.get(ref)
        records, total = uow.assessments.history(buyer.id, offset=offset, limit=size)
        return HistoryPage([view_of(r, buyer.ref, buyer.name, buyer.country) for r in records], total, page, size)


@dataclass(frozen=True)
class GradeReport:
    as_of: date
    base_currency: str
    lgd: float
    total: Decimal
    expected_loss: Decimal
    lines: list[GradeLine]
    not_assessed_buyers: int
    not_assessed_exposure: Decimal


def exposure_by_grade(uow: SqlUnitOfWork, *, as_of: date, base_currency: str, lgd: float) -> GradeReport:
    """Open exposure per grade of each buyer's latest assessment, with expected loss = PD × exposure × LGD (the
    insured share is not deducted until the insurance module lands)."""
    if not 0.0 <= lgd <= 1.0:
        raise ValidationError("lgd", f"expected a loss given default between 0 and 1; got {lgd!r}")
    snap = snapshot(uow, as_of=check_as_of(as_of), base_currency=base_currency)
    with uow:
        grades = {buyer_id: (grade, pd) for buyer_id, grade, pd in uow.assessments.grades()}
    exposure = snap.open_items().group_by("buyer_id").agg(pl.col("open_minor").sum())
    sums: dict[int, list[Any]] = {}
    missing_buyers, missing_minor = 0, 0
    for buyer_id, open_minor in exposure.iter_rows():
        if buyer_id not in grades:
            missing_buyers, missing_minor = missing_buyers + 1, missing_minor + open_minor
            continue
        grade, pd = grades[buyer_id]
        line = sums.setdefault(grade, [0, 0, 0.0])
        line[0], line[1], line[2] = line[0] + 1, line[1] + open_minor, line[2] + pd * open_minor * lgd
    total_minor = int(exposure["open_minor"].sum()) if exposure.height else 0
    lines = [GradeLine(grade, describe_grade(grade, "en"), describe_grade(grade, "zh"), count, snap.money(minor),
                       minor / total_minor if total_minor else 0.0, snap.money(round(loss)))
             for grade, (count, minor, loss) in sorted(sums.items())]
    return GradeReport(snap.as_of, base_currency, lgd, snap.money(total_minor),
                       sum((line.expected_loss for line in lines), Decimal(0)), lines, missing_buyers,
                       snap.money(missing_minor))


@dataclass(frozen=True)
class RatioPeriod:
    period_end: date
    currency: str
    ratios: dict[str, float | None]  # RATIOS names; None where undefined (NaN in the engine)
    altman_zone: str | None
    flags: list[str]


def statement_ratios(uow: SqlUnitOfWork, *, ref: str) -> list[RatioPeriod]:
    """Every statement of the buyer with its ratios (growth against the year before), newest first."""
    with uow:
        buyer = uow.buyers.get(ref)
        columns = queries.statement_columns(uow.session, period_end_on_or_before=date.max, buyer_ids=[buyer.id])
    if not columns["id"]:
        return []
    frame = statements_frame(columns)
    return [RatioPeriod(row["period_end"], row["currency"],
                        {name: (None if row[name] is None or row[name] != row[name] else float(row[name]))
                         for name in SHOWN_RATIOS}, row["altman_zone"], list(row["flags"]))
            for row in reversed(frame.to_dicts())]
