"""`tradecredit advise`: the expected profit of a proposed sale on open account and with security, and the terms
to offer (docs/credit-terms.md)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import typer
from rich.table import Table

from tradecredit.cli.common import console, handled, open_app
from tradecredit.domain.errors import ValidationError
from tradecredit.domain.terms_advisor import parse_share
from tradecredit.services import terms_advisor as service
from tradecredit.services.reports import as_document

COLUMNS = (("margin", "毛利"), ("discount", "折扣"), ("financing", "资金成本"), ("expected loss", "预期损失"),
           ("fees", "费用"), ("lost sales", "流失销售"), ("profit", "预期利润"))


def _days_list(text: str | None) -> tuple[int, ...] | None:
    if text is None:
        return None
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        reason = f"expected day counts separated by commas such as 30,60,90; got {text!r}"
        raise ValidationError("--terms", reason) from None


def _share(value: Decimal) -> str:
    """0.25 → 25%, 0.925 → 92.5% (every digit given, none invented)."""
    return f"{(value * 100).normalize():f}%"


def _document(view: service.TermsAdviceView) -> dict[str, Any]:
    document = as_document(view)
    document["options"] = [as_document(option) for option in view.options]  # a tuple, which as_document keeps
    return document


def show(view: service.TermsAdviceView, lang: str) -> None:
    """Print the sale, one row per option with every figure, and the recommendation."""
    zh = lang == "zh"
    sale = view.sale
    source = "given"
    if view.buyer is not None:
        source = f"{view.buyer} {view.buyer_name}: assessment of {view.assessed_on}, grade {view.grade}"
    console.print(f"{sale.amount:,f} {sale.currency} on {sale.days} days; margin {_share(sale.margin)}, cost of "
                  f"capital {_share(sale.cost_of_capital)} a year, 12-month PD {sale.pd:.2%} ({source}), LGD "
                  f"{_share(sale.lgd)}, insured {_share(sale.insured)}", highlight=False)
    headers = (("option", "方式"), ("days", "天数"), ("PD(days)", "期间违约率"), *COLUMNS)
    title = (f"各方式预期利润（{sale.currency}；* = 建议）" if zh else
             f"expected profit per option ({sale.currency}; * = recommended)")
    table = Table(*(name[zh] for name in headers), title=title, title_justify="left")
    for option in view.options:
        figures = (option.margin, option.discount, option.financing_cost, option.expected_loss, option.fees,
                   option.lost_sales, option.profit)
        table.add_row(("* " if option.recommended else "  ") + (option.label_zh if zh else option.label_en),
                      str(option.days), f"{option.pd_term:.3%}", *(f"{value:,f}" for value in figures))
    console.print(table)
    advice = view.recommendation
    console.print(f"[bold]{'建议' if zh else 'recommendation'}:[/] "
                  f"{advice.explanation_zh if zh else advice.explanation_en}", highlight=False)


def advise(
    amount: str = typer.Option(..., "--amount", help="the sale, in the base currency"),
    days: int = typer.Option(..., "--days", help="the credit period the buyer asks for (0–365)"),
    margin: str = typer.Option(..., "--margin", help="gross margin as a share of the amount (0.25 = 25%)"),
    cost_of_capital: str = typer.Option(..., "--cost-of-capital", help="annual cost of capital (0.08 = 8%)"),
    pd: float | None = typer.Option(None, "--pd", help="the buyer's 12-month PD (0.02 = 2%)"),
    buyer: str | None = typer.Option(None, "--buyer", help="or a buyer ref: the PD of its latest assessment"),
    insured: str = typer.Option("0", "--insured", help="insured share of a credit loss (0.9 = 90%)"),
    lgd: str | None = typer.Option(None, "--lgd", help="loss given default (default: the lgd setting)"),
    terms: str | None = typer.Option(None, "--terms", help="shorter open-account terms to try (default 30,60,90,120)"),
    lang: str = typer.Option("en", "--lang", help="en or zh"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Compare open account, documentary collection, a confirmed L/C and prepayment for a sale; recommend terms."""
    with handled():
        if lang not in ("en", "zh"):
            raise ValidationError("--lang", f"expected en or zh; got {lang!r}")
        tc = open_app()
        view = service.advise_terms(
            tc.uow(), config=service.AdvisorConfig.from_settings(tc.settings), amount=amount, days=days,
            margin=parse_share(margin, "--margin"), cost_of_capital=parse_share(cost_of_capital, "--cost-of-capital"),
            pd=pd, buyer=buyer, insured=parse_share(insured, "--insured"),
            lgd=None if lgd is None else parse_share(lgd, "--lgd"), open_account_days=_days_list(terms))
        if as_json:
            console.print(json.dumps(_document(view), ensure_ascii=False), soft_wrap=True)
            return
        show(view, lang)

