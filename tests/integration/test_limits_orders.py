"""Credit limits and order checks on each backend: authority, lifecycle, buckets, groups, holds, concurrency."""

from __future__ import annotations

import dataclasses
import threading
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import update

from tests.builders import INVOICE_HEADER, write_csv
from tradecredit.bootstrap import App
from tradecredit.domain.errors import (
    Conflict,
    FxRateMissing,
    NotFound,
    PermissionDenied,
    StaleVersion,
    ValidationError,
)
from tradecredit.services import assessment, country, limits, order_deliveries, order_holds, orders
from tradecredit.services.audit import audit_trail
from tradecredit.services.imports import import_file
from tradecredit.services.users import add_user
from tradecredit.store.order_checks import OrderCheckTransaction
from tradecredit.store.tables import OrderCheckRecord

D = Decimal
BUYERS = ("buyer_ref", "name", "country", "parent_ref")
PASSWORD = "correct horse battery staple"


@pytest.fixture
def book(app: App, tmp_path: Path) -> App:
    for kind, header, rows in (
        ("buyers", BUYERS, [("P", "Parent AG", "DE", ""), ("S", "Sub GmbH", "DE", "P"), ("X", "Rossi", "IT", ""),
                            ("V", "Venezuela SA", "VE", "")]),
        # Today is 2026-11-28: I1 is 40 days overdue, I2 not yet due, I3 (P) 10 days overdue.
        ("invoices", INVOICE_HEADER, [("I1", "S", "2026-09-19", "2026-10-19", "EUR", "1000.00"),
                                      ("I2", "S", "2026-11-10", "2026-12-10", "EUR", "500.00"),
                                      ("I3", "P", "2026-10-19", "2026-11-18", "EUR", "2000.00")]),
    ):
        import_file(app.uow(), kind=kind, path=write_csv(tmp_path / f"{kind}.csv", header, rows), base_currency="EUR",
                    actor="test")
    for name, role in (("manager", "credit_manager"), ("junior", "credit_manager"), ("nobody", "credit_manager"),
                       ("admin", "admin")):
        add_user(app.uow(), username=name, password=PASSWORD, role=role, actor="test")
    limits.set_authority(app.uow(), username="manager", max_amount=D(100_000), worst_grade=10, actor="admin")
    limits.set_authority(app.uow(), username="junior", max_amount=D(10_000), worst_grade=10, actor="admin")
    return app


def grant(app: App, ref: str, amount: str, *, kind: str = "base", scope: str = "buyer", valid_from: date | None = None,
          valid_to: date | None = None) -> limits.RequestView:
    request = limits.request_limit(app.uow(), ref=ref, amount=D(amount), currency="EUR", kind=kind, scope=scope,
                                   valid_from=valid_from, valid_to=valid_to, reason="needed", actor="analyst",
                                   base_currency="EUR")
    return limits.decide_request(app.uow(), request_id=request.id, decision="approve", version=request.version,
                                 reason="ok", actor="manager", username="manager", base_currency="EUR")


def config(app: App, **changes: object) -> orders.OrderCheckConfig:
    settings = app.settings.model_copy(update=changes)
    return orders.OrderCheckConfig.from_settings(settings, app.order_check_config.store)


def order(app: App, ref: str, order_ref: str, amount: str, **changes: object) -> orders.OrderCheckView:
    return orders.check(app.uow(), ref=ref, order_ref=order_ref, amount=D(amount), currency="EUR",
                        ship_date=date(2026, 12, 1), actor="erp", config=config(app, **changes))


def test_a_request_approved_within_authority_becomes_the_limit_in_force(book: App) -> None:
    decided = grant(book, "X", "20000")
    assert (decided.status, decided.decided_amount, decided.decided_by) == ("approved", D(20000), "manager")
    view = limits.buyer_limits(book.uow(), ref="X", base_currency="EUR", buckets=("open_invoices", "open_orders"))
    assert view.own.amount == D(20000) and view.own.headroom == D(20000)
    assert view.own.base is not None and view.own.base.valid_from == date(2026, 11, 28)
    # X was never assessed: treated as high risk, reviewed monthly.
    assert view.own.base.review_on == date(2026, 12, 28)
    assert (view.insurer_limit, view.uncovered) == (None, D(0))
    events, _ = audit_trail(book.uow(), entity="limit_request")
    assert [e.action for e in events] == ["approve", "request"]


