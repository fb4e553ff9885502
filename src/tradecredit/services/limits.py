"""Credit limit use cases: approval authorities, requests, decisions, reductions and cancellations, and a
buyer's limits with exposure and headroom.

Every change is one transaction with an audit event (who, when, before, after, why). A request is decided once;
a decision on a stale version gets StaleVersion and changes nothing. Approving a base limit ends the base limit in
force the day before the new one starts; a temporary limit may not overlap another temporary limit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from tradecredit.domain.errors import Conflict, NotFound, StaleVersion, ValidationError
from tradecredit.domain.fx import FxTable
from tradecredit.domain.limits import (
    Authority,
    DecisionKind,
    LimitKind,
    LimitScope,
    LimitTerm,
    RequestStatus,
    ReviewPolicy,
    check_authority,
    check_dates,
    limit_in_force,
    overlapping,
    review_date,
)
from tradecredit.domain.money import check_currency, parse_amount, round_money
from tradecredit.services.limit_exposure import Exposure, exposure_of
from tradecredit.services.paging import check_page
from tradecredit.store import limits as limit_queries
from tradecredit.store.tables import CreditLimitRecord, LimitRequestRecord
from tradecredit.store.uow import SqlUnitOfWork

MAX_REASON = 1000


@dataclass(frozen=True)
class AuthorityView:
    username: str
    max_amount: Decimal
    worst_grade: int
    version: int
    updated_by: str
    updated_at: datetime


@dataclass(frozen=True)
class RequestView:
    id: int
    ref: str
    scope: str
    kind: str
    amount: Decimal
    currency: str
    amount_base: Decimal
    valid_from: date
    valid_to: date | None
    reason: str
    source: str
    requested_by: str
    requested_at: datetime
    status: str
    decided_amount: Decimal | None
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None
    version: int


@dataclass(frozen=True)
class LimitView:
    id: int
    ref: str
    scope: str
    kind: str
    amount: Decimal
    valid_from: date
    valid_to: date | None
    review_on: date | None
    decided_by: str
    decided_at: datetime
    reason: str
    ended_reason: str | None
    request_id: int | None
    replaces_id: int | None


@dataclass(frozen=True)
class LimitPosition:
    """One limit (the buyer's own or its group's) against the exposure it covers."""

    scope: str
    holder: str  # the buyer's ref, or the group root's
    amount: Decimal | None  # None: no limit in force
    base: LimitView | None
    temporary: list[LimitView]
    under_review: bool
    exposure: Exposure
    headroom: Decimal | None


@dataclass(frozen=True)
class BuyerLimits:
    ref: str
    as_of: date
    currency: str
    own: LimitPosition
    group: LimitPosition | None
    insurer_limit: Decimal | None  # filled by the credit insurance module
    covered: Decimal
    uncovered: Decimal
    history: list[LimitView] = field(default_factory=list)
    requests: list[RequestView] = field(default_factory=list)


def _text(value: str, name: str) -> str:
    text = value.strip()
    if not text or len(text) > MAX_REASON:
        raise ValidationError(name, f"expected 1–{MAX_REASON} characters; got {len(text)}")
    return text


def _request_view(record: LimitRequestRecord, ref: str, base: str) -> RequestView:
    decided = None if record.decided_amount is None else round_money(record.decided_amount, base)
    return RequestView(record.id, ref, record.scope, record.kind, round_money(record.amount, record.currency),
                       record.currency, round_money(record.amount_base, base), record.valid_from, record.valid_to,
                       record.reason, record.source, record.requested_by, record.requested_at, record.status, decided,
                       record.decided_by,
                       record.decided_at, record.decision_reason, record.version)


def limit_view(record: CreditLimitRecord, ref: str, base: str) -> LimitView:
    return LimitView(record.id, ref, record.scope, record.kind, round_money(record.amount, base), record.valid_from,
                     record.valid_to,
                     record.review_on, record.decided_by, record.decided_at, record.reason, record.ended_reason,
                     record.request_id, record.replaces_id)


def _term(record: CreditLimitRecord) -> LimitTerm:
    return LimitTerm(record.id, LimitKind(record.kind), record.amount, record.valid_from, record.valid_to,
                     record.review_on)


# --- authorities --------------------------------------------------------------------------------------------------

def set_authority(uow: SqlUnitOfWork, *, username: str, max_amount: Decimal, worst_grade: int, actor: str,
                  version: int | None = None) -> AuthorityView:
    """Create or change what a user may approve; changing needs the current ``version``."""
    Authority(username, max_amount, worst_grade)  # validates
    with uow:
        uow.users.get(username)
        record = uow.authorities.find(username)
        now = uow.clock.now()
        after = {"max_amount": str(max_amount), "worst_grade": worst_grade}
        if record is None:
            record = uow.authorities.add(username=username, max_amount=max_amount, worst_grade=worst_grade,
                                         version=1, updated_by=actor, updated_at=now)
            before = None
        else:
            if version != record.version:
                raise StaleVersion("authority", username, version or 0, record.version)
            before = {"max_amount": str(record.max_amount), "worst_grade": record.worst_grade}
            record.max_amount, record.worst_grade = max_amount, worst_grade
            record.version, record.updated_by, record.updated_at = record.version + 1, actor, now
        uow.audit.record(at=now, actor=actor, action="set", entity="approval_authority", key=username,
                         before=before, after=after)
        uow.commit()
        return AuthorityView(record.username, record.max_amount, record.worst_grade, record.version,
                             record.updated_by, record.updated_at)


def list_authorities(uow: SqlUnitOfWork) -> list[AuthorityView]:
    with uow:
        return [AuthorityView(r.username, r.max_amount, r.worst_grade, r.version, r.updated_by, r.updated_at)
                for r in uow.authorities.all()]


# --- requests and decisions ---------------------------------------------------------------------------------------

def request_limit(uow: SqlUnitOfWork, *, ref: str, amount: Decimal, currency: str, kind: str = "base",
                  scope: str = "buyer", valid_from: date | None = None, valid_to: date | None = None,
                  reason: str, actor: str, base_currency: str, source: str = "manual") -> RequestView:
    """Ask for a limit; the amount is converted to the base currency at today's rate (FxRateMissing without one)."""
    limit_kind, limit_scope = _kind(kind), _scope(scope)
    code = check_currency(currency)
    amount = parse_amount(amount, code)
    if amount <= 0:
        raise ValidationError("amount", f"expected an amount > 0; got {amount}")
    why = _text(reason, "reason")
    with uow:
        today = uow.clock.today()
        start = valid_from or today
        check_dates(limit_kind, start, valid_to)
        buyer = uow.buyers.get(ref)
        if limit_scope is LimitScope.GROUP and buyer.parent_id is not None:
            raise ValidationError("scope", f"a group limit is set on the group's top-level parent, not on {ref}")
        table = FxTable(base_currency, uow.fx.latest(today)) if code != base_currency else FxTable(base_currency)
        amount_base = round_money(round_money(amount, code) * table.rate(code, today), base_currency)
        if limit_kind is LimitKind.TEMPORARY and valid_to is not None:
            _no_overlap(uow, buyer.id, limit_scope, start, valid_to)
        now = uow.clock.now()
        record = uow.limit_requests.add(
            buyer_id=buyer.id, scope=limit_scope.value, kind=limit_kind.value, amount=round_money(amount, code),
            currency=code, amount_base=amount_base, valid_from=start, valid_to=valid_to, reason=why, source=source,
            requested_by=actor, requested_at=now, status=RequestStatus.PENDING.value, version=1)
        uow.audit.record(at=now, actor=actor, action="request", entity="limit_request", key=str(record.id),
                         after=_request_state(record, ref))
        uow.commit()
        return _request_view(record, ref, base_currency)


