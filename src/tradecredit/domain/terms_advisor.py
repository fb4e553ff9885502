"""The credit-terms advisor: the expected profit of a proposed sale on open account and with security, and the
terms to offer. Formulas, defaults and a worked example are in ``docs/credit-terms.md``.

For a sale of ``amount`` (base currency) on ``days`` days, each option earns::

    profit        = margin − discount − financing cost − expected loss − fees − lost sales
    margin        = amount × gross margin
    financing     = amount × cost of capital × days / 365
    PD(days)      = 1 − (1 − PD12)^(days / 365)
    expected loss = amount × PD(days) × LGD × (1 − insured share) × residual loss share
    lost sales    = lost-sale share × (margin − discount − financing − expected loss − fees)

Open account has no fees, discount or lost sales and a residual loss share of 1. Each secured option
(:class:`SecuredTerms`) has its own fees, discount, residual loss share and days until paid.

The recommendation is the longest open-account term (the days asked for, or a shorter one from the policy's list)
whose expected profit is positive and at most ``tolerance × amount`` below the best secured option; else the best
secured option if it is profitable; else declining the sale. It is decided on the unrounded figures, so the cent
rounding of the shown figures never tips it. Money is Decimal, rounded half-even to the currency's minor unit; only
the PD arithmetic is in floats.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from tradecredit.domain.country import PaymentTerms
from tradecredit.domain.errors import ValidationError
from tradecredit.domain.money import check_currency, parse_amount, round_money

__all__ = [
    "DAYS_IN_YEAR",
    "DECLINE",
    "DEFAULT_ADVISOR_POLICY",
    "MAX_AMOUNT",
    "MAX_DAYS",
    "AdvisorPolicy",
    "OptionFigures",
    "Recommendation",
    "Sale",
    "SecuredTerms",
    "TermsComparison",
    "compare_terms",
    "parse_sale_amount",
    "parse_share",
    "term_pd",
]

DAYS_IN_YEAR = 365
MAX_DAYS = 365
MAX_AMOUNT = Decimal(10) ** 15
"""Larger amounts are refused: no single sale is that big, and the figures stay exact in Decimal's 28 digits."""
DECLINE = "decline"
"""The recommendation's kind when no option is profitable."""

LABELS: dict[PaymentTerms, tuple[str, str]] = {
    PaymentTerms.OPEN_ACCOUNT: ("open account", "赊销"),
    PaymentTerms.DOCUMENTARY_COLLECTION: ("documentary collection", "跟单托收"),
    PaymentTerms.CONFIRMED_LC: ("confirmed letter of credit", "保兑信用证"),
    PaymentTerms.PREPAYMENT: ("prepayment", "预付款"),
}
"""Option → its name (English, Chinese)."""
_ASK_EN = {PaymentTerms.CONFIRMED_LC: "a confirmed letter of credit"}


def parse_share(text: str | Decimal | float, field: str) -> Decimal:
    """A share between 0 and 1 (0.25 = 25%) as Decimal, from text or a number."""
    try:
        value = text if isinstance(text, Decimal) else Decimal(str(text).strip())
    except InvalidOperation:
        raise ValidationError(field, f"expected a share between 0 and 1 such as 0.25; got {text!r}") from None
    if not value.is_finite() or not 0 <= value <= 1:
        raise ValidationError(field, f"expected a share between 0 and 1 such as 0.25; got {text}")
    return value


def parse_sale_amount(text: str | Decimal | int, currency: str) -> Decimal:
    """The sale's amount: above 0, at most :data:`MAX_AMOUNT`, no more decimals than the currency's minor unit.

    The range is checked first: rounding 10³⁰ to cents would need more than Decimal's 28 digits."""
    try:
        value = text if isinstance(text, Decimal) else Decimal(str(text).strip())
    except InvalidOperation:
        raise ValidationError("amount", f"{text!r} is not a number; use digits with '.' as decimal point") from None
    if not value.is_finite() or not 0 < value <= MAX_AMOUNT:
        raise ValidationError("amount", f"expected an amount above 0 and at most {MAX_AMOUNT:,}; got {text}")
    return parse_amount(value, currency, field="amount")


def _check_days(days: int, field: str, *, lowest: int = 0) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or not lowest <= days <= MAX_DAYS:
        raise ValidationError(field, f"expected whole days from {lowest} to {MAX_DAYS}; got {days!r}")
    return days


def term_pd(pd12: float, days: int) -> float:
    """The PD over ``days`` from the 12-month PD, at a constant default rate: 1 − (1 − PD12)^(days/365).

    Written as −expm1(days/365 × log1p(−PD12)) so small PDs keep their digits; PD12 = 1 gives 1 for any term.
    """
    if days == 0 or pd12 == 0.0:
        return 0.0
    if pd12 >= 1.0:
        return 1.0
    return -math.expm1(days / DAYS_IN_YEAR * math.log1p(-pd12))