def test_decisions_outside_authority_or_on_stale_versions_change_nothing(book: App) -> None:
    request = limits.request_limit(book.uow(), ref="X", amount=D(50000), currency="EUR", reason="big order",
                                   actor="analyst", base_currency="EUR")
    with pytest.raises(PermissionDenied, match=r"junior may approve up to 10,000\.00; this needs 50,000\.00"):
        limits.decide_request(book.uow(), request_id=request.id, decision="approve", version=1, reason="ok",
                              actor="junior", username="junior", base_currency="EUR")
    with pytest.raises(PermissionDenied, match="nobody has no approval authority"):
        limits.decide_request(book.uow(), request_id=request.id, decision="approve", version=1, reason="ok",
                              actor="nobody", username="nobody", base_currency="EUR")
    with pytest.raises(ValidationError, match="a partial approval needs an amount above 0 and below"):
        limits.decide_request(book.uow(), request_id=request.id, decision="partial", version=1, reason="ok",
                              actor="manager", username="manager", base_currency="EUR", amount=D(60000))
    [pending], _ = limits.list_requests(book.uow(), status="pending", base_currency="EUR")
    assert (pending.id, pending.status, pending.version) == (request.id, "pending", 1)
    partial = limits.decide_request(book.uow(), request_id=request.id, decision="partial", version=1,
                                    reason="half for now", actor="junior", username="junior", base_currency="EUR",
                                    amount=D(10000))
    assert (partial.status, partial.decided_amount) == ("partially_approved", D(10000))
    with pytest.raises(StaleVersion):
        limits.decide_request(book.uow(), request_id=request.id, decision="refuse", version=1, reason="x",
                              actor="manager", username="manager", base_currency="EUR")
    with pytest.raises(Conflict, match="already partially_approved"):
        limits.decide_request(book.uow(), request_id=request.id, decision="refuse", version=2, reason="x",
                              actor="manager", username="manager", base_currency="EUR")


def test_bad_requests_are_refused(book: App) -> None:
    with pytest.raises(FxRateMissing):
        limits.request_limit(book.uow(), ref="X", amount=D(100), currency="USD", reason="r", actor="a",
                             base_currency="EUR")
    for amount in ("0", "-5"):
        with pytest.raises(ValidationError, match="amount: expected an amount > 0"):
            limits.request_limit(book.uow(), ref="X", amount=D(amount), currency="EUR", reason="r", actor="a",
                                 base_currency="EUR")
    with pytest.raises(ValidationError, match="valid_to 2026-12-01 is before valid_from 2027-01-01"):
        limits.request_limit(book.uow(), ref="X", amount=D(1), currency="EUR", kind="temporary",
                             valid_from=date(2027, 1, 1), valid_to=date(2026, 12, 1), reason="r", actor="a",
                             base_currency="EUR")
    with pytest.raises(ValidationError, match="a group limit is set on the group's top-level parent, not on S"):
        limits.request_limit(book.uow(), ref="S", amount=D(1), currency="EUR", scope="group", reason="r", actor="a",
                             base_currency="EUR")
    with pytest.raises(NotFound):
        limits.request_limit(book.uow(), ref="NOPE", amount=D(1), currency="EUR", reason="r", actor="a",
                             base_currency="EUR")
    assert limits.list_requests(book.uow(), status=None, base_currency="EUR")[1] == 0


def test_seasonal_limits_add_on_top_and_may_not_overlap(book: App) -> None:
    grant(book, "X", "20000")
    grant(book, "X", "5000", kind="temporary", valid_from=date(2026, 11, 1), valid_to=date(2026, 12, 31))
    view = limits.buyer_limits(book.uow(), ref="X", base_currency="EUR", buckets=("open_invoices",))
    assert view.own.amount == D(25000) and len(view.own.temporary) == 1
    after = limits.buyer_limits(book.uow(), ref="X", base_currency="EUR", buckets=("open_invoices",),
                                as_of=date(2027, 1, 1))
    assert after.own.amount == D(20000)
    with pytest.raises(ValidationError, match="overlaps the temporary limit"):
        limits.request_limit(book.uow(), ref="X", amount=D(1000), currency="EUR", kind="temporary",
                             valid_from=date(2026, 12, 15), valid_to=date(2027, 1, 15), reason="r", actor="a",
                             base_currency="EUR")


