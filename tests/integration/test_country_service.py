"""Country grades on each backend: shipped WGI grades, imported ratings with history, settings, stress test."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tests.builders import BUYER_HEADER, INVOICE_HEADER, write_csv
from tradecredit.bootstrap import App
from tradecredit.domain.country import PaymentTerms, TermsPolicy
from tradecredit.domain.errors import ImportRejected, StaleVersion, ValidationError
from tradecredit.services import country
from tradecredit.services.imports import import_file

HEADER = ("country", "scale", "grade", "as_of", "source")
POLICY = TermsPolicy()


def ratings(app: App, tmp_path: Path, rows: list[tuple[str, ...]], name: str = "r.csv") -> int:
    summary = import_file(app.uow(), kind="country_ratings", path=write_csv(tmp_path / name, HEADER, rows),
                          base_currency="EUR", actor="analyst")
    return summary.notes.get("grade_changes", 0)


def test_without_imports_the_shipped_wgi_grade_applies(app: App) -> None:
    grade = country.country_grade(app.uow(), country="cn", on=date(2026, 11, 28))
    assert (grade.grade, grade.imported, grade.since) == (3, False, date(2019, 12, 31))
    assert grade.sub_scores is not None and grade.sub_scores.rule_of_law == 44.5
    assert country.country_grade(app.uow(), country="DE", on=date(2026, 1, 1)).grade == 0


def test_an_imported_rating_wins_from_its_date_and_history_is_kept(app: App, tmp_path: Path) -> None:
    changes = ratings(app, tmp_path, [("CN", "oecd", "2", "2025-06-30", "OECD 2025-06"),
                                      ("CN", "a1_e", "B", "2026-03-31", "insurer Q1")])
    # WGI 3 → OECD 2 (a change), then A1–E "B" = internal 4 (another change).
    assert changes == 2
    assert country.country_grade(app.uow(), country="CN", on=date(2025, 6, 29)).grade == 3
    assert country.country_grade(app.uow(), country="CN", on=date(2025, 7, 1)).grade == 2
    now = country.country_grade(app.uow(), country="CN", on=date(2026, 11, 28))
    assert (now.grade, now.scale, now.label, now.source) == (4, "a1_e", "B", "insurer Q1")
    with app.uow() as uow:
        events = [(e.effective_on, e.old_grade, e.new_grade) for e in uow.country_events.for_country("CN")]
    assert events == [(date(2025, 6, 30), 3, 2), (date(2026, 3, 31), 2, 4)]
    assert ratings(app, tmp_path, [("CN", "oecd", "2", "2025-06-30", "OECD 2025-06")], "again.csv") == 0


def test_bad_ratings_are_all_reported_and_nothing_is_written(app: App, tmp_path: Path) -> None:
    ratings(app, tmp_path, [("DE", "oecd", "0", "2025-01-01", "OECD")])
    rows = [("XX", "oecd", "3", "2025-01-01", "x"), ("DE", "moodys", "1", "2025-01-01", "x"),
            ("DE", "oecd", "8", "2025-02-01", "x"), ("DE", "oecd", "1", "2025-01-01", "OECD"),
            ("FR", "oecd", "0", "2027-01-01", "x"), ("FR", "oecd", "0", "2025-01-01", "x"),
            ("FR", "oecd", "1", "2025-01-01", "x")]
    with pytest.raises(ImportRejected) as caught:
        ratings(app, tmp_path, rows, "bad.csv")
    assert [(e.line, e.column, e.reason) for e in caught.value.errors] == [
        (2, "country", "unknown country code 'XX'; expected ISO 3166-1 alpha-2 such as DE or CN"),
        (3, "scale", "unknown scale 'moodys'; expected one of oecd, a1_e, aa_d, internal"),
        (4, "grade", "expected an OECD grade 0 to 7; got '8'"),
        (6, "as_of", "2027-01-01 is in the future (today is 2026-11-28)"),
        (8, "country", "FR / OECD / 2025-01-01 appears again with different content (first on line 7)"),
        (5, "grade", "DE already has a oecd rating dated 2025-01-01 (0, OECD); ratings are history and are not "
                     "changed")]
    assert country.country_grade(app.uow(), country="FR", on=date(2026, 1, 1)).imported is False


def test_settings_change_with_the_current_version_only(app: App) -> None:
    saved = country.update_settings(app.uow(), country="TR", version=0, actor="cm",
                                    changes={"payment_delay_days": 45, "required_terms": "confirmed_lc"})
    assert (saved.version, saved.payment_delay_days, saved.required_terms) == (1, 45, PaymentTerms.CONFIRMED_LC)
    with pytest.raises(StaleVersion, match="you sent version 0, it is now at 1"):
        country.update_settings(app.uow(), country="TR", version=0, actor="cm", changes={"insured": False})
    with pytest.raises(ValidationError, match="'cash' is not one of"):
        country.update_settings(app.uow(), country="TR", version=1, actor="cm", changes={"required_terms": "cash"})
    grade = country.country_grade(app.uow(), country="TR", on=date(2026, 11, 28))
    profile = country.country_profile(app.uow(), country="TR", on=date(2026, 11, 28), base_currency="EUR",
                                      policy=POLICY)
    # TR's grade 5 allows documentary collection; the country setting demands more: a confirmed L/C.
    assert (grade.grade, profile.line.terms) == (5, PaymentTerms.CONFIRMED_LC)


@pytest.fixture
def exposed(app: App, tmp_path: Path) -> App:
    buyers = [("B1", "上海恒达机械有限公司", "CN", "", "EUR", "60", ""),
              ("B2", "Weber GmbH", "DE", "", "EUR", "30", "")]
    invoices = [("I1", "B1", "2026-09-01", "2026-10-31", "EUR", "800.00"),
                ("I2", "B1", "2026-11-01", "2026-12-31", "EUR", "200.00"),
                ("I3", "B2", "2026-11-01", "2026-12-01", "EUR", "500.00")]
    for kind, header, rows in (("buyers", BUYER_HEADER, buyers), ("invoices", INVOICE_HEADER, invoices)):
        import_file(app.uow(), kind=kind, path=write_csv(tmp_path / f"{kind}.csv", header, rows), base_currency="EUR",
                    actor="t")
    return app


def test_a_downgrade_stress_shows_the_exposure_and_the_terms_that_change(exposed: App) -> None:
    result = country.stress_test(exposed.uow(), country="CN", steps=2, on=date(2026, 11, 28), base_currency="EUR",
                                 policy=POLICY)
    assert (result.grade_before, result.grade_after) == (3, 5)
    assert (result.terms_before, result.terms_after) == (PaymentTerms.OPEN_ACCOUNT,
                                                         PaymentTerms.DOCUMENTARY_COLLECTION)
    assert (result.exposure, result.overdue) == (Decimal("1000.00"), Decimal("800.00"))
    assert [b.ref for b in result.buyers] == ["B1"]
    capped = country.stress_test(exposed.uow(), country="DE", steps=9 - 2, on=date(2026, 11, 28),
                                 base_currency="EUR", policy=POLICY)
    assert (capped.grade_after, capped.terms_after) == (7, PaymentTerms.PREPAYMENT)


def test_the_country_list_sorts_by_grade_or_exposure(exposed: App) -> None:
    by_exposure = country.list_countries(exposed.uow(), on=date(2026, 11, 28), base_currency="EUR", policy=POLICY,
                                         sort="exposure", with_exposure_only=True)
    assert [(c.country, c.buyers, c.exposure) for c in by_exposure] == [("CN", 1, Decimal("1000.00")),
                                                                         ("DE", 1, Decimal("500.00"))]
    by_grade = country.list_countries(exposed.uow(), on=date(2026, 11, 28), base_currency="EUR", policy=POLICY)
    assert len(by_grade) >= 200
    assert by_grade[0].grade == 0 and by_grade[-1].grade in (7, None)
    with pytest.raises(ValidationError, match="'name' is not sortable"):
        country.list_countries(exposed.uow(), on=date(2026, 11, 28), base_currency="EUR", policy=POLICY, sort="name")


def test_lists_and_profiles_read_imported_ratings_and_settings(exposed: App, tmp_path: Path) -> None:
    ratings(exposed, tmp_path, [("CN", "oecd", "5", "2026-06-30", "OECD 2026-06")])
    country.update_settings(exposed.uow(), country="CN", version=0, actor="cm", changes={"insured": True})
    lines = {c.country: c for c in country.list_countries(exposed.uow(), on=date(2026, 11, 28),
                                                          base_currency="EUR", policy=POLICY)}
    assert (lines["CN"].grade, lines["CN"].source) == (5, "oecd 5 · OECD 2026-06")
    profile = country.country_profile(exposed.uow(), country="CN", on=date(2026, 11, 28), base_currency="EUR",
                                      policy=POLICY)
    assert (profile.history[-1].grade, profile.history[-1].label, profile.settings.insured) == (5, "oecd 5", True)
