"""Importing files into the ledger: every bad-input case leaves the database unchanged."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from tests.builders import BUYER_HEADER, CN_USCC, DE_VAT, INVOICE_HEADER, PAYMENT_HEADER, write_csv
from tradecredit.bootstrap import App
from tradecredit.domain.errors import ImportRejected
from tradecredit.domain.ledger import InvoiceStatus
from tradecredit.services import import_ledger
from tradecredit.services.imports import ImportSummary, import_file
from tradecredit.services.ledger import apply_cash_on_account, buyer_account
from tradecredit.store import queries

BUYERS = [
    ("B1", "上海恒达机械有限公司", "CN", CN_USCC, "CNY", "60", ""),
    ("B2", "Müller Maschinenbau GmbH", "DE", DE_VAT, "EUR", "30", ""),
    ("B3", "Müller Austria GmbH", "AT", "", "EUR", "45", "B2"),
]
INVOICES = [
    ("I1", "B2", "2026-01-10", "2026-02-09", "EUR", "1000.00"),
    ("I2", "B2", "2026-02-10", "2026-03-12", "EUR", "500.50"),
    ("I3", "B1", "2026-03-01", "2026-04-30", "CNY", "8000.00"),
]

ADJUSTMENT_HEADER = ("adjustment_ref", "invoice_ref", "kind", "date", "amount", "reason")


def load(app: App, kind: str, path: Path, **options: object) -> ImportSummary:
    return import_file(app.uow(), kind=kind, path=path, base_currency="EUR", actor="test", **options)  # type: ignore[arg-type]


def counts(app: App) -> dict[str, int]:
    with app.uow() as uow:
        return queries.ledger_counts(uow.session)


@pytest.fixture
def ledger(app: App, tmp_path: Path) -> App:
    load(app, "buyers", write_csv(tmp_path / "buyers.csv", BUYER_HEADER, BUYERS))
    load(app, "invoices", write_csv(tmp_path / "invoices.csv", INVOICE_HEADER, INVOICES))
    return app


def rejected(app: App, kind: str, path: Path) -> ImportRejected:
    before = counts(app)
    with pytest.raises(ImportRejected) as caught:
        load(app, kind, path)
    assert counts(app) == before, "a rejected file must not change the database"
    return caught.value


def test_buyers_load_with_groups_and_chinese_names(app: App, tmp_path: Path) -> None:
    summary = load(app, "buyers", write_csv(tmp_path / "b.csv", BUYER_HEADER, BUYERS))
    assert (summary.rows, summary.inserted, summary.updated, summary.unchanged) == (3, 3, 0, 0)
    account = buyer_account(app.uow(), ref="B3", as_of=date(2026, 11, 28))
    assert account.parent_ref == "B2"
    assert buyer_account(app.uow(), ref="B2", as_of=date(2026, 11, 28)).members == ["B3"]
    chinese = buyer_account(app.uow(), ref="B1", as_of=date(2026, 11, 28))
    assert chinese.name == "上海恒达机械有限公司"
    assert chinese.registration_verified
    assert not account.registration_verified


def test_reimporting_the_same_file_changes_nothing(ledger: App, tmp_path: Path) -> None:
    again = load(ledger, "invoices", write_csv(tmp_path / "again.csv", INVOICE_HEADER, INVOICES))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    buyers = load(ledger, "buyers", write_csv(tmp_path / "buyers.csv", BUYER_HEADER, BUYERS))
    assert (buyers.inserted, buyers.updated, buyers.unchanged) == (0, 0, 3)


def test_a_changed_row_updates_the_record_by_its_ref(ledger: App, tmp_path: Path) -> None:
    extended = [("I1", "B2", "2026-01-10", "2026-03-11", "EUR", "1000.00")]
    summary = load(ledger, "invoices", write_csv(tmp_path / "ext.csv", INVOICE_HEADER, extended))
    assert (summary.updated, summary.unchanged) == (1, 0)
    lines = buyer_account(ledger.uow(), ref="B2", as_of=date(2026, 11, 28)).invoices
    assert [line.due_date for line in lines if line.ref == "I1"] == [date(2026, 3, 11)]


def test_payments_are_allocated_oldest_first_and_overpayments_stay_on_account(ledger: App, tmp_path: Path) -> None:
    payments = [("P1", "B2", "2026-03-20", "EUR", "1200.00", ""), ("P2", "B2", "2026-04-01", "EUR", "400.00", "")]
    summary = load(ledger, "payments", write_csv(tmp_path / "p.csv", PAYMENT_HEADER, payments))
    assert summary.notes == {"allocations": 3}
    account = buyer_account(ledger.uow(), ref="B2", as_of=date(2026, 11, 28))
    status = {line.ref: (line.open_amount, line.status) for line in account.invoices}
    # P1 pays I1 (1000.00) and 200.00 of I2; P2 pays the remaining 300.50 of I2 and keeps 99.50 on account.
    assert status == {"I1": (Decimal("0.00"), InvoiceStatus.PAID), "I2": (Decimal("0.00"), InvoiceStatus.PAID)}
    assert [(p.ref, p.unallocated) for p in account.payments] == [("P1", Decimal("0.00")), ("P2", Decimal("99.50"))]
    as_of_march = buyer_account(ledger.uow(), ref="B2", as_of=date(2026, 3, 25)).invoices
    assert [(line.ref, line.open_amount, line.status) for line in as_of_march] == [
        ("I1", Decimal("0.00"), InvoiceStatus.PAID), ("I2", Decimal("300.50"), InvoiceStatus.PARTIALLY_PAID)]


def test_a_later_payments_file_pays_what_is_still_open_and_cash_for_a_settled_invoice_stays_on_account(
        ledger: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(import_ledger, "ALLOCATION_CHUNK", 1)  # one buyer per allocation round
    credit = [("C1", "I1", "credit_note", "2026-01-20", "100.00", "")]
    load(ledger, "adjustments", write_csv(tmp_path / "a.csv", ADJUSTMENT_HEADER, credit))
    first = [("P1", "B2", "2026-03-01", "EUR", "900.00", "I1")]
    load(ledger, "payments", write_csv(tmp_path / "p1.csv", PAYMENT_HEADER, first))
    second = [("P2", "B2", "2026-03-20", "EUR", "200.00", "I1"), ("P3", "B2", "2026-04-01", "EUR", "300.00", ""),
              ("P4", "B1", "2026-05-01", "CNY", "8000.00", "")]
    assert load(ledger, "payments", write_csv(tmp_path / "p2.csv", PAYMENT_HEADER, second)).notes == {
        "allocations": 2}
    account = buyer_account(ledger.uow(), ref="B2", as_of=date(2026, 11, 28))
    # I1 was settled by the credit note and P1, so P2 naming it stays on account; P3 pays part of I2.
    assert {line.ref: line.open_amount for line in account.invoices} == {"I1": Decimal("0.00"),
                                                                         "I2": Decimal("200.50")}
    assert {p.ref: p.unallocated for p in account.payments} == {
        "P1": Decimal("0.00"), "P2": Decimal("200.00"), "P3": Decimal("0.00")}
    assert [line.open_amount for line in buyer_account(ledger.uow(), ref="B1", as_of=date(2026, 11, 28)).invoices
            ] == [Decimal("0.00")]


def test_applying_cash_on_account_pays_the_oldest_open_invoices(ledger: App, tmp_path: Path) -> None:
    rows = [("P1", "B2", "2026-03-01", "EUR", "1000.00", "I1"), ("P2", "B2", "2026-03-20", "EUR", "200.00", "I1")]
    load(ledger, "payments", write_csv(tmp_path / "p.csv", PAYMENT_HEADER, rows))
    assert apply_cash_on_account(ledger.uow(), actor="test") == 1
    account = buyer_account(ledger.uow(), ref="B2", as_of=date(2026, 11, 28))
    assert {line.ref: line.open_amount for line in account.invoices} == {"I1": Decimal("0.00"),
                                                                         "I2": Decimal("300.50")}
    assert {p.ref: p.unallocated for p in account.payments} == {"P1": Decimal("0.00"), "P2": Decimal("0.00")}


def test_credit_notes_and_write_offs_reduce_the_open_amount(ledger: App, tmp_path: Path) -> None:
    header = ADJUSTMENT_HEADER
    rows = [("C1", "I1", "credit_note", "2026-01-20", "100.00", "returned goods"),
            ("W1", "I1", "write_off", "2026-06-30", "900.00", "insolvency")]
    load(ledger, "adjustments", write_csv(tmp_path / "a.csv", header, rows))
    lines = {line.ref: line for line in buyer_account(ledger.uow(), ref="B2", as_of=date(2026, 11, 28)).invoices}
    assert lines["I1"].status is InvoiceStatus.WRITTEN_OFF
    assert lines["I1"].open_amount == Decimal("0.00")
    too_much = [("C2", "I2", "credit_note", "2026-02-20", "500.51", "")]
    error = rejected(ledger, "adjustments", write_csv(tmp_path / "b.csv", header, too_much))
    assert error.errors[0].reason == "500.51 exceeds the open amount 500.50 EUR of invoice I2"


def test_semicolons_gb18030_and_a_bom_are_all_read(app: App, tmp_path: Path) -> None:
    load(app, "buyers", write_csv(tmp_path / "gb.csv", BUYER_HEADER, BUYERS[:1], delimiter=";", encoding="gb18030"))
    load(app, "buyers", write_csv(tmp_path / "bom.csv", BUYER_HEADER, BUYERS[1:2], encoding="utf-8-sig"))
    assert buyer_account(app.uow(), ref="B1", as_of=date(2026, 11, 28)).name == "上海恒达机械有限公司"
    assert buyer_account(app.uow(), ref="B2", as_of=date(2026, 11, 28)).name == "Müller Maschinenbau GmbH"


def test_xlsx_files_are_read_like_csv(ledger: App, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(PAYMENT_HEADER))
    sheet.append(["P1", "B2", date(2026, 3, 1), "EUR", 250.5, "I1"])
    book.save(tmp_path / "p.xlsx")
    summary = load(ledger, "payments", tmp_path / "p.xlsx")
    assert summary.inserted == 1
    lines = {line.ref: line for line in buyer_account(ledger.uow(), ref="B2", as_of=date(2026, 11, 28)).invoices}
    assert lines["I1"].open_amount == Decimal("749.50")


def test_dry_run_validates_but_writes_nothing(ledger: App, tmp_path: Path) -> None:
    before = counts(ledger)
    rows = [("I9", "B2", "2026-05-01", "2026-05-31", "EUR", "10.00")]
    summary = load(ledger, "invoices", write_csv(tmp_path / "d.csv", INVOICE_HEADER, rows), dry_run=True)
    assert (summary.inserted, summary.dry_run) == (1, True)
    assert counts(ledger) == before


BAD_INVOICES = [
    (("I9", "B404", "2026-05-01", "2026-05-31", "EUR", "10.00"), "buyer_ref",
     "unknown buyer B404; import it with the buyers file first"),
    (("I9", "B2", "2026-05-01", "2026-04-30", "EUR", "10.00"), "due_date",
     "2026-04-30 is before the issue date 2026-05-01"),
    (("I9", "B2", "2026-05-01", "2026-05-31", "EUR", "0"), "amount", "expected an amount greater than zero; got 0.00"),
    (("I9", "B2", "2026-05-01", "2026-05-31", "EUR", "-3.00"), "amount",
     "expected an amount greater than zero; got -3.00"),
    (("I9", "B2", "2026-05-01", "2026-05-31", "EUR", "10.005"), "amount",
     "10.005 has more than 2 decimal(s), the minor unit of EUR"),
    (("I9", "B2", "2026-05-01", "2026-05-31", "EUX", "10.00"), "currency",
     "unknown currency code 'EUX'; expected an ISO 4217 code such as EUR"),
    (("I9", "B2", "2026-13-01", "2026-05-31", "EUR", "10.00"), "issue_date",
     "'2026-13-01' is not a date; expected ISO 8601 YYYY-MM-DD"),
    (("I9", "B2", "2027-01-01", "2027-01-31", "EUR", "10.00"), "issue_date",
     "2027-01-01 is in the future (today is 2026-11-28)"),
]


@pytest.mark.parametrize(("row", "column", "reason"), BAD_INVOICES, ids=[c for _, c, _ in BAD_INVOICES])
def test_a_bad_invoice_row_is_reported_with_line_column_and_reason(ledger: App, tmp_path: Path, row: tuple[str, ...],
                                                                   column: str, reason: str) -> None:
    good = ("I8", "B2", "2026-05-01", "2026-05-31", "EUR", "10.00")
    error = rejected(ledger, "invoices", write_csv(tmp_path / "bad.csv", INVOICE_HEADER, [good, row]))
    assert [(e.file, e.line, e.column, e.reason) for e in error.errors] == [("bad.csv", 3, column, reason)]


def test_every_error_in_a_file_is_reported_in_one_go(ledger: App, tmp_path: Path) -> None:
    rows = [("I7", "B404", "2026-05-01", "2026-05-31", "EUR", "10.00"),
            ("I8", "B2", "2026-05-01", "2026-05-31", "EUR", "10.001"),
            ("I9", "B2", "x", "2026-05-31", "EUR", "10.00")]
    error = rejected(ledger, "invoices", write_csv(tmp_path / "bad.csv", INVOICE_HEADER, rows))
    assert [(e.line, e.column) for e in error.errors] == [(3, "amount"), (4, "issue_date"), (2, "buyer_ref")]
    assert "3 error(s) in bad.csv; nothing was written" in str(error)


def test_the_same_ref_twice_with_different_content_is_an_error(ledger: App, tmp_path: Path) -> None:
    rows = [("I9", "B2", "2026-05-01", "2026-05-31", "EUR", "10.00"),
            ("I9", "B2", "2026-05-01", "2026-05-31", "EUR", "11.00")]
    error = rejected(ledger, "invoices", write_csv(tmp_path / "dup.csv", INVOICE_HEADER, rows))
    assert [(e.line, e.column, e.reason) for e in error.errors] == [
        (3, "invoice_ref", "I9 appears again with different content (first on line 2)")]


def test_an_invoice_cannot_move_to_another_buyer(ledger: App, tmp_path: Path) -> None:
    rows = [("I1", "B1", "2026-01-10", "2026-02-09", "EUR", "1000.00")]
    error = rejected(ledger, "invoices", write_csv(tmp_path / "move.csv", INVOICE_HEADER, rows))
    assert error.errors[0].reason.startswith("invoice I1 is already recorded with another buyer")


def test_a_bad_registration_checksum_is_refused(app: App, tmp_path: Path) -> None:
    rows = [("B9", "Bad Check GmbH", "DE", "DE136695977", "EUR", "30", "")]
    error = rejected(app, "buyers", write_csv(tmp_path / "b.csv", BUYER_HEADER, rows))
    assert (error.errors[0].line, error.errors[0].column) == (2, "registration_id")
    assert "bad checksum" in error.errors[0].reason


def test_an_unknown_parent_and_a_group_cycle_are_refused(app: App, tmp_path: Path) -> None:
    unknown = [("B9", "Child Ltd", "GB", "", "GBP", "30", "B404")]
    error = rejected(app, "buyers", write_csv(tmp_path / "u.csv", BUYER_HEADER, unknown))
    assert error.errors[0].reason == "unknown buyer B404: not in this file nor in the database"
    cycle = [("B8", "A Ltd", "GB", "", "GBP", "30", "B9"), ("B9", "B Ltd", "GB", "", "GBP", "30", "B8")]
    error = rejected(app, "buyers", write_csv(tmp_path / "c.csv", BUYER_HEADER, cycle))
    assert "group links form a cycle" in error.errors[0].reason


def test_a_header_missing_a_required_column_is_refused(app: App, tmp_path: Path) -> None:
    error = rejected(app, "buyers", write_csv(tmp_path / "h.csv", ("buyer_ref", "name"), [("B1", "X")]))
    assert [(e.line, e.column, e.reason) for e in error.errors] == [
        (1, "country", "required column is missing from the header")]


def test_unknown_columns_are_refused_unless_ignored(app: App, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", ("buyer_ref", "name", "country", "colour"), [("B1", "X", "FR", "red")])
    error = rejected(app, "buyers", path)
    assert (error.errors[0].column, error.errors[0].reason.split(";")[0]) == ("colour", "unknown column")
    assert load(app, "buyers", path, ignore_extra=True).inserted == 1


def test_an_empty_file_and_a_header_only_file_are_refused(app: App, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert rejected(app, "buyers", empty).errors[0].reason == "the file is empty"
    header_only = write_csv(tmp_path / "header.csv", BUYER_HEADER, [])
    assert rejected(app, "buyers", header_only).errors[0].reason == "the file has a header but no data rows"


def test_a_binary_file_given_as_csv_is_refused(app: App, tmp_path: Path) -> None:
    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    reason = rejected(app, "buyers", binary).errors[0].reason
    assert reason == "this looks like a binary file, not CSV text (it contains NUL bytes)"


def test_a_payment_for_another_buyers_invoice_is_refused(ledger: App, tmp_path: Path) -> None:
    rows = [("P1", "B1", "2026-03-20", "EUR", "10.00", "I1")]
    error = rejected(ledger, "payments", write_csv(tmp_path / "p.csv", PAYMENT_HEADER, rows))
    assert (error.errors[0].column, error.errors[0].reason) == ("invoice_ref", "invoice I1 belongs to another buyer")


def test_fx_rates_for_the_base_currency_are_refused(app: App, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "fx.csv", ("date", "currency", "rate_to_base"), [("2026-01-02", "EUR", "1")])
    assert rejected(app, "fx", path).errors[0].reason == "EUR is the base currency; its rate is always 1"


def test_an_import_that_changes_records_audits_each_change_with_before_and_after(ledger: App, tmp_path: Path) -> None:
    from tradecredit.services.audit import audit_trail

    moved = [("I1", "B2", "2026-01-10", "2026-03-11", "EUR", "1000.00")]
    load(ledger, "invoices", write_csv(tmp_path / "moved.csv", INVOICE_HEADER, moved))
    regrouped = [("B3", "Müller Austria GmbH", "AT", "", "EUR", "45", "")]
    load(ledger, "buyers", write_csv(tmp_path / "regroup.csv", BUYER_HEADER, regrouped))
    events, _ = audit_trail(ledger.uow())
    changes = [(e.action, e.entity, e.key, e.before, e.after) for e in events if e.action == "import_update"]
    assert changes == [("import_update", "buyers", "B3", {"parent_ref": "B2"}, {"parent_ref": None}),
                       ("import_update", "invoices", "I1", {"due_date": "2026-02-09"}, {"due_date": "2026-03-11"})]
    files = [(e.entity, e.key, e.after["rows"]) for e in events if e.action == "import"]
    assert files == [("buyers", "regroup.csv", 1), ("invoices", "moved.csv", 1), ("invoices", "invoices.csv", 3),
                     ("buyers", "buyers.csv", 3)]
