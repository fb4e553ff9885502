"""The shape every import file kind shares, and helpers to compare and write staged rows."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar

from tradecredit.services.fields import RowValues

if TYPE_CHECKING:
    from tradecredit.services.imports import ImportContext, Staged


class ImportKind(ABC):
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

    @abstractmethod
    def parse(self, row: RowValues, context: ImportContext) -> Any:
        """Turn one row's cells into a typed record; raise ValidationError naming the column."""

    @abstractmethod
    def stage(self, batch: list[Staged], context: ImportContext) -> None:
        """Check a batch against what is stored, count it, and write it while the file is clean."""

    def finish(self, context: ImportContext) -> None:
        """Checks and writes that need the whole file (group links, payment allocation); none by default."""
        return

    _buyer_ids: dict[str, int] | None = None

    def buyer_id(self, context: ImportContext, staged: Staged, ref: str) -> int | None:
        if self._buyer_ids is None:
            self._buyer_ids = context.uow.buyers.ids_by_ref()
        found = self._buyer_ids.get(ref)
        if found is None:
            context.error(staged.line, "buyer_ref", f"unknown buyer {ref}; import it with the buyers file first")
        return found


def changed(old: dict[str, Any], new: dict[str, Any]) -> bool:
    return any(old.get(name) != value for name, value in new.items())


def write(context: ImportContext, inserts: list[dict[str, Any]],
           updates: list[dict[str, Any]], repository: Any) -> None:
    if context.writing:
        repository.insert_many(inserts)
        repository.update_many(updates)
