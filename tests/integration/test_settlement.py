"""``invoices.settled_on`` and ``invoices.has_settlements`` follow the settlements, and the exposure read, which
passes over invoices settled by its day and sums no settlements for invoices without any, reads exactly what a read
of every invoice with its sums reads."""

from __future__ import annotations

import sqlite3
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from tests.builders import BUYER_HEADER, DE_VAT, INVOICE_HEADER, PAYMENT_HEADER, write_csv
from tradecredit.bootstrap import App, build
from tradecredit.config import Settings
from tradecredit.services.imports import import_file
from tradecredit.store.db import alembic_config
from tradecredit.store.limits import exposure_items
from tradecredit.store.tables import BuyerRecord, InvoiceRecord, PaymentRecord

ADJUSTMENT_HEADER = ("adjustment_ref", "invoice_ref", "kind", "date", "amount", "reason")
BUYERS = [("B2", "Müller Maschinenbau GmbH", "DE", DE_VAT, "EUR", "30", "")]
INVOICES = [
    ("I1", "B2", "2026-01-10", "2026-02-09", "EUR", "1000.00"),
    ("I2", "B2", "2026-02-10", "2026-03-12", "EUR", "500.50"),
    ("I3", "B2", "2026-03-01", "2026-03-31", "EUR", "300.00"),
    ("I4", "B2", "2026-04-01", "2026-05-01", "EUR", "250.00"),  # never paid
]
NOW = datetime(2026, 11, 28, 9, tzinfo=UTC)


def _load(app: App, kind: str, path: Path) -> None:
    import_file(app.uow(), kind=kind, path=path, base_currency="EUR", actor="test")


def _settled(app: App) -> dict[str, date | None]:
    with app.uow() as uow:
        return dict(uow.session.execute(select(InvoiceRecord.ref, InvoiceRecord.settled_on)).all())


def _with_settlements(app: App) -> dict[str, bool]:
    with app.uow() as uow:
        return dict(uow.session.execute(select(InvoiceRecord.ref, InvoiceRecord.has_settlements)).all())


def _ledger(app: App, tmp_path: Path) -> None:
    _load(app, "buyers", write_csv(tmp_path / "buyers.csv", BUYER_HEADER, BUYERS))
    _load(app, "invoices", write_csv(tmp_path / "invoices.csv", INVOICE_HEADER, INVOICES))
    payments = [("P1", "B2", "2026-02-01", "EUR", "600.00", "I1"), ("P2", "B2", "2026-02-20", "EUR", "400.00", "I1"),
                ("P3", "B2", "2026-04-10", "EUR", "200.00", "I3")]
    _load(app, "payments", write_csv(tmp_path / "payments.csv", PAYMENT_HEADER, payments))
    _load(app, "adjustments", write_csv(tmp_path / "credit.csv", ADJUSTMENT_HEADER,
                                        [("C1", "I2", "credit_note", "2026-03-05", "200.50", "")]))


def test_an_invoice_is_settled_on_the_day_its_settlements_reach_its_amount(app: App, tmp_path: Path) -> None:
    _ledger(app, tmp_path)
    # I1: 600 on 1 Feb, the last 400 on 20 Feb. I2: a credit note of 200.50 leaves 300 open. I3: 200 of 300 paid.
    assert _settled(app) == {"I1": date(2026, 2, 20), "I2": None, "I3": None, "I4": None}
    # A credit note dated before the payment completes I3: settled when the running total reaches 300, on the
    # payment's day (100 on 15 Mar, 300 on 10 Apr).
    _load(app, "adjustments", write_csv(tmp_path / "credit2.csv", ADJUSTMENT_HEADER,
                                        [("C2", "I3", "credit_note", "2026-03-15", "100.00", "")]))
    # I2: the rest paid by cash on account, allocated to the oldest open invoice.
    _load(app, "payments", write_csv(tmp_path / "payments2.csv", PAYMENT_HEADER,
                                     [("P4", "B2", "2026-05-02", "EUR", "300.00", "")]))
    assert _settled(app) == {"I1": date(2026, 2, 20), "I2": date(2026, 5, 2), "I3": date(2026, 4, 10), "I4": None}