def test_a_new_base_limit_ends_the_old_one_and_reductions_keep_history(book: App) -> None:
    grant(book, "X", "20000")
    grant(book, "X", "30000", valid_from=date(2026, 12, 1))
    view = limits.buyer_limits(book.uow(), ref="X", base_currency="EUR", buckets=("open_invoices",))
    first, second = sorted(view.history, key=lambda v: v.id)
    assert (first.valid_to, second.valid_from, second.replaces_id) == (date(2026, 11, 30), date(2026, 12, 1),
                                                                       first.id)
    reduced = limits.change_limit(book.uow(), limit_id=second.id, new_amount=D(12000), effective=date(2027, 1, 1),
                                  reason="grade fell", actor="manager",
                                  base_currency="EUR")
    assert (reduced.amount, reduced.valid_from, reduced.replaces_id) == (D(12000), date(2027, 1, 1), second.id)
    with pytest.raises(ValidationError, match="a reduction needs an amount from 0 to below 12000"):
        limits.change_limit(book.uow(), limit_id=reduced.id, new_amount=D(15000), effective=date(2027, 2, 1),
                            reason="x", actor="manager", base_currency="EUR")
    cancelled = limits.change_limit(book.uow(), limit_id=reduced.id, new_amount=None, effective=date(2027, 3, 1),
                                    reason="closed account", actor="manager",
                                    base_currency="EUR")
    assert (cancelled.valid_to, cancelled.ended_reason) == (date(2027, 2, 28), "closed account")
    march = limits.buyer_limits(book.uow(), ref="X", base_currency="EUR", buckets=("open_invoices",),
                                as_of=date(2027, 3, 1))
    assert march.own.amount is None


def test_an_order_after_the_limit_ended_is_held_for_that_reason(book: App) -> None:
    grant(book, "X", "10000", valid_from=date(2026, 1, 1), valid_to=date(2026, 10, 31))
    held = order(book, "X", "E1", "100")
    assert [(r["code"], r["text"], r["figures"]) for r in held.reasons] == [
        ("limit_expired", "the credit limit ended on 2026-10-31; none is in force", {"ended_on": "2026-10-31"})]
    assert held.figures["buyer"]["limit"] is None
    # S has no limit of its own; its group's (set on P) ended on 15 Nov.
    grant(book, "P", "50000", scope="group", valid_from=date(2026, 1, 1), valid_to=date(2026, 11, 15))
    assert [r["code"] for r in order(book, "S", "E2", "100").reasons] == ["limit_expired", "overdue"]
    assert order(book, "S", "E2", "100").reasons[0]["figures"] == {"ended_on": "2026-11-15"}
    assert order(book, "V", "E3", "100").reasons[0]["code"] == "no_limit"  # never had one


def test_an_order_within_headroom_is_released_and_then_counts_as_exposure(book: App) -> None:
    grant(book, "X", "10000")
    first = order(book, "X", "O1", "6000")
    assert (first.outcome, first.status, first.reasons) == ("release", "released", [])
    assert first.figures["buyer"]["headroom"] == "10000.00"
    second = order(book, "X", "O2", "5000")
    assert second.outcome == "hold"
    [reason] = second.reasons
    assert reason["code"] == "over_limit"
    assert reason["text"] == "exposure 6,000.00 + order 5,000.00 exceeds the limit 10,000.00 (headroom 4,000.00)"
    assert order(book, "X", "O1", "6000") == first  # the ERP retried: same answer, nothing new stored
    with pytest.raises(Conflict, match="order O1 was already checked with other figures"):
        order(book, "X", "O1", "6500")


def test_an_invoice_carrying_the_order_ref_takes_the_order_out_of_open_orders(book: App, tmp_path: Path) -> None:
    grant(book, "X", "10000")
    order(book, "X", "O1", "6000")
    header = (*INVOICE_HEADER, "order_ref")
    import_file(book.uow(), kind="invoices", base_currency="EUR", actor="erp",
                path=write_csv(tmp_path / "inv.csv", header, [("I9", "X", "2026-11-28", "2026-12-28", "EUR",
                                                               "6000.00", "O1")]))
    view = limits.buyer_limits(book.uow(), ref="X", base_currency="EUR", buckets=("open_invoices", "open_orders"))
    assert (view.own.exposure.open_invoices, view.own.exposure.open_orders) == (D("6000.00"), D(0))


