"""`tradecredit report`: aging, DSO, exposure, concentration and the portfolio summary."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Callable, Sequence
from decimal import Decimal
from enum import StrEnum

import typer
from rich.table import Table

from tradecredit.bootstrap import App
from tradecredit.cli.common import console, handled, open_app, parse_day
from tradecredit.services import heatmap as heat
from tradecredit.services.assessment import GradeReport, exposure_by_grade
from tradecredit.services.reports import (
    AgingReport,
    ConcentrationReport,
    DsoReport,
    ExposureReport,
    Snapshot,
    Summary,
    aging_report,
    as_document,
    concentration_report,
    dso_report,
    exposure_report,
    snapshot,
    summary_report,
)

app = typer.Typer(help="Receivables reports in the base currency, as of any date.", no_args_is_help=True)


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class By(StrEnum):
    buyer = "buyer"
    group = "group"


AS_OF = typer.Option(None, "--as-of", help="YYYY-MM-DD (default today)")
FORMAT = typer.Option(Format.table, "--format", help="table, json (amounts as decimal strings) or csv")


def to_json(report: object) -> str:
    return json.dumps(as_document(report), ensure_ascii=False, indent=2)


def _emit(report: object, fmt: Format, rows: Sequence[object], render: Callable[[], None]) -> None:
    if fmt is Format.json:
        console.print(to_json(report), highlight=False, soft_wrap=True)
    elif fmt is Format.csv:
        buffer = io.StringIO()
        records = [dataclasses.asdict(row) for row in rows]  # type: ignore[call-overload]
        if records:
            writer = csv.DictWriter(buffer, fieldnames=list(records[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(records)
        console.print(buffer.getvalue(), end="", highlight=False, soft_wrap=True, markup=False)
    else:
        render()


def _snapshot(tc: App, as_of: str | None) -> Snapshot:
    return snapshot(tc.uow(), as_of=parse_day(as_of, tc), base_currency=tc.settings.base_currency)


def _pct(share: float) -> str:
    return f"{share * 100:.1f}%"


def _days(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _money(value: Decimal) -> str:
    return f"{value:,}"


def render_aging(report: AgingReport) -> None:
    table = Table("bucket", "amount", "invoices", "share",
                  title=f"Aging at {report.as_of} ({report.base_currency})", title_justify="left")
    for bucket in report.buckets:
        table.add_row(bucket.bucket, _money(bucket.amount), str(bucket.invoices), _pct(bucket.share))
    table.add_row("[bold]total", f"[bold]{_money(report.total)}", "", "")
    console.print(table)
    overdue = report.overdue / report.total if report.total else 0
    console.print(f"Overdue: {_money(report.overdue)} {report.base_currency} ({_pct(float(overdue))})")


def render_dso(report: DsoReport) -> None:
    console.print(f"DSO at {report.as_of}: standard {_days(report.standard_days)} days "
                  f"({report.period_days}-day sales {_money(report.sales)} {report.base_currency}), countback "
                  f"{_days(report.countback_days)} days; DBT {_days(report.dbt_days)} days; receivables "
                  f"{_money(report.receivables)} {report.base_currency}")
    table = Table("month end", "receivables", f"{report.period_days}-day sales", "DSO", title="DSO trend",
                  title_justify="left")
    for point in report.trend:
        table.add_row(str(point.month_end), _money(point.receivables), _money(point.sales), _days(point.dso_days))
    console.print(table)


def render_exposure(report: ExposureReport) -> None:
    """All columns on a wide terminal; on a narrow one the columns a credit manager reads first."""
    wide = console.width >= 110
    table = Table(title=f"Exposure by {report.by} at {report.as_of} ({report.base_currency}): total "
                        f"{_money(report.total)}, overdue {_money(report.overdue)}", title_justify="left")
    table.add_column(report.by, no_wrap=True, min_width=7)
    table.add_column("name", no_wrap=True, overflow="ellipsis", max_width=30 if wide else 18)
    headings = ("cty", "open", "overdue", "disputed", "invoices", "oldest dpd", "DBT") if wide else (
        "open", "overdue", "oldest dpd")
    for heading in headings:
        table.add_column(heading, justify="right", no_wrap=True)
    for line in report.lines:
        cells = {"cty": line.country, "open": _money(line.open), "overdue": _money(line.overdue),
                 "disputed": _money(line.disputed), "invoices": str(line.invoices),
                 "oldest dpd": str(line.oldest_days_past_due), "DBT": _days(line.dbt_days)}
        table.add_row(line.ref, line.name, *(cells[h] for h in headings))
    console.print(table)


def render_concentration(report: ConcentrationReport) -> None:
    console.print(f"Concentration by {report.by} at {report.as_of}: top {report.top_n} hold "
                  f"{_pct(report.top_share)} of {_money(report.total)} {report.base_currency}; Herfindahl "
                  f"{report.herfindahl:.4f} (like {report.effective_count:.1f} equal debtors)")
    if not report.top:
        return
    table = Table(report.by, "name", "open", "share", "cumulative")
    for line in report.top:
        table.add_row(line.ref, line.name, _money(line.open), _pct(line.share), _pct(line.cumulative_share))
    console.print(table)


@app.command()
def aging(as_of: str | None = AS_OF, fmt: Format = FORMAT) -> None:
    """Open receivables by days past due (bucket edges from the settings)."""
    with handled():
        tc = open_app()
        report = aging_report(_snapshot(tc, as_of), edges=tc.settings.aging_edges)
        _emit(report, fmt, report.buckets, lambda: render_aging(report))


@app.command()
def dso(as_of: str | None = AS_OF, fmt: Format = FORMAT,
        period_days: int | None = typer.Option(None, min=1, help="sales period (default from settings)")) -> None:
    """Standard and countback DSO, days beyond terms, and the monthly DSO trend."""
    with handled():
        tc = open_app()
        report = dso_report(_snapshot(tc, as_of), period_days=period_days or tc.settings.dso_period_days)
        _emit(report, fmt, report.trend, lambda: render_dso(report))


@app.command()
def exposure(as_of: str | None = AS_OF, fmt: Format = FORMAT, by: By = typer.Option(By.buyer, "--by"),
             top: int | None = typer.Option(None, "--top", min=1, help="only the N largest")) -> None:
    """Open, overdue and disputed exposure per buyer or per group, largest first."""
    with handled():
        tc = open_app()
        report = exposure_report(_snapshot(tc, as_of), by=by.value, limit=top)
        _emit(report, fmt, report.lines, lambda: render_exposure(report))


@app.command()
def concentration(as_of: str | None = AS_OF, fmt: Format = FORMAT, by: By = typer.Option(By.group, "--by"),
                  top: int | None = typer.Option(None, "--top", min=1, help="N for the top-N share")) -> None:
    """Top-N share and Herfindahl index of exposure (by group by default)."""
    with handled():
        tc = open_app()
        report = concentration_report(_snapshot(tc, as_of), by=by.value, top_n=top or tc.settings.top_n)
        _emit(report, fmt, report.top, lambda: render_concentration(report))


@app.command()
def summary(as_of: str | None = AS_OF, fmt: Format = FORMAT) -> None:
    """The portfolio at a glance: aging, DSO, top debtors and concentration."""
    with handled():
        tc = open_app()
        report: Summary = summary_report(_snapshot(tc, as_of), edges=tc.settings.aging_edges,
                                         period_days=tc.settings.dso_period_days, top_n=tc.settings.top_n)
        _emit(report, fmt, report.top_debtors.lines, lambda: _render_summary(report))


@app.command()
def grades(as_of: str | None = AS_OF, fmt: Format = FORMAT) -> None:
    """Exposure and expected loss (PD × exposure × LGD) by the grade of each buyer's latest assessment."""
    with handled():
        tc = open_app()
        report = exposure_by_grade(tc.uow(), as_of=parse_day(as_of, tc), base_currency=tc.settings.base_currency,
                                   lgd=tc.settings.lgd)
        _emit(report, fmt, report.lines, lambda: render_grades(report))


