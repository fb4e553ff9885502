"""Monitoring rules on what comes from outside the buyer's ledger: its statements, its country, the events feed,
its weight in the portfolio and the credit insurer. Same contract as :mod:`tradecredit.domain.signal_rules`."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from tradecredit.domain import alert_actions as act
from tradecredit.domain.events import EventType
from tradecredit.domain.signal_facts import BuyerSnapshot, EventFact, Severity, Signal, SignalCode, SignalPolicy
from tradecredit.domain.signal_rules import actions_of, cut_limit, money_text


def _findings(s: BuyerSnapshot, p: SignalPolicy) -> list[tuple[str, str, str]]:
    """(key, English, Chinese) for each weakness of the latest statement."""
    st = s.statement
    assert st is not None
    found = []
    if st.working_capital_ratio is not None and st.working_capital_ratio < p.working_capital_ratio:
        found.append(("working_capital_ratio", f"current ratio {st.working_capital_ratio:.2f}",
                      f"流动比率 {st.working_capital_ratio:.2f}"))
    if st.equity is not None and st.equity < 0:
        found.append(("negative_equity", f"negative equity {st.equity}", f"净资产为负 {st.equity}"))
    if st.revenue_change is not None and st.revenue_change < -p.revenue_drop:
        found.append(("revenue_change", f"revenue down {-st.revenue_change:.0%}", f"收入下降 {-st.revenue_change:.0%}"))
    if st.net_income is not None and st.net_income_prior is not None and st.net_income < 0 and st.net_income_prior < 0:
        found.append(("losses_two_years", f"losses two years running ({st.net_income_prior}, {st.net_income})",
                      f"连续两年亏损（{st.net_income_prior}，{st.net_income}）"))
    return found


def weak_statement(s: BuyerSnapshot, p: SignalPolicy) -> Iterable[Signal]:
    if s.statement is None or not s.statement.is_new:
        return
    found = _findings(s, p)
    if not found:
        return
    critical = len(found) >= 2 or any(key == "negative_equity" for key, _, _ in found)
    period = s.statement.period_end
    actions = actions_of(act.reassess(why_en=f"new statement for {period}", why_zh=f"新财务报表（{period}）"),
                       act.ask_security(amount=s.exposure, currency=s.currency) if critical else None,
                       cut_limit(s, p, s.recommended_limit, "the recommended limit", "建议额度") if critical else None)
    evidence = {"period_end": period.isoformat(), "findings": ", ".join(key for key, _, _ in found)}
    yield Signal(SignalCode.WEAK_STATEMENT, Severity.CRITICAL if critical else Severity.WARNING, evidence,
                 f"Statement for {period}: " + "; ".join(en for _, en, _ in found),
                 f"{period} 财务报表：" + "；".join(zh for _, _, zh in found), actions)


def stale_statement(s: BuyerSnapshot, p: SignalPolicy) -> Iterable[Signal]:
    if s.statement_age_months is None or s.statement_age_months <= p.stale_months:
        return
    yield Signal(SignalCode.STALE_STATEMENT, Severity.INFO, {"age_months": str(s.statement_age_months)},
                 f"Latest statement is {s.statement_age_months} months old (over {p.stale_months})",
                 f"最新财务报表已有 {s.statement_age_months} 个月（超过 {p.stale_months} 个月）",
                 (act.call_buyer(about_en="its latest financial statements", about_zh="索取最新财务报表"),))


def country_downgrade(s: BuyerSnapshot, p: SignalPolicy) -> Iterable[Signal]:
    if s.country_grade is None or s.country_grade_before is None or s.country_grade <= s.country_grade_before:
        return
    critical = s.country_grade >= p.country_critical_grade
    actions = actions_of(act.reassess(why_en=f"{s.country} downgraded", why_zh=f"{s.country} 国家评级下调"),
                       act.ask_security(amount=s.exposure, currency=s.currency) if critical else None)
    yield Signal(SignalCode.COUNTRY_DOWNGRADE, Severity.CRITICAL if critical else Severity.WARNING,
                 {"country": s.country, "grade_before": str(s.country_grade_before), "grade": str(s.country_grade)},
                 f"{s.country} country grade down from {s.country_grade_before} to {s.country_grade} "
                 "(0 best … 7 worst)",
                 f"{s.country} 国家风险等级从 {s.country_grade_before} 降至 {s.country_grade}（0最好…7最差）", actions)


_EVENT_SEVERITY = {EventType.INSOLVENCY.value: Severity.CRITICAL, EventType.PAYMENT_INCIDENT.value: Severity.WARNING,
                   EventType.LEGAL_CLAIM.value: Severity.WARNING}


def _event_actions(s: BuyerSnapshot, p: SignalPolicy, event: EventFact) -> tuple[act.Action, ...]:
    if event.type == EventType.INSOLVENCY:
        return actions_of(act.stop_shipments(exposure=s.exposure, currency=s.currency),
                        cut_limit(s, p, Decimal(0), "insolvency", "破产"),
                        act.notify_insurer(by=s.on, why_en="insolvency: immediately", why_zh="破产：立即")
                        if s.insured else None)
    if event.type == EventType.PAYMENT_INCIDENT:
        return (act.collect_early(amount=s.exposure, currency=s.currency),
                act.reassess(why_en="payment incident reported", why_zh="报告付款事故"))
    if event.type == EventType.LEGAL_CLAIM:
        return (act.call_buyer(about_en="the legal claim", about_zh="法律索赔"),
                act.reassess(why_en="legal claim reported", why_zh="报告法律索赔"))
    if event.type == EventType.RATING_CHANGE:
        return (act.reassess(why_en="external rating changed", why_zh="外部评级变动"),)
    return ()


def external_event(s: BuyerSnapshot, p: SignalPolicy) -> Iterable[Signal]:
    for event in sorted(s.events, key=lambda e: (e.event_date, e.type, e.text)):
        yield Signal(SignalCode.EXTERNAL_EVENT, _EVENT_SEVERITY.get(event.type, Severity.INFO),
                     {"date": event.event_date.isoformat(), "type": event.type, "source": event.source},
                     f"{event.type.replace('_', ' ').capitalize()} on {event.event_date} ({event.source}): "
                     f"{event.text}",
                     f"{event.event_date} {_EVENT_ZH.get(event.type, event.type)}（{event.source}）：{event.text}",
                     _event_actions(s, p, event))


_EVENT_ZH = {"insolvency": "破产", "payment_incident": "付款事故", "legal_claim": "法律索赔",
             "rating_change": "评级变动", "news": "新闻"}


def concentration(s: BuyerSnapshot, p: SignalPolicy) -> Iterable[Signal]:
    """The limit that brings the share back to the threshold c, the rest of the book (T − E) unchanged:
    x / (T − E + x) = c  ⇒  x = c · (T − E) / (1 − c), with T = E / share."""
    share = s.exposure_share
    if share is None or share <= p.concentration or s.exposure <= 0:
        return
    critical = share > p.concentration_critical
    rest = s.exposure / share - s.exposure
    cap = p.concentration * rest / (1 - p.concentration)
    actions = actions_of(cut_limit(s, p, cap, f"{p.concentration:.0%} of the book", f"组合的 {p.concentration:.0%}"),
                       act.ask_security(amount=s.exposure - cap, currency=s.currency))
    yield Signal(SignalCode.CONCENTRATION, Severity.CRITICAL if critical else Severity.WARNING,
                 {"share": f"{share:.2%}", "exposure": money_text(s, s.exposure), "cap": money_text(s, cap)},
                 f"{share:.1%} of total exposure on one buyer (threshold {p.concentration:.0%})",
                 f"单一买方占总敞口 {share:.1%}（阈值 {p.concentration:.0%}）", actions)


def insurer_limit_cut(s: BuyerSnapshot, p: SignalPolicy) -> Iterable[Signal]:
    now, before = s.insurer_limit, s.insurer_limit_before
    if now is None or before is None or now >= before:
        return
    cancelled = now <= 0
    uncovered = s.exposure - now
    actions = actions_of(act.stop_shipments(exposure=s.exposure, currency=s.currency) if cancelled else None,
                       cut_limit(s, p, now, "the insurer's limit", "保险公司限额"),
                       act.ask_security(amount=uncovered, currency=s.currency) if uncovered > 0 else None)
    shown = money_text(s, now)
    verb_en, verb_zh = ("cancelled", "取消") if cancelled else (f"reduced to {shown}", f"降至 {shown}")
    yield Signal(SignalCode.INSURER_LIMIT_CUT, Severity.CRITICAL if cancelled else Severity.WARNING,
                 {"insurer_limit_before": money_text(s, before), "insurer_limit": money_text(s, now)},
                 f"Insurer limit {verb_en} (was {money_text(s, before)} {s.currency})",
                 f"保险公司限额{verb_zh}（原为 {money_text(s, before)} {s.currency}）", actions)


def insurer_deadline(s: BuyerSnapshot, p: SignalPolicy) -> Iterable[Signal]:
    if s.insurer_deadline is None:
        return
    days = (s.insurer_deadline - s.on).days
    if days > p.insurer_deadline_days:
        return
    what = s.insurer_deadline_what or "insurer deadline"
    yield Signal(SignalCode.INSURER_DEADLINE,
                 Severity.CRITICAL if days <= p.insurer_deadline_critical_days else Severity.WARNING,
                 {"deadline": s.insurer_deadline.isoformat(), "days_left": str(days), "what": what},
                 f"{what} due {s.insurer_deadline} ({days} day(s) left)",
                 f"{what} 截止日 {s.insurer_deadline}（剩余 {days} 天）",
                 (act.notify_insurer(by=s.insurer_deadline, why_en=what, why_zh=what),))

