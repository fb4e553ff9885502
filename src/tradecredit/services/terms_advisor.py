"""The credit-terms advisor use case: a proposed sale, with the PD given or read from the buyer's latest assessment,
priced on open account and with security (the rules in :mod:`tradecredit.domain.terms_advisor`, explained in
``docs/credit-terms.md``). It reads, never writes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from tradecredit.config import Settings
from tradecredit.domain.errors import ValidationError
from tradecredit.domain.terms_advisor import (
    DEFAULT_ADVISOR_POLICY,
    AdvisorPolicy,
    OptionFigures,
    Recommendation,
    Sale,
    compare_terms,
    parse_sale_amount,
    parse_share,
)
from tradecredit.services.assessment import latest_assessment
from tradecredit.store.uow import SqlUnitOfWork

__all__ = ["AdvisorConfig", "TermsAdviceView", "advise_terms"]


@dataclass(frozen=True)
class AdvisorConfig:
    base_currency: str
    lgd: Decimal
    policy: AdvisorPolicy = DEFAULT_ADVISOR_POLICY

    @classmethod
    def from_settings(cls, settings: Settings) -> AdvisorConfig:
        return cls(settings.base_currency, Decimal(repr(settings.lgd)), settings.advisor_policy())


@dataclass(frozen=True)
class TermsAdviceView:
    """The comparison with where its PD came from: ``pd_source`` is ``given`` or ``assessment``."""

    buyer: str | None
    buyer_name: str | None
    pd_source: str
    assessed_on: date | None
    grade: int | None
    sale: Sale
    tolerance: Decimal
    options: tuple[OptionFigures, ...]
    recommendation: Recommendation


def advise_terms(uow: SqlUnitOfWork, *, config: AdvisorConfig, amount: Decimal | str, days: int, margin: Decimal,
                 cost_of_capital: Decimal, pd: float | None = None, buyer: str | None = None,
                 insured: Decimal = Decimal(0), lgd: Decimal | None = None,
                 open_account_days: tuple[int, ...] | None = None) -> TermsAdviceView:
    """Price the sale on each option and recommend one. Give exactly one of ``pd`` (12-month, 0–1) and ``buyer`` (a
    ref: the PD of its latest assessment); ``lgd`` defaults to the configured one, ``open_account_days`` (the
    shorter terms to try) to the policy's."""
    if (pd is None) == (buyer is None):
        raise ValidationError("pd", "give either a 12-month PD or a buyer whose latest assessment gives it, not both")
    policy = config.policy if open_account_days is None else replace(config.policy,
                                                                      open_account_days=tuple(open_account_days))
    name, on, grade = None, None, None
    if buyer is not None:
        assessment = latest_assessment(uow, ref=buyer)  # NotFound: unknown buyer, or never assessed
        buyer, name, on, grade, pd = assessment.ref, assessment.name, assessment.as_of, assessment.grade, assessment.pd
    assert pd is not None
    sale = Sale(amount=parse_sale_amount(amount, config.base_currency), currency=config.base_currency, days=days,
                margin=margin, cost_of_capital=cost_of_capital, pd=pd,
                lgd=config.lgd if lgd is None else parse_share(lgd, "lgd"), insured=insured)
    comparison = compare_terms(sale, policy)
    return TermsAdviceView(buyer, name, "given" if on is None else "assessment", on, grade, comparison.sale,
                           comparison.tolerance, comparison.options, comparison.recommendation)