@dataclass(frozen=True, slots=True)
class Sale:
    """A proposed sale: ``amount`` in ``currency`` (the base currency) on ``days`` days; the shares are 0–1."""

    amount: Decimal
    currency: str
    days: int
    margin: Decimal
    cost_of_capital: Decimal
    pd: float
    lgd: Decimal
    insured: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        currency = check_currency(self.currency)
        object.__setattr__(self, "currency", currency)
        object.__setattr__(self, "amount", parse_sale_amount(self.amount, currency))
        _check_days(self.days, "days")
        object.__setattr__(self, "margin", parse_share(self.margin, "margin"))
        object.__setattr__(self, "insured", parse_share(self.insured, "insured"))
        object.__setattr__(self, "lgd", parse_share(self.lgd, "lgd"))
        rate = parse_share(self.cost_of_capital, "cost_of_capital")  # an annual rate: 0.08 = 8% a year
        object.__setattr__(self, "cost_of_capital", rate)
        if isinstance(self.pd, bool) or not isinstance(self.pd, float | int) or not 0.0 <= self.pd <= 1.0:
            raise ValidationError("pd", f"expected a 12-month PD between 0 and 1 such as 0.02; got {self.pd!r}")
        object.__setattr__(self, "pd", float(self.pd))


@dataclass(frozen=True, slots=True)
class SecuredTerms:
    """What asking for one kind of security costs, and the credit risk it leaves.

    ``fee_share`` (with ``fee_minimum`` in the base currency) and ``confirmation_share`` are bank charges the seller
    pays, as shares of the amount; ``discount`` is the price cut the buyer asks for accepting these terms;
    ``lost_sale`` the chance the buyer walks away instead; ``residual_loss`` the share of the open-account expected
    loss that remains; ``days`` the days until the seller is paid (None: the days of the proposed sale).
    """

    fee_share: Decimal = Decimal(0)
    fee_minimum: Decimal = Decimal(0)
    confirmation_share: Decimal = Decimal(0)
    discount: Decimal = Decimal(0)
    lost_sale: Decimal = Decimal(0)
    residual_loss: Decimal = Decimal(0)
    days: int | None = None

    def __post_init__(self) -> None:
        for name in ("fee_share", "confirmation_share", "discount", "lost_sale", "residual_loss"):
            parse_share(getattr(self, name), name)
        if not self.fee_minimum.is_finite() or self.fee_minimum < 0:
            raise ValidationError("fee_minimum", f"expected a minimum fee of 0 or more; got {self.fee_minimum}")
        if self.days is not None:
            _check_days(self.days, "days")


@dataclass(frozen=True, slots=True)
class AdvisorPolicy:
    """The advisor's configurable defaults (``docs/credit-terms.md`` gives the source of each)."""

    open_account_days: tuple[int, ...] = (30, 60, 90, 120)
    """Shorter open-account terms to try when the days asked for do not pay."""
    tolerance: Decimal = Decimal("0.005")
    """Open account may earn up to this share of the amount less than the best secured option and still win:
    buyers prefer it, and asking for security costs goodwill the figures do not show."""
    documentary_collection: SecuredTerms = SecuredTerms(
        fee_share=Decimal("0.002"), fee_minimum=Decimal(100), residual_loss=Decimal("0.5"))
    """Documents against acceptance of a bill due at the proposed days: 0.2% (at least 100) in bank charges; the
    buyer gets the goods only by accepting an enforceable bill, and half the open-account loss is assumed to remain."""
    confirmed_lc: SecuredTerms = SecuredTerms(
        fee_share=Decimal("0.01"), fee_minimum=Decimal(250), confirmation_share=Decimal("0.0025"))
    """A letter of credit payable at the proposed days, confirmed by our bank: 1% (at least 250) for advising,
    document checking and payment, plus 0.25% confirmation (one quarter at 1% a year); no credit loss."""
    prepayment: SecuredTerms = SecuredTerms(discount=Decimal("0.02"), days=0)
    """Paid before shipment: no credit loss and no financing, but the buyer asks a 2% discount."""

    def __post_init__(self) -> None:
        days = self.open_account_days
        if len(days) > 12 or len(set(days)) != len(days):
            raise ValidationError("open_account_days", f"expected up to 12 different day counts; got {list(days)}")
        for value in days:
            _check_days(value, "open_account_days", lowest=1)
        parse_share(self.tolerance, "tolerance")

    def secured(self) -> tuple[tuple[PaymentTerms, SecuredTerms], ...]:
        """The secured options, from the least to the most secure."""
        return ((PaymentTerms.DOCUMENTARY_COLLECTION, self.documentary_collection),
                (PaymentTerms.CONFIRMED_LC, self.confirmed_lc), (PaymentTerms.PREPAYMENT, self.prepayment))


