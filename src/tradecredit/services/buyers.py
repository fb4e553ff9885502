"""Buyer use cases: create, read with exposure, update with optimistic concurrency, search, group tree."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from tradecredit.domain.buyer import Buyer, new_buyer
from tradecredit.domain.errors import Conflict, NotFound, StaleVersion, ValidationError
from tradecredit.domain.fx import FxTable
from tradecredit.domain.money import round_money
from tradecredit.services.paging import check_page
from tradecredit.store import queries
from tradecredit.store.tables import BuyerRecord
from tradecredit.store.uow import SqlUnitOfWork

EDITABLE = ("name", "country", "registration_id", "lei", "industry", "parent_ref", "currency", "payment_terms_days")


@dataclass(frozen=True)
class Exposure:
    """Open receivables of a buyer in the base currency at the closing rate of ``as_of``."""

    as_of: date
    currency: str
    open: Decimal
    overdue: Decimal
    invoices: int
    oldest_due: date | None


@dataclass(frozen=True)
class BuyerView:
    ref: str
    name: str
    country: str
    currency: str
    payment_terms_days: int
    registration_id: str | None
    registration_scheme: str | None
    lei: str | None
    industry: str | None
    parent_ref: str | None
    version: int
    created_at: datetime
    updated_at: datetime

    @property
    def registration_verified(self) -> bool:
        return self.registration_scheme is not None


@dataclass(frozen=True)
class BuyerDetail:
    buyer: BuyerView
    members: list[str]
    exposure: Exposure


@dataclass(frozen=True)
class Page:
    items: list[BuyerView]
    total: int
    page: int
    size: int


@dataclass
class GroupNode:
    ref: str
    name: str
    country: str
    children: list[GroupNode] = field(default_factory=list)


def _view(record: BuyerRecord, refs: dict[int, str]) -> BuyerView:
    return BuyerView(record.ref, record.name, record.country, record.currency, record.payment_terms_days,
                     record.registration_id, record.registration_scheme, record.lei, record.industry,
                     refs.get(record.parent_id) if record.parent_id else None, record.version, record.created_at,
                     record.updated_at)


def _refs(uow: SqlUnitOfWork) -> dict[int, str]:
    return {id_: ref for ref, id_ in uow.buyers.ids_by_ref().items()}


def get_buyer(uow: SqlUnitOfWork, *, ref: str, base_currency: str, as_of: date | None = None) -> BuyerDetail:
    with uow:
        day = as_of or uow.clock.today()
        row = queries.buyer_with_parent(uow.session, ref)
        if row is None:
            raise NotFound("buyer", ref)
        members = queries.children_refs(uow.session, row.id)
        view = BuyerView(row.ref, row.name, row.country, row.currency, row.payment_terms_days, row.registration_id,
                         row.registration_scheme, row.lei, row.industry, row.parent_ref, row.version, row.created_at,
                         row.updated_at)
        exposure = _exposure(uow, [row.id], day, base_currency)
        return BuyerDetail(view, members, exposure)


def _exposure(uow: SqlUnitOfWork, buyer_ids: list[int], day: date, base: str) -> Exposure:
    rows = queries.open_by_currency(uow.session, buyer_ids=buyer_ids, as_of=day)
    table = FxTable(base, uow.fx.latest(day)) if any(r.currency != base for r in rows) else FxTable(base)
    open_total = overdue = Decimal(0)
    for row in rows:
        rate = table.rate(row.currency, day)
        open_total += round_money(row.open * rate, base)
        overdue += round_money(row.overdue * rate, base)
    oldest = min((r.oldest_due for r in rows if r.oldest_due), default=None)
    return Exposure(day, base, round_money(open_total, base), round_money(overdue, base),
                    sum(r.invoices for r in rows), oldest)


def search_buyers(uow: SqlUnitOfWork, *, q: str | None = None, country: str | None = None,
                  parent_ref: str | None = None, sort: str = "ref", page: int = 1, size: int = 50) -> Page:
    if sort.removeprefix("-") not in queries.SORTS:
        raise ValidationError("sort", f"{sort!r} is not sortable; expected one of {', '.join(queries.SORTS)} "
                                      "(prefix '-' for descending)")
    offset = check_page(page, size)
    with uow:
        parent_id = uow.buyers.get(parent_ref).id if parent_ref else None
        records, total = queries.search_buyers(uow.session, q=q.strip() if q else None,
                                               country=country.strip().upper() if country else None,
                                               parent_id=parent_id, sort=sort, offset=offset, limit=size)
        refs = _refs(uow)
        return Page([_view(r, refs) for r in records], total, page, size)


def group_tree(uow: SqlUnitOfWork, *, ref: str) -> GroupNode:
    """The whole group the buyer belongs to, from its top-level parent down."""
    with uow:
        record = uow.buyers.get(ref)
        links = uow.buyers.parent_links()
        root = record.id
        while links.get(root) is not None:
            root = links[root]  # type: ignore[assignment]
        rows = {row.id: row for row in queries.buyers(uow.session)}
        nodes = {id_: GroupNode(row.ref, row.name, row.country) for id_, row in rows.items()}
        for child, parent in sorted(links.items(), key=lambda item: rows[item[0]].ref):
            if parent is not None:
                nodes[parent].children.append(nodes[child])
        return nodes[root]


def create_buyer(uow: SqlUnitOfWork, *, values: dict[str, Any], actor: str, base_currency: str) -> BuyerView:
    buyer = _validated({"currency": base_currency, "payment_terms_days": 30, **values})
    with uow:
        if uow.buyers.find(buyer.ref) is not None:
            raise Conflict(f"buyer {buyer.ref} already exists; update it instead")
        parent_id = _parent_id(uow, buyer)
        now = uow.clock.now()
        record = uow.buyers.add(**_columns(buyer), ref=buyer.ref, parent_id=parent_id, version=1, created_at=now,
                                updated_at=now)
        uow.audit.record(at=now, actor=actor, action="create", entity="buyer", key=buyer.ref,
                         after=_state(record, buyer.parent_ref))
        uow.commit()
        return _view(record, {parent_id: buyer.parent_ref} if parent_id and buyer.parent_ref else {})


def update_buyer(uow: SqlUnitOfWork, *, ref: str, changes: dict[str, Any], version: int, actor: str) -> BuyerView:
    """Apply changes when ``version`` is the stored one; otherwise StaleVersion and nothing changes."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError(sorted(unknown)[0], f"cannot be changed; editable fields: {', '.join(EDITABLE)}")
    with uow:
        record = uow.buyers.get(ref)
        if record.version != version:
            raise StaleVersion("buyer", ref, version, record.version)
        current = {**_state(record, _parent_ref(uow, record)), "ref": ref}
        buyer = _validated({**current, **changes})
        before = _state(record, current["parent_ref"])
        parent_id = _parent_id(uow, buyer)
        for name, value in _columns(buyer).items():
            setattr(record, name, value)
        record.parent_id = parent_id
        record.version += 1
        record.updated_at = uow.clock.now()
        after = _state(record, buyer.parent_ref)
        uow.audit.record(at=record.updated_at, actor=actor, action="update", entity="buyer", key=ref,
                         before={k: v for k, v in before.items() if after[k] != v},
                         after={k: v for k, v in after.items() if before[k] != v})
        uow.commit()
        return _view(record, {parent_id: buyer.parent_ref} if parent_id and buyer.parent_ref else {})


