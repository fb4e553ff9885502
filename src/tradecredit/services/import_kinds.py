"""What each import file holds: its columns, how a row is parsed, checked against the ledger and written."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from tradecredit.domain.buyer import check_ref, find_cycle, new_buyer
from tradecredit.domain.errors import ValidationError
from tradecredit.domain.fx import check_rate
from tradecredit.domain.ledger import AdjustmentKind, Invoice, Payment, new_invoice, new_payment
from tradecredit.domain.money import Money, check_currency, parse_amount, round_money
from tradecredit.domain.statements import LINE_ITEMS
from tradecredit.services.fields import RowValues, not_after
from tradecredit.services.ledger import allocate_cash

if TYPE_CHECKING:
    from tradecredit.services.imports import ImportContext, Staged

ALLOCATION_CHUNK = 500
DEFAULT_TERMS_DAYS = 30


class ImportKind:
    """One file kind. A fresh instance serves one import, so it may keep state between batches."""

    name: ClassVar[str]
    required: ClassVar[tuple[str, ...]]
    optional: ClassVar[tuple[str, ...]] = ()
    key_columns: ClassVar[tuple[str, ...]]

    present: frozenset[str] = frozenset()  # the columns this file has, set once from its header

    def key(self, row: RowValues) -> Any:
        if len(self.key_columns) == 1:
            return row.cells.get(self.key_columns[0], "").strip()
        return tuple(row.cells.get(column, "").strip() for column in self.key_columns)

    def parse(self, row: RowValues, context: ImportContext) -> Any:
        raise NotImplementedError  # every kind overrides it; the base class is never registered

    def stage(self, batch: list[Staged], context: ImportContext) -> None:
        raise NotImplementedError  # every kind overrides it; the base class is never registered

    def finish(self, context: ImportContext) -> None:
        """Checks and writes that need the whole file (group links, payment allocation)."""

    _buyer_ids: dict[str, int] | None = None

    def buyer_id(self, context: ImportContext, staged: Staged, ref: str) -> int | None:
        if self._buyer_ids is None:
            self._buyer_ids = context.uow.buyers.ids_by_ref()
        found = self._buyer_ids.get(ref)
        if found is None:
            context.error(staged.line, "buyer_ref", f"unknown buyer {ref}; import it with the buyers file first")
        return found


def _changed(old: dict[str, Any], new: dict[str, Any]) -> bool:
    return any(old.get(name) != value for name, value in new.items())


def _write(context: ImportContext, inserts: list[dict[str, Any]],
           updates: list[dict[str, Any]], repository: Any) -> None:
    if context.writing:
        repository.insert_many(inserts)
        repository.update_many(updates)


class BuyerKind(ImportKind):
    name = "buyers"
    required = ("buyer_ref", "name", "country")
    optional = ("registration_id", "lei", "industry", "parent_ref", "currency", "payment_terms_days")
    key_columns = ("buyer_ref",)

    def __init__(self) -> None:
        self.parents: dict[str, tuple[str | None, int]] = {}
        self.unchanged_refs: set[str] = set()

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
                inserts.append({**values, "ref": staged.record["ref"], "version": 1,
                                "created_at": context.now, "updated_at": context.now})
                context.inserted += 1
            elif _changed(old, values):
                updates.append({**values, "id": old["id"], "version": old["version"] + 1,
                                "updated_at": context.now})
                context.updated += 1
            else:
                self.unchanged_refs.add(staged.record["ref"])
                context.unchanged += 1
        _write(context, inserts, updates, context.uow.buyers)

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
        updates = []
        for ref in self.parents:
            parent = links[ref]
            wanted = ids[parent] if parent else None
            if current[ids[ref]] != wanted:
                updates.append({"id": ids[ref], "parent_id": wanted})
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
            elif _changed(old, values):
                updates.append({**values, "id": old["id"]})
                context.updated += 1
            else:
                context.unchanged += 1
        _write(context, inserts, updates, context.uow.statements)


class InvoiceKind(ImportKind):
    name = "invoices"
    required = ("invoice_ref", "buyer_ref", "issue_date", "due_date", "currency", "amount")
    optional = ("delivery_date", "disputed", "dispute_reason")
    key_columns = ("invoice_ref",)

    def parse(self, row: RowValues, context: ImportContext) -> tuple[Invoice, frozenset[str]]:
        currency = check_currency(row.required("currency"))
        issue = row.date("issue_date")
        due = row.date("due_date")
        assert issue is not None and due is not None
        invoice = new_invoice(
            ref=check_ref(row.required("invoice_ref"), field="invoice_ref"),
            buyer_ref=row.required("buyer_ref"), issue_date=not_after(issue, context.today, "issue_date"),
            due_date=due, amount=Money(parse_amount(row.required("amount"), currency), currency),
            delivery_date=row.date("delivery_date", required=False), disputed=row.boolean("disputed"),
            dispute_reason=row.text("dispute_reason"))
        return invoice, self.present

    def stage(self, batch: list[Staged], context: ImportContext) -> None:
        existing = context.uow.invoices.existing([staged.record[0].ref for staged in batch])
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for staged in batch:
            invoice, provided = staged.record
            buyer_id = self.buyer_id(context, staged, invoice.buyer_ref)
            if buyer_id is None:
                continue
            values = {"buyer_id": buyer_id, "issue_date": invoice.issue_date, "due_date": invoice.due_date,
                      "currency": invoice.currency, "amount": invoice.amount.amount}
            if "delivery_date" in provided:
                values["delivery_date"] = invoice.delivery_date
            if "disputed" in provided:
                values["disputed"] = invoice.disputed
                values["dispute_reason"] = invoice.dispute_reason
            old = existing.get(invoice.ref)
            if old is None:
                inserts.append({"delivery_date": None, "disputed": False, "dispute_reason": None, **values,
                                "ref": invoice.ref, "created_at": context.now})
                context.inserted += 1
            elif not _changed(old, values):
                context.unchanged += 1
            elif self._may_change(staged, old, values, context):
                updates.append({**values, "id": old["id"]})
                context.updated += 1
        _write(context, inserts, updates, context.uow.invoices)

    def _may_change(self, staged: Staged, old: dict[str, Any], values: dict[str, Any],
                    context: ImportContext) -> bool:
        ref = staged.record[0].ref
        for column in ("buyer_id", "currency"):
            if old[column] != values[column]:
                context.error(staged.line, "buyer_ref" if column == "buyer_id" else column,
                              f"invoice {ref} is already recorded with another {column.removesuffix('_id')}; "
                              "an invoice cannot move to another buyer or currency")
                return False
        if old["amount"] != values["amount"]:
            settled = round_money(context.uow.invoices.settled_totals([old["id"]]).get(old["id"], Decimal(0)),
                                  old["currency"])
            if values["amount"] < settled:
                context.error(staged.line, "amount", f"invoice {ref} already has {settled} settled; the amount "
                                                     f"cannot drop to {values['amount']}")
                return False
        return True


class AdjustmentKindImport(ImportKind):
    name = "adjustments"
    required = ("adjustment_ref", "invoice_ref", "kind", "date", "amount")
    optional = ("reason",)
    key_columns = ("adjustment_ref",)

    def __init__(self) -> None:
        self.settled: dict[int, Decimal] = {}

    def parse(self, row: RowValues, context: ImportContext) -> dict[str, Any]:
        kind = row.required("kind").lower()
        if kind not in {k.value for k in AdjustmentKind}:
            raise ValidationError("kind", f"{kind!r} is not an adjustment kind; expected credit_note or write_off")
        on = row.date("date")
        amount = row.decimal("amount")
        assert on is not None and amount is not None
        if amount <= 0:
            raise ValidationError("amount", f"expected an amount greater than zero; got {amount}")
        return {"ref": check_ref(row.required("adjustment_ref"), field="adjustment_ref"),
                "invoice_ref": row.required("invoice_ref"), "kind": kind,
                "adjustment_date": not_after(on, context.today, "date"), "amount": amount,
                "reason": row.text("reason")}

    def stage(self, batch: list[Staged], context: ImportContext) -> None:
        invoices = context.uow.invoices.existing([s.record["invoice_ref"] for s in batch])
        existing = context.uow.adjustments.existing([s.record["ref"] for s in batch])
        self._load_settled([inv["id"] for inv in invoices.values()], context)
        inserts: list[dict[str, Any]] = []
        for staged in batch:
            row = self._checked(staged, invoices.get(staged.record["invoice_ref"]), context)
            if row is None:
                continue
            old = existing.get(row["ref"])
            if old is None:
                inserts.append({**row, "created_at": context.now})
                self.settled[row["invoice_id"]] += row["amount"]
                context.inserted += 1
            elif _changed(old, row):
                context.error(staged.line, "adjustment_ref", f"{row['ref']} is already recorded with other "
                                                             "content; adjustments cannot be changed, add a new one")
            else:
                context.unchanged += 1
        _write(context, inserts, [], context.uow.adjustments)

    def _load_settled(self, ids: list[int], context: ImportContext) -> None:
        missing = [i for i in ids if i not in self.settled]
        totals = context.uow.invoices.settled_totals(missing)
        for invoice_id in missing:
            self.settled[invoice_id] = totals.get(invoice_id, Decimal(0))

    def _checked(self, staged: Staged, invoice: dict[str, Any] | None,
                 context: ImportContext) -> dict[str, Any] | None:
        record = staged.record
        if invoice is None:
            context.error(staged.line, "invoice_ref", f"unknown invoice {record['invoice_ref']}")
            return None
        try:
            amount = parse_amount(record["amount"], invoice["currency"])
            if record["adjustment_date"] < invoice["issue_date"]:
                raise ValidationError("date", f"{record['adjustment_date']} is before invoice "
                                              f"{record['invoice_ref']} was issued ({invoice['issue_date']})")
            open_amount = round_money(invoice["amount"] - self.settled[invoice["id"]], invoice["currency"])
            if amount > open_amount:
                raise ValidationError("amount", f"{amount} exceeds the open amount {open_amount} "
                                                f"{invoice['currency']} of invoice {record['invoice_ref']}")
        except ValidationError as error:
            context.error(staged.line, error.field, error.reason)
            return None
        row = {k: v for k, v in record.items() if k != "invoice_ref"}
        return {**row, "amount": amount, "invoice_id": invoice["id"]}


class PaymentKind(ImportKind):
    name = "payments"
    required = ("payment_ref", "buyer_ref", "payment_date", "currency", "amount")
    optional = ("invoice_ref",)
    key_columns = ("payment_ref",)

    def __init__(self) -> None:
        self.new_payments: dict[int, set[str]] = defaultdict(set)

    def parse(self, row: RowValues, context: ImportContext) -> Payment:
        currency = check_currency(row.required("currency"))
        on = row.date("payment_date")
        assert on is not None
        return new_payment(ref=check_ref(row.required("payment_ref"), field="payment_ref"),
                           buyer_ref=row.required("buyer_ref"),
                           on=not_after(on, context.today, "payment_date"),
                           amount=Money(parse_amount(row.required("amount"), currency), currency),
                           invoice_ref=row.text("invoice_ref"))

    def stage(self, batch: list[Staged], context: ImportContext) -> None:
        existing = context.uow.payments.existing([s.record.ref for s in batch])
        invoices = context.uow.invoices.existing([s.record.invoice_ref for s in batch if s.record.invoice_ref])
        inserts: list[dict[str, Any]] = []
        for staged in batch:
            payment: Payment = staged.record
            buyer_id = self.buyer_id(context, staged, payment.buyer_ref)
            if buyer_id is None or not self._invoice_fits(staged, buyer_id, invoices, context):
                continue
            row = {"ref": payment.ref, "buyer_id": buyer_id, "payment_date": payment.on,
                   "currency": payment.amount.currency, "amount": payment.amount.amount,
                   "invoice_ref": payment.invoice_ref}
            old = existing.get(payment.ref)
            if old is None:
                inserts.append({**row, "created_at": context.now})
                self.new_payments[buyer_id].add(payment.ref)
                context.inserted += 1
            elif _changed(old, row):
                context.error(staged.line, "payment_ref", f"payment {payment.ref} is already recorded with other "
                                                          "content; payments cannot be changed by import")
            else:
                context.unchanged += 1
        _write(context, inserts, [], context.uow.payments)

    def _invoice_fits(self, staged: Staged, buyer_id: int, invoices: dict[str, dict[str, Any]],
                      context: ImportContext) -> bool:
        payment: Payment = staged.record
        if payment.invoice_ref is None:
            return True
        invoice = invoices.get(payment.invoice_ref)
        if invoice is None:
            context.error(staged.line, "invoice_ref", f"unknown invoice {payment.invoice_ref}")
        elif invoice["buyer_id"] != buyer_id:
            context.error(staged.line, "invoice_ref", f"invoice {payment.invoice_ref} belongs to another buyer")
        elif invoice["currency"] != payment.amount.currency:
            context.error(staged.line, "currency", f"invoice {payment.invoice_ref} is in {invoice['currency']}, "
                                                   f"the payment in {payment.amount.currency}")
        else:
            return True
        return False

    def finish(self, context: ImportContext) -> None:
        """Allocate the new payments, buyer by buyer, in payment-date order."""
        refs = {id_: ref for ref, id_ in context.uow.buyers.ids_by_ref().items()}
        buyer_ids = sorted(self.new_payments)
        for start in range(0, len(buyer_ids), ALLOCATION_CHUNK):
            chunk = buyer_ids[start:start + ALLOCATION_CHUNK]
            rows = list(allocate_cash(context.uow, chunk, refs, now=context.now, only=self.new_payments))
            context.uow.allocations.insert_many(rows)
            context.notes["allocations"] = context.notes.get("allocations", 0) + len(rows)


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
            elif _changed(old, staged.record):
                updates.append({**staged.record, "id": old["id"]})
                context.updated += 1
            else:
                context.unchanged += 1
        _write(context, inserts, updates, context.uow.fx)


KINDS: dict[str, type[ImportKind]] = {
    kind.name: kind
    for kind in (BuyerKind, StatementKind, InvoiceKind, AdjustmentKindImport, PaymentKind, FxKind)
}
