"""The monitoring rules: one function per signal, each reading a :class:`BuyerSnapshot` and a policy.

Each rule is monotone: a snapshot that is healthier in what the rule reads never gets a worse severity, and a
tighter policy never a milder one (``tests/unit/test_signals.py`` checks both with Hypothesis). Every critical
signal carries at least one action.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from datetime import timedelta
from decimal import Decimal

from tradecredit.domain import alert_actions as act
from tradecredit.domain.alert_actions import Action
from tradecredit.domain.money import round_money
from tradecredit.domain.signal_facts import BuyerSnapshot, Severity, Signal, SignalCode, SignalPolicy

Rule = Callable[[BuyerSnapshot, SignalPolicy], Iterable[Signal]]


def money_text(s: BuyerSnapshot, amount: Decimal) -> str:
    return str(round_money(amount, s.currency))


def actions_of(*found: Action | None) -> tuple[Action, ...]:
    return tuple(a for a in found if a is not None)


def cut_limit(s: BuyerSnapshot, p: SignalPolicy, target: Decimal | None, why_en: str, why_zh: str) -> Action | None:
    if s.limit is None or target is None:
        return None
    return act.reduce_limit(limit=s.limit, target=target, step=p.limit_step, currency=s.currency, why_en=why_en,
                            why_zh=why_zh)


def freeze_target(s: BuyerSnapshot) -> Decimal:
    """No new credit: the limit down to what is already out, or to the recommended limit if that is lower."""
    return s.exposure if s.recommended_limit is None else min(s.exposure, s.recommended_limit)


def grade_downgrade(s: BuyerSnapshot, p: SignalPolicy) -> Iterable[Signal]:
    if s.grade is None or s.grade_before is None or s.grade <= s.grade_before:
        return
    notches = s.grade - s.grade_before
    if notches < p.downgrade_notches and not (s.grade >= p.downgrade_into_grade > s.grade_before):
        return
    critical = s.grade >= p.critical_grade
    evidence = {"grade_before": str(s.grade_before), "grade": str(s.grade), "notches": str(notches)}
    if s.grade >= 10:
        actions = actions_of(act.stop_shipments(exposure=s.exposure, currency=s.currency),
                           cut_limit(s, p, Decimal(0), "buyer in default", "买方已违约"),
                           act.notify_insurer(by=s.on, why_en="default", why_zh="违约") if s.insured else None)
    elif critical:
        actions = actions_of(cut_limit(s, p, freeze_target(s), "no new credit", "不再新增赊销"),
                           act.ask_security(amount=s.exposure, currency=s.currency),
                           act.collect_early(amount=s.exposure, currency=s.currency))
    else:
        actions = actions_of(cut_limit(s, p, s.recommended_limit, "the recommended limit", "建议额度"),
                           act.call_buyer(about_en="its recent results and outlook", about_zh="其近期业绩和前景"))
    yield Signal(SignalCode.GRADE_DOWNGRADE, Severity.CRITICAL if critical else Severity.WARNING, evidence,
                 f"Grade down {notches} notch(es), from {s.grade_before} to {s.grade}",
                 f"评级下调 {notches} 级，从 {s.grade_before} 降至 {s.grade}", actions)


def pd_band_up(s: BuyerSnapshot, p: SignalPolicy) -> Iterable[Signal]:
    if s.pd is None or s.pd_before is None:
        return
    edges = s.pd_band_edges
    before, now = bisect.bisect_left(edges, s.pd_before), bisect.bisect_left(edges, s.pd)  # an edge is the lower band
    if now <= before:
        return
    warning = now - before >= 2 or now == len(edges)
    actions = actions_of(cut_limit(s, p, s.recommended_limit, "the recommended limit", "建议额度")) if warning else ()
    yield Signal(SignalCode.PD_BAND_UP, Severity.WARNING if warning else Severity.INFO,
                 {"pd_before": f"{s.pd_before:.4%}", "pd": f"{s.pd:.4%}", "band_before": str(before),
                  "band": str(now)},
                 f"PD up from {s.pd_before:.2%} to {s.pd:.2%}, {now - before} risk band(s) higher",
                 f"违约概率从 {s.pd_before:.2%} 升至 {s.pd:.2%}，风险等级上升 {now - before} 档", actions)


def dbt_rising(s: BuyerSnapshot, p: SignalPolicy) -> Iterable[Signal]:
    if s.dbt_days is None or s.dbt_days_3m_ago is None:
        return
    trend = s.dbt_days - s.dbt_days_3m_ago
    if trend <= p.dbt_trend_days:
        return
    critical = trend > p.dbt_trend_critical_days
    actions = actions_of(act.call_buyer(about_en="its slower payments", about_zh="付款变慢"),
                       act.collect_early(amount=s.exposure, currency=s.currency) if critical else None,
                       act.reassess(why_en="payments slowed sharply", why_zh="付款明显变慢") if critical else None)
    yield Signal(SignalCode.DBT_RISING, Severity.CRITICAL if critical else Severity.WARNING,
                 {"dbt_days": f"{s.dbt_days:.1f}", "dbt_days_3m_ago": f"{s.dbt_days_3m_ago:.1f}",
                  "trend_days": f"{trend:.1f}"},
                 f"Pays {s.dbt_days:.0f} days beyond terms, up {trend:.0f} days in 3 months",
                 f"平均逾期 {s.dbt_days:.0f} 天付款，3个月内增加 {trend:.0f} 天", actions)


def overdue(s: BuyerSnapshot, p: SignalPolicy) -> Iterable[Signal]:
    late = sorted((i for i in s.new_overdue if i.days_overdue > p.overdue_days), key=lambda i: (i.due_date, i.ref))
    if not late:
        return
    critical = max(s.oldest_overdue_days, late[0].days_overdue) > p.overdue_critical_days
    amount = sum((i.open_amount for i in late), Decimal(0))
    refs = tuple(i.ref for i in late)
    notify_by = s.insurer_deadline or late[0].due_date + timedelta(days=p.insurer_notify_days)
    actions = actions_of(act.collect_early(amount=amount, currency=s.currency, invoices=refs),
                       act.stop_shipments(exposure=s.exposure, currency=s.currency) if critical else None,
                       act.notify_insurer(by=notify_by, why_en="overdue", why_zh="逾期") if s.insured else None)
    yield Signal(SignalCode.OVERDUE_30, Severity.CRITICAL if critical else Severity.WARNING,
                 {"invoices": ", ".join(refs), "amount": money_text(s, amount),
                  "oldest_due": late[0].due_date.isoformat(), "days_overdue": str(late[0].days_overdue),
                  "oldest_overdue_days": str(s.oldest_overdue_days)},
                 f"{len(late)} invoice(s) now more than {p.overdue_days} days overdue ({money_text(s, amount)} "
                 f"{s.currency}; oldest due {late[0].due_date})",
                 f"{len(late)} 张发票逾期超过 {p.overdue_days} 天（{money_text(s, amount)} {s.currency}；"
                 f"最早到期日 {late[0].due_date}）", actions)


def utilisation(s: BuyerSnapshot, p: SignalPolicy) -> Iterable[Signal]:
    if s.limit is None or s.exposure <= 0:
        return
    if s.exposure > s.limit:
        yield _over_limit(s, p, s.limit)
        return
    used = s.exposure / s.limit
    if used < p.utilisation:
        return
    excess = s.exposure - s.limit * p.utilisation
    yield Signal(SignalCode.UTILISATION_HIGH, Severity.WARNING,
                 {"exposure": money_text(s, s.exposure), "limit": money_text(s, s.limit), "utilisation": f"{used:.2%}"},
                 f"{used:.0%} of the limit used ({money_text(s, s.exposure)} of {money_text(s, s.limit)} {s.currency})",
                 f"额度已使用 {used:.0%}（{money_text(s, s.exposure)} / {money_text(s, s.limit)} {s.currency}）",
                 actions_of(act.collect_early(amount=excess, currency=s.currency)))


def _over_limit(s: BuyerSnapshot, p: SignalPolicy, limit: Decimal) -> Signal:
    excess = s.exposure - limit
    critical = excess > limit * p.over_limit_critical
    actions = actions_of(act.stop_shipments(exposure=s.exposure, currency=s.currency) if critical else None,
                       act.collect_early(amount=excess, currency=s.currency),
                       act.ask_security(amount=excess, currency=s.currency))
    shown = {"exposure": money_text(s, s.exposure), "limit": money_text(s, limit), "excess": money_text(s, excess)}
    return Signal(SignalCode.OVER_LIMIT, Severity.CRITICAL if critical else Severity.WARNING, shown,
                  f"Over the limit by {shown['excess']} {s.currency} ({shown['exposure']} against {shown['limit']})",
                  f"超出额度 {shown['excess']} {s.currency}（敞口 {shown['exposure']}，额度 {shown['limit']}）",
                  actions)


def broken_promise(s: BuyerSnapshot, p: SignalPolicy) -> Iterable[Signal]:
    if s.broken_promises < 1:
        return
    critical = s.broken_promises >= p.broken_promises_critical
    actions = actions_of(act.call_buyer(about_en="the broken payment promise", about_zh="未兑现的付款承诺"),
                       act.stop_shipments(exposure=s.exposure, currency=s.currency) if critical else None)
    yield Signal(SignalCode.BROKEN_PROMISE, Severity.CRITICAL if critical else Severity.WARNING,
                 {"broken_promises_12m": str(s.broken_promises)},
                 f"{s.broken_promises} broken payment promise(s) in 12 months",
                 f"12个月内 {s.broken_promises} 次未兑现付款承诺", actions)
