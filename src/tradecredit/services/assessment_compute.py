"""The assessment of many buyers at once, from data already read: ratios and PDs vectorised, then one small
combination per buyer. No database access here; :mod:`tradecredit.services.assessment` reads and writes.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import polars as pl

from tradecredit.domain.assessment import AssessmentPolicy, Behaviour, Combined, combine
from tradecredit.domain.assessment_change import explain_change
from tradecredit.domain.errors import FxRateMissing
from tradecredit.domain.events import Insolvency
from tradecredit.domain.fx import FxTable
from tradecredit.domain.grades import score_band, to_dra, to_score
from tradecredit.domain.limit_advice import (
    LimitAdvice,
    LimitPolicy,
    TermsAdvice,
    advise_terms,
    credit_class,
    recommend_limit,
)
from tradecredit.domain.money import round_money
from tradecredit.domain.statements import LINE_ITEMS
from tradecredit.engine.behaviour import behaviour
from tradecredit.engine.features import BLOCKING_FLAGS, RATIOS, compute_features, feature_matrix
from tradecredit.engine.pd_model import PdModel
from tradecredit.engine.reasons import reason_text, top_reasons
from tradecredit.services.country import CountrySettings, EffectiveGrade, allowed_terms
from tradecredit.services.reports import Snapshot
from tradecredit.store.queries import BuyerRow

SHOWN_RATIOS = tuple(name for name in RATIOS if name != "altman_zone")
REASONS_SHOWN = 3


@dataclass(frozen=True)
class Inputs:
    """Everything the assessment of a set of buyers reads, loaded by the caller."""

    as_of: date
    base_currency: str
    buyers: list[BuyerRow]
    snapshot: Snapshot
    statements: dict[str, list[Any]]
    fx: FxTable
    grades: Mapping[str, EffectiveGrade]
    country_settings: Mapping[str, CountrySettings]
    previous: Mapping[int, tuple[int, Mapping[str, Any], date | None]]  # buyer_id → (grade, drivers, period_end)
    model: PdModel
    policy: AssessmentPolicy
    limit_policy: LimitPolicy
    terms_policy: Any
    insolvencies: Mapping[int, Insolvency] = field(default_factory=dict)  # buyer_id → earliest on or before as_of
    broken_promises: Mapping[int, int] = field(default_factory=dict)  # buyer_id → broken in the 365 days to as_of


@dataclass
class Outcome:
    """One buyer's assessment, ready to store."""

    buyer_id: int
    statement_id: int | None
    statement_period_end: date | None
    combined: Combined
    score: int
    limit: LimitAdvice
    terms: TermsAdvice
    inputs: dict[str, Any]
    outputs: dict[str, Any] = field(default_factory=dict)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot store {type(value).__name__} in an assessment document")


def clean(value: Any) -> Any:
    """JSON-safe: NaN/inf → None, Decimal → str, date → ISO (PostgreSQL's JSON refuses NaN). One round trip
    through the C JSON codec, far cheaper than walking the document in Python for every buyer."""
    return json.loads(json.dumps(value, default=_plain), parse_constant=lambda _: None)


def statements_frame(statements: dict[str, list[Any]]) -> pl.DataFrame:
    """Ratios of every statement (oldest first per buyer), with its id, currency and line items (``item_*``)."""
    frame = pl.DataFrame({name: (statements[name] if name in ("id", "buyer_id", "period_end", "currency") else
                                 [None if v is None else float(v) for v in statements[name]])
                          for name in statements},
                         schema_overrides=dict.fromkeys(LINE_ITEMS, pl.Float64))
    features = compute_features(frame.select("buyer_id", "period_end", *LINE_ITEMS))
    keyed = features.with_columns(frame.select("id", "currency", *LINE_ITEMS).rename(
        {name: f"item_{name}" for name in LINE_ITEMS}))
    return keyed.sort("buyer_id", "period_end")


def latest_statements(statements: dict[str, list[Any]]) -> pl.DataFrame:
    """:func:`statements_frame` keeping each buyer's latest period only."""
    if not statements["id"]:
        return pl.DataFrame()
    return statements_frame(statements).group_by("buyer_id", maintain_order=True).last()


def _blocked(flags: list[str]) -> list[str]:
    return sorted(set(flags) & BLOCKING_FLAGS)


def _pd_and_reasons(model: PdModel, usable: pl.DataFrame) -> dict[int, tuple[float, list[dict[str, Any]]]]:
    """Financial PD and top reasons per buyer for the statements that may be scored."""
    if usable.is_empty():
        return {}
    matrix = feature_matrix(usable, model.attrs)
    pds = model.predict_pd(matrix)
    contributions = model.contributions(matrix)
    result: dict[int, tuple[float, list[dict[str, Any]]]] = {}
    for row, buyer_id in enumerate(usable["buyer_id"].to_list()):
        reasons = top_reasons(contributions[row], matrix[row], model.feature_names, n=REASONS_SHOWN)
        result[buyer_id] = (float(pds[row]), [
            {"feature": r.feature, "value": r.value, "contribution": r.contribution, "direction": r.direction,
             "text_en": reason_text(r, "en"), "text_zh": reason_text(r, "zh")} for r in reasons])
    return result


