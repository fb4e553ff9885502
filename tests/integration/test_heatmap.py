"""The early-warning heat map on a small book whose grid is computed by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tests.builders import BUYER_HEADER, INVOICE_HEADER, write_csv
from tests.integration.test_digest import add_alert
from tradecredit.bootstrap import App
from tradecredit.services.heatmap import as_document, heat_map
from tradecredit.services.imports import import_file

TODAY = date(2026, 11, 28)
GRADES = {"A1": 3, "A2": 3, "A3": 8, "A5": 3}  # A4 is not assessed


def heat_book(app: App, tmp_path: Path) -> App:
    """Exposure 240,000 EUR: DE grade 3 150,000 (A1 100,000 + A2 50,000; alerts warning, critical, info), FR grade 8
    50,000 (A3, two invoices; a resolved alert), FR not assessed 40,000 (A4), CN grade 3 nothing open but a
    critical alert (A5)."""
    buyers = [("A1", "Alpha GmbH", "DE"), ("A2", "Beta AG", "DE"), ("A3", "Gamma SA", "FR"), ("A4", "Delta SARL", "FR"),
              ("A5", "上海远航贸易有限公司", "CN")]
    write_csv(tmp_path / "buyers.csv", BUYER_HEADER, [(ref, name, cty, "", "EUR", 30, "") for ref, name, cty in buyers])
    invoices = [("I1", "A1", "2026-11-01", "2026-12-01", "EUR", "100000.00"),
                ("I2", "A2", "2026-10-01", "2026-10-31", "EUR", "50000.00"),
                ("I3", "A3", "2026-11-10", "2026-12-10", "EUR", "30000.00"),
                ("I4", "A3", "2026-11-12", "2026-12-12", "EUR", "20000.00"),
                ("I5", "A4", "2026-11-15", "2026-12-15", "EUR", "40000.00")]
    write_csv(tmp_path / "invoices.csv", INVOICE_HEADER, invoices)
    for kind in ("buyers", "invoices"):
        import_file(app.uow(), kind=kind, path=tmp_path / f"{kind}.csv", base_currency="EUR", actor="test")
    with app.uow() as uow:
        ids = {ref: uow.buyers.get(ref).id for ref, _, _ in buyers}
        uow.assessments.add_many([
            {"buyer_id": ids[ref], "as_of": TODAY, "assessed_at": app.clock.now(), "actor": "test", "trigger": "test",
             "model_version": "test", "statement_id": None, "statement_period_end": None, "financial_pd": None,
             "pd": 0.01, "grade": grade, "score": 500, "limited_information": False, "stale_statement": False,
             "recommended_limit": Decimal(0), "currency": "EUR", "terms": "open_account", "terms_days": 30,
             "drivers": {}, "inputs": {}, "outputs": {}} for ref, grade in GRADES.items()])
        uow.commit()
    add_alert(app, ids["A1"], "utilisation_high", "warning", TODAY)
    add_alert(app, ids["A2"], "overdue_30", "critical", TODAY)
    add_alert(app, ids["A2"], "stale_statement", "info", TODAY)
    add_alert(app, ids["A3"], "dbt_rising", "warning", TODAY, status="resolved")
    add_alert(app, ids["A5"], "external_event", "critical", TODAY)
    return app


@pytest.fixture
def book(app: App, tmp_path: Path) -> App:
    return heat_book(app, tmp_path)


def test_the_grid_holds_exposure_buyers_and_open_alerts_per_grade_and_country(book: App) -> None:
    found = heat_map(book.uow(), as_of=TODAY, base_currency="EUR")
    assert found.total == Decimal("240000.00")
    assert found.countries == ["DE", "FR", "CN"]
    de = found.cell(3, "DE")
    assert (de.exposure, de.buyers, de.open_alerts, de.worst) == (Decimal("150000.00"), 2, 3, "critical")
    assert de.share == pytest.approx(0.625)
    assert de.alerts == {"warning": 1, "critical": 1, "info": 1}
    fr = found.cell(8, "FR")
    assert (fr.exposure, fr.buyers, fr.open_alerts, fr.worst) == (Decimal("50000.00"), 1, 0, None)
    assert fr.share == pytest.approx(50 / 240)
    unassessed = found.cell(None, "FR")
    assert (unassessed.exposure, unassessed.buyers) == (Decimal("40000.00"), 1)
    cn = found.cell(3, "CN")
    assert (cn.exposure, cn.buyers, cn.alerts) == (Decimal("0.00"), 1, {"critical": 1})
    assert found.cell(1, "DE").buyers == 0
    assert [(grade, total.exposure, total.buyers, total.open_alerts) for grade, _, total in found.rows()] == [
        (3, Decimal("150000.00"), 3, 4), (8, Decimal("50000.00"), 1, 0), (None, Decimal("40000.00"), 1, 0)]
    assert found.country_totals["FR"].exposure == Decimal("90000.00")


def test_the_document_is_json_ready(book: App) -> None:
    document = as_document(heat_map(book.uow(), as_of=TODAY, base_currency="EUR"))
    first = document["rows"][0]
    assert (first["grade"], first["exposure"], first["worst_severity"]) == (3, "150000.00", "critical")
    assert [cell["country"] for cell in first["cells"]] == ["DE", "CN"]
    assert document["rows"][-1]["grade"] is None
    assert document["country_totals"][0] == {"country": "DE", "exposure": "150000.00", "share": 0.625, "buyers": 2,
                                             "open_alerts": 3, "alerts": {"critical": 1, "warning": 1, "info": 1},
                                             "worst_severity": "critical"}


def test_before_any_invoice_only_the_alerts_remain(book: App) -> None:
    found = heat_map(book.uow(), as_of=date(2026, 9, 1), base_currency="EUR")
    assert found.total == Decimal("0.00")
    assert found.cell(3, "DE").open_alerts == 3 and found.cell(3, "DE").exposure == Decimal("0.00")
