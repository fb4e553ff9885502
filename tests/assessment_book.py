"""A small ledger for assessment tests: one buyer per case the assessment must handle."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tests.builders import INVOICE_HEADER, PAYMENT_HEADER, write_csv
from tradecredit.bootstrap import App
from tradecredit.domain.statements import LINE_ITEMS
from tradecredit.services.imports import import_file

BUYERS = ("buyer_ref", "name", "country", "industry")
HEALTHY = {"revenue": 10_000_000, "cost_of_sales": 7_000_000, "gross_profit": 3_000_000,
           "operating_expenses": 2_000_000, "ebit": 1_000_000, "depreciation": 200_000, "interest_expense": 100_000,
           "net_income": 700_000, "total_assets": 8_000_000, "fixed_assets": 3_000_000, "current_assets": 5_000_000,
           "inventory": 1_500_000, "receivables": 2_000_000, "cash": 1_000_000, "total_liabilities": 4_000_000,
           "current_liabilities": 2_500_000, "long_term_liabilities": 1_500_000, "equity": 4_000_000,
           "retained_earnings": 2_000_000, "share_capital": 1_000_000, "operating_cash_flow": 900_000}
WEAKER = {**HEALTHY, "net_income": 100_000, "total_liabilities": 6_000_000, "equity": 2_000_000,
          "current_liabilities": 4_000_000, "retained_earnings": 200_000}
TODAY = date(2026, 11, 28)


def statement(ref: str, period_end: str, currency: str, items: dict[str, int]) -> tuple[object, ...]:
    return (ref, period_end, currency, *(items.get(name, "") for name in LINE_ITEMS))


def load(app: App, tmp_path: Path, kind: str, header: tuple[str, ...], rows: list[tuple[object, ...]]) -> None:
    import_file(app.uow(), kind=kind, path=write_csv(tmp_path / f"{kind}.csv", header, rows), base_currency="EUR",
                actor="test")


def build_book(app: App, tmp_path: Path) -> App:
    """Six buyers: A1 healthy and prompt, A2 CA > TA, A3 negative TA, A4 JPY statement without a rate, A5 stale,
    A6 written off."""
    load(app, tmp_path, "buyers", BUYERS, [
        ("A1", "Alpha GmbH", "DE", "28.22"), ("A2", "Bad Stats S.r.l.", "IT", ""), ("A3", "Minus S.A.", "FR", ""),
        ("A4", "Yen KK", "JP", "46.69"), ("A5", "Old Stats BV", "NL", ""), ("A6", "Gone Ltd", "GB", "")])
    load(app, tmp_path, "financials", ("buyer_ref", "period_end", "currency", *LINE_ITEMS), [
        statement("A1", "2024-12-31", "EUR", WEAKER), statement("A1", "2025-12-31", "EUR", HEALTHY),
        statement("A2", "2025-12-31", "EUR", {**HEALTHY, "current_assets": 9_000_000}),  # CA > TA
        statement("A3", "2025-12-31", "EUR", {**HEALTHY, "total_assets": -100}),
        statement("A4", "2025-12-31", "JPY", HEALTHY),  # no JPY rate anywhere
        statement("A5", "2024-12-31", "EUR", HEALTHY)])  # stale: 2024-12-31 + 18 months < today
    load(app, tmp_path, "invoices", INVOICE_HEADER, [
        ("I1", "A1", "2026-09-01", "2026-09-30", "EUR", "1000.00"),
        ("I2", "A1", "2026-11-01", "2026-12-01", "EUR", "500.00"),
        ("I6", "A6", "2026-01-01", "2026-02-01", "EUR", "1000.00")])
    load(app, tmp_path, "adjustments", ("adjustment_ref", "invoice_ref", "kind", "date", "amount"),
         [("W6", "I6", "write_off", "2026-10-01", "1000.00")])
    load(app, tmp_path, "payments", PAYMENT_HEADER, [("P1", "A1", "2026-10-10", "EUR", "1000.00", "I1")])
    return app