def _kind(kind: str) -> LimitKind:
    try:
        return LimitKind(kind)
    except ValueError:
        raise ValidationError("kind", f"expected base or temporary; got {kind!r}") from None


def _scope(scope: str) -> LimitScope:
    try:
        return LimitScope(scope)
    except ValueError:
        raise ValidationError("scope", f"expected buyer or group; got {scope!r}") from None


def _no_overlap(uow: SqlUnitOfWork, buyer_id: int, scope: LimitScope, start: date, end: date) -> None:
    terms = [_term(r) for r in uow.limits.for_buyer(buyer_id, scope.value)]
    clash = overlapping(terms, start, end)
    if clash is not None:
        raise ValidationError("valid_from", f"overlaps the temporary limit #{clash.id} from {clash.valid_from} to "
                                            f"{clash.valid_to}; temporary limits may not overlap")


def _request_state(record: LimitRequestRecord, ref: str) -> dict[str, Any]:
    return {"buyer": ref, "scope": record.scope, "kind": record.kind, "amount": str(record.amount),
            "currency": record.currency, "amount_base": str(record.amount_base),
            "valid_from": record.valid_from.isoformat(),
            "valid_to": record.valid_to.isoformat() if record.valid_to else None, "status": record.status,
            "reason": record.reason}


