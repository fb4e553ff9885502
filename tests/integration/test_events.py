"""The buyer events feed on each backend: import from CSV and JSON, bad input, duplicates, insolvency → grade 10."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.builders import BUYER_HEADER, DE_VAT, INVOICE_HEADER, write_csv
from tradecredit.bootstrap import App
from tradecredit.domain.errors import ImportRejected, NotFound, ValidationError
from tradecredit.services import assessment, events
from tradecredit.services.audit import audit_trail
from tradecredit.services.imports import import_file

EVENT_HEADER = ("buyer_ref", "date", "type", "source", "text")


@pytest.fixture
def book(app: App, tmp_path: Path) -> App:
    buyers = [("E1", "Eins GmbH", "DE", DE_VAT, "EUR", "30", ""),
              ("E2", "Due S.r.l.", "IT", "", "EUR", "60", ""),
              ("J1", "Nihon KK", "JP", "HRB 12345", "EUR", "30", ""),
              ("R1", "Andes S.A.", "AR", "HRB-12345", "EUR", "30", "")]
    invoices = [("I1", "E1", "2026-09-01", "2026-10-01", "EUR", "5000.00"),
                ("I2", "E2", "2026-10-15", "2026-12-14", "EUR", "800.00")]
    for kind, header, rows in (("buyers", BUYER_HEADER, buyers), ("invoices", INVOICE_HEADER, invoices)):
        import_file(app.uow(), kind=kind, path=write_csv(tmp_path / f"{kind}.csv", header, rows),
                    base_currency="EUR", actor="test")
    return app


def config(app: App) -> assessment.AssessmentConfig:
    return assessment.AssessmentConfig.from_settings(app.settings)


def import_csv(app: App, path: Path, rows: Sequence[Sequence[str]], header: tuple[str, ...] = EVENT_HEADER,
               **options: Any) -> events.EventImport:
    return events.import_events(app.uow(), path=write_csv(path, header, rows), actor="feed", config=config(app),
                                **options)


def import_json(app: App, path: Path, records: list[dict[str, Any]]) -> events.EventImport:
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return events.import_events(app.uow(), path=path, actor="feed", config=config(app))


def rejected(call: Any) -> list[tuple[int, str, str]]:
    with pytest.raises(ImportRejected) as caught:
        call()
    return [(e.line, e.column, e.reason) for e in caught.value.errors]


FEED = [("E1", "2026-11-02", "payment_incident", "Creditreform", "cheque returned unpaid"),
        ("E2", "2026-10-20", "legal_claim", "Cerved", "claim of 40,000 EUR filed by a supplier"),
        ("E1", "2026-11-20", "news", "Handelsblatt", "announces a restructuring")]


def test_an_events_file_is_stored_and_listed_newest_first(book: App, tmp_path: Path) -> None:
    result = import_csv(book, tmp_path / "feed.csv", FEED)
    assert (result.rows, result.inserted, result.duplicates, result.skipped, result.reassessed) == (3, 3, 0, [], [])
    listed = events.list_events(book.uow())
    assert [(e.buyer_ref, str(e.event_date), e.type) for e in listed.items] == [
        ("E1", "2026-11-20", "news"), ("E1", "2026-11-02", "payment_incident"), ("E2", "2026-10-20", "legal_claim")]
    assert listed.items[0].imported_by == "feed" and listed.total == 3
    assert [e.type for e in events.list_events(book.uow(), buyer_ref="E1", type="payment_incident").items] == [
        "payment_incident"]
    assert [e.buyer_ref for e in events.list_events(book.uow(), since=date(2026, 11, 2)).items] == ["E1", "E1"]
    assert events.list_events(book.uow(), size=1, page=3).items[0].buyer_ref == "E2"


def test_a_json_feed_may_name_buyers_by_registration_number_in_any_spelling(book: App, tmp_path: Path) -> None:
    result = import_json(book, tmp_path / "feed.json", [
        {"registration_id": "de 136 695 976", "date": "2026-11-01", "type": "rating_change", "source": "S&P",
         "text": "downgraded to BB-"},
        {"registration_id": "HRB12345", "country": "jp", "date": "2026-11-03", "type": "news", "source": "Nikkei",
         "text": "new plant", "buyer_ref": None}])
    assert result.inserted == 2
    assert sorted(e.buyer_ref for e in events.list_events(book.uow()).items) == ["E1", "J1"]


def test_every_bad_row_is_reported_with_its_line_column_and_reason_and_nothing_is_written(
        book: App, tmp_path: Path) -> None:
    rows = [("E1", "2026-11-02", "payment_incident", "Creditreform", "cheque returned unpaid"),
            ("NOPE", "2026-11-02", "news", "Press", "unknown buyer"),
            ("E1", "2026-11-29", "news", "Press", "dated tomorrow"),
            ("E1", "02.11.2026", "news", "Press", "German date"),
            ("E1", "2026-11-02", "bankruptcy", "Press", "unknown type"),
            ("E1", "2026-11-02", "news", "Press", "   "),
            ("E1", "2026-11-02", "payment_incident", "Creditreform", "cheque  returned unpaid"),
            ("", "2026-11-02", "news", "Press", "no buyer")]
    errors = rejected(lambda: import_csv(book, tmp_path / "bad.csv", rows))
    assert errors == [
        (3, "buyer_ref", "unknown buyer NOPE; import it with the buyers file first"),
        (4, "date", "2026-11-29 is in the future (today is 2026-11-28)"),
        (5, "date", "'02.11.2026' is not a date; expected ISO 8601 YYYY-MM-DD"),
        (6, "type", "unknown event type 'bankruptcy'; expected one of insolvency, payment_incident, legal_claim, "
                    "rating_change, news"),
        (7, "text", "is required and cannot be empty"),
        (8, "text", "the same event as line 2 (buyer E1, 2026-11-02, payment_incident, Creditreform)"),
        (9, "buyer_ref", "give the buyer's buyer_ref or its registration_id"),
    ]
    assert events.list_events(book.uow()).total == 0


def test_json_errors_name_the_position_of_the_object_in_the_array(book: App, tmp_path: Path) -> None:
    path = tmp_path / "feed.json"
    path.write_text(json.dumps([{"buyer_ref": "E1", "date": "2026-11-01", "type": "news", "source": "x", "text": "ok"},
                                {"buyer_ref": "E9", "date": "2026-11-01", "type": "news", "source": "x", "text": "?"},
                                "not an object"]), encoding="utf-8")
    assert rejected(lambda: events.import_events(book.uow(), path=path, actor="feed", config=config(book))) == [
        (3, "", "item 3 is a JSON str, not an object")]
    path.write_text(json.dumps([{"buyer_ref": "E1", "date": "2026-11-01", "type": "news", "source": "x", "text": "a"},
                                {"buyer_ref": "E9", "date": "2026-11-01", "type": "news", "source": "x",
                                 "text": "b"}]), encoding="utf-8")
    assert rejected(lambda: events.import_events(book.uow(), path=path, actor="feed", config=config(book))) == [
        (2, "buyer_ref", "unknown buyer E9; import it with the buyers file first")]
    path.write_text('{"buyer_ref": "E1"}', encoding="utf-8")
    assert rejected(lambda: events.import_events(book.uow(), path=path, actor="feed", config=config(book))) == [
        (0, "", "expected a JSON array of objects, one per event")]


def test_a_registration_number_two_buyers_share_needs_the_country(book: App, tmp_path: Path) -> None:
    header = ("registration_id", "country", "date", "type", "source", "text")
    errors = rejected(lambda: import_csv(book, tmp_path / "r.csv", [("HRB 12345", "", "2026-11-01", "news", "x",
                                                                     "y")], header=header))
    assert errors == [(2, "registration_id", "HRB 12345 is registered by 2 buyers (J1, R1); add the country or "
                                             "give the buyer_ref")]
    assert import_csv(book, tmp_path / "r.csv", [("HRB 12345", "AR", "2026-11-01", "news", "x", "y")],
                      header=header).inserted == 1
    assert events.list_events(book.uow()).items[0].buyer_ref == "R1"
    both = ("buyer_ref", *header)
    errors = rejected(lambda: import_csv(book, tmp_path / "r.csv", [("E1", "HRB 12345", "AR", "2026-11-02", "news",
                                                                     "x", "y")], header=both))
    assert errors == [(2, "registration_id", "HRB 12345 is buyer R1's registration number, not E1's")]


def test_re_importing_a_feed_skips_what_is_stored_and_reports_each_skipped_line(book: App, tmp_path: Path) -> None:
    import_csv(book, tmp_path / "day1.csv", FEED[:2])
    again = import_csv(book, tmp_path / "day2.csv", FEED)
    assert (again.rows, again.inserted, again.duplicates) == (3, 1, 2)
    assert [(s.line, s.reason) for s in again.skipped] == [(2, "already recorded on 2026-11-28 by feed: skipped"),
                                                          (3, "already recorded on 2026-11-28 by feed: skipped")]
    assert events.list_events(book.uow()).total == 3
    imports = [e for e in audit_trail(book.uow(), entity="buyer_events")[0] if e.action == "import"]
    assert [(e.after or {})["inserted"] for e in imports] == [1, 2]  # newest first
    assert (imports[0].after or {})["unchanged"] == 2


def test_a_dry_run_checks_everything_and_writes_nothing(book: App, tmp_path: Path) -> None:
    result = import_csv(book, tmp_path / "feed.csv", FEED, dry_run=True)
    assert (result.inserted, result.dry_run) == (3, True)
    assert events.list_events(book.uow()).total == 0


def test_an_insolvency_sets_grade_10_at_once_with_its_reason_in_english_and_chinese(book: App,
                                                                                    tmp_path: Path) -> None:
    before = assessment.assess_buyer(book.uow(), ref="E2", actor="test", config=config(book))
    assert before.grade < 10
    result = import_csv(book, tmp_path / "feed.csv", [
        ("E2", "2026-11-10", "insolvency", "Tribunale di Milano", "liquidazione giudiziale aperta"),
        ("E1", "2026-11-12", "news", "Press", "unrelated")])
    assert result.reassessed == [events.Reassessed("E2", 10)]
    view = assessment.latest_assessment(book.uow(), ref="E2")
    assert (view.grade, view.pd, view.in_default, view.score) == (10, 1.0, True, 0)
    assert view.default_reason == "insolvency reported on 2026-11-10 (source: Tribunale di Milano)"
    assert view.outputs["default_reason_zh"] == "2026-11-10 报告破产（来源：Tribunale di Milano）"
    assert view.trigger == "insolvency reported on 2026-11-10 (Tribunale di Milano)"
    assert view.inputs["insolvency"] == {"on": "2026-11-10", "source": "Tribunale di Milano"}
    with pytest.raises(NotFound):  # only the insolvent buyer was re-assessed
        assessment.latest_assessment(book.uow(), ref="E1")


def test_an_insolvency_counts_only_from_its_date(book: App, tmp_path: Path) -> None:
    import_csv(book, tmp_path / "feed.csv", [("E2", "2026-11-10", "insolvency", "Court", "proceedings opened")])
    earlier = assessment.assess_buyer(book.uow(), ref="E2", actor="test", config=config(book),
                                      as_of=date(2026, 11, 9))
    assert earlier.grade < 10 and not earlier.in_default
    run = assessment.assess_all(book.uow(), actor="test", config=config(book))
    assert run.in_default == 1


def test_listing_events_of_an_unknown_buyer_or_type_is_refused(book: App) -> None:
    with pytest.raises(NotFound):
        events.list_events(book.uow(), buyer_ref="NOPE")
    with pytest.raises(ValidationError, match="unknown event type 'fire'"):
        events.list_events(book.uow(), type="fire")


def test_events_recorded_one_by_one_are_audited_each_and_re_posting_is_idempotent(book: App) -> None:
    record = {"buyer_ref": "E1", "date": "2026-11-02", "type": "legal_claim", "source": "Court", "text": "claim"}
    first = events.record_events(book.uow(), records=[record], actor="api:anna", config=config(book))
    second = events.record_events(book.uow(), records=[record], actor="api:anna", config=config(book))
    assert (first.inserted, second.inserted, second.duplicates) == (1, 0, 1)
    trail = audit_trail(book.uow(), entity="buyer_events")[0]
    assert [(e.action, e.key, e.actor) for e in trail] == [("create", "E1 / 2026-11-02 / legal_claim", "api:anna")]
    with pytest.raises(ValidationError, match="expected at least one event"):
        events.record_events(book.uow(), records=[], actor="api:anna", config=config(book))
