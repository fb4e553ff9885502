"""Snapshots of the whole portfolio on one day: one :class:`BuyerSnapshot` per buyer, as the monitoring rules read
them, from a few set-based reads (``docs/monitoring.md``, "What the run reads").

Everything is dated, so a snapshot can be built for any past day (a backtest replays history): invoices issued and
settlements dated up to ``as_of``, assessments, statements and limits in force on ``as_of``, country grades on
``as_of`` and 30 days earlier, payment promises broken on ``as_of`` (promised in the 365 days up to it, with the
policy's grace days and ``overdue_residual`` as the tolerance). The insurer fields stay at their "not known"
defaults until credit insurance records them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import polars as pl

from tradecredit.domain.buyer import group_roots
from tradecredit.domain.fx import FxTable
from tradecredit.domain.promises import PromisePolicy
from tradecredit.domain.signals import BuyerSnapshot, EventFact, OverdueInvoice, SignalPolicy, StatementFacts
from tradecredit.engine.monitoring import ledger_facts
from tradecredit.engine.receivables import INVOICE_SCHEMA
from tradecredit.services.country import read_all_grades
from tradecredit.services.promises import broken_promises
from tradecredit.services.reports import Snapshot
from tradecredit.store import ledger_frames, queries
from tradecredit.store import monitor_run as reads
from tradecredit.store.limits import base_limits_in_force
from tradecredit.store.uow import SqlUnitOfWork

COUNTRY_BASELINE_DAYS = 30
FIRST_RUN_DAYS = 30
CENT = Decimal("0.01")  # with no earlier run, events and statements of the last 30 days are new


@dataclass(frozen=True, slots=True)
class Window:
    """What counts as new on this run: events dated after ``after`` (the previous run's day) or recorded since
    ``recorded_since`` (when the previous run started)."""

    after: date
    recorded_since: datetime


def window(uow: SqlUnitOfWork, *, as_of: date) -> Window:
    """Since the previous run for an earlier day, or the last :data:`FIRST_RUN_DAYS` days when there is none."""
    previous = reads.previous_run(uow.session, before=as_of)
    if previous is not None:
        return Window(previous.as_of, previous.started_at)
    start = as_of - timedelta(days=FIRST_RUN_DAYS)
    return Window(start, datetime.combine(start, time(), UTC))


def overdue_floor(policy: SignalPolicy) -> int:
    """The lowest overdue threshold any buyer is judged by (the watch list's is tighter): invoices past it are
    listed, and each buyer's rule keeps those past its own."""
    watch_list: Any = policy.watch_list.get("overdue_days", policy.overdue_days)
    return min(policy.overdue_days, int(watch_list))


def months_between(earlier: date, later: date) -> int:
    """Whole calendar months from ``earlier`` to ``later`` (31 Dec 2024 → 30 Jun 2026 is 17)."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - (1 if later.day < earlier.day else 0)


def _amount(value: Any) -> Decimal | None:
    """A statement figure as shown in a signal: to the cent."""
    return None if value is None else Decimal(value).quantize(CENT)


def _ratio(top: Any, bottom: Any) -> Decimal | None:
    if top is None or bottom is None or Decimal(bottom) == 0:
        return None
    return Decimal(top) / Decimal(bottom)


def _statement(pair: Mapping[int, Any], recorded_since: datetime) -> StatementFacts:
    latest, prior = pair[1], pair.get(2)
    change = None
    if prior is not None and latest.revenue is not None and prior.revenue is not None and prior.revenue > 0:
        change = (Decimal(latest.revenue) - Decimal(prior.revenue)) / Decimal(prior.revenue)
    return StatementFacts(
        period_end=latest.period_end, working_capital_ratio=_ratio(latest.current_assets, latest.current_liabilities),
        equity=_amount(latest.equity), revenue_change=change, net_income=_amount(latest.net_income),
        net_income_prior=_amount(prior.net_income) if prior is not None else None,
        is_new=latest.created_at >= recorded_since)


def _pairs(rows: Sequence[Any]) -> dict[int, dict[int, Any]]:
    pairs: dict[int, dict[int, Any]] = {}
    for row in rows:
        pairs.setdefault(row.buyer_id, {})[row.n] = row
    return pairs


def _overdue(frame: pl.DataFrame, refs: Mapping[int, str], snap: Snapshot) -> dict[int, list[OverdueInvoice]]:
    found: dict[int, list[OverdueInvoice]] = {}
    for buyer_id, invoice_id, due, open_minor, days in frame.iter_rows():
        found.setdefault(buyer_id, []).append(OverdueInvoice(refs[invoice_id], due, snap.money(open_minor), days))
    return found


def ledger_snapshot(uow: SqlUnitOfWork, *, as_of: date, base_currency: str,
                    reading: ledger_frames.LedgerRead | None = None) -> Snapshot:
    """The ledger on ``as_of`` as :func:`services.reports.read_snapshot` gives it, read column-wise for millions
    of invoices (:mod:`tradecredit.store.ledger_frames`; ``reading``, when the caller started it earlier, else
    started here); raises FxRateMissing like it."""
    buyers = {row.id: row for row in queries.buyers(uow.session)}
    roots = group_roots({id_: row.parent_id for id_, row in buyers.items()})
    groups = pl.DataFrame({"buyer_id": list(roots), "group_id": list(roots.values())},
                          schema={"buyer_id": pl.Int64, "group_id": pl.Int64})
    if reading is None:
        with ledger_frames.LedgerRead(uow.session, as_of=as_of) as read:
            invoices, settlements = read.frames()
    else:  # the caller's: it ends the read
        invoices, settlements = reading.frames()
    invoices = invoices.join(groups, on="buyer_id", how="left").select(list(INVOICE_SCHEMA))
    table = FxTable(base_currency, uow.fx.latest(as_of))
    rates = {code: float(table.rate(code, as_of)) for code in sorted(invoices["currency"].unique())}
    return Snapshot(as_of, base_currency, invoices, settlements, rates, buyers)


@dataclass(frozen=True)
class Facts:
    """Everything read for one day, by buyer id."""

    as_of: date
    snap: Snapshot
    ledger: dict[int, tuple[int, int, float | None, float | None]]
    overdue: dict[int, list[OverdueInvoice]]
    total_minor: int
    assessments: dict[int, dict[int, Any]]
    statements: dict[int, dict[int, Any]]
    limits: dict[int, Decimal]
    grades_now: dict[str, int | None]
    grades_before: dict[str, int | None]
    events: dict[int, list[EventFact]]
    broken_promises: dict[int, int]
    watched: set[int]
    recorded_since: datetime


def _other_reads(uow: SqlUnitOfWork, *, as_of: date, policy: SignalPolicy) -> dict[str, Any]:
    """The :class:`Facts` fields that do not come from the ledger."""
    since = window(uow, as_of=as_of)
    events: dict[int, list[EventFact]] = {}
    for row in reads.events_between(uow.session, after=since.after, as_of=as_of, imported_since=since.recorded_since):
        events.setdefault(row.buyer_id, []).append(EventFact(row.event_date, row.type, row.source, row.text))
    before = as_of - timedelta(days=COUNTRY_BASELINE_DAYS)
    return {
        "assessments": _pairs(reads.assessment_pairs(uow.session, as_of=as_of)),
        "statements": _pairs(reads.statement_pairs(uow.session, as_of=as_of)),
        "limits": {buyer_id: amount for buyer_id, (_, amount) in base_limits_in_force(uow.session, as_of).items()},
        "grades_now": {code: g.grade for code, g in read_all_grades(uow, on=as_of).items()},
        "grades_before": {code: g.grade for code, g in read_all_grades(uow, on=before).items()},
        "events": events, "watched": uow.watch_list.buyer_ids(), "recorded_since": since.recorded_since,
        "broken_promises": broken_promises(uow, as_of=as_of, policy=PromisePolicy(policy.promise_grace_days,
                                                                                  policy.overdue_residual)),
    }


def read_facts(uow: SqlUnitOfWork, *, as_of: date, base_currency: str, policy: SignalPolicy) -> Facts:
    """Every read of the run, inside the caller's open unit of work. The ledger is read by a child process
    meanwhile (:class:`~tradecredit.store.ledger_frames.LedgerRead`), so the two reads overlap."""
    with ledger_frames.LedgerRead(uow.session, as_of=as_of) as reading:
        others = _other_reads(uow, as_of=as_of, policy=policy)
        snap = ledger_snapshot(uow, as_of=as_of, base_currency=base_currency, reading=reading)
    ledger, overdue = ledger_facts(snap.invoices, snap.settlements, as_of=as_of, rates=snap.rates,
                                   base_currency=base_currency, base_minor_unit=snap.exponent,
                                   overdue_more_than=overdue_floor(policy),
                                   residual_minor=int(policy.overdue_residual.scaleb(snap.exponent)))
    refs = reads.invoice_refs(uow.session, overdue["invoice_id"].to_list())
    return Facts(as_of=as_of, snap=snap, ledger={row[0]: row[1:] for row in ledger.iter_rows()},
                 overdue=_overdue(overdue, refs, snap), total_minor=int(ledger["open_minor"].sum() or 0), **others)


def _assessed(pair: Mapping[int, Any] | None) -> dict[str, Any]:
    if not pair:
        return {}
    latest, prior = pair[1], pair.get(2)
    return {"grade": latest.grade, "pd": latest.pd, "recommended_limit": Decimal(latest.recommended_limit),
            "grade_before": prior.grade if prior else None, "pd_before": prior.pd if prior else None}


def _ledgered(facts: Facts, buyer_id: int) -> dict[str, Any]:
    open_minor, oldest, dbt, dbt_before = facts.ledger.get(buyer_id, (0, 0, None, None))
    share = Decimal(open_minor) / Decimal(facts.total_minor) if facts.total_minor and open_minor else None
    return {"exposure": facts.snap.money(open_minor), "oldest_overdue_days": oldest, "dbt_days": dbt,
            "dbt_days_3m_ago": dbt_before, "exposure_share": share,
            "new_overdue": tuple(facts.overdue.get(buyer_id, ()))}


def snapshot_of(facts: Facts, buyer: queries.BuyerRow) -> BuyerSnapshot:
    """One buyer's snapshot from the day's facts."""
    statements = facts.statements.get(buyer.id)
    statement = _statement(statements, facts.recorded_since) if statements else None
    return BuyerSnapshot(
        ref=buyer.ref, on=facts.as_of, currency=facts.snap.base_currency, **_assessed(facts.assessments.get(buyer.id)),
        **_ledgered(facts, buyer.id), limit=facts.limits.get(buyer.id), statement=statement,
        statement_age_months=months_between(statement.period_end, facts.as_of) if statement else None,
        country=buyer.country, country_grade=facts.grades_now.get(buyer.country),
        country_grade_before=facts.grades_before.get(buyer.country),
        events=tuple(facts.events.get(buyer.id, ())), watch_listed=buyer.id in facts.watched,
        broken_promises=facts.broken_promises.get(buyer.id, 0))


def build_snapshots(uow: SqlUnitOfWork, *, as_of: date, base_currency: str,
                    policy: SignalPolicy) -> dict[int, BuyerSnapshot]:
    """buyer_id → snapshot on ``as_of`` for every buyer, read in one unit of work (opened and closed here)."""
    with uow:
        facts = read_facts(uow, as_of=as_of, base_currency=base_currency, policy=policy)
    return {buyer.id: snapshot_of(facts, buyer) for buyer in facts.snap.buyers.values()}
