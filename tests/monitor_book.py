"""A small book for the monitoring run: one buyer per signal, each firing for the documented reason.

On 2026-11-27 (``DAY1``) and 2026-11-28 (``DAY2``, the fixtures' today), all EUR, 30 days' terms, country DE:

* ``G1`` — assessed grade 4 (PD 1%) on 2026-08-01, grade 7 (PD 5%) on 2026-11-01: down 3 notches;
* ``U1`` — limit 10,000, open 9,000 not yet due: 90.00% used (at the threshold, so it warns); 9,500 (95%) on DAY2;
* ``U2`` — limit 10,000, open 8,500: 85%, under 90%, silent; ``W1`` the same but watch-listed (80%): warns;
* ``O1`` — 1,000 due 2026-10-20: 38 days overdue on DAY1, paid on DAY2;
* ``E1`` — 1,000 due 2026-08-29: 90 days overdue on DAY1 (warning), 91 on DAY2 (critical: more than 90); its DBT
  is 90 days against 0 three months earlier (nothing was due then): up more than 20, critical;
* ``I1`` — an insolvency dated 2026-11-20;
* ``S1`` — its only statement ends 2024-12-31: 22 months old on DAY2 (more than 18);
* ``C1`` — 100,000 open of a book of 938,000: 10.66% (more than 10%); ``F1``–``F9`` 90,000 each (9.59%).

Nothing has a previous statement, a DBT three months ago with a trend, or a country change, so nothing else fires.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from tests.assessment_book import BUYERS, HEALTHY, load, statement
from tests.builders import INVOICE_HEADER, PAYMENT_HEADER
from tradecredit.bootstrap import App
from tradecredit.domain.statements import LINE_ITEMS

DAY1 = date(2026, 11, 27)
DAY2 = date(2026, 11, 28)
FILLERS = [f"F{n}" for n in range(1, 10)]
EXPECTED_DAY1 = {("G1", "grade_downgrade"), ("G1", "pd_band_up"), ("U1", "utilisation_high"),
                 ("W1", "utilisation_high"), ("O1", "overdue_30"), ("E1", "overdue_30"), ("E1", "dbt_rising"),
                 ("I1", "external_event"), ("S1", "stale_statement"), ("C1", "concentration")}


def _assessment(buyer_id: int, as_of: date, grade: int, pd: float) -> dict[str, object]:
    return {"buyer_id": buyer_id, "as_of": as_of, "assessed_at": datetime(2026, 11, 1, tzinfo=UTC), "actor": "test",
            "trigger": "test", "model_version": "test", "statement_id": None, "statement_period_end": None,
            "financial_pd": None, "pd": pd, "grade": grade, "score": 500, "limited_information": False,
            "stale_statement": False, "recommended_limit": Decimal(20_000), "currency": "EUR", "terms": "open_account",
            "terms_days": 30, "drivers": {}, "inputs": {}, "outputs": {}}


def build_monitor_book(app: App, tmp_path: Path) -> dict[str, int]:
    """Load the book; returns buyer ref → id."""
    refs = ["G1", "U1", "U2", "W1", "O1", "E1", "I1", "S1", "C1", *FILLERS]
    load(app, tmp_path, "buyers", BUYERS, [(ref, f"{ref} GmbH", "DE", "") for ref in refs])
    load(app, tmp_path, "financials", ("buyer_ref", "period_end", "currency", *LINE_ITEMS),
         [statement("S1", "2024-12-31", "EUR", HEALTHY)])
    load(app, tmp_path, "invoices", INVOICE_HEADER, [
        ("U1-1", "U1", "2026-11-20", "2026-12-20", "EUR", "9000.00"),
        ("U1-2", "U1", "2026-11-28", "2026-12-28", "EUR", "500.00"),
        ("U2-1", "U2", "2026-11-20", "2026-12-20", "EUR", "8500.00"),
        ("W1-1", "W1", "2026-11-20", "2026-12-20", "EUR", "8500.00"),
        ("O1-1", "O1", "2026-09-20", "2026-10-20", "EUR", "1000.00"),
        ("E1-1", "E1", "2026-07-30", "2026-08-29", "EUR", "1000.00"),
        ("C1-1", "C1", "2026-11-15", "2026-12-15", "EUR", "100000.00"),
        *((f"{ref}-1", ref, "2026-11-15", "2026-12-15", "EUR", "90000.00") for ref in FILLERS)])
    load(app, tmp_path, "payments", PAYMENT_HEADER, [("P-O1", "O1", "2026-11-28", "EUR", "1000.00", "O1-1")])
    with app.uow() as uow:
        ids = {ref: uow.buyers.get(ref).id for ref in refs}
        uow.assessments.add_many([_assessment(ids["G1"], date(2026, 8, 1), 4, 0.01),
                                  _assessment(ids["G1"], date(2026, 11, 1), 7, 0.05)])
        now = uow.clock.now()
        for ref in ("U1", "U2", "W1"):
            uow.limits.add(buyer_id=ids[ref], scope="buyer", kind="base", amount=Decimal(10_000),
                           valid_from=date(2026, 1, 1), valid_to=None, review_on=None, request_id=None,
                           replaces_id=None, decided_by="test", decided_at=now, reason="test", ended_reason=None)
        uow.buyer_events.insert_many([{"buyer_id": ids["I1"], "event_date": date(2026, 11, 20), "type": "insolvency",
                                       "source": "Court", "text": "proceedings opened", "fingerprint": "f" * 64,
                                       "imported_by": "test", "imported_at": now}])
        uow.watch_list.add(buyer_id=ids["W1"], reason="slow payer", added_by="test", added_at=now)
        uow.commit()
    return ids