def deliver(app: App, order_ref: str, day: date | None = date(2026, 11, 28)) -> orders.OrderCheckView:
    return order_deliveries.record_delivery(app.uow(), order_ref=order_ref, delivered_on=day, actor="erp",
                                            base_currency="EUR")


def test_a_delivered_order_counts_as_delivered_not_invoiced_until_its_invoice(book: App, tmp_path: Path) -> None:
    grant(book, "X", "10000")
    order(book, "X", "O1", "6000")
    order(book, "X", "O2", "1000")
    assert deliver(book, "O1").delivered_on == date(2026, 11, 28)
    every = ("open_invoices", "delivered_not_invoiced", "open_orders")
    page = limits.buyer_limits(book.uow(), ref="X", base_currency="EUR", buckets=every)
    assert (page.own.exposure.delivered_not_invoiced, page.own.exposure.open_orders, page.own.exposure.total) == (
        D("6000.00"), D("1000.00"), D("7000.00"))
    # The day before the delivery, O1 was still an open order.
    before = limits.buyer_limits(book.uow(), ref="X", base_currency="EUR", buckets=every, as_of=date(2026, 11, 27))
    assert (before.own.exposure.delivered_not_invoiced, before.own.exposure.open_orders) == (D(0), D("7000.00"))
    # The check counts both (the default buckets) and says so in its figures.
    held = order(book, "X", "O3", "3500")
    assert held.reasons[0]["text"] == ("exposure 7,000.00 + order 3,500.00 exceeds the limit 10,000.00 "
                                       "(headroom 3,000.00)")
    assert (held.figures["buyer"]["delivered_not_invoiced"], held.figures["buyer"]["open_orders"]) == (
        "6000.00", "1000.00")
    # A company that counts open orders only (no delivered bucket): 1,000 + 3,500 fits.
    assert order(book, "X", "O4", "3500", exposure_buckets=("open_invoices", "open_orders")).status == "released"
    header = (*INVOICE_HEADER, "order_ref")
    import_file(book.uow(), kind="invoices", base_currency="EUR", actor="erp",
                path=write_csv(tmp_path / "inv.csv", header, [("I9", "X", "2026-11-28", "2026-12-28", "EUR",
                                                               "6000.00", "O1")]))
    page = limits.buyer_limits(book.uow(), ref="X", base_currency="EUR", buckets=every)
    assert (page.own.exposure.open_invoices, page.own.exposure.delivered_not_invoiced,
            page.own.exposure.open_orders) == (D("6000.00"), D(0), D("4500.00"))


def test_overdue_invoices_alone_can_be_the_invoice_bucket(book: App) -> None:
    """S has I1 (1,000, overdue) and I2 (500, not yet due)."""
    view = limits.buyer_limits(book.uow(), ref="S", base_currency="EUR", buckets=("overdue_invoices", "open_orders"))
    assert (view.own.exposure.overdue_invoices, view.own.exposure.open_invoices, view.own.exposure.total) == (
        D("1000.00"), D("1500.00"), D("1000.00"))


def test_a_delivery_is_audited_once_and_bad_reports_change_nothing(book: App) -> None:
    grant(book, "X", "10000")
    order(book, "X", "O1", "6000")
    order(book, "S", "H1", "10")  # no limit: held
    first = deliver(book, "O1")
    assert (first.delivered_on, first.version) == (date(2026, 11, 28), 2)
    assert deliver(book, "O1") == first  # the ERP retried: nothing changes
    events, _ = audit_trail(book.uow(), entity="order", key="O1")
    assert [(e.action, e.actor, e.before, e.after) for e in events] == [
        ("deliver", "erp", {"delivered_on": None}, {"delivered_on": "2026-11-28"})]
    cases = [
        ("O1", date(2026, 11, 27), ValidationError,
         r"delivered_on: expected a day from the check \(2026-11-28\) to today \(2026-11-28\); got 2026-11-27"),
        ("O1", date(2026, 11, 29), ValidationError, "got 2026-11-29"),
        ("H1", None, Conflict, "order H1 is held; only a released order can be delivered"),
        ("NOPE", None, NotFound, "order NOPE not found"),
    ]
    for order_ref, day, error, message in cases:
        with pytest.raises(error, match=message):
            deliver(book, order_ref, day)
    with book.uow() as uow:  # a correction of the day is refused too
        uow.session.execute(update(OrderCheckRecord).where(OrderCheckRecord.order_ref == "O1")
                            .values(checked_at=datetime(2026, 11, 20, 9, tzinfo=UTC)))
        uow.commit()
    with pytest.raises(Conflict, match="order O1 was reported delivered on 2026-11-28 already"):
        deliver(book, "O1", date(2026, 11, 25))
    with book.uow() as uow:
        record = uow.orders.find("O1")
        assert record is not None and (record.delivered_on, record.version) == (date(2026, 11, 28), 2)
    assert len(audit_trail(book.uow(), entity="order", key="O1")[0]) == 1


