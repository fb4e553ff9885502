"""Small helpers to write import files in tests."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]], *, delimiter: str = ",",
              encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as file:
        writer = csv.writer(file, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


BUYER_HEADER = ("buyer_ref", "name", "country", "registration_id", "currency", "payment_terms_days", "parent_ref")
INVOICE_HEADER = ("invoice_ref", "buyer_ref", "issue_date", "due_date", "currency", "amount")
PAYMENT_HEADER = ("payment_ref", "buyer_ref", "payment_date", "currency", "amount", "invoice_ref")
# Valid identifiers (check digits computed by python-stdnum).
CN_USCC = "91110000600037341L"
DE_VAT = "DE136695976"
