"""The recommended credit limit and payment terms of an assessed buyer, each term of the formula shown.

limit = round down to ``rounding`` of the smallest of:

* **size**: what the buyer can carry — min(equity × equity share, revenue × revenue share), both shares falling
  with the grade (a grade-9 buyer gets no unsecured credit); negative equity gives 0. Without a usable statement
  (or one in a currency without an FX rate) the size term is ``limited_information_cap``.
* **need**: what we need to sell — the peak of our exposure at the month ends of the last 12 months, grown by our
  sales growth (0 … ``max_growth``) and a ``headroom`` for order timing. A buyer we never sold to has no need term.
* **country**: the cap for the country grade (none for grades 0–3 by default; 0 for grade 7).

Grade 10 (in default) gets 0. Payment terms: the buyer's grade sets the least secure kind and the open-account
days; the country's policy may ask for more security and fewer days; the stricter of the two wins.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from tradecredit.domain.country import PaymentTerms
from tradecredit.domain.errors import ValidationError

__all__ = [
    "DEFAULT_LIMIT_POLICY",
    "SECURITY",
    "LimitAdvice",
    "LimitPolicy",
    "LimitTerm",
    "TermsAdvice",
    "advise_terms",
    "recommend_limit",
]

_ORDER: tuple[PaymentTerms, ...] = tuple(PaymentTerms)

SECURITY: dict[PaymentTerms, tuple[str, str]] = {
    PaymentTerms.OPEN_ACCOUNT: ("none: open account", "无需担保：赊销"),
    PaymentTerms.DOCUMENTARY_COLLECTION: ("documentary collection or a bank guarantee", "跟单托收或银行保函"),
    PaymentTerms.CONFIRMED_LC: ("a confirmed letter of credit", "保兑信用证"),
    PaymentTerms.PREPAYMENT: ("prepayment", "预付款"),
}
"""Terms → the security to ask for (English, Chinese)."""


def _shares(values: Sequence[float], field: str) -> tuple[float, ...]:
    if len(values) != 9 or not all(0.0 <= v <= 1.0 for v in values):
        raise ValidationError(field, f"expected 9 shares between 0 and 1 (grades 1–9); got {list(values)}")
    return tuple(values)


@dataclass(frozen=True, slots=True)
class LimitPolicy:
    equity_share: tuple[float, ...] = (0.20, 0.18, 0.15, 0.12, 0.10, 0.075, 0.05, 0.025, 0.0)
    revenue_share: tuple[float, ...] = (0.10, 0.09, 0.08, 0.07, 0.06, 0.045, 0.03, 0.015, 0.0)
    headroom: Decimal = Decimal("1.2")
    max_growth: Decimal = Decimal("0.5")
    limited_information_cap: Decimal = Decimal(50_000)
    country_caps: tuple[Decimal | None, ...] = (None, None, None, None, Decimal(1_000_000), Decimal(500_000),
                                                Decimal(100_000), Decimal(0))
    rounding: Decimal = Decimal(1_000)
    grade_terms: tuple[PaymentTerms, ...] = (*(PaymentTerms.OPEN_ACCOUNT,) * 7, PaymentTerms.DOCUMENTARY_COLLECTION,
                                             PaymentTerms.CONFIRMED_LC, PaymentTerms.PREPAYMENT)
    """Grades 1–10 → the least secure terms allowed."""
    grade_days: tuple[int, ...] = (90, 90, 90, 60, 60, 45, 30, 30, 0, 0)
    """Grades 1–10 → longest open-account days."""

    def __post_init__(self) -> None:
        _shares(self.equity_share, "equity_share")
        _shares(self.revenue_share, "revenue_share")
        if len(self.country_caps) != 8:
            raise ValidationError("country_caps", f"expected 8 caps (grades 0–7); got {len(self.country_caps)}")
        if len(self.grade_terms) != 10 or len(self.grade_days) != 10:
            raise ValidationError("grade_terms", "expected terms and days for each grade 1–10")
        if self.rounding <= 0 or self.headroom < 1 or self.max_growth < 0:
            raise ValidationError("limit_policy", "expected rounding > 0, headroom ≥ 1 and max_growth ≥ 0")


DEFAULT_LIMIT_POLICY = LimitPolicy()


@dataclass(frozen=True, slots=True)
class LimitTerm:
    """One term of the limit formula: its amount (None = does not apply), the formula with the buyer's figures,
    and whether it is the one that binds."""

    name: str
    amount: Decimal | None
    formula: str
    binding: bool = False


@dataclass(frozen=True, slots=True)
class LimitAdvice:
    amount: Decimal
    currency: str
    terms: tuple[LimitTerm, ...]
    note: str


@dataclass(frozen=True, slots=True)
class TermsAdvice:
    kind: PaymentTerms
    days: int
    security_en: str
    security_zh: str
    why: str
    why_zh: str = ""


def _size_term(grade: int, equity: Decimal | None, revenue: Decimal | None, policy: LimitPolicy,
               currency: str) -> LimitTerm:
    if equity is None or revenue is None:
        return LimitTerm("size", policy.limited_information_cap,
                         f"limited information: cap {policy.limited_information_cap:,.0f} {currency}")
    if equity <= 0:
        return LimitTerm("size", Decimal(0), f"equity {equity:,.0f} {currency} ≤ 0: no unsecured credit")
    eq_share = Decimal(str(policy.equity_share[grade - 1]))
    rev_share = Decimal(str(policy.revenue_share[grade - 1]))
    amount = min(equity * eq_share, max(revenue, Decimal(0)) * rev_share)
    return LimitTerm("size", amount, f"min(equity {equity:,.0f} × {eq_share:.1%}, revenue {revenue:,.0f} × "
                                     f"{rev_share:.1%}) {currency}")


def _need_term(peak: Decimal, growth: Decimal | None, policy: LimitPolicy, currency: str) -> LimitTerm:
    if peak <= 0:
        return LimitTerm("need", None, "no exposure in the last 12 months: need not known")
    grown = min(max(growth or Decimal(0), Decimal(0)), policy.max_growth)
    amount = peak * (1 + grown) * policy.headroom
    return LimitTerm("need", amount, f"peak exposure {peak:,.0f} {currency} × (1 + growth {grown:.0%}) × "
                                     f"headroom {policy.headroom}")


def _country_term(country: str, grade: int | None, policy: LimitPolicy, currency: str) -> LimitTerm:
    cap = policy.country_caps[grade] if grade is not None else None
    if cap is None:
        return LimitTerm("country", None, f"{country} grade {grade if grade is not None else 'none'}: no cap")
    return LimitTerm("country", cap, f"{country} grade {grade}: cap {cap:,.0f} {currency}")


def recommend_limit(*, grade: int, equity: Decimal | None, revenue: Decimal | None, peak_exposure: Decimal,
                    sales_growth: Decimal | None, country: str, country_grade: int | None, currency: str,
                    policy: LimitPolicy = DEFAULT_LIMIT_POLICY) -> LimitAdvice:
    """The recommended own credit limit in ``currency`` (the base currency); see the module docstring."""
    if not 1 <= grade <= 10:
        raise ValidationError("grade", f"expected a grade 1–10; got {grade!r}")
    if grade == 10:
        term = LimitTerm("default", Decimal(0), "in default: no unsecured credit", binding=True)
        return LimitAdvice(Decimal(0), currency, (term,), "in default")
    terms = [_size_term(grade, equity, revenue, policy, currency), _need_term(peak_exposure, sales_growth, policy,
                                                                              currency),
             _country_term(country, country_grade, policy, currency)]
    applying = [t for t in terms if t.amount is not None]
    binding = min(applying, key=lambda t: t.amount or Decimal(0))
    amount = ((binding.amount or Decimal(0)) / policy.rounding).to_integral_value(ROUND_DOWN) * policy.rounding
    shown = tuple(LimitTerm(t.name, None if t.amount is None else t.amount.quantize(Decimal(1), ROUND_DOWN),
                            t.formula, t is binding) for t in terms)
    return LimitAdvice(amount, currency, shown, f"the {binding.name} term binds; rounded down to "
                                                f"{policy.rounding:,.0f}")


def advise_terms(*, grade: int, country_terms: PaymentTerms | None, country_max_days: int | None,
                 policy: LimitPolicy = DEFAULT_LIMIT_POLICY) -> TermsAdvice:
    """The payment terms to offer: the stricter of the buyer's grade and the country's policy."""
    if not 1 <= grade <= 10:
        raise ValidationError("grade", f"expected a grade 1–10; got {grade!r}")
    by_grade = policy.grade_terms[grade - 1]
    kind = by_grade
    why, why_zh = f"grade {grade}", f"等级 {grade}"
    if country_terms is not None and _ORDER.index(country_terms) > _ORDER.index(by_grade):
        kind, why, why_zh = country_terms, "country policy", "国家政策"
    days = policy.grade_days[grade - 1] if kind is not PaymentTerms.PREPAYMENT else 0
    if country_max_days is not None and country_max_days < days:
        days = country_max_days
        why, why_zh = (f"{why}; country allows at most {country_max_days} days",
                       f"{why_zh}；该国最长允许 {country_max_days} 天")
    security_en, security_zh = SECURITY[kind]
    return TermsAdvice(kind, days, security_en, security_zh, why, why_zh)


def terms_mapping(advice: TermsAdvice) -> Mapping[str, object]:
    return {"kind": advice.kind.value, "days": advice.days, "security_en": advice.security_en,
            "security_zh": advice.security_zh, "why": advice.why}


@dataclass(frozen=True, slots=True)
class CreditClass:
    """A customer credit class (the seed's 客户信用分级): the grades it covers and its default policy."""

    name: str
    worst_grade: int
    terms_en: str
    terms_zh: str


CREDIT_CLASSES: tuple[CreditClass, ...] = (
    CreditClass("A", 3, "open account up to 90 days; limit by formula, annual review",
                "赊销最长90天；按公式定额度，每年复核"),
    CreditClass("B", 5, "open account up to 60 days; limit by formula, quarterly review",
                "赊销最长60天；按公式定额度，每季度复核"),
    CreditClass("C", 7, "open account up to 30–45 days; tighter limit, monthly review",
                "赊销30至45天；从严定额度，每月复核"),
    CreditClass("D", 10, "secured terms only (guarantee, L/C or prepayment); no unsecured limit",
                "仅限有担保条件（保函、信用证或预付款）；不给无担保额度"),
)
"""Grades 1–3 A, 4–5 B, 6–7 C, 8–10 D by default; the ``worst_grade`` bounds must rise to 10."""


def credit_class(grade: int, classes: Sequence[CreditClass] = CREDIT_CLASSES) -> CreditClass:
    if not 1 <= grade <= 10:
        raise ValidationError("grade", f"expected a grade 1–10; got {grade!r}")
    return next(c for c in classes if grade <= c.worst_grade)
