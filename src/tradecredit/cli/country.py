"""`tradecredit country`: grades, profiles, imported ratings, settings and the downgrade stress test."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table

from tradecredit.cli.common import actor, console, handled, open_app, parse_day
from tradecredit.services import country as service
from tradecredit.services.imports import import_file
from tradecredit.services.reports import as_document

app = typer.Typer(help="Country risk: grades, profiles, ratings, settings, stress tests.", no_args_is_help=True)


class Sort(StrEnum):
    grade = "grade"
    exposure = "exposure"
    country = "country"


def _grade(value: int | None) -> str:
    return "-" if value is None else str(value)


@app.command("import")
def import_ratings(file: Path, dry_run: bool = typer.Option(False, "--dry-run")) -> None:
    """Import official or insurer ratings (CSV/XLSX: country, scale, grade, as_of, source; optional short_term)."""
    with handled():
        tc = open_app()
        summary = import_file(tc.uow(), kind="country_ratings", path=file, base_currency=tc.settings.base_currency,
                              actor=actor(), dry_run=dry_run)
        changes = summary.notes.get("grade_changes", 0)
        console.print(f"{summary.file}: {summary.inserted} new rating(s), {summary.unchanged} unchanged, {changes} "
                      f"grade change(s)" + (" (dry run: nothing written)" if dry_run else ""))


@app.command("list")
def list_countries(sort: Sort = typer.Option(Sort.grade, "--sort"), reverse: bool = typer.Option(False, "--reverse"),
                   exposed: bool = typer.Option(False, "--exposed", help="only countries where we have exposure"),
                   as_of: str | None = typer.Option(None, "--as-of"),
                   as_json: bool = typer.Option(False, "--json")) -> None:
    """Countries with their grade, allowed payment terms and our exposure there."""
    with handled():
        tc = open_app()
        lines = service.list_countries(tc.uow(), on=parse_day(as_of, tc), base_currency=tc.settings.base_currency,
                                       policy=tc.settings.terms_policy(), sort=("-" if reverse else "") + sort.value,
                                       with_exposure_only=exposed)
        if as_json:
            console.print(json.dumps([as_document(line) for line in lines], ensure_ascii=False), soft_wrap=True)
            return
        table = Table("country", "grade", "terms", "buyers", f"exposure {tc.settings.base_currency}", "overdue",
                      "source")
        table.columns[0].no_wrap = True
        for line in lines:
            table.add_row(f"{line.country} {line.name}", _grade(line.grade), line.terms.value if line.terms else "-",
                          str(line.buyers), f"{line.exposure:,}", f"{line.overdue:,}", line.source)
        console.print(table)


@app.command()
def show(country: str, as_of: str | None = typer.Option(None, "--as-of")) -> None:
    """A country's profile: grade and sub-scores, history, settings, exposure and buyers."""
    with handled():
        tc = open_app()
        profile = service.country_profile(tc.uow(), country=country, on=parse_day(as_of, tc),
                                          base_currency=tc.settings.base_currency, policy=tc.settings.terms_policy())
        line, grade = profile.line, profile.grade
        console.print(f"[bold]{line.name}[/] ({line.country}): grade [bold]{_grade(grade.grade)}[/] of 0–7 "
                      f"({grade.source}); allowed terms: {line.terms.value if line.terms else '-'}")
        if grade.sub_scores is not None:
            s = grade.sub_scores
            console.print(f"sub-scores {s.year} (0–100, higher is better): political stability "
                          f"{s.political_stability}, government quality {s.government_quality}, rule of law "
                          f"{s.rule_of_law}, control of corruption {s.control_of_corruption}; composite {s.composite}")
        settings = profile.settings
        console.print(f"settings: transfer restrictions {settings.transfer_restrictions or '-'}; typical delay "
                      f"{settings.payment_delay_days if settings.payment_delay_days is not None else '-'} days; max "
                      f"credit period {settings.max_credit_period_days or '-'}; insured "
                      f"{'-' if settings.insured is None else 'yes' if settings.insured else 'no'}")
        console.print(f"exposure {line.exposure:,} {tc.settings.base_currency}, overdue {line.overdue:,}, "
                      f"{line.buyers} buyer(s)")
        history = Table("date", "grade", "source", title="grade history", title_justify="left")
        for point in profile.history[-12:]:
            history.add_row(str(point.on), _grade(point.grade), (point.label + " · " if point.label else "")
                            + point.source)
        console.print(history)


@app.command("set")
def set_settings(
    country: str,
    version: int = typer.Option(..., help="the settings version you read with `country show` (0 if never set)"),
    transfer_restrictions: str | None = typer.Option(None), payment_delay_days: int | None = typer.Option(None),
    legal_notes: str | None = typer.Option(None), max_credit_period_days: int | None = typer.Option(None),
    required_terms: str | None = typer.Option(None, help="open_account, documentary_collection, confirmed_lc, "
                                                              "prepayment"),
    insured: bool | None = typer.Option(None, "--insured/--not-insured"),
) -> None:
    """Change a country's settings (only the options given)."""
    given = {"transfer_restrictions": transfer_restrictions, "payment_delay_days": payment_delay_days,
             "legal_notes": legal_notes, "max_credit_period_days": max_credit_period_days,
             "required_terms": required_terms, "insured": insured}
    with handled():
        settings = service.update_settings(open_app().uow(), country=country, version=version, actor=actor(),
                                           changes={k: v for k, v in given.items() if v is not None})
        console.print(f"{settings.country} settings saved (version {settings.version}).")


@app.command()
def stress(country: str, steps: int = typer.Option(..., help="grade steps to downgrade (negative: upgrade)"),
           as_of: str | None = typer.Option(None, "--as-of")) -> None:
    """What a downgrade of a country would touch: exposure, allowed terms, buyers' grades and expected loss."""
    with handled():
        tc = open_app()
        result = service.stress_test(tc.uow(), country=country, steps=steps, on=parse_day(as_of, tc),
                                     base_currency=tc.settings.base_currency, policy=tc.settings.terms_policy(),
                                     assessment_policy=tc.settings.assessment_policy(), lgd=tc.settings.lgd)
        before = result.terms_before.value if result.terms_before else "-"
        after = result.terms_after.value if result.terms_after else "-"
        console.print(f"{result.country}: grade {_grade(result.grade_before)} → {_grade(result.grade_after)}; "
                      f"terms {before} → {after}; exposure affected {result.exposure:,} "
                      f"{tc.settings.base_currency} (overdue {result.overdue:,}) over {len(result.buyers)} buyer(s); "
                      f"expected loss {result.expected_loss_before:,} → {result.expected_loss_after:,} "
                      f"(LGD {tc.settings.lgd:.0%}; {result.not_assessed} buyer(s) not assessed)")
        if result.buyers:
            table = Table("buyer", "name", "open", "terms now", "terms after", "grade", "expected loss")
            for buyer in result.buyers:
                table.add_row(buyer.ref, buyer.name, f"{buyer.open:,}", before, after,
                              f"{_grade(buyer.grade_before)} → {_grade(buyer.grade_after)}",
                              "-" if buyer.expected_loss_before is None else
                              f"{buyer.expected_loss_before:,} → {buyer.expected_loss_after:,}")
            console.print(table)
