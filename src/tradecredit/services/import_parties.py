"""Import kinds for the parties and reference data: buyers, financial statements, FX rates."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tradecredit.domain.buyer import find_cycle, new_buyer
from tradecredit.domain.errors import ValidationError
from tradecredit.domain.fx import check_rate
from tradecredit.domain.money import check_currency, parse_amount
from tradecredit.domain.statements import LINE_ITEMS
from tradecredit.services.fields import RowValues, not_after
from tradecredit.services.import_base import ImportKind, changed, write

if TYPE_CHECKING:
    from tradecredit.services.imports import ImportContext, Staged

DEFAULT_TERMS_DAYS = 30


class BuyerKind(ImportKind):
    name = "buyers"
    required = ("buyer_ref", "name", "country")
    optional = ("registration_id", "lei", "industry", "parent_ref", "currency", "payment_terms_days")
    key_columns = ("buyer_ref",)

    def __init__(self) -> None:
        self.parents: dict[str, tuple[str | None, int]] = {}
        self.unchanged_refs: set[str] = set()
        self.inserted_refs: set[str] = set()

    def parse(self, row: RowValues, context: ImportContext) -> dict[str, Any]:
        record: dict[str, Any] = {"ref": row.required("buyer_ref"), "name": row.required("name"),
                                  "country": row.required("country")}
        for column in ("registration_id", "lei", "industry", "parent_ref", "currency"):
            if row.has(column):
                record[column] = row.text(column)
        if row.has("payment_terms_days"):
            record["payment_terms_days"] = row.integer("payment_terms_days")
        return record

    def stage(self, batch: list[Staged], context: ImportContext) -> None:
        existing = context.uow.buyers.existing([staged.record["ref"] for staged in batch])
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for staged in batch:
            old = existing.get(staged.record["ref"])
            values = self._validated(staged, old, context)
            if values is None:
                continue
            if old is None:
                self.inserted_refs.add(staged.record["ref"])
                inserts.append({**values, "ref": staged.record["ref"], "version": 1,
                                "created_at": context.now, "updated_at": context.now})
                context.inserted += 1
            elif changed(old, values):
                context.audit_update("buyers", staged.record["ref"], old, values)
                updates.append({**values, "id": old["id"], "version": old["version"] + 1,
                                "updated_at": context.now})
                context.updated += 1
            else:
                self.unchanged_refs.add(staged.record["ref"])
                context.unchanged += 1
        write(context, inserts, updates, context.uow.buyers)

    def _validated(self, staged: Staged, old: dict[str, Any] | None,
                   context: ImportContext) -> dict[str, Any] | None:
        """Merge the row over what is stored (absent optional columns keep their value) and validate."""
        record = staged.record
        kept = ("currency", "payment_terms_days", "registration_id", "lei", "industry")
        merged = {**{k: (old or {}).get(k) for k in kept}, **record}
        terms = merged["payment_terms_days"]
        try:
            buyer = new_buyer(ref=record["ref"], name=merged["name"], country=merged["country"],
                              currency=merged["currency"] or context.base_currency,
                              payment_terms_days=DEFAULT_TERMS_DAYS if terms is None else terms,
                              registration_id=merged["registration_id"], lei=merged["lei"],
                              industry=merged["industry"], parent_ref=record.get("parent_ref"))
        except ValidationError as error:
            context.error(staged.line, error.field, error.reason)
            return None
        if "parent_ref" in record or old is None:
            self.parents[buyer.ref] = (buyer.parent_ref, staged.line)
        registration = buyer.registration
        return {"name": buyer.name, "country": buyer.country, "currency": buyer.currency,
                "payment_terms_days": buyer.payment_terms_days,
                "registration_id": registration.number if registration else None,
                "registration_scheme": registration.scheme if registration else None,
                "lei": buyer.lei, "industry": buyer.industry}

    def finish(self, context: ImportContext) -> None:
        ids = context.uow.buyers.ids_by_ref()
        refs = {id_: ref for ref, id_ in ids.items()}
        links = {refs[child]: refs[parent] if parent else None
                 for child, parent in context.uow.buyers.parent_links().items()}
        for ref, (parent, line) in self.parents.items():
            if parent is not None and parent not in ids:
                context.error(line, "parent_ref", f"unknown buyer {parent}: not in this file nor in the database")
            links[ref] = parent
        if not context.writing:
            return
        cycle = find_cycle(links)
        if cycle:
            line = self.parents.get(cycle[0], (None, 0))[1]
            context.error(line, "parent_ref", f"group links form a cycle: {' → '.join(cycle)}")
            return
        self._write_parents(context, ids, links)

    def _write_parents(self, context: ImportContext, ids: dict[str, int], links: dict[str, str | None]) -> None:
        current = context.uow.buyers.parent_links()
        refs = {id_: ref for ref, id_ in ids.items()}
        updates = []
        for ref in self.parents:
            parent = links[ref]
            wanted = ids[parent] if parent else None
            if current[ids[ref]] != wanted:
                updates.append({"id": ids[ref], "parent_id": wanted})
                if ref not in self.inserted_refs:
                    old_parent = current[ids[ref]]
                    context.audit_update("buyers", ref, {"parent_ref": refs.get(old_parent) if old_parent else None},
                                         {"parent_ref": parent})
                if ref in self.unchanged_refs:
                    context.unchanged -= 1
                    context.updated += 1
        context.uow.buyers.update_many(updates)


class StatementKind(ImportKind):
    name = "financials"
    required = ("buyer_ref", "period_end", "currency")
    optional = LINE_ITEMS
    key_columns = ("buyer_ref", "period_end")

    def parse(self, row: RowValues, context: ImportContext) -> dict[str, Any]:
        currency = check_currency(row.required("currency"))
        period_end = row.date("period_end")
        assert period_end is not None
        record: dict[str, Any] = {"buyer_ref": row.required("buyer_ref"), "currency": currency,
                                  "period_end": not_after(period_end, context.today, "period_end")}
        for item in LINE_ITEMS:
            if row.has(item):
                value = row.decimal(item, required=False)
                record[item] = None if value is None else parse_amount(value, currency, field=item)
        return record

    def stage(self, batch: list[Staged], context: ImportContext) -> None:
        keyed: list[tuple[Staged, int]] = []
        for staged in batch:
            buyer_id = self.buyer_id(context, staged, staged.record["buyer_ref"])
            if buyer_id is not None:
                keyed.append((staged, buyer_id))
        existing = context.uow.statements.existing([(b, s.record["period_end"]) for s, b in keyed])
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for staged, buyer_id in keyed:
            values = {k: v for k, v in staged.record.items() if k != "buyer_ref"}
            old = existing.get((buyer_id, staged.record["period_end"]))
            if old is None:
                inserts.append({**dict.fromkeys(LINE_ITEMS), **values, "buyer_id": buyer_id,
                                "created_at": context.now})
                context.inserted += 1
            elif changed(old, values):
                context.audit_update("financials", f"{staged.record['buyer_ref']} / {staged.record['period_end']}",
                                     old, values)
                updates.append({**values, "id": old["id"]})
                context.updated += 1
            else:
                context.unchanged += 1
        write(context, inserts, updates, context.uow.statements)


class FxKind(ImportKind):
    name = "fx"
    required = ("date", "currency", "rate_to_base")
    key_columns = ("currency", "date")

    def parse(self, row: RowValues, context: ImportContext) -> dict[str, Any]:
        currency = check_currency(row.required("currency"))
        if currency == context.base_currency:
            raise ValidationError("currency", f"{currency} is the base currency; its rate is always 1")
        on = row.date("date")
        rate = row.decimal("rate_to_base")
        assert on is not None and rate is not None
        return {"currency": currency, "rate_date": not_after(on, context.today, "date"),
                "rate_to_base": check_rate(rate)}

    def stage(self, batch: list[Staged], context: ImportContext) -> None:
        existing = context.uow.fx.existing([(s.record["currency"], s.record["rate_date"]) for s in batch])
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for staged in batch:
            old = existing.get((staged.record["currency"], staged.record["rate_date"]))
            if old is None:
                inserts.append(staged.record)
                context.inserted += 1
            elif changed(old, staged.record):
                context.audit_update("fx", f"{staged.record['currency']} / {staged.record['rate_date']}", old,
                                     staged.record)
                updates.append({**staged.record, "id": old["id"]})
                context.updated += 1
            else:
                context.unchanged += 1
        write(context, inserts, updates, context.uow.fx)
