"""Financial statements of buyers: the line items the assessment computes ratios from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

LINE_ITEMS: tuple[str, ...] = (
    "revenue", "cost_of_sales", "gross_profit", "operating_expenses", "ebit", "depreciation",
    "interest_expense", "net_income", "total_assets", "fixed_assets", "current_assets", "inventory",
    "receivables", "cash", "total_liabilities", "current_liabilities", "long_term_liabilities", "equity",
    "retained_earnings", "share_capital", "operating_cash_flow",
)


@dataclass(frozen=True, slots=True)
class FinancialStatement:
    """One reporting period of a buyer; any line item may be missing (None)."""

    buyer_ref: str
    period_end: date
    currency: str
    items: dict[str, Decimal | None] = field(default_factory=dict)

    def item(self, name: str) -> Decimal | None:
        return self.items.get(name)