def _behaviour(row: Mapping[str, Any] | None, snap: Snapshot, broken_promises: int) -> Behaviour:
    if row is None:
        zero = Decimal(0).scaleb(-snap.exponent)
        return Behaviour(None, None, zero, zero, zero, zero, zero, broken_promises)
    money = snap.money
    return Behaviour(row["dbt_days"], row["dbt_days_3m_ago"], money(row["open_minor"]), money(row["overdue_minor"]),
                     money(row["disputed_minor"]), money(row["overdue_90_undisputed_minor"]),
                     money(row["write_offs_12m_minor"]), broken_promises)


def _in_base(amount: float | None, currency: str, inputs: Inputs) -> Decimal | None:
    if amount is None or math.isnan(amount):
        return None
    rate = inputs.fx.rate(currency, inputs.as_of)
    return round_money(Decimal(str(amount)) * rate, inputs.base_currency)


def _size_items(statement: Mapping[str, Any] | None, inputs: Inputs,
                flags: list[str]) -> tuple[Decimal | None, Decimal | None]:
    """Equity and revenue of the statement in the base currency (None, None when not usable)."""
    if statement is None:
        return None, None
    try:
        return (_in_base(statement["item_equity"], statement["currency"], inputs),
                _in_base(statement["item_revenue"], statement["currency"], inputs))
    except FxRateMissing:
        flags.append(f"no_fx_rate_{statement['currency']}")
        return None, None


def _growth(row: Mapping[str, Any] | None) -> Decimal | None:
    if row is None or not row["sales_prev_12m_minor"]:
        return None
    return Decimal(row["sales_12m_minor"]) / Decimal(row["sales_prev_12m_minor"]) - 1


def _drivers(statement: Mapping[str, Any] | None, combined: Combined, behaviour_now: Behaviour,
             country_grade: int | None) -> dict[str, Any]:
    drivers: dict[str, Any] = {name: statement[name] for name in SHOWN_RATIOS} if statement else {}
    drivers.update(dbt_days=behaviour_now.dbt_days, dispute_share=behaviour_now.dispute_share,
                   country_grade=country_grade, financial_pd=combined.financial_pd)
    return drivers


def assess_one(buyer: BuyerRow, inputs: Inputs, statement: Mapping[str, Any] | None,
               behaviour_row: Mapping[str, Any] | None,
               scored: tuple[float, list[dict[str, Any]]] | None) -> Outcome:
    flags: list[str] = list(statement["flags"]) if statement else []
    usable = statement if statement is not None and not _blocked(flags) else None
    grade_info = inputs.grades.get(buyer.country)
    country_grade = grade_info.grade if grade_info else None
    settings = inputs.country_settings.get(buyer.country, CountrySettings(buyer.country))
    behaviour_now = _behaviour(behaviour_row, inputs.snapshot, inputs.broken_promises.get(buyer.id, 0))
    financial_pd, reasons = scored if scored and usable is not None else (None, [])
    insolvency = inputs.insolvencies.get(buyer.id)
    combined = combine(financial_pd=financial_pd, statement_period_end=usable["period_end"] if usable else None,
                       on=inputs.as_of, behaviour=behaviour_now, country=buyer.country, country_grade=country_grade,
                       industry=buyer.industry, policy=inputs.policy, insolvency=insolvency)
    equity, revenue = _size_items(usable, inputs, flags)
    peak = inputs.snapshot.money(behaviour_row["peak_minor"]) if behaviour_row else Decimal(0)
    limit = recommend_limit(grade=combined.grade, equity=equity, revenue=revenue, peak_exposure=peak,
                            sales_growth=_growth(behaviour_row), country=buyer.country, country_grade=country_grade,
                            currency=inputs.base_currency, policy=inputs.limit_policy)
    terms = advise_terms(grade=combined.grade, country_max_days=settings.max_credit_period_days,
                         country_terms=allowed_terms(grade_info, settings, inputs.terms_policy) if grade_info else None,
                         policy=inputs.limit_policy)
    drivers = _drivers(usable, combined, behaviour_now, country_grade)
    score = 0 if combined.in_default else to_score(combined.pd)
    inputs_doc = {
        "statement": None if statement is None else {
            "id": statement["id"], "period_end": statement["period_end"], "currency": statement["currency"],
            "items": {name: statement[f"item_{name}"] for name in LINE_ITEMS},
            "ratios": {name: statement[name] for name in SHOWN_RATIOS}, "altman_zone": statement["altman_zone"]},
        "behaviour": {"dbt_days": behaviour_now.dbt_days, "dbt_days_3m_ago": behaviour_now.dbt_days_3m_ago,
                      "open": behaviour_now.open_amount, "overdue": behaviour_now.overdue_amount,
                      "disputed": behaviour_now.disputed_amount,
                      "overdue_90_undisputed": behaviour_now.overdue_90_undisputed,
                      "write_offs_12m": behaviour_now.write_offs_12m, "peak_exposure_12m": peak,
                      "sales_growth": _growth(behaviour_row), "broken_promises_12m": behaviour_now.broken_promises_12m},
        "country": {"code": buyer.country, "grade": country_grade,
                    "source": grade_info.short_source if grade_info else None,
                    "max_credit_period_days": settings.max_credit_period_days,
                    "required_terms": settings.required_terms.value if settings.required_terms else None},
        "industry": buyer.industry,
        "size_in_base": {"equity": equity, "revenue": revenue},
        "drivers": drivers,
    }
    if insolvency is not None:
        inputs_doc["insolvency"] = {"on": insolvency.on, "source": insolvency.source}
    outcome = Outcome(buyer.id, usable["id"] if usable else None, usable["period_end"] if usable else None, combined,
                      score, limit, terms, clean(inputs_doc))
    outcome.outputs = clean(_outputs(outcome, flags, reasons, inputs, buyer))
    return outcome


