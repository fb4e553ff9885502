"""Why a grade changed: compare the drivers of two assessments and name the ones that moved.

"grade 4 → 6: equity ratio fell from 0.35 to 0.12, days beyond terms rose from 5 to 28". A driver counts when it
moved by at least its materiality; at most :data:`MAX_SHOWN` are named, the largest moves (relative to their
materiality) first.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["DRIVERS", "Driver", "explain_change"]

MAX_SHOWN = 4


@dataclass(frozen=True, slots=True)
class Driver:
    key: str
    en: str
    zh: str
    materiality: float
    kind: str  # ratio | pct | days | grade


DRIVERS: tuple[Driver, ...] = (
    Driver("equity_ratio", "equity ratio", "权益比率", 0.05, "ratio"),
    Driver("current_ratio", "working capital ratio", "营运资金比率", 0.1, "ratio"),
    Driver("debt_to_equity", "debt to equity", "负债权益比", 0.25, "ratio"),
    Driver("roa", "return on assets", "资产回报率", 0.02, "pct"),
    Driver("net_margin", "net margin", "净利润率", 0.02, "pct"),
    Driver("interest_coverage", "interest coverage", "利息保障倍数", 0.5, "ratio"),
    Driver("revenue_growth", "revenue growth", "收入增长率", 0.1, "pct"),
    Driver("dbt_days", "days beyond terms", "逾期天数", 5.0, "days"),
    Driver("dispute_share", "disputed share of open amount", "争议金额占比", 0.05, "pct"),
    Driver("country_grade", "country grade", "国家风险等级", 1.0, "grade"),
    Driver("financial_pd", "financial PD", "财务违约概率", 0.005, "pct"),
)


def _shown(value: float, kind: str) -> str:
    if kind == "pct":
        return f"{value:.1%}"
    if kind in ("days", "grade"):
        return f"{value:.0f}"
    return f"{value:.2f}"


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        return None
    return float(value)


def _sentences(driver: Driver, before: float, after: float) -> tuple[str, str]:
    up = after > before
    old, new = _shown(before, driver.kind), _shown(after, driver.kind)
    return (f"{driver.en} {'rose' if up else 'fell'} from {old} to {new}",
            f"{driver.zh}从 {old} {'升至' if up else '降至'} {new}")


def explain_change(before: Mapping[str, object], after: Mapping[str, object], *, grade_before: int,
                   grade_after: int, notes: tuple[tuple[str, str], ...] = ()) -> tuple[str, str]:
    """One English and one Chinese sentence: the grade move and the drivers behind it.

    ``before`` and ``after`` map driver keys (:data:`DRIVERS`) to numbers (missing or None = unknown);
    ``notes`` are extra (en, zh) facts, e.g. "a new statement for 2025-12-31".
    """
    moves: list[tuple[float, tuple[str, str]]] = []
    for driver in DRIVERS:
        old, new = _number(before.get(driver.key)), _number(after.get(driver.key))
        if old is None or new is None or abs(new - old) < driver.materiality:
            continue
        moves.append((abs(new - old) / driver.materiality, _sentences(driver, old, new)))
    moves.sort(key=lambda move: -move[0])
    facts = [*notes, *(sentences for _, sentences in moves[:MAX_SHOWN])]
    head_en = f"grade {grade_before} → {grade_after}" if grade_before != grade_after else f"grade {grade_after} kept"
    head_zh = f"等级 {grade_before} → {grade_after}" if grade_before != grade_after else f"等级保持 {grade_after}"
    if not facts:
        return f"{head_en}: no driver moved materially", f"{head_zh}：各项指标无实质变化"
    return f"{head_en}: {', '.join(en for en, _ in facts)}", f"{head_zh}：{'，'.join(zh for _, zh in facts)}"
