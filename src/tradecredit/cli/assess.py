"""`tradecredit assess`: grade, PD, reasons, recommended limit and terms for one buyer or the whole portfolio."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.progress import Progress
from rich.table import Table

from tradecredit.cli.common import actor, console, handled, open_app, parse_day
from tradecredit.domain.errors import ValidationError
from tradecredit.services import assessment as service
from tradecredit.services.reports import as_document


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.2%}"


def show(view: service.AssessmentView, lang: str) -> None:
    """Print one assessment: the headline, its components, reasons, limit terms and payment terms."""
    zh = lang == "zh"
    label = view.grade_label_zh if zh else view.grade_label_en
    console.print(f"[bold]{view.ref}[/] {view.name} ({view.country}) — grade [bold]{view.grade}[/] {label}; "
                  f"PD {_pct(view.pd)} (financial {_pct(view.financial_pd)}); score {view.score} band {view.band}; "
                  f"DRA {view.dra}; as of {view.as_of} by {view.actor} ({view.trigger}), model {view.model_version}")
    notes = [text for flag, text in ((view.limited_information, "limited information: no usable statement"),
                                     (view.stale_statement, "stale statement (older than the configured months)"),
                                     (view.in_default, f"in default: {view.default_reason}")) if flag]
    for note in notes + [f"flag: {flag}" for flag in view.flags]:
        console.print(f"  [yellow]! {note}[/]")
    components = Table("component", "log-odds", "× odds", "why", title="PD adjustments", title_justify="left")
    for item in view.outputs["components"]:
        components.add_row(item["name"], f"{item['add']:+.2f}", f"{item['odds_factor']:.2f}",
                           item["text_zh" if zh else "text_en"])
    console.print(components)
    for reason in view.outputs["reasons"]:
        arrow = "↑" if reason["direction"] == "up" else "↓"
        console.print(f"  {arrow} {reason['text_zh' if zh else 'text_en']}")
    title = f"recommended limit {view.recommended_limit:,.0f} {view.currency} ({view.outputs['limit']['note']})"
    limit = Table("term", f"amount {view.currency}", "formula", title=title, title_justify="left")
    for term in view.outputs["limit"]["terms"]:
        amount = "-" if term["amount"] is None else f"{float(term['amount']):,.0f}"
        limit.add_row(term["name"] + (" *" if term["binding"] else ""), amount, term["formula"])
    console.print(limit)
    terms = view.outputs["terms"]
    console.print(f"terms: {terms['kind']} {terms['days']} days; security: "
                  f"{terms['security_zh' if zh else 'security_en']} ({terms['why_zh' if zh else 'why']})")
    chosen = view.outputs.get("credit_class")
    if chosen:
        console.print(f"credit class {chosen['name']}: {chosen['terms_zh' if zh else 'terms_en']}")
    change = view.change_zh if zh else view.change_en
    if change:
        console.print(f"change: {change}")


def _history(tc: Any, ref: str, as_json: bool) -> None:
    page = service.assessment_history(tc.uow(), ref=ref, size=100)
    if as_json:
        console.print(json.dumps([as_document(v) for v in page.items], ensure_ascii=False), soft_wrap=True)
        return
    table = Table("as of", "assessed at", "by", "grade", "PD", "limit", "terms", "change",
                  title=f"{ref}: {page.total} assessment(s), newest first", title_justify="left")
    for view in page.items:
        table.add_row(str(view.as_of), f"{view.assessed_at:%Y-%m-%d %H:%M}", view.actor, str(view.grade),
                      _pct(view.pd), f"{view.recommended_limit:,.0f}", f"{view.terms} {view.terms_days}",
                      view.change_en or "")
    console.print(table)


def _all(tc: Any, config: service.AssessmentConfig, as_of: str | None, reason: str, as_json: bool,
         unassessed: bool) -> None:
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("assessing buyers", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        result = service.assess_all(tc.uow(), actor=actor(), config=config, as_of=parse_day(as_of, tc) if as_of
                                    else None, trigger=reason, progress=advance, unassessed_only=unassessed)
    if as_json:
        console.print(json.dumps(as_document(result), ensure_ascii=False), soft_wrap=True)
        return
    console.print(f"assessed {result.assessed} buyers as of {result.as_of} in {result.seconds:.1f} s: "
                  f"{result.limited_information} with limited information, {result.stale} with stale statements, "
                  f"{result.in_default} in default")
    table = Table("grade", "buyers")
    for grade, count in result.by_grade.items():
        table.add_row(str(grade), str(count))
    console.print(table)


def assess(
    buyer: str | None = typer.Option(None, "--buyer", help="the buyer's ref"),
    everyone: bool = typer.Option(False, "--all", help="every buyer, in one transaction"),
    unassessed: bool = typer.Option(False, "--unassessed", help="with --all: only buyers never assessed"),
    as_of: str | None = typer.Option(None, "--as-of", help="assess as of this date (YYYY-MM-DD)"),
    reason: str = typer.Option("manual", "--reason", help="why (kept with the assessment)"),
    history: bool = typer.Option(False, "--history", help="show the buyer's past assessments; assess nothing"),
    latest: bool = typer.Option(False, "--show", help="show the buyer's latest assessment; assess nothing"),
    lang: str = typer.Option("en", "--lang", help="en or zh"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Assess buyers: 12-month PD and grade 1–10 with reasons, recommended limit and payment terms (stored)."""
    with handled():
        if (buyer is None) == (not everyone):
            raise ValidationError("--buyer", "give either --buyer REF or --all")
        if lang not in ("en", "zh"):
            raise ValidationError("--lang", f"expected en or zh; got {lang!r}")
        tc = open_app()
        config = service.AssessmentConfig.from_settings(tc.settings)
        if everyone:
            _all(tc, config, as_of, reason if reason != "manual" else "portfolio run", as_json, unassessed)
            return
        assert buyer is not None
        if history:
            _history(tc, buyer, as_json)
            return
        view = (service.latest_assessment(tc.uow(), ref=buyer) if latest else
                service.assess_buyer(tc.uow(), ref=buyer, actor=actor(), config=config,
                                     as_of=parse_day(as_of, tc) if as_of else None, trigger=reason))
        if as_json:
            console.print(json.dumps(as_document(view), ensure_ascii=False), soft_wrap=True)
            return
        show(view, lang)
