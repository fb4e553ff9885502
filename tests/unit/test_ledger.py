from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradecredit.domain.errors import AllocationError, ValidationError
from tradecredit.domain.ledger import (
    Adjustment,
    AdjustmentKind,
    Invoice,
    InvoiceStatus,
    allocate,
    new_invoice,
    new_payment,
)
from tradecredit.domain.money import Money


def eur(amount: str) -> Money:
    return Money(Decimal(amount), "EUR")


def invoice(ref: str, due: date, amount: str, *, buyer: str = "B1", issued: date | None = None,
            currency: str = "EUR", disputed: bool = False) -> Invoice:
    return new_invoice(ref=ref, buyer_ref=buyer, issue_date=issued or date(2026, 1, 1), due_date=due,
                       amount=Money(Decimal(amount), currency), disputed=disputed,
                       dispute_reason="damaged" if disputed else None)


def test_allocating_a_payment_pays_the_oldest_invoice_first() -> None:
    newer = invoice("I2", date(2026, 3, 1), "100.00")
    older = invoice("I1", date(2026, 2, 1), "100.00")
    payment = new_payment(ref="P1", buyer_ref="B1", on=date(2026, 3, 5), amount=eur("150.00"))
    made = allocate(payment, [newer, older])
    assert [(a.invoice_ref, a.amount.amount) for a in made] == [("I1", Decimal("100.00")),
                                                                 ("I2", Decimal("50.00"))]
    assert older.status() is InvoiceStatus.PAID
    assert newer.status() is InvoiceStatus.PARTIALLY_PAID
    assert newer.open_amount() == eur("50.00")


def test_a_payment_naming_an_invoice_pays_only_that_one_and_keeps_the_rest_on_account() -> None:
    older = invoice("I1", date(2026, 2, 1), "100.00")
    named = invoice("I2", date(2026, 3, 1), "80.00")
    payment = new_payment(ref="P1", buyer_ref="B1", on=date(2026, 3, 5), amount=eur("100.00"), invoice_ref="I2")
    allocate(payment, [older, named])
    assert named.open_amount().is_zero()
    assert older.open_amount() == eur("100.00")
    assert payment.unallocated() == eur("20.00")


def test_an_overpayment_stays_as_cash_on_account() -> None:
    only = invoice("I1", date(2026, 2, 1), "100.00")
    payment = new_payment(ref="P1", buyer_ref="B1", on=date(2026, 2, 5), amount=eur("130.00"))
    allocate(payment, [only])
    assert payment.unallocated() == eur("30.00")


def test_oldest_first_skips_disputed_invoices_and_other_currencies() -> None:
    disputed = invoice("I1", date(2026, 1, 15), "100.00", disputed=True)
    dollars = invoice("I2", date(2026, 1, 20), "100.00", currency="USD")
    euros = invoice("I3", date(2026, 2, 1), "100.00")
    payment = new_payment(ref="P1", buyer_ref="B1", on=date(2026, 2, 5), amount=eur("60.00"))
    made = allocate(payment, [disputed, dollars, euros])
    assert [a.invoice_ref for a in made] == ["I3"]
    assert disputed.status() is InvoiceStatus.DISPUTED


def test_an_allocation_takes_effect_no_earlier_than_the_invoice_issue_date() -> None:
    later = invoice("I1", date(2026, 3, 1), "100.00", issued=date(2026, 2, 1))
    payment = new_payment(ref="P1", buyer_ref="B1", on=date(2026, 1, 10), amount=eur("100.00"))
    (allocation,) = allocate(payment, [later])
    assert allocation.on == date(2026, 2, 1)
    assert later.open_amount(date(2026, 1, 31)) == eur("100.00")
    assert later.open_amount(date(2026, 2, 1)).is_zero()


def test_a_payment_naming_another_buyers_invoice_is_refused() -> None:
    theirs = invoice("I9", date(2026, 2, 1), "10.00", buyer="B2")
    payment = new_payment(ref="P1", buyer_ref="B1", on=date(2026, 2, 5), amount=eur("10.00"), invoice_ref="I9")
    with pytest.raises(AllocationError, match="belongs to buyer B2"):
        allocate(payment, [theirs])


def test_credit_notes_reduce_and_write_offs_close_an_invoice() -> None:
    item = invoice("I1", date(2026, 2, 1), "100.00")
    item.adjust(Adjustment("C1", "I1", AdjustmentKind.CREDIT_NOTE, date(2026, 2, 3), eur("30.00")))
    assert item.open_amount() == eur("70.00")
    assert item.status() is InvoiceStatus.OPEN
    item.adjust(Adjustment("W1", "I1", AdjustmentKind.WRITE_OFF, date(2026, 9, 1), eur("70.00")))
    assert item.status() is InvoiceStatus.WRITTEN_OFF
    assert item.status(date(2026, 8, 31)) is InvoiceStatus.OPEN


def test_a_credit_note_larger_than_the_open_amount_is_refused() -> None:
    item = invoice("I1", date(2026, 2, 1), "100.00")
    with pytest.raises(ValidationError, match=r"100.01 EUR exceeds the open amount 100.00 EUR of invoice I1"):
        item.adjust(Adjustment("C1", "I1", AdjustmentKind.CREDIT_NOTE, date(2026, 2, 3), eur("100.01")))


def test_an_invoice_due_before_it_is_issued_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        invoice("I1", date(2025, 12, 31), "10.00")
    assert caught.value.field == "due_date"
    assert caught.value.reason == "2025-12-31 is before the issue date 2026-01-01"


@pytest.mark.parametrize("amount", ["0", "-5.00"])
def test_zero_or_negative_invoice_amounts_are_refused(amount: str) -> None:
    with pytest.raises(ValidationError, match="expected an amount greater than zero"):
        invoice("I1", date(2026, 2, 1), amount)


cents = st.integers(min_value=1, max_value=10_000_000)


@given(invoice_cents=st.lists(cents, min_size=0, max_size=12), payment_cents=st.lists(cents, min_size=1,
                                                                                       max_size=6),
       days=st.lists(st.integers(min_value=0, max_value=200), min_size=12, max_size=12))
def test_allocation_never_creates_or_loses_money(invoice_cents: list[int], payment_cents: list[int],
                                                 days: list[int]) -> None:
    invoices = [invoice(f"I{n}", date(2026, 1, 1).fromordinal(date(2026, 1, 1).toordinal() + days[n]),
                        str(Decimal(c) / 100)) for n, c in enumerate(invoice_cents)]
    owed = sum((i.amount.amount for i in invoices), Decimal(0))
    paid = Decimal(0)
    for n, c in enumerate(payment_cents):
        payment = new_payment(ref=f"P{n}", buyer_ref="B1", on=date(2026, 6, 1), amount=eur(str(Decimal(c) / 100)))
        allocate(payment, invoices)
        allocated = sum((a.amount.amount for a in payment.allocations), Decimal(0))
        assert allocated + payment.unallocated().amount == payment.amount.amount
        assert payment.unallocated().amount >= 0
        paid += allocated
    still_open = sum((i.open_amount().amount for i in invoices), Decimal(0))
    assert still_open + paid == owed
    assert all(i.open_amount().amount >= 0 for i in invoices)
