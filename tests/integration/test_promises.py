"""Payment promises on each backend: recorded, kept by the ledger's allocations or broken, cancelled with a version,
counted per buyer for monitoring and the assessment, and every bad request refused with nothing written.

The book (fixtures' today 2026-11-28, all EUR): P1 has P1-1 (1,000 due 2026-10-01, paid 600 on 2026-10-08 and
400 on 2026-11-20) and P1-2 (500 due 2026-11-01, open); P2 has P2-1 (2,000 due 2026-09-30, open).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tests.assessment_book import load
from tests.builders import INVOICE_HEADER, PAYMENT_HEADER
from tradecredit.bootstrap import App
from tradecredit.domain.errors import Conflict, NotFound, StaleVersion, ValidationError
from tradecredit.services.audit import audit_trail
from tradecredit.services.promises import (
    PromiseView,
    broken_promises,
    cancel_promise,
    list_promises,
    record_promise,
)

D = Decimal


@pytest.fixture
def book(app: App, tmp_path: Path) -> dict[str, int]:
    load(app, tmp_path, "buyers", ("buyer_ref", "name", "country", "currency"),
         [("P1", "Eins GmbH", "DE", "EUR"), ("P2", "Zwei GmbH", "DE", "EUR")])
    load(app, tmp_path, "invoices", INVOICE_HEADER, [
        ("P1-1", "P1", "2026-09-01", "2026-10-01", "EUR", "1000.00"),
        ("P1-2", "P1", "2026-10-02", "2026-11-01", "EUR", "500.00"),
        ("P2-1", "P2", "2026-08-31", "2026-09-30", "EUR", "2000.00")])
    load(app, tmp_path, "payments", PAYMENT_HEADER, [("PAY-1", "P1", "2026-10-08", "EUR", "600.00", "P1-1"),
                                                     ("PAY-2", "P1", "2026-11-20", "EUR", "400.00", "P1-1")])
    with app.uow() as uow:
        return {ref: uow.buyers.get(ref).id for ref in ("P1", "P2")}


def promise(app: App, buyer: str, amount: str, made: str, by: str, **values: object) -> PromiseView:
    return record_promise(app.uow(), buyer_ref=buyer, amount=D(amount), made_on=date.fromisoformat(made),
                          promised_date=date.fromisoformat(by), actor="collector", policy=app.settings.promise_policy(),
                          **values)  # type: ignore[arg-type]


def test_a_promise_for_an_invoice_is_kept_by_what_was_allocated_to_it_up_to_the_deadline(
        app: App, book: dict[str, int]) -> None:
    kept = promise(app, "P1", "1000.00", "2026-10-05", "2026-11-18", invoice_ref="P1-1", note="phone call")
    # 600 on 8 October + 400 on 20 November: the deadline is 18 + 3 = 21 November.
    assert (kept.status, kept.paid, kept.deadline, kept.currency, kept.invoice_ref) == (
        "kept", D("1000.00"), date(2026, 11, 21), "EUR", "P1-1")
    late = promise(app, "P1", "1000.00", "2026-10-05", "2026-11-10", invoice_ref="P1-1")
    assert (late.status, late.paid) == ("broken", D("600.00"))  # the 400 came after 13 November
    assert (kept.version, kept.recorded_by, kept.note, kept.buyer_name) == (1, "collector", "phone call", "Eins GmbH")


def test_a_promise_without_an_invoice_counts_payments_to_any_of_the_buyers_invoices(
        app: App, book: dict[str, int]) -> None:
    balance = promise(app, "P1", "400.00", "2026-11-15", "2026-11-20")
    assert (balance.status, balance.paid, balance.invoice_ref) == ("kept", D("400.00"), None)
    unpaid = promise(app, "P2", "2000.00", "2026-11-20", "2026-12-05")
    assert (unpaid.status, str(unpaid.paid)) == ("open", "0.00")


def test_broken_promises_are_counted_per_buyer_as_of_a_day_and_cancelling_removes_one(
        app: App, book: dict[str, int]) -> None:
    policy = app.settings.promise_policy()
    first = promise(app, "P2", "2000.00", "2026-10-01", "2026-10-10")
    promise(app, "P2", "1000.00", "2026-11-01", "2026-11-15")
    promise(app, "P1", "500.00", "2026-11-01", "2026-11-27", invoice_ref="P1-2")  # open until 30 November
    with app.uow() as uow:
        assert broken_promises(uow, as_of=date(2026, 11, 28), policy=policy) == {book["P2"]: 2}
        assert broken_promises(uow, as_of=date(2026, 10, 13), policy=policy) == {}  # the deadline itself
        assert broken_promises(uow, as_of=date(2026, 10, 14), policy=policy) == {book["P2"]: 1}
        # 365 days after 10 October the first drops out; P1's, unpaid since, is broken by then
        assert broken_promises(uow, as_of=date(2027, 10, 10), policy=policy) == {book["P1"]: 1, book["P2"]: 1}
        assert broken_promises(uow, as_of=date(2026, 11, 28), policy=policy, buyer_ids=[book["P1"]]) == {}
    cancelled = cancel_promise(app.uow(), promise_id=first.id, version=1, reason="recorded for the wrong buyer",
                               actor="manager", policy=policy)
    assert (cancelled.status, cancelled.version, cancelled.cancelled_by) == ("cancelled", 2, "manager")
    with app.uow() as uow:
        assert broken_promises(uow, as_of=date(2026, 11, 28), policy=policy) == {book["P2"]: 1}
        assert broken_promises(uow, as_of=date(2026, 11, 27), policy=policy) == {book["P2"]: 2}  # as known then


def test_promises_are_listed_by_buyer_and_status_latest_promised_date_first(app: App, book: dict[str, int]) -> None:
    policy = app.settings.promise_policy()
    promise(app, "P2", "2000.00", "2026-10-01", "2026-10-10")
    promise(app, "P2", "2000.00", "2026-11-20", "2026-12-05")
    promise(app, "P1", "400.00", "2026-11-15", "2026-11-20")
    everyone = list_promises(app.uow(), policy=policy)
    assert [(v.buyer_ref, v.status) for v in everyone.items] == [("P2", "open"), ("P1", "kept"), ("P2", "broken")]
    broken = list_promises(app.uow(), policy=policy, buyer_ref="P2", status="broken")
    assert (broken.total, broken.items[0].promised_date) == (1, date(2026, 10, 10))
    paged = list_promises(app.uow(), policy=policy, page=2, size=2)
    assert (paged.total, [v.buyer_ref for v in paged.items]) == (3, ["P2"])
    assert list_promises(app.uow(), policy=policy, status="cancelled").total == 0


def test_recording_and_cancelling_are_audited(app: App, book: dict[str, int]) -> None:
    made = promise(app, "P1", "500.00", "2026-11-20", "2026-12-01", invoice_ref="P1-2")
    cancel_promise(app.uow(), promise_id=made.id, version=1, reason="replaced by a payment plan", actor="manager",
                   policy=app.settings.promise_policy())
    events, total = audit_trail(app.uow(), entity="payment_promise")
    assert total == 2
    assert [(e.action, e.actor) for e in events] == [("cancel", "manager"), ("create", "collector")]
    assert events[1].after is not None and events[1].after["amount"] == "500.00"
    assert events[0].after == {"reason": "replaced by a payment plan", "version": 2}


@pytest.mark.parametrize(("values", "error", "message"), [
    ({"buyer": "NOPE"}, NotFound, "buyer NOPE not found"),
    ({"invoice_ref": "NOPE-1"}, NotFound, "invoice NOPE-1 not found"),
    ({"invoice_ref": "P2-1"}, ValidationError, "invoice P2-1 is not an invoice of buyer P1"),
    ({"amount": "0"}, ValidationError, "amount: expected an amount above 0; got 0"),
    ({"amount": "-10.00"}, ValidationError, "amount: expected an amount above 0"),
    ({"amount": "10.005"}, ValidationError, "more than 2 decimal(s)"),
    ({"by": "2026-11-01"}, ValidationError, "promised_date: 2026-11-01 is before the promise was made"),
    ({"made": "2026-11-29", "by": "2026-12-01"}, ValidationError, "made_on: 2026-11-29 is in the future"),
    ({"currency": "XYZ"}, ValidationError, "unknown currency code 'XYZ'"),
    ({"currency": "XAU"}, ValidationError, "unknown currency code 'XAU'"),  # gold: no minor unit, not a trade code
    ({"currency": "USD", "invoice_ref": "P1-2"}, ValidationError, "invoice P1-2 is in EUR"),
    ({"note": "x" * 1001}, ValidationError, "note: expected 0–1000 characters; got 1001"),
])
def test_a_bad_promise_is_refused_and_nothing_is_written(app: App, book: dict[str, int], values: dict[str, str],
                                                         error: type[Exception], message: str) -> None:
    given = {"buyer": "P1", "amount": "100.00", "made": "2026-11-02", "by": "2026-11-10", **values}
    extra = {key: given[key] for key in ("invoice_ref", "currency", "note") if key in given}
    with pytest.raises(error, match=re.escape(message)):
        promise(app, given["buyer"], given["amount"], given["made"], given["by"], **extra)
    assert list_promises(app.uow(), policy=app.settings.promise_policy()).total == 0
    assert audit_trail(app.uow(), entity="payment_promise")[1] == 0


def test_cancelling_twice_a_stale_version_or_an_unknown_promise_is_refused(app: App, book: dict[str, int]) -> None:
    policy = app.settings.promise_policy()
    made = promise(app, "P1", "500.00", "2026-11-20", "2026-12-01")
    with pytest.raises(ValidationError, match="reason: expected 1–1000 characters; got 0"):
        cancel_promise(app.uow(), promise_id=made.id, version=1, reason="  ", actor="manager", policy=policy)
    with pytest.raises(StaleVersion, match="you sent version 3, it is now at 1"):
        cancel_promise(app.uow(), promise_id=made.id, version=3, reason="wrong", actor="manager", policy=policy)
    cancel_promise(app.uow(), promise_id=made.id, version=1, reason="wrong", actor="manager", policy=policy)
    with pytest.raises(Conflict, match=f"payment promise {made.id} was already cancelled on 2026-11-28 by manager"):
        cancel_promise(app.uow(), promise_id=made.id, version=2, reason="again", actor="manager", policy=policy)
    with pytest.raises(NotFound, match="payment promise 9999 not found"):
        cancel_promise(app.uow(), promise_id=9999, version=1, reason="wrong", actor="manager", policy=policy)
    with pytest.raises(ValidationError, match="unknown promise status 'late'"):
        list_promises(app.uow(), policy=policy, status="late")
    assert audit_trail(app.uow(), entity="payment_promise")[1] == 2