def render_grades(report: GradeReport) -> None:
    table = Table("grade", "buyers", f"exposure {report.base_currency}", "share", "expected loss",
                  title=f"exposure by grade as of {report.as_of} (LGD {report.lgd:.0%})", title_justify="left")
    for line in report.lines:
        table.add_row(f"{line.grade} {line.label_en}", str(line.buyers), f"{line.exposure:,.2f}", f"{line.share:.1%}",
                      f"{line.expected_loss:,.2f}")
    if report.not_assessed_buyers:
        table.add_row("not assessed", str(report.not_assessed_buyers), f"{report.not_assessed_exposure:,.2f}", "", "")
    table.add_row("total", "", f"{report.total:,.2f}", "", f"{report.expected_loss:,.2f}")
    console.print(table)


STYLE = {"critical": "bold red", "warning": "yellow", "info": "cyan"}


def render_heatmap(found: heat.HeatMap, countries: int) -> None:
    """Grades down, the largest countries across; each cell: exposure, buyers and open alerts (the worst in
    colour and as a letter, so it reads without colour too)."""
    shown = found.countries[:countries]
    table = Table("grade", *shown, "total", title=f"Exposure ({found.base_currency}) and open alerts by grade × "
                  f"country at {found.as_of}: total {_money(found.total)}", title_justify="left")

    def cell(item: heat.HeatCell) -> str:
        if not item.buyers:
            return ""
        mark = f" [{STYLE[item.worst]}]{item.open_alerts}{item.worst[0].upper()}[/]" if item.worst else ""
        return f"{item.exposure:,.0f}\n{item.buyers}b{mark}"

    for grade, cells, total in found.rows():
        table.add_row("not assessed" if grade is None else str(grade), *(cell(c) for c in cells[:countries]),
                      cell(total))
    table.add_row("total", *(cell(found.country_totals[code]) for code in shown), _money(found.total))
    console.print(table)
    if len(found.countries) > countries:
        console.print(f"{len(found.countries) - countries} smaller countries not shown (--countries N).")
    console.print("b = buyers; nC / nW / nI = open alerts, the worst critical, warning or info.")