DEFAULT_ADVISOR_POLICY = AdvisorPolicy()


@dataclass(frozen=True, slots=True)
class OptionFigures:
    """One option with every figure of its expected profit, each rounded to the currency's minor unit; ``profit``
    is exactly ``margin − discount − financing_cost − expected_loss − fees − lost_sales``."""

    kind: PaymentTerms
    days: int
    label_en: str
    label_zh: str
    pd_term: float
    margin: Decimal
    discount: Decimal
    financing_cost: Decimal
    expected_loss: Decimal
    fees: Decimal
    lost_sales: Decimal
    profit: Decimal
    recommended: bool = False


@dataclass(frozen=True, slots=True)
class Recommendation:
    """What to offer: ``kind`` is a :class:`PaymentTerms` value or ``decline``; ``days`` the credit days."""

    kind: str
    days: int | None
    profit: Decimal
    explanation_en: str
    explanation_zh: str


@dataclass(frozen=True, slots=True)
class TermsComparison:
    sale: Sale
    tolerance: Decimal
    options: tuple[OptionFigures, ...]
    recommendation: Recommendation


@dataclass(frozen=True, slots=True)
class _Priced:
    """An option's figures before rounding, and its exact profit (what the recommendation compares)."""

    kind: PaymentTerms
    days: int
    pd_term: float
    figures: tuple[Decimal, ...]  # margin, discount, financing, expected loss, fees, lost sales

    @property
    def profit(self) -> Decimal:
        margin, *costs = self.figures
        return margin - sum(costs, Decimal(0))


def _price(sale: Sale, kind: PaymentTerms, terms: SecuredTerms | None, days: int) -> _Priced:
    """The exact figures of one option; ``terms`` None is open account."""
    pd_term = term_pd(sale.pd, days)
    margin = sale.amount * sale.margin
    financing = sale.amount * sale.cost_of_capital * days / DAYS_IN_YEAR
    loss = sale.amount * Decimal(repr(pd_term)) * sale.lgd * (1 - sale.insured)
    if terms is None:
        return _Priced(kind, days, pd_term, (margin, Decimal(0), financing, loss, Decimal(0), Decimal(0)))
    loss *= terms.residual_loss
    discount = sale.amount * terms.discount
    fees = sale.amount * terms.confirmation_share
    if terms.fee_share > 0 or terms.fee_minimum > 0:
        fees += max(sale.amount * terms.fee_share, terms.fee_minimum)
    lost = terms.lost_sale * (margin - discount - financing - loss - fees)
    return _Priced(kind, days, pd_term, (margin, discount, financing, loss, fees, lost))


def _rounded(priced: _Priced, currency: str, recommended: bool) -> OptionFigures:
    margin, discount, financing, loss, fees, lost = (round_money(v, currency) for v in priced.figures)
    label_en, label_zh = LABELS[priced.kind]
    return OptionFigures(priced.kind, priced.days, label_en, label_zh, priced.pd_term, margin, discount, financing,
                         loss, fees, lost, margin - discount - financing - loss - fees - lost, recommended)


def _open_days(sale: Sale, policy: AdvisorPolicy) -> list[int]:
    """The days asked for, then each shorter term of the policy, longest first."""
    return [sale.days, *sorted((d for d in policy.open_account_days if d < sale.days), reverse=True)]


def compare_terms(sale: Sale, policy: AdvisorPolicy = DEFAULT_ADVISOR_POLICY) -> TermsComparison:
    """Every option's expected profit and the recommendation (see the module docstring)."""
    open_account = [_price(sale, PaymentTerms.OPEN_ACCOUNT, None, days) for days in _open_days(sale, policy)]
    secured = [_price(sale, kind, terms, sale.days if terms.days is None else terms.days)
               for kind, terms in policy.secured()]
    best = max(secured, key=lambda p: p.profit)  # ties: the least secure
    tolerance = sale.amount * policy.tolerance
    chosen = next((p for p in open_account if p.profit > 0 and p.profit >= best.profit - tolerance), None)
    if chosen is None and best.profit > 0:
        chosen = best
    priced = (*open_account, *secured)
    options = tuple(_rounded(p, sale.currency, p is chosen) for p in priced)
    shown = {id(p): o for p, o in zip(priced, options, strict=True)}
    asked, best_row = options[0], shown[id(best)]
    tolerance_shown = round_money(tolerance, sale.currency)
    if chosen is None:
        en, zh = _explain_decline(asked, best_row, sale.currency)
        recommendation = Recommendation(DECLINE, None, best_row.profit, en, zh)
    else:
        row = shown[id(chosen)]
        en, zh = _explain(row, asked, best_row, tolerance_shown, sale.currency, [p.days for p in open_account[1:]])
        recommendation = Recommendation(chosen.kind.value, chosen.days, row.profit, en, zh)
    return TermsComparison(sale, tolerance_shown, options, recommendation)