def decide_request(uow: SqlUnitOfWork, *, request_id: int, decision: str, version: int, reason: str, actor: str,
                   username: str, base_currency: str, amount: Decimal | None = None,
                   review: ReviewPolicy = ReviewPolicy()) -> RequestView:
    """Approve, partially approve (a smaller ``amount`` in the base currency) or refuse a pending request, within
    ``username``'s approval authority (refusals need none)."""
    kind = _decision(decision)
    why = _text(reason, "reason")
    with uow:
        record = uow.limit_requests.get(request_id)
        if record is None:
            raise NotFound("limit request", request_id)
        ref = uow.buyers.ref_of(record.buyer_id) or ""
        if record.version != version:
            raise StaleVersion("limit request", request_id, version, record.version)
        if record.status != RequestStatus.PENDING.value:
            raise Conflict(f"limit request {request_id} is already {record.status}")
        before = _request_state(record, ref)
        granted = _granted(kind, record, None if amount is None else parse_amount(amount, base_currency))
        now = uow.clock.now()
        if granted is not None:
            grade = limit_queries.latest_grade(uow.session, record.buyer_id)
            authority = uow.authorities.find(username)
            check_authority(None if authority is None else Authority(username, authority.max_amount,
                                                                     authority.worst_grade),
                            username=username, amount=granted, grade=grade)
            _grant(uow, record, granted, why, actor, now, review_date(now.date(), grade, review))
        record.status = {DecisionKind.APPROVE: RequestStatus.APPROVED, DecisionKind.PARTIAL:
                         RequestStatus.PARTIALLY_APPROVED, DecisionKind.REFUSE: RequestStatus.REFUSED}[kind].value
        record.decided_amount, record.decided_by, record.decided_at = granted, actor, now
        record.decision_reason, record.version = why, record.version + 1
        uow.audit.record(at=now, actor=actor, action=kind.value, entity="limit_request", key=str(record.id),
                         before=before, after={**_request_state(record, ref),
                                               "decided_amount": None if granted is None else str(granted),
                                               "decision_reason": why})
        uow.commit()
        return _request_view(record, ref, base_currency)


def _decision(decision: str) -> DecisionKind:
    try:
        return DecisionKind(decision)
    except ValueError:
        raise ValidationError("decision", f"expected approve, partial or refuse; got {decision!r}") from None


def _granted(kind: DecisionKind, record: LimitRequestRecord, amount: Decimal | None) -> Decimal | None:
    if kind is DecisionKind.REFUSE:
        return None
    if kind is DecisionKind.APPROVE:
        return record.amount_base
    if amount is None or not 0 < amount < record.amount_base:
        raise ValidationError("amount", f"a partial approval needs an amount above 0 and below the requested "
                                        f"{record.amount_base}; got {amount}")
    return amount


def _grant(uow: SqlUnitOfWork, request: LimitRequestRecord, amount: Decimal, why: str, actor: str, now: datetime,
           review_on: date) -> CreditLimitRecord:
    """Create the limit; a new base limit ends the base limit in force the day before it starts."""
    start = request.valid_from
    replaced = None
    if request.kind == LimitKind.BASE.value:
        current = limit_in_force([_term(r) for r in uow.limits.for_buyer(request.buyer_id, request.scope)], start)
        if current.base is not None:
            replaced = uow.limits.get(current.base.id)
            assert replaced is not None
            replaced.valid_to = start - timedelta(days=1)
            replaced.ended_reason = f"replaced by the limit approved on request {request.id}"
    return uow.limits.add(buyer_id=request.buyer_id, scope=request.scope, kind=request.kind, amount=amount,
                          valid_from=start, valid_to=request.valid_to,
                          review_on=review_on if request.kind == LimitKind.BASE.value else None,
                          request_id=request.id, replaces_id=replaced.id if replaced else None, decided_by=actor,
                          decided_at=now, reason=why, ended_reason=None)