def test_an_invoice_has_settlements_from_its_first_payment_or_credit_note(app: App, tmp_path: Path) -> None:
    _load(app, "buyers", write_csv(tmp_path / "buyers.csv", BUYER_HEADER, BUYERS))
    _load(app, "invoices", write_csv(tmp_path / "invoices.csv", INVOICE_HEADER, INVOICES))
    assert _with_settlements(app) == {"I1": False, "I2": False, "I3": False, "I4": False}
    _load(app, "payments", write_csv(tmp_path / "payments.csv", PAYMENT_HEADER,
                                     [("P1", "B2", "2026-02-01", "EUR", "600.00", "I1")]))
    assert _with_settlements(app) == {"I1": True, "I2": False, "I3": False, "I4": False}
    _load(app, "adjustments", write_csv(tmp_path / "credit.csv", ADJUSTMENT_HEADER,
                                        [("C1", "I2", "credit_note", "2026-03-05", "200.50", "")]))
    corrected = [("I1", "B2", "2026-01-10", "2026-02-09", "EUR", "1200.00"),
                 ("I4", "B2", "2026-04-01", "2026-05-01", "EUR", "260.00")]
    _load(app, "invoices", write_csv(tmp_path / "corrected.csv", INVOICE_HEADER, corrected))
    assert _with_settlements(app) == {"I1": True, "I2": True, "I3": False, "I4": False}
    with app.uow() as uow:  # written outside the importer: the database's default, the safe one
        uow.session.add(InvoiceRecord(ref="I5", buyer_id=uow.session.scalar(select(BuyerRecord.id)),
                                      issue_date=date(2026, 5, 1), due_date=date(2026, 5, 31), currency="EUR",
                                      amount=Decimal(1), disputed=False, created_at=NOW))
        uow.commit()
    assert _with_settlements(app)["I5"] is True


def test_a_corrected_amount_moves_the_day_and_can_open_a_settled_invoice_again(app: App, tmp_path: Path) -> None:
    _ledger(app, tmp_path)
    corrected = [("I1", "B2", "2026-01-10", "2026-02-09", "EUR", "1200.00"),  # settled at 1000, now 200 open
                 ("I3", "B2", "2026-03-01", "2026-03-31", "EUR", "200.00")]  # 200 paid on 10 Apr: settled then
    _load(app, "invoices", write_csv(tmp_path / "corrected.csv", INVOICE_HEADER, corrected))
    assert _settled(app) == {"I1": None, "I2": None, "I3": date(2026, 4, 10), "I4": None}
    assert sorted(row[3] for row in _items(app, date(2026, 11, 28))) == [
        Decimal("200.0000"), Decimal("250.0000"), Decimal("300.0000")]  # I1's 200, I4 and I2's 300; I3 settled


def _items(app: App, day: date) -> Counter[tuple[object, ...]]:
    with app.uow() as uow:
        buyer_id = uow.session.scalar(select(BuyerRecord.id).where(BuyerRecord.ref == "B2"))
        assert buyer_id is not None
        return Counter(tuple(row) for row in exposure_items(uow.session, buyer_id, group=False, as_of=day))


def test_the_exposure_read_passing_over_settled_invoices_reads_what_a_full_read_reads(app: App,
                                                                                      tmp_path: Path) -> None:
    _ledger(app, tmp_path)
    days = [date(2026, 1, 31), date(2026, 2, 19), date(2026, 2, 20), date(2026, 2, 21), date(2026, 3, 4),
            date(2026, 3, 5), date(2026, 4, 10), date(2026, 11, 28)]
    skipping = {day: _items(app, day) for day in days}
    with app.uow() as uow:
        # What the read did before: every invoice issued by the day, each with its settlements summed.
        uow.session.execute(update(InvoiceRecord).values(settled_on=None, has_settlements=True))
        uow.commit()
    assert {day: _items(app, day) for day in days} == skipping
    assert sorted(row[3] for row in skipping[date(2026, 11, 28)]) == [
        Decimal("100.0000"), Decimal("250.0000"), Decimal("300.0000")]  # I3, I4 (no settlements), I2
    # Hand-computed: on 19 Feb I1 has 400 open, on 20 Feb it is settled; I2 (issued 10 Feb) then has 500.50 open.
    assert sorted((row[3], row[4]) for row in skipping[date(2026, 2, 19)]) == [
        (Decimal("400.0000"), date(2026, 2, 9)), (Decimal("500.5000"), date(2026, 3, 12))]
    assert sorted((row[3], row[4]) for row in skipping[date(2026, 2, 20)]) == [
        (Decimal("500.5000"), date(2026, 3, 12))]


SETTLEMENT = st.tuples(st.integers(min_value=0, max_value=60), st.integers(min_value=1, max_value=40_000),
                       st.booleans())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(amount=st.integers(min_value=1, max_value=100_000), settlements=st.lists(SETTLEMENT, max_size=6))