@app.command()
def heatmap(as_of: str | None = AS_OF, fmt: Format = FORMAT,
            countries: int = typer.Option(8, "--countries", min=1, max=300, help="columns in the table")) -> None:
    """Early warning: open exposure by grade × country with the open alerts of each cell."""
    with handled():
        tc = open_app()
        found = heat.heat_map(tc.uow(), as_of=parse_day(as_of, tc), base_currency=tc.settings.base_currency)
        if fmt is Format.table:
            render_heatmap(found, countries)
            return
        document = heat.as_document(found)
        if fmt is Format.json:
            console.print(json.dumps(document, ensure_ascii=False, indent=2), highlight=False, soft_wrap=True)
            return
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["grade", "country", "exposure", "share", "buyers", "open_alerts", "critical", "warning",
                         "info", "worst_severity"])
        for row in document["rows"]:
            for item in row["cells"]:
                writer.writerow([row["grade"] if row["grade"] is not None else "", item["country"],
                                 item["exposure"], f"{item['share']:.6f}", item["buyers"], item["open_alerts"],
                                 *item["alerts"].values(), item["worst_severity"] or ""])
        console.print(buffer.getvalue(), end="", highlight=False, soft_wrap=True, markup=False)


def _render_summary(report: Summary) -> None:
    render_aging(report.aging)
    render_dso(dataclasses.replace(report.dso, trend=report.dso.trend[-6:]))
    render_exposure(report.top_debtors)
    render_concentration(dataclasses.replace(report.concentration, top=[]))


__all__ = ["app", "to_json"]