def change_limit(uow: SqlUnitOfWork, *, limit_id: int, new_amount: Decimal | None, effective: date, reason: str,
                 actor: str, base_currency: str) -> LimitView:
    """Reduce a limit from ``effective`` (``new_amount`` below the current one) or cancel it (``new_amount`` None).
    The old limit ends the day before; a reduction continues as a new limit with the same validity end."""
    why = _text(reason, "reason")
    new_amount = None if new_amount is None else parse_amount(new_amount, base_currency)
    with uow:
        record = uow.limits.get(limit_id)
        if record is None:
            raise NotFound("credit limit", limit_id)
        ref = uow.buyers.ref_of(record.buyer_id) or ""
        if record.valid_to is not None and record.valid_to < effective:
            raise Conflict(f"credit limit {limit_id} already ended on {record.valid_to}")
        if effective < record.valid_from:
            raise ValidationError("effective", f"{effective} is before the limit starts ({record.valid_from})")
        if new_amount is not None and not 0 <= new_amount < record.amount:
            raise ValidationError("amount", f"a reduction needs an amount from 0 to below {record.amount}; got "
                                            f"{new_amount} (a higher limit is a new request)")
        before = {"amount": str(record.amount), "valid_to": record.valid_to.isoformat() if record.valid_to else None}
        now = uow.clock.now()
        end = record.valid_to
        record.valid_to = effective - timedelta(days=1)
        record.ended_reason = why if new_amount is None else f"reduced to {new_amount}: {why}"
        result = record
        if new_amount is not None:
            result = uow.limits.add(buyer_id=record.buyer_id, scope=record.scope, kind=record.kind, amount=new_amount,
                                    valid_from=effective, valid_to=end, review_on=record.review_on, request_id=None,
                                    replaces_id=record.id, decided_by=actor, decided_at=now, reason=why,
                                    ended_reason=None)
        uow.audit.record(at=now, actor=actor, action="cancel" if new_amount is None else "reduce",
                         entity="credit_limit", key=str(limit_id), before=before,
                         after={"amount": str(new_amount) if new_amount is not None else None,
                                "effective": effective.isoformat(), "reason": why})
        uow.commit()
        return limit_view(result, ref, base_currency)


def list_requests(uow: SqlUnitOfWork, *, base_currency: str, status: str | None = "pending", ref: str | None = None,
                  page: int = 1, size: int = 50) -> tuple[list[RequestView], int]:
    if status is not None and status not in {s.value for s in RequestStatus}:
        raise ValidationError("status", f"expected one of {', '.join(s.value for s in RequestStatus)}; got {status!r}")
    offset = check_page(page, size)
    with uow:
        buyer_id = uow.buyers.get(ref).id if ref else None
        records, total = uow.limit_requests.page(status=status, buyer_id=buyer_id, offset=offset, limit=size)
        return [_request_view(r, uow.buyers.ref_of(r.buyer_id) or "", base_currency) for r in records], total


# --- a buyer's limits -----------------------------------------------------------------------------------------------

def position(uow: SqlUnitOfWork, *, holder_id: int, holder_ref: str, scope: LimitScope, day: date, base: str,
             buckets: tuple[str, ...]) -> LimitPosition:
    """Inside an open unit of work: the limit of ``holder_id`` in ``scope`` against its exposure (the whole
    group's for a group limit)."""
    records = uow.limits.for_buyer(holder_id, scope.value)
    in_force = limit_in_force([_term(r) for r in records], day)
    by_id = {r.id: r for r in records}
    exposure = exposure_of(uow, holder_id, group=scope is LimitScope.GROUP, day=day, base=base, buckets=buckets)
    amount = round_money(in_force.amount, base) if in_force.base or in_force.temporary else None
    return LimitPosition(
        scope.value, holder_ref, amount,
        limit_view(by_id[in_force.base.id], holder_ref, base) if in_force.base else None,
        [limit_view(by_id[t.id], holder_ref, base) for t in in_force.temporary], in_force.under_review(day), exposure,
        None if amount is None else amount - exposure.total)


