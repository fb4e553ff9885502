"""The actions a monitoring signal recommends, each with its figures and a sentence in English and Chinese.

Figures are strings (amounts rounded to the currency's minor unit, dates ISO 8601) so an alert stores and shows
exactly what the rule computed. A limit is only ever recommended *down*, and to a round amount: the target is
rounded down to the policy's step (1,000 by default), never below zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum

from tradecredit.domain.money import round_money

__all__ = ["Action", "ActionCode", "ask_security", "call_buyer", "collect_early", "notify_insurer", "reassess",
           "reduce_limit", "round_down", "stop_shipments"]


class ActionCode(StrEnum):
    REDUCE_LIMIT = "reduce_limit"
    ASK_SECURITY = "ask_security"
    COLLECT_EARLY = "collect_early"
    STOP_SHIPMENTS = "stop_shipments"
    NOTIFY_INSURER = "notify_insurer"
    REASSESS = "reassess"
    CALL_BUYER = "call_buyer"


@dataclass(frozen=True, slots=True)
class Action:
    code: ActionCode
    text_en: str
    text_zh: str
    figures: Mapping[str, str] = field(default_factory=dict)


def round_down(amount: Decimal, step: Decimal, currency: str) -> Decimal:
    """``amount`` rounded down to a multiple of ``step`` (not below 0), in the currency's minor unit."""
    steps = (max(amount, Decimal(0)) / step).to_integral_value(rounding=ROUND_FLOOR)
    return round_money(steps * step, currency)


def _money(amount: Decimal, currency: str) -> str:
    return str(round_money(amount, currency))


def reduce_limit(*, limit: Decimal, target: Decimal, step: Decimal, currency: str, why_en: str,
                 why_zh: str) -> Action | None:
    """Reduce the limit to ``target`` rounded down to ``step``; None when that is not below the limit."""
    to = round_down(target, step, currency)
    if to >= limit:
        return None
    figures = {"limit": _money(limit, currency), "reduce_to": str(to), "currency": currency}
    return Action(ActionCode.REDUCE_LIMIT, f"Reduce the credit limit from {figures['limit']} to {to} {currency} "
                                           f"({why_en})",
                  f"将信用额度从 {figures['limit']} 降至 {to} {currency}（{why_zh}）", figures)


def ask_security(*, amount: Decimal, currency: str) -> Action:
    text = _money(amount, currency)
    return Action(ActionCode.ASK_SECURITY, f"Ask for a bank guarantee or a confirmed letter of credit covering "
                                           f"{text} {currency}",
                  f"要求提供覆盖 {text} {currency} 的银行保函或保兑信用证", {"amount": text, "currency": currency})


def collect_early(*, amount: Decimal, currency: str, invoices: tuple[str, ...] = ()) -> Action:
    text = _money(amount, currency)
    which = f" (invoices {', '.join(invoices)})" if invoices else ""
    which_zh = f"（发票 {', '.join(invoices)}）" if invoices else ""
    figures = {"amount": text, "currency": currency, **({"invoices": ", ".join(invoices)} if invoices else {})}
    return Action(ActionCode.COLLECT_EARLY, f"Call the buyer and collect {text} {currency} now{which}",
                  f"联系买方，立即催收 {text} {currency}{which_zh}", figures)


def stop_shipments(*, exposure: Decimal, currency: str) -> Action:
    text = _money(exposure, currency)
    return Action(ActionCode.STOP_SHIPMENTS, f"Stop shipments on credit (exposure {text} {currency}) until "
                                             "the cause is cleared",
                  f"停止赊销发货（当前敞口 {text} {currency}），直至问题解决", {"exposure": text, "currency": currency})


def notify_insurer(*, by: date, why_en: str, why_zh: str) -> Action:
    return Action(ActionCode.NOTIFY_INSURER, f"Notify the credit insurer by {by} ({why_en})",
                  f"在 {by} 之前通知信用保险公司（{why_zh}）", {"by": by.isoformat()})


def reassess(*, why_en: str, why_zh: str) -> Action:
    return Action(ActionCode.REASSESS, f"Re-assess the buyer now: {why_en}", f"立即重新评估买方：{why_zh}")


def call_buyer(*, about_en: str, about_zh: str) -> Action:
    return Action(ActionCode.CALL_BUYER, f"Call the buyer about {about_en}", f"就{about_zh}联系买方")
