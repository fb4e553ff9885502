"""The order credit check: "can we ship this order?" answered *release* or *hold*, with every reason and the
figures behind it. A hold is a state a credit manager resolves, never a silent block.

Rules (each a configurable default of :class:`CheckPolicy`), all evaluated so the answer lists every reason:

* ``no_limit`` — no credit limit in force for the buyer (or its group), and none ever ended;
* ``limit_expired`` — none in force, and the latest base limit ended (expired or was cancelled) on a day given;
* ``over_limit`` — exposure + order above the limit in force (the headroom is shown);
* ``limit_under_review`` — the limit's review date has passed;
* ``overdue`` — more than ``overdue_amount`` is overdue by more than ``overdue_days`` days, counting only items
  above ``residual`` (a few cents left on an invoice do not stop deliveries);
* ``high_risk_grade`` — the buyer's latest grade is 9 or 10;
* ``not_assessed`` — the buyer was never assessed (only when ``require_assessment``);
* ``country_requires_security`` — the country's policy does not allow open-account terms;
* ``supply_suspended`` — shipments to the buyer are stopped (a credit block set by a credit manager, from an
  alert or by collections).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from tradecredit.domain.errors import ValidationError

__all__ = ["CheckInputs", "CheckPolicy", "CheckResult", "Outcome", "Reason", "check_order"]


class Outcome(StrEnum):
    RELEASE = "release"
    HOLD = "hold"


@dataclass(frozen=True, slots=True)
class CheckPolicy:
    overdue_amount: Decimal = Decimal(0)
    overdue_days: int = 30
    residual: Decimal = Decimal(50)
    hold_grades: frozenset[int] = frozenset({9, 10})
    require_assessment: bool = False

    def __post_init__(self) -> None:
        if self.overdue_amount < 0 or self.residual < 0 or self.overdue_days < 0:
            raise ValidationError("order_check", "expected overdue amount, residual and days ≥ 0")


@dataclass(frozen=True, slots=True)
class CheckInputs:
    """What the check reads, in the base currency (``exposure`` already includes every configured bucket)."""

    order_amount: Decimal
    exposure: Decimal
    limit: Decimal | None  # None: no limit in force
    limit_under_review: bool
    overdue_old: Decimal  # overdue more than policy.overdue_days, items above the residual only
    grade: int | None
    country_terms: str | None  # the least secure terms the country allows (None: no rule)
    supply_suspended: bool = False
    limit_ended_on: date | None = None  # with no limit in force: the last day of the latest one that ended


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    text: str
    figures: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CheckResult:
    outcome: Outcome
    reasons: tuple[Reason, ...]
    headroom: Decimal | None  # limit − exposure before this order (None without a limit)


def check_order(inputs: CheckInputs, policy: CheckPolicy = CheckPolicy()) -> CheckResult:
    if inputs.order_amount <= 0:
        raise ValidationError("amount", f"expected an order amount > 0; got {inputs.order_amount}")
    reasons: list[Reason] = []
    headroom = None if inputs.limit is None else inputs.limit - inputs.exposure
    if inputs.limit is None and inputs.limit_ended_on is not None:
        reasons.append(Reason("limit_expired", f"the credit limit ended on {inputs.limit_ended_on.isoformat()}; "
                                               "none is in force", {"ended_on": inputs.limit_ended_on.isoformat()}))
    elif inputs.limit is None:
        reasons.append(Reason("no_limit", "no credit limit in force for this buyer or its group"))
    elif headroom is not None and inputs.order_amount > headroom:
        reasons.append(Reason("over_limit", f"exposure {inputs.exposure:,.2f} + order {inputs.order_amount:,.2f} "
                                            f"exceeds the limit {inputs.limit:,.2f} (headroom {headroom:,.2f})",
                              {"exposure": str(inputs.exposure), "order": str(inputs.order_amount),
                               "limit": str(inputs.limit), "headroom": str(headroom)}))
    if inputs.limit_under_review:
        reasons.append(Reason("limit_under_review", "the limit is past its review date"))
    if inputs.overdue_old > policy.overdue_amount:
        reasons.append(Reason("overdue", f"{inputs.overdue_old:,.2f} overdue by more than {policy.overdue_days} days",
                              {"overdue": str(inputs.overdue_old), "days": str(policy.overdue_days)}))
    if inputs.grade in policy.hold_grades:
        reasons.append(Reason("high_risk_grade", f"the buyer is graded {inputs.grade}", {"grade": str(inputs.grade)}))
    if inputs.grade is None and policy.require_assessment:
        reasons.append(Reason("not_assessed", "the buyer has never been assessed"))
    if inputs.country_terms not in (None, "open_account"):
        reasons.append(Reason("country_requires_security", f"the country allows {inputs.country_terms} at best, "
                                                           "not open account", {"terms": str(inputs.country_terms)}))
    if inputs.supply_suspended:
        reasons.append(Reason("supply_suspended", "shipments to this buyer are stopped (credit block)"))
    return CheckResult(Outcome.HOLD if reasons else Outcome.RELEASE, tuple(reasons), headroom)