def test_holds_list_every_reason_and_a_manager_resolves_them(book: App) -> None:
    grant(book, "S", "50000")
    held = order(book, "S", "O7", "100")
    # I1: 1000.00 overdue by 40 days (> 30) and above the 50.00 residual.
    assert [r["code"] for r in held.reasons] == ["overdue"]
    assert held.reasons[0]["figures"] == {"overdue": "1000.00", "days": "30"}
    assert order(book, "S", "O8", "100", hold_overdue_amount=D(1000)).outcome == "release"  # not above 1000
    assert order(book, "S", "O9", "100", hold_overdue_days=45).outcome == "release"  # not older than 45 days
    queue, total = order_holds.list_orders(book.uow(), base_currency="EUR", status="held")
    assert (total, queue[0].order_ref) == (1, "O7")
    with pytest.raises(ValidationError, match="reason"):
        order_holds.resolve_hold(book.uow(), base_currency="EUR", order_ref="O7", release=True, reason=" ", version=1,
                            actor="manager")
    released = order_holds.resolve_hold(book.uow(), base_currency="EUR", order_ref="O7", release=True,
                                   reason="customer paid today", version=1, actor="manager")
    assert (released.status, released.resolved_by) == ("released", "manager")
    with pytest.raises(Conflict, match="order O7 is released, not on hold"):
        order_holds.resolve_hold(book.uow(), base_currency="EUR", order_ref="O7", release=False, reason="x", version=2,
                            actor="manager")
    no_limit = order(book, "X", "O10", "1")
    assert [r["code"] for r in no_limit.reasons] == ["no_limit"]
    grant(book, "V", "10000")
    venezuela = order(book, "V", "O11", "1")
    assert "country_requires_security" in [r["code"] for r in venezuela.reasons]
    with pytest.raises(NotFound):
        order(book, "NOPE", "O12", "1")
    with pytest.raises(ValidationError, match="amount"):
        order(book, "X", "O13", "0")


def test_a_group_limit_counts_every_member(book: App) -> None:
    grant(book, "P", "5000", scope="group")
    # The group's open invoices: I1 1000 + I2 500 (S) + I3 2000 (P) = 3500; headroom 1500.
    held = order(book, "S", "O1", "1600", hold_overdue_days=60)
    assert [r["code"] for r in held.reasons] == ["over_limit"]
    assert (held.figures["checked_against"], held.figures["group"]["holder"]) == ("group", "P")
    assert held.figures["group"]["exposure"] == "3500.00"
    assert order(book, "S", "O2", "1500", hold_overdue_days=60).outcome == "release"


