"""Buyers (debtors) and their groups."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from tradecredit.domain.errors import ValidationError
from tradecredit.domain.identifiers import (
    Registration,
    check_country,
    check_lei,
    check_nace,
    check_registration,
)
from tradecredit.domain.money import check_currency

MAX_PAYMENT_TERMS_DAYS = 365


@dataclass(frozen=True, slots=True)
class Buyer:
    """A customer who buys on credit. Names are any Unicode (Chinese legal names included)."""

    ref: str
    name: str
    country: str
    currency: str
    payment_terms_days: int
    registration: Registration | None = None
    lei: str | None = None
    industry: str | None = None
    parent_ref: str | None = None


def check_ref(value: str, *, field: str, max_length: int = 64) -> str:
    """A record key: non-empty, no surrounding spaces kept, at most ``max_length`` characters."""
    text = value.strip()
    if not text:
        raise ValidationError(field, "is required and cannot be empty")
    if len(text) > max_length:
        raise ValidationError(field, f"is {len(text)} characters long; the maximum is {max_length}")
    return text


def check_terms(days: int, *, field: str = "payment_terms_days") -> int:
    if not 0 <= days <= MAX_PAYMENT_TERMS_DAYS:
        raise ValidationError(field, f"expected 0 to {MAX_PAYMENT_TERMS_DAYS} days; got {days}")
    return days


def new_buyer(
    *,
    ref: str,
    name: str,
    country: str,
    currency: str,
    payment_terms_days: int = 30,
    registration_id: str | None = None,
    lei: str | None = None,
    industry: str | None = None,
    parent_ref: str | None = None,
) -> Buyer:
    """Build a buyer, validating every field; raises ValidationError naming the first bad field."""
    code = check_country(country)
    buyer_ref = check_ref(ref, field="buyer_ref")
    parent = check_ref(parent_ref, field="parent_ref") if parent_ref else None
    if parent == buyer_ref:
        raise ValidationError("parent_ref", f"buyer {buyer_ref} cannot be its own parent")
    return Buyer(
        ref=buyer_ref,
        name=check_ref(name, field="name", max_length=300),
        country=code,
        currency=check_currency(currency),
        payment_terms_days=check_terms(payment_terms_days),
        registration=check_registration(registration_id, code) if registration_id else None,
        lei=check_lei(lei) if lei else None,
        industry=check_nace(industry) if industry else None,
        parent_ref=parent,
    )


def group_roots(parents: Mapping[int, int | None], of: Iterable[int] | None = None) -> dict[int, int]:
    """Map every buyer id (or only those of ``of``, and the buyers on their way up) to the id at the top of its
    group (itself when it has no parent).

    Raises ValidationError when the parent links form a cycle.
    """
    roots: dict[int, int] = {}
    for start in parents if of is None else of:
        path: list[int] = []
        node = start
        while node not in roots:
            if node in path:
                raise ValidationError("parent_ref", f"buyer group links form a cycle through buyer id {node}")
            path.append(node)
            parent = parents.get(node)
            if parent is None:
                roots[node] = node
                break
            node = parent
        root = roots[node]
        for member in path:
            roots[member] = root
    return roots


def find_cycle(parents: Mapping[str, str | None]) -> list[str] | None:
    """Return one cycle of parent links (as refs) or None; the same walk as group_roots, over refs."""
    done: set[str] = set()
    for start in parents:
        path: list[str] = []
        node: str | None = start
        while node is not None and node not in done:
            if node in path:
                return [*path[path.index(node):], node]
            path.append(node)
            node = parents.get(node)
        done.update(path)
    return None