def _money(value: Decimal, currency: str) -> str:
    return f"{value:,f} {currency}"


def _breakdown(option: OptionFigures, currency: str, zh: bool) -> str:
    names = (("margin", "毛利"), ("discount", "折扣"), ("financing", "资金成本"), ("expected loss", "预期损失"),
             ("fees", "费用"), ("lost sales", "流失销售"))
    values = (option.margin, option.discount, option.financing_cost, option.expected_loss, option.fees,
              option.lost_sales)
    parts = [f"{names[0][zh]} {option.margin:,f}"]
    parts += [f"{name[zh]} {value:,f}" for name, value in zip(names[1:], values[1:], strict=True) if value]
    return " − ".join(parts) + f" = {_money(option.profit, currency)}"


def _against(option: OptionFigures, best: OptionFigures, tolerance: Decimal, currency: str) -> tuple[str, str]:
    """How an open-account option compares with the best secured one, in words (English, Chinese)."""
    gap = best.profit - option.profit
    if option.profit < 0:
        return "a loss", "亏损"
    if option.profit == 0:
        return "no profit", "无利润"
    if gap <= 0:
        return (f"{_money(-gap, currency)} more than {best.label_en}",
                f"比{best.label_zh}多 {_money(-gap, currency)}")
    within = gap <= tolerance
    return (f"{_money(gap, currency)} less than {best.label_en}, {'within' if within else 'more than'} the "
            f"tolerance of {_money(tolerance, currency)}",
            f"比{best.label_zh}少 {_money(gap, currency)}，{'在' if within else '超出'}容差 "
            f"{_money(tolerance, currency)}{'以内' if within else ''}")


def _explain(chosen: OptionFigures, asked: OptionFigures, best: OptionFigures, tolerance: Decimal, currency: str,
             shorter: list[int]) -> tuple[str, str]:
    """Why ``chosen`` wins, with its figures; ``asked`` is open account on the days asked for, ``shorter`` the
    shorter open-account terms tried."""
    figures_en, figures_zh = _breakdown(chosen, currency, zh=False), _breakdown(chosen, currency, zh=True)
    if chosen.kind is PaymentTerms.OPEN_ACCOUNT:
        compared_en, compared_zh = _against(chosen, best, tolerance, currency)
        en = (f"Sell on open account at {chosen.days} days: expected profit {_money(chosen.profit, currency)} "
              f"({figures_en}), {compared_en}.")
        zh = (f"建议赊销，账期 {chosen.days} 天：预期利润 {_money(chosen.profit, currency)}（{figures_zh}），"
              f"{compared_zh}。")
        if chosen.days != asked.days:
            asked_en, asked_zh = _against(asked, best, tolerance, currency)
            en += f" The {asked.days} days asked for would earn {_money(asked.profit, currency)}: {asked_en}."
            zh += f"客户要求的 {asked.days} 天账期预期利润 {_money(asked.profit, currency)}：{asked_zh}。"
        return en, zh
    asked_en, asked_zh = _against(asked, best, tolerance, currency)
    en = (f"Ask for {_ASK_EN.get(best.kind, best.label_en)}: expected profit {_money(chosen.profit, currency)} "
          f"({figures_en}). Open account at {asked.days} days would earn {_money(asked.profit, currency)}: "
          f"{asked_en}")
    zh = (f"建议要求{best.label_zh}：预期利润 {_money(chosen.profit, currency)}（{figures_zh}）。"
          f"{asked.days} 天赊销预期利润 {_money(asked.profit, currency)}：{asked_zh}")
    if not shorter:
        return en + ".", zh + "。"
    days = "/".join(str(d) for d in shorter)
    return (en + f"; nor does any shorter term ({days} days) pay within the tolerance.",
            zh + f"；更短的账期（{days} 天）也无法在容差内盈利。")


def _explain_decline(asked: OptionFigures, best: OptionFigures, currency: str) -> tuple[str, str]:
    en = (f"No option is profitable: open account at {asked.days} days earns {_money(asked.profit, currency)} and "
          f"the best secured option, {best.label_en}, {_money(best.profit, currency)}. Do not sell on these "
          f"conditions, or raise the price.")
    zh = (f"所有方式均无盈利：{asked.days} 天赊销预期利润 {_money(asked.profit, currency)}，最佳担保方式"
          f"（{best.label_zh}）为 {_money(best.profit, currency)}。建议不按此条件销售，或提高价格。")
    return en, zh
