"""Page numbers and sizes for every list."""

from __future__ import annotations

from tradecredit.domain.errors import ValidationError

MAX_PAGE_SIZE = 500
MAX_PAGE = 1_000_000  # keeps offsets far inside every database's integer range


def check_page(page: int, size: int) -> int:
    """The row offset of a page; page numbers start at 1."""
    if not 1 <= page <= MAX_PAGE or not 1 <= size <= MAX_PAGE_SIZE:
        raise ValidationError("page", f"expected 1 ≤ page ≤ {MAX_PAGE} and 1 ≤ size ≤ {MAX_PAGE_SIZE}; "
                                      f"got {page}, {size}")
    return (page - 1) * size
