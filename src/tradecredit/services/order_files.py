"""Order credit checks from a file: an ERP's order book (CSV or XLSX) checked in one transaction.

The file is read and every row's figures checked before anything is stored; then the orders go to
:func:`services.orders.check_many` in the file's order. Every problem is reported with its file, line and column,
and a file with any problem stores no check at all.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from tradecredit.domain.errors import Conflict, ImportRejected, RowError, ValidationError
from tradecredit.services.orders import (
    MAX_FILE,
    OrderCheckConfig,
    OrderCheckView,
    OrderRequest,
    check_many,
    validated,
)
from tradecredit.services.readers import open_table, reject
from tradecredit.store.uow import SqlUnitOfWork

COLUMNS = ("buyer_ref", "order_ref", "amount", "currency", "ship_date")
_PLACE = re.compile(r"^orders\[(\d+)\]\.?(\w*)")


def check_file(uow: SqlUnitOfWork, path: Path, *, actor: str, config: OrderCheckConfig) -> list[OrderCheckView]:
    """Check every order of the file (columns :data:`COLUMNS`, a header line first), all or none."""
    name = path.name
    orders, lines = _read(path, name)
    try:
        return check_many(uow, orders, actor=actor, config=config, most=MAX_FILE)
    except (ValidationError, Conflict) as error:
        raise _located(error, name, lines) from None


def _read(path: Path, name: str) -> tuple[list[OrderRequest], list[int]]:
    orders: list[OrderRequest] = []
    lines: list[int] = []
    errors: list[RowError] = []
    with open_table(path) as table:
        header = [cell.lower() for cell in table.header]
        missing = [column for column in COLUMNS if column not in header]
        if missing:
            raise reject(name, f"missing column(s) {', '.join(missing)}; expected {', '.join(COLUMNS)}", line=1)
        where = {column: header.index(column) for column in COLUMNS}
        for line, cells in table.rows:
            if len(orders) == MAX_FILE:
                raise reject(name, f"more than {MAX_FILE:,} orders; split the file", line=line)
            value = {column: (cells[i].strip() if i < len(cells) else "") for column, i in where.items()}
            try:
                ship_date = date.fromisoformat(value["ship_date"])
            except ValueError:
                errors.append(RowError(name, line, "ship_date", f"expected a date as YYYY-MM-DD; got "
                                                                f"{value['ship_date']!r}"))
                continue
            order = OrderRequest(value["buyer_ref"], value["order_ref"], value["amount"], value["currency"],
                                 ship_date)
            try:
                validated(order)
            except ValidationError as error:
                errors.append(RowError(name, line, error.field, error.reason))
                continue
            orders.append(order)
            lines.append(line)
    if errors:
        raise ImportRejected(name, errors)
    if not orders:
        raise reject(name, "the file has a header but no orders")
    return orders, lines


def _located(error: ValidationError | Conflict, name: str, lines: list[int]) -> ValidationError | Conflict:
    """The service names an order by its place in the batch (``orders[3].amount``); the file names its line."""
    text = error.field if isinstance(error, ValidationError) else str(error)
    found = _PLACE.match(text)
    if found is None:
        return error
    line, column = lines[int(found.group(1))], found.group(2)
    if isinstance(error, ValidationError):
        return ImportRejected(name, [RowError(name, line, "buyer_ref" if column == "buyer" else column,
                                              error.reason)])
    return Conflict(f"{name}:{line}: {str(error).split(': ', 1)[1]}")