def _outputs(outcome: Outcome, flags: list[str], reasons: list[dict[str, Any]], inputs: Inputs,
             buyer: BuyerRow) -> dict[str, Any]:
    combined = outcome.combined
    change = None
    previous = inputs.previous.get(buyer.id)
    if previous is not None:
        grade_before, drivers_before, period_before = previous
        period_now = outcome.statement_period_end
        notes = (((f"new statement for {period_now}", f"新财务报表（{period_now}）"),)
                 if period_now and period_now != period_before else ())
        change = explain_change(drivers_before, outcome.inputs["drivers"], grade_before=grade_before,
                                grade_after=combined.grade, notes=notes)
    return {
        "flags": flags, "blocked_by": _blocked(flags), "in_default": combined.in_default,
        "default_reason": combined.default_reason, "default_reason_zh": combined.default_reason_zh,
        "band": score_band(outcome.score), "dra": to_dra(combined.grade),
        "credit_class": _class_document(combined.grade),
        "components": [{"name": c.name, "add": round(c.add, 4), "odds_factor": round(c.odds_factor, 4),
                        "text_en": c.text_en, "text_zh": c.text_zh, "inputs": dict(c.inputs)}
                       for c in combined.components],
        "reasons": reasons,
        "limit": {"amount": outcome.limit.amount, "currency": outcome.limit.currency, "note": outcome.limit.note,
                  "terms": [{"name": t.name, "amount": t.amount, "formula": t.formula, "binding": t.binding}
                            for t in outcome.limit.terms]},
        "terms": {"kind": outcome.terms.kind.value, "days": outcome.terms.days,
                  "security_en": outcome.terms.security_en, "security_zh": outcome.terms.security_zh,
                  "why": outcome.terms.why, "why_zh": outcome.terms.why_zh},
        "change_en": change[0] if change else None, "change_zh": change[1] if change else None,
    }


def _class_document(grade: int) -> dict[str, str]:
    chosen = credit_class(grade)
    return {"name": chosen.name, "terms_en": chosen.terms_en, "terms_zh": chosen.terms_zh}


def assess_many(inputs: Inputs, progress: Any = None) -> list[Outcome]:
    """Assess every buyer of ``inputs.buyers``; ``progress(done, total)`` is called as buyers are done."""
    snap = inputs.snapshot
    ledger = behaviour(snap.invoices, snap.settlements, as_of=inputs.as_of, rates=snap.rates,
                       base_currency=inputs.base_currency, base_minor_unit=snap.exponent,
                       default_dpd=inputs.policy.default_dpd)
    by_buyer = {row["buyer_id"]: row for row in ledger.iter_rows(named=True)}
    latest = latest_statements(inputs.statements)
    statements = {row["buyer_id"]: row for row in latest.iter_rows(named=True)} if latest.height else {}
    usable = latest.filter(~pl.col("flags").list.eval(pl.element().is_in(sorted(BLOCKING_FLAGS))).list.any()) \
        if latest.height else latest
    scored = _pd_and_reasons(inputs.model, usable)
    outcomes = []
    for done, buyer in enumerate(inputs.buyers, start=1):
        outcomes.append(assess_one(buyer, inputs, statements.get(buyer.id), by_buyer.get(buyer.id),
                                   scored.get(buyer.id)))
        if progress is not None and (done % 1000 == 0 or done == len(inputs.buyers)):
            progress(done, len(inputs.buyers))
    return outcomes
