"""Import kind for the buyer events feed (`tradecredit events import FILE`, `POST /api/v1/events`).

A row names its buyer by ``buyer_ref`` or by ``registration_id`` (with ``country`` when the same number is
registered in two countries). Duplicates are found by fingerprint after the buyer is known, so the same event
sent once by reference and once by registration number is still one event:

* the same event twice in one file is an error (a feed that repeats itself is broken, and the import says where);
* an event already stored is skipped, counted and listed with its line, so a daily feed re-imported whole is
  idempotent.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from tradecredit.domain.errors import RowError, ValidationError
from tradecredit.domain.events import BuyerEvent, EventType, fingerprint, new_event
from tradecredit.services.fields import RowValues
from tradecredit.services.import_base import ImportKind, write

if TYPE_CHECKING:
    from tradecredit.services.imports import ImportContext, Staged
    from tradecredit.store.events import RegisteredBuyer

_NOT_ALNUM = re.compile(r"[^0-9A-Z]")


def compact(registration_id: str) -> str:
    """A registration number without spaces, dots, dashes or slashes, upper case: ``DE 123.456`` = ``de123456``."""
    return _NOT_ALNUM.sub("", registration_id.upper())


class BuyerEventKind(ImportKind):
    name = "buyer_events"
    required = ("date", "type", "source", "text")
    optional = ("buyer_ref", "registration_id", "country")
    key_columns = ("buyer_ref",)

    def __init__(self) -> None:
        self._rows = itertools.count()
        self._registered: dict[str, list[RegisteredBuyer]] | None = None
        self.seen: dict[str, int] = {}  # fingerprint → line of its first appearance in this file
        self.skipped: list[RowError] = []  # already stored: not written, reported
        self.inserted: list[tuple[str, BuyerEvent]] = []  # (buyer ref, event)
        self.insolvent: dict[str, BuyerEvent] = {}  # buyer ref → its newly recorded insolvency

    def key(self, row: RowValues) -> Any:
        """Every row its own key: duplicates are judged in :meth:`stage`, once the buyer is resolved."""
        return next(self._rows)

    def parse(self, row: RowValues, context: ImportContext) -> dict[str, Any]:
        ref, registration = row.text("buyer_ref"), row.text("registration_id")
        if ref is None and registration is None:
            raise ValidationError("buyer_ref", "give the buyer's buyer_ref or its registration_id")
        on = row.date("date")
        assert on is not None
        event = new_event(event_date=on, type=row.cells.get("type", ""), source=row.cells.get("source", ""),
                          text=row.cells.get("text", ""), today=context.today)
        return {"ref": ref, "registration_id": registration, "country": (row.text("country") or "").upper(),
                "event": event}

    def stage(self, batch: list[Staged], context: ImportContext) -> None:
        resolved = [(staged, found) for staged in batch
                    if (found := self._buyer(staged, context)) is not None]
        prints = {id(staged): fingerprint(found[0], staged.record["event"]) for staged, found in resolved}
        stored = context.uow.buyer_events.existing(list(prints.values()))
        inserts: list[dict[str, Any]] = []
        for staged, (buyer_id, ref) in resolved:
            event: BuyerEvent = staged.record["event"]
            mark = prints[id(staged)]
            if mark in self.seen:
                context.error(staged.line, "text", f"the same event as line {self.seen[mark]} (buyer {ref}, "
                                                   f"{event.event_date}, {event.type.value}, {event.source})")
                continue
            self.seen[mark] = staged.line
            if mark in stored:
                self.skipped.append(RowError(context.file, staged.line, "text",
                                             f"already recorded on {stored[mark]['imported_at']:%Y-%m-%d} by "
                                             f"{stored[mark]['imported_by']}: skipped"))
                context.unchanged += 1
                continue
            inserts.append({"buyer_id": buyer_id, "event_date": event.event_date, "type": event.type.value,
                            "source": event.source, "text": event.text, "fingerprint": mark,
                            "imported_by": context.actor[:100], "imported_at": context.now})
            self.inserted.append((ref, event))
            if event.type is EventType.INSOLVENCY:
                self.insolvent.setdefault(ref, event)
            context.inserted += 1
        write(context, inserts, [], context.uow.buyer_events)

    def _buyer(self, staged: Staged, context: ImportContext) -> tuple[int, str] | None:
        """(id, ref) of the row's buyer, or None after reporting why it is not known."""
        record = staged.record
        by_number = self._by_registration(staged, context) if record["registration_id"] else None
        if record["ref"] is None:
            return by_number
        buyer_id = self.buyer_id(context, staged, record["ref"])
        if buyer_id is None:
            return None
        if by_number is not None and by_number[0] != buyer_id:
            context.error(staged.line, "registration_id", f"{record['registration_id']} is buyer {by_number[1]}'s "
                                                          f"registration number, not {record['ref']}'s")
            return None
        return buyer_id, record["ref"]

    def _by_registration(self, staged: Staged, context: ImportContext) -> tuple[int, str] | None:
        if self._registered is None:
            self._registered = defaultdict(list)
            for buyer in context.uow.buyer_events.registered_buyers():
                self._registered[compact(buyer.registration_id)].append(buyer)
        number, country = staged.record["registration_id"], staged.record["country"]
        found = [b for b in self._registered.get(compact(number), []) if not country or b.country == country]
        if not found:
            where = f" in {country}" if country else ""
            context.error(staged.line, "registration_id", f"no buyer has registration number {number}{where}; "
                                                          "import the buyer first or give its buyer_ref")
            return None
        if len(found) > 1:
            context.error(staged.line, "registration_id", f"{number} is registered by {len(found)} buyers "
                                                          f"({', '.join(b.ref for b in found)}); add the country "
                                                          "or give the buyer_ref")
            return None
        return found[0].id, found[0].ref