def buyer_limits(uow: SqlUnitOfWork, *, ref: str, base_currency: str, buckets: tuple[str, ...],
                 as_of: date | None = None) -> BuyerLimits:
    """The buyer's own limit and its group's, each against its exposure, with the history and requests."""
    with uow:
        buyer = uow.buyers.get(ref)
        day = as_of or uow.clock.today()
        own = position(uow, holder_id=buyer.id, holder_ref=ref, scope=LimitScope.BUYER, day=day,
                       base=base_currency, buckets=buckets)
        root = limit_queries.group_root(uow.session, buyer.id)
        group = None
        if uow.limits.for_buyer(root, LimitScope.GROUP.value):
            group = position(uow, holder_id=root, holder_ref=uow.buyers.ref_of(root) or "", scope=LimitScope.GROUP,
                             day=day, base=base_currency, buckets=buckets)
        history = [limit_view(r, ref, base_currency) for r in uow.limits.for_buyer(buyer.id)]
        requests, _ = uow.limit_requests.page(status=None, buyer_id=buyer.id, offset=0, limit=50)
        return BuyerLimits(ref, day, base_currency, own, group, None, Decimal(0), own.exposure.total,
                           history[::-1], [_request_view(r, ref, base_currency) for r in requests])


# --- proposals from assessments -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ProposalPolicy:
    share: float = 0.2  # propose when the recommendation differs from the limit in force by more than this share
    auto_decide_below: Decimal = Decimal(0)  # approve proposals up to this amount automatically (0: never)


@dataclass(frozen=True)
class Recommendation:
    buyer_id: int
    ref: str
    grade: int
    amount: Decimal


def propose_limits(uow: SqlUnitOfWork, recommendations: list[Recommendation], *, day: date, base_currency: str,
                   actor: str, policy: ProposalPolicy, review: ReviewPolicy = ReviewPolicy()) -> tuple[int, int]:
    """Inside the assessment's unit of work: a limit request (source ``proposal``) for each buyer whose
    recommended limit differs from its base limit in force by more than ``policy.share``, unless one is already
    pending; those up to ``auto_decide_below`` are approved at once by the system. Returns (proposed, approved).

    A recommendation of 0 makes no proposal (a request needs an amount): monitoring raises it as an alert."""
    in_force = limit_queries.base_limits_in_force(uow.session, day)
    pending = limit_queries.pending_proposals(uow.session)
    now = uow.clock.now()
    proposed = approved = 0
    for item in recommendations:
        current = in_force.get(item.buyer_id)
        if current is None or item.buyer_id in pending or item.amount <= 0 or current[1] <= 0:
            continue
        change = abs(item.amount - current[1]) / current[1]
        if change <= Decimal(str(policy.share)):
            continue
        why = (f"assessment on {day}: grade {item.grade}, recommended {item.amount:,.2f} against the limit in force "
               f"{round_money(current[1], base_currency):,.2f} ({change:.0%} apart)")
        request = uow.limit_requests.add(
            buyer_id=item.buyer_id, scope=LimitScope.BUYER.value, kind=LimitKind.BASE.value, amount=item.amount,
            currency=base_currency, amount_base=item.amount, valid_from=day, valid_to=None, reason=why,
            source="proposal", requested_by=actor, requested_at=now, status=RequestStatus.PENDING.value, version=1)
        uow.audit.record(at=now, actor=actor, action="propose", entity="limit_request", key=str(request.id),
                         after=_request_state(request, item.ref))
        proposed += 1
        if item.amount <= policy.auto_decide_below:
            _grant(uow, request, item.amount, "automatic decision below the configured amount", actor, now,
                   review_date(day, item.grade, review))
            request.status, request.decided_amount = RequestStatus.APPROVED.value, item.amount
            request.decided_by, request.decided_at, request.version = actor, now, 2
            request.decision_reason = f"automatic: at most {policy.auto_decide_below:,.2f}"
            uow.audit.record(at=now, actor=actor, action="approve", entity="limit_request", key=str(request.id),
                             after={"decided_amount": str(item.amount), "decision_reason": request.decision_reason})
            approved += 1
    return proposed, approved