def test_simultaneous_orders_cannot_both_use_the_same_headroom(book: App) -> None:
    grant(book, "X", "10000")
    results: list[str] = []
    barrier = threading.Barrier(4)

    def place(number: int) -> None:
        barrier.wait()
        results.append(order(book, "X", f"C{number}", "6000").outcome)

    threads = [threading.Thread(target=place, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["hold", "hold", "hold", "release"]
    view = limits.buyer_limits(book.uow(), ref="X", base_currency="EUR", buckets=("open_invoices", "open_orders"))
    assert view.own.exposure.open_orders == D("6000.00")


def test_an_assessment_far_from_the_limit_proposes_a_new_one(book: App) -> None:
    grant(book, "X", "20000")
    configured = assessment.AssessmentConfig.from_settings(book.settings)
    # X has no statement and no sales: the recommendation is the limited-information cap, 50,000 (150% above).
    view = assessment.assess_buyer(book.uow(), ref="X", actor="analyst", config=configured)
    assert view.recommended_limit == D(50000)
    [proposal], _ = limits.list_requests(book.uow(), status="pending", base_currency="EUR")
    assert (proposal.source, proposal.amount_base, proposal.requested_by) == ("proposal", D("50000.00"),
                                                                             "analyst (assessment)")
    assert "recommended 50,000.00 against the limit in force 20,000.00 (150% apart)" in proposal.reason
    assessment.assess_buyer(book.uow(), ref="X", actor="analyst", config=configured)
    assert limits.list_requests(book.uow(), status="pending", base_currency="EUR")[1] == 1  # not proposed twice
    limits.decide_request(book.uow(), request_id=proposal.id, decision="refuse", version=1, reason="keep it",
                          actor="manager", username="manager", base_currency="EUR")
    automatic = dataclasses.replace(configured, proposals=limits.ProposalPolicy(0.2, D(60000)))
    assessment.assess_buyer(book.uow(), ref="X", actor="analyst", config=automatic)
    shown = limits.buyer_limits(book.uow(), ref="X", base_currency="EUR", buckets=("open_invoices",))
    assert shown.own.amount == D(50000) and shown.own.base is not None
    assert shown.own.base.decided_by == "analyst (assessment)"
    assert shown.requests[0].decision_reason == "automatic: at most 60,000.00"


def test_the_check_reads_the_same_exposure_as_the_limit_page(book: App, tmp_path: Path) -> None:
    """The check runs prepared statements on the driver connection; the limit page goes through SQLAlchemy.
    Partly paid, credited, disputed and foreign-currency invoices must come out the same on both paths."""
    for kind, header, rows in (
        ("fx", ("date", "currency", "rate_to_base"), [("2026-11-01", "USD", "0.900000")]),
        ("invoices", INVOICE_HEADER, [("X1", "X", "2026-09-01", "2026-10-01", "EUR", "3000.00"),
                                      ("X2", "X", "2026-10-01", "2026-10-20", "USD", "1000.00"),
                                      ("X3", "X", "2026-11-01", "2026-12-01", "EUR", "800.00")]),
        ("payments", ("payment_ref", "buyer_ref", "payment_date", "currency", "amount", "invoice_ref"),
         [("PAY1", "X", "2026-11-02", "EUR", "1200.00", "X1")]),
        ("adjustments", ("adjustment_ref", "invoice_ref", "kind", "date", "amount"),
         [("CN1", "X1", "credit_note", "2026-11-03", "300.00")]),
    ):
        import_file(book.uow(), kind=kind, path=write_csv(tmp_path / f"{kind}.csv", header, rows),
                    base_currency="EUR", actor="test")
    grant(book, "X", "10000")
    assert order(book, "X", "O1", "400").outcome == "hold"  # X1 1500.00 and X2 900.00 are > 30 days overdue
    order_holds.resolve_hold(book.uow(), base_currency="EUR", order_ref="O1", release=True, reason="agreed", version=1,
                        actor="manager")
    held = order(book, "X", "O2", "100")
    # Open: X1 3000 − 1200 − 300 = 1500.00; X2 1000 USD × 0.9 = 900.00; X3 800.00 → 3200.00; order O1 400.00.
    page = limits.buyer_limits(book.uow(), ref="X", base_currency="EUR", buckets=("open_invoices", "open_orders"))
    assert (page.own.exposure.open_invoices, page.own.exposure.open_orders, page.own.exposure.overdue) == (
        D("3200.00"), D("400.00"), D("2400.00"))
    figures = held.figures["buyer"]
    assert (figures["open_invoices"], figures["open_orders"], figures["overdue"], figures["exposure"],
            figures["headroom"]) == ("3200.00", "400.00", "2400.00", "3600.00", "6400.00")
    assert held.reasons[0]["figures"] == {"overdue": "2400.00", "days": "30"}
    limits_view = limits.buyer_limits(book.uow(), ref="X", base_currency="EUR", buckets=("open_invoices",))
    assert limits_view.own.exposure.total == D("3200.00")
    with book.uow() as uow:  # the prepared insert stored exact values that the ORM reads back
        record = uow.orders.find("O2")
        assert record is not None
        assert (record.amount, record.amount_base, record.ship_date, record.status) == (
            D("100.00"), D("100.00"), date(2026, 12, 1), "held")
        assert record.reasons == held.reasons and record.checked_at == held.checked_at


def test_a_country_change_reaches_the_next_check_at_once(book: App) -> None:
    """The application's check keeps each country's terms for a few seconds; a change made here drops them."""
    grant(book, "X", "10000")

    def check(order_ref: str) -> orders.OrderCheckView:
        return orders.check(book.uow(), ref="X", order_ref=order_ref, amount=D(100), currency="EUR",
                            ship_date=date(2026, 12, 1), actor="erp", config=book.order_check_config)

    assert check("O1").outcome == "release"  # Italy allows open account; its terms are now cached
    country.update_settings(book.uow(), country="IT", changes={"required_terms": "confirmed_lc"}, version=0,
                            actor="manager")
    held = check("O2")
    assert [r["code"] for r in held.reasons] == ["country_requires_security"]


def test_a_partial_release_counts_only_the_released_part(book: App) -> None:
    grant(book, "X", "10000")
    assert order(book, "X", "O1", "6000").outcome == "release"
    held = order(book, "X", "O2", "6000")  # 6,000 + 6,000 > 10,000
    assert held.status == "held" and held.buyer_name == "Rossi"

    def resolve(amount: D | str, *, release: bool = True) -> orders.OrderCheckView:
        return order_holds.resolve_hold(book.uow(), base_currency="EUR", order_ref="O2", release=release,
                                   reason="ship what fits", version=1, actor="manager", amount=amount)

    with pytest.raises(ValidationError, match=r"at most 6000\.00 EUR; got 6000\.01"):
        resolve(D("6000.01"))
    with pytest.raises(ValidationError, match="amount"):
        resolve(D(0))
    with pytest.raises(ValidationError, match="more than 2 decimal"):
        resolve("100.001")
    with pytest.raises(ValidationError, match="a rejected order ships nothing"):
        resolve(D(100), release=False)
    [still], _ = order_holds.list_orders(book.uow(), base_currency="EUR", status="held")
    assert (still.version, still.released_amount) == (1, None)  # the refused attempts changed nothing
    released = resolve("4000")
    assert (released.status, released.released_amount, released.version) == ("released", D("4000.00"), 2)
    page = limits.buyer_limits(book.uow(), ref="X", base_currency="EUR", buckets=("open_invoices", "open_orders"))
    assert (page.own.exposure.open_orders, page.own.headroom) == (D("10000.00"), D("0.00"))
    assert [r["code"] for r in order(book, "X", "O3", "1").reasons] == ["over_limit"]
    events, _ = audit_trail(book.uow(), entity="order")
    assert events[0].after == {"status": "released", "reason": "ship what fits", "released_amount": "4000.00"}


def test_a_credit_block_holds_every_order_until_it_is_lifted(book: App) -> None:
    grant(book, "X", "10000")
    with book.uow() as uow:
        buyer = uow.buyers.get("X")
        block = uow.credit_blocks.add(buyer_id=buyer.id, reason="stop shipments", source="manual", alert_id=None,
                                      blocked_by="manager", blocked_at=uow.clock.now(), lifted_by=None,
                                      lifted_at=None, lift_reason=None)
        uow.commit()
        block_id = block.id
    held = order(book, "X", "O1", "100")
    assert [(r["code"], r["text"]) for r in held.reasons] == [
        ("supply_suspended", "shipments to this buyer are stopped (credit block)")]
    with book.uow() as uow:
        lifted = uow.credit_blocks.get(block_id)
        assert lifted is not None
        lifted.lifted_by, lifted.lifted_at, lifted.lift_reason = "manager", uow.clock.now(), "paid"
        uow.commit()
    assert order(book, "X", "O2", "100").outcome == "release"


def batch(*lines: tuple[str, str, str]) -> list[orders.OrderRequest]:
    return [orders.OrderRequest(ref, order_ref, amount, "EUR", date(2026, 12, 1)) for ref, order_ref, amount in lines]


def test_a_batch_is_checked_in_order_each_order_seeing_those_released_before_it(book: App) -> None:
    grant(book, "X", "10000")
    grant(book, "S", "50000")
    views = orders.check_many(book.uow(), batch(("X", "B1", "6000"), ("S", "B2", "100"), ("X", "B3", "3000"),
                                                ("X", "B4", "1500")), actor="erp", config=config(book))
    # X: 6000 released (headroom 4000 left), 3000 released (1000 left), 1500 held; S holds for I1 (40 days late).
    assert [(v.order_ref, v.status) for v in views] == [("B1", "released"), ("B2", "held"), ("B3", "released"),
                                                         ("B4", "held")]
    assert views[3].reasons[0]["text"] == ("exposure 9,000.00 + order 1,500.00 exceeds the limit 10,000.00 "
                                           "(headroom 1,000.00)")
    assert views[1].reasons[0]["code"] == "overdue"
    # The same as one by one: a single check now sees both released orders.
    assert order(book, "X", "B5", "1000.01").figures["buyer"]["open_orders"] == "9000.00"
    again = orders.check_many(book.uow(), batch(("X", "B3", "3000"), ("X", "B6", "1000")), actor="erp",
                              config=config(book))
    assert [(v.order_ref, v.status, v.version) for v in again] == [("B3", "released", 1), ("B6", "released", 1)]
    assert again[0] == views[2]  # sent again: the stored answer


def test_an_order_sent_twice_in_one_batch_is_stored_and_counted_once(book: App) -> None:
    grant(book, "X", "10000")
    views = orders.check_many(book.uow(), batch(("X", "D1", "6000"), ("X", "D1", "6000"), ("X", "D2", "3000")),
                              actor="erp", config=config(book))
    assert [(v.order_ref, v.status) for v in views] == [("D1", "released"), ("D1", "released"), ("D2", "released")]
    assert views[1] == views[0]
    assert views[2].figures["buyer"]["open_orders"] == "6000.00"  # not 12,000: the repeat is not a second order
    assert order_holds.list_orders(book.uow(), base_currency="EUR", status=None)[1] == 2


def test_a_bad_order_in_a_batch_stores_none_of_them(book: App) -> None:
    grant(book, "X", "10000")
    good = ("X", "G1", "100")
    cases = [
        (batch(good, ("NOPE", "G2", "1")), ValidationError, r"orders\[1\].buyer: no buyer has the ref 'NOPE'"),
        (batch(good, ("X", "G2", "-5")), ValidationError, r"orders\[1\].amount: expected an order amount > 0; got -5"),
        (batch(good, ("X", "G2", "1.005")), ValidationError, r"orders\[1\].amount: "),
        (batch(good, ("X", " ", "1")), ValidationError, r"orders\[1\].order_ref: expected an order reference"),
        (batch(good, ("X", "G1", "200")), Conflict, r"orders\[1\]: order G1 was already checked with other figures"),
        ([], ValidationError, "orders: expected 1–1,000 orders; got 0"),
    ]
    for requests, error, message in cases:
        with pytest.raises(error, match=message):
            orders.check_many(book.uow(), requests, actor="erp", config=config(book))
    assert order_holds.list_orders(book.uow(), base_currency="EUR", status=None)[1] == 0
    with pytest.raises(ValidationError, match=r"orders\[0\].currency: unknown currency code 'EUX'"):
        orders.check_many(book.uow(), [orders.OrderRequest("X", "G1", "1", "EUX", date(2026, 12, 1))], actor="erp",
                          config=config(book))


def test_a_batch_locks_its_groups_in_one_order_so_batches_cannot_deadlock(book: App,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    grant(book, "X", "100000")
    locked: list[int] = []
    original = OrderCheckTransaction.lock

    def spy(self: OrderCheckTransaction, buyer_id: int) -> None:
        locked.append(buyer_id)
        original(self, buyer_id)

    monkeypatch.setattr(OrderCheckTransaction, "lock", spy)
    ids = {ref: book_id(book, ref) for ref in ("X", "P")}
    # X, then S (its group's top-level buyer is P), then X again: each group locked once, by ascending id.
    orders.check_many(book.uow(), batch(("X", "L1", "10"), ("S", "L2", "10"), ("X", "L3", "10")), actor="erp",
                      config=config(book))
    assert locked == sorted(ids.values())
    locked.clear()
    orders.check_many(book.uow(), batch(("S", "L4", "10"), ("X", "L5", "10")), actor="erp", config=config(book))
    assert locked == sorted(ids.values())


def book_id(app: App, ref: str) -> int:
    with app.uow() as uow:
        return uow.buyers.get(ref).id
