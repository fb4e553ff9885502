"""The registry of import file kinds, by the name used on the command line."""

from __future__ import annotations

from tradecredit.services.import_base import ImportKind
from tradecredit.services.import_country import CountryRatingKind
from tradecredit.services.import_ledger import AdjustmentKindImport, InvoiceKind, PaymentKind
from tradecredit.services.import_parties import BuyerKind, FxKind, StatementKind

KINDS: dict[str, type[ImportKind]] = {
    kind.name: kind
    for kind in (BuyerKind, StatementKind, InvoiceKind, AdjustmentKindImport, PaymentKind, FxKind, CountryRatingKind)
}
