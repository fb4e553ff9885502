"""A handful of believable buyer events for the demo portfolio, chosen from the book without randomness.

Only buyers whose ledger already tells the story get an event: the most recently failed insolvent buyer gets its
insolvency (dated when its payments stopped), a deteriorating buyer a returned direct debit and another one a
supplier's legal claim, a poor payer a rating downgrade, and the largest healthy buyer a piece of good news.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

EVENT_COLUMNS = ("buyer_ref", "date", "type", "source", "text")


@dataclass(frozen=True)
class DemoBuyer:
    ref: str
    name: str
    quality: str  # excellent, average, poor, deteriorating, insolvent
    revenue_eur: float
    insolvency: date | None


def _row(buyer: DemoBuyer, on: date, kind: str, source: str, text: str) -> dict[str, str]:
    return dict(zip(EVENT_COLUMNS, (buyer.ref, on.isoformat(), kind, source, text), strict=True))


def demo_events(book: list[DemoBuyer], today: date) -> list[dict[str, str]]:
    """Rows of the events import file, oldest first."""
    rows: list[dict[str, str]] = []
    failed = sorted((b for b in book if b.quality == "insolvent" and b.insolvency and b.insolvency <= today),
                    key=lambda b: (b.insolvency, b.ref))
    if failed:
        last = failed[-1]
        assert last.insolvency is not None
        rows.append(_row(last, last.insolvency, "insolvency", "Insolvency register",
                         f"Insolvency proceedings opened against {last.name}; administrator appointed"))
    sliding = [b for b in book if b.quality == "deteriorating"]
    if sliding:
        rows.append(_row(sliding[0], today - timedelta(days=20), "payment_incident", "Collection agency",
                         "Direct debit of 12,400 EUR returned unpaid (insufficient funds)"))
    if len(sliding) > 1:
        rows.append(_row(sliding[1], today - timedelta(days=45), "legal_claim", "Court register",
                         "Payment claim of 38,000 EUR filed by a raw-material supplier"))
    poor = [b for b in book if b.quality == "poor"]
    if poor:
        rows.append(_row(poor[0], today - timedelta(days=60), "rating_change", "Credit bureau",
                         "Bureau score lowered from C to D (late payments reported by other suppliers)"))
    healthy = sorted((b for b in book if b.quality == "excellent"), key=lambda b: (-b.revenue_eur, b.ref))
    if healthy:
        rows.append(_row(healthy[0], today - timedelta(days=10), "news", "Trade press",
                         f"{healthy[0].name} opens a new distribution centre and reports record orders"))
    return sorted(rows, key=lambda row: (row["date"], row["buyer_ref"]))
