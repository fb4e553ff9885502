"""Import kinds for the ledger: invoices, credit notes and write-offs, payments (with their allocation)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tradecredit.domain.buyer import check_ref
from tradecredit.domain.errors import ValidationError
from tradecredit.domain.ledger import AdjustmentKind, Invoice, Payment, new_invoice, new_payment
from tradecredit.domain.money import Money, check_currency, parse_amount, round_money
from tradecredit.services.fields import RowValues, not_after
from tradecredit.services.import_base import ImportKind, changed, write
from tradecredit.services.ledger import allocate_cash

if TYPE_CHECKING:
    from tradecredit.services.imports import ImportContext, Staged

ALLOCATION_CHUNK = 500


class InvoiceKind(ImportKind):
    name = "invoices"
    required = ("invoice_ref", "buyer_ref", "issue_date", "due_date", "currency", "amount")
    optional = ("delivery_date", "disputed", "dispute_reason", "order_ref")
    key_columns = ("invoice_ref",)

    def parse(self, row: RowValues, context: ImportContext) -> tuple[Invoice, frozenset[str], str | None]:
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
        order_ref = row.text("order_ref")
        return invoice, self.present, check_ref(order_ref, field="order_ref") if order_ref else None

    def stage(self, batch: list[Staged], context: ImportContext) -> None:
        existing = context.uow.invoices.existing([staged.record[0].ref for staged in batch])
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for staged in batch:
            invoice, provided, order_ref = staged.record
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
            if "order_ref" in provided:
                values["order_ref"] = order_ref
            old = existing.get(invoice.ref)
            if old is None:
                inserts.append({"delivery_date": None, "disputed": False, "dispute_reason": None, "order_ref": None,
                                **values,
                                "ref": invoice.ref, "created_at": context.now})
                context.inserted += 1
            elif not changed(old, values):
                context.unchanged += 1
            elif self._may_change(staged, old, values, context):
                context.audit_update("invoices", invoice.ref, old, values)
                updates.append({**values, "id": old["id"]})
                context.updated += 1
        write(context, inserts, updates, context.uow.invoices)

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
            elif changed(old, row):
                context.error(staged.line, "adjustment_ref", f"{row['ref']} is already recorded with other "
                                                             "content; adjustments cannot be changed, add a new one")
            else:
                context.unchanged += 1
        write(context, inserts, [], context.uow.adjustments)

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
            elif changed(old, row):
                context.error(staged.line, "payment_ref", f"payment {payment.ref} is already recorded with other "
                                                          "content; payments cannot be changed by import")
            else:
                context.unchanged += 1
        write(context, inserts, [], context.uow.payments)

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