def test_settled_on_is_the_first_day_the_settlements_dated_up_to_it_cover_the_amount(
        app: App, amount: int, settlements: list[tuple[int, int, bool]]) -> None:
    """Straight through the writers' repositories (no import checks), so settlements may exceed the amount and
    arrive in any date order; amounts in cents."""
    start = date(2026, 1, 1)
    with app.uow() as uow:
        buyer = BuyerRecord(ref=f"H{uow.session.scalar(select(BuyerRecord.id).order_by(BuyerRecord.id.desc())) or 0}",
                            name="Hypothesis GmbH", country="DE", currency="EUR", payment_terms_days=30,
                            created_at=NOW, updated_at=NOW)
        uow.session.add(buyer)
        uow.session.flush()
        invoice = InvoiceRecord(ref=f"HI{buyer.id}", buyer_id=buyer.id, issue_date=start, due_date=start,
                                currency="EUR", amount=Decimal(amount) / 100, disputed=False, created_at=NOW,
                                has_settlements=False)  # new, as the importer writes it
        payment = PaymentRecord(ref=f"HP{buyer.id}", buyer_id=buyer.id, payment_date=start, currency="EUR",
                                amount=Decimal(10_000), created_at=NOW)
        uow.session.add_all([invoice, payment])
        uow.session.flush()
        for number, (offset, cents, allocated) in enumerate(settlements):
            on, part = start + timedelta(days=offset), Decimal(cents) / 100
            if allocated:
                uow.allocations.insert_many([{"payment_id": payment.id, "invoice_id": invoice.id, "amount": part,
                                              "effective_date": on, "created_at": NOW}])
            else:
                uow.adjustments.insert_many([{"ref": f"HA{buyer.id}-{number}", "invoice_id": invoice.id,
                                              "kind": "credit_note", "adjustment_date": on, "amount": part,
                                              "reason": None, "created_at": NOW}])
        uow.commit()
        invoice_id = invoice.id
    with app.uow() as uow:
        settled_on, has_settlements = uow.session.execute(
            select(InvoiceRecord.settled_on, InvoiceRecord.has_settlements).where(InvoiceRecord.id == invoice_id)).one()
    covered = [start + timedelta(days=day) for day in range(61)
               if sum(cents for offset, cents, _ in settlements if offset <= day) >= amount]
    assert settled_on == (covered[0] if covered else None)
    assert has_settlements is bool(settlements)


def test_the_migrations_work_out_settled_on_and_has_settlements_for_a_ledger_already_paid(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    app = build(Settings(database_url=f"sqlite:///{path}"))
    config = alembic_config(app.engine)
    command.upgrade(config, "0012")
    connection = sqlite3.connect(path)
    now = NOW.isoformat()
    connection.executescript(f"""
        INSERT INTO buyers (id, ref, name, country, currency, payment_terms_days, version, created_at, updated_at)
            VALUES (1, 'B1', 'Old GmbH', 'DE', 'EUR', 30, 1, '{now}', '{now}');
        INSERT INTO invoices (id, ref, buyer_id, issue_date, due_date, currency, amount, disputed, created_at)
            VALUES (1, 'I1', 1, '2026-01-01', '2026-01-31', 'EUR', 1000000, 0, '{now}'),
                   (2, 'I2', 1, '2026-01-01', '2026-01-31', 'EUR', 1000000, 0, '{now}'),
                   (3, 'I3', 1, '2026-01-01', '2026-01-31', 'EUR', 1000000, 0, '{now}');
        INSERT INTO payments (id, ref, buyer_id, payment_date, currency, amount, created_at)
            VALUES (1, 'P1', 1, '2026-02-01', 'EUR', 1500000, '{now}');
        INSERT INTO allocations (payment_id, invoice_id, amount, effective_date, created_at)
            VALUES (1, 1, 600000, '2026-02-01', '{now}'), (1, 2, 900000, '2026-02-01', '{now}');
        INSERT INTO adjustments (ref, invoice_id, kind, adjustment_date, amount, created_at)
            VALUES ('C1', 1, 'credit_note', '2026-01-20', 400000, '{now}');
    """)
    connection.commit()
    connection.close()
    command.upgrade(config, "head")
    # I1: 40.00 credited on 20 Jan, 60.00 paid on 1 Feb (amounts stored in ten-thousandths). I2: 90 of 100 paid.
    # I3: nothing.
    for _ in range(2):  # and again after going back to 0012
        assert _settled(app) == {"I1": date(2026, 2, 1), "I2": None, "I3": None}
        assert _with_settlements(app) == {"I1": True, "I2": True, "I3": False}
        command.downgrade(config, "0012")
        command.upgrade(config, "head")
    app.close()