def _validated(values: dict[str, Any]) -> Buyer:
    return new_buyer(ref=values["ref"], name=values.get("name") or "", country=values.get("country") or "",
                     currency=values["currency"], payment_terms_days=values["payment_terms_days"],
                     registration_id=values.get("registration_id"), lei=values.get("lei"),
                     industry=values.get("industry"), parent_ref=values.get("parent_ref"))


def _parent_id(uow: SqlUnitOfWork, buyer: Buyer) -> int | None:
    """The parent's id; refuses a parent that is the buyer itself or one of its own subsidiaries."""
    if buyer.parent_ref is None:
        return None
    parent = uow.buyers.find(buyer.parent_ref)
    if parent is None:
        raise NotFound("buyer", buyer.parent_ref)
    chain = [buyer.parent_ref, *uow.buyers.ancestor_refs(parent.id)]
    if buyer.ref in chain:
        cycle = [buyer.ref, *chain[:chain.index(buyer.ref) + 1]]
        raise ValidationError("parent_ref", f"group links would form a cycle: {' → '.join(cycle)}")
    return parent.id


def _parent_ref(uow: SqlUnitOfWork, record: BuyerRecord) -> str | None:
    return uow.buyers.ref_of(record.parent_id) if record.parent_id else None


def _columns(buyer: Buyer) -> dict[str, Any]:
    registration = buyer.registration
    return {"name": buyer.name, "country": buyer.country, "currency": buyer.currency,
            "payment_terms_days": buyer.payment_terms_days, "lei": buyer.lei, "industry": buyer.industry,
            "registration_id": registration.number if registration else None,
            "registration_scheme": registration.scheme if registration else None}


def _state(record: BuyerRecord, parent_ref: str | None) -> dict[str, Any]:
    return {"name": record.name, "country": record.country, "currency": record.currency,
            "payment_terms_days": record.payment_terms_days, "registration_id": record.registration_id,
            "lei": record.lei, "industry": record.industry, "parent_ref": parent_ref}
