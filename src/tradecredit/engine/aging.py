"""Aging: open receivables by days past due, for the portfolio and per buyer.

Buckets are configurable by their upper edges in days past due. ``current`` is everything not yet past due
(days_past_due ≤ 0); then one bucket per edge, closed on the right (``1-30`` holds 1…30 days); the last
bucket holds everything beyond the last edge (``>365``).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import polars as pl

from tradecredit.domain.errors import ValidationError

__all__ = ["DEFAULT_EDGES", "aging", "aging_by_buyer", "aging_labels"]

DEFAULT_EDGES: tuple[int, ...] = (0, 30, 60, 90, 180, 365)


def _check_edges(edges: Sequence[int]) -> tuple[int, ...]:
    """The edges with the ``current`` edge 0 first; a leading 0 is optional in the input."""
    values = tuple(edges)
    valid = all(isinstance(edge, int) and not isinstance(edge, bool) for edge in values)
    valid = valid and all(later > earlier for earlier, later in itertools.pairwise(values))
    valid = valid and len(values) > 0 and values[0] >= 0
    if not valid:
        raise ValidationError("edges", f"expected strictly increasing positive day counts; got {list(values)}")
    return values if values[0] == 0 else (0, *values)


def aging_labels(edges: Sequence[int] = DEFAULT_EDGES) -> list[str]:
    """Bucket labels in order: ``current``, ``1-30``, …, ``>365`` for the default edges."""
    bounds = _check_edges(edges)
    ranges = [f"{lower + 1}-{upper}" for lower, upper in itertools.pairwise(bounds)]
    return ["current", *ranges, f">{bounds[-1]}"]


def _bucket_index(bounds: tuple[int, ...]) -> pl.Expr:
    """0 for current, i for (bounds[i-1], bounds[i]], len(bounds) beyond the last edge.

    Counting the edges a day count exceeds is a handful of vectorised comparisons, faster than a search.
    """
    days = pl.col("days_past_due")
    return pl.sum_horizontal([(days > edge).cast(pl.UInt32) for edge in bounds]).alias("bucket_index")


def aging(open_items: pl.DataFrame, *, edges: Sequence[int] = DEFAULT_EDGES) -> pl.DataFrame:
    """Portfolio aging: every bucket in order, even when empty.

    Columns: ``bucket: String``, ``amount_minor: Int64`` (Σ open_minor), ``invoices: Int64`` (count) and
    ``share: Float64`` = amount_minor / Σ amount_minor (0.0 for every bucket when nothing is open).
    """
    bounds = _check_edges(edges)
    labels = aging_labels(bounds)
    all_buckets = pl.LazyFrame(
        {"bucket_index": pl.Series(range(len(labels)), dtype=pl.UInt32), "bucket": labels}
    )
    sums = (
        open_items.lazy()
        .group_by(_bucket_index(bounds))
        .agg(amount_minor=pl.col("open_minor").sum(), invoices=pl.len().cast(pl.Int64))
    )
    total = pl.col("amount_minor").sum()
    share = pl.when(total > 0).then(pl.col("amount_minor") / total).otherwise(0.0)
    return (
        all_buckets.join(sums, on="bucket_index", how="left")
        .sort("bucket_index")
        .select(
            "bucket",
            pl.col("amount_minor").fill_null(0).cast(pl.Int64),
            pl.col("invoices").fill_null(0).cast(pl.Int64),
        )
        .with_columns(share=share.cast(pl.Float64))
        .collect()
    )


def aging_by_buyer(open_items: pl.DataFrame, *, edges: Sequence[int] = DEFAULT_EDGES) -> pl.DataFrame:
    """Aging per buyer: ``buyer_id``, one Int64 column per bucket label (in order), ``total_minor``.

    One row per buyer with open items, sorted by buyer_id.
    """
    bounds = _check_edges(edges)
    labels = aging_labels(bounds)
    index = _bucket_index(bounds)
    in_bucket = [
        pl.when(index == position).then(pl.col("open_minor")).otherwise(0).alias(label)
        for position, label in enumerate(labels)
    ]
    return (
        open_items.lazy()
        .select("buyer_id", *in_bucket, total_minor=pl.col("open_minor"))
        .group_by("buyer_id")
        .agg(pl.col(*labels, "total_minor").sum().cast(pl.Int64))
        .sort("buyer_id")
        .collect()
    )
