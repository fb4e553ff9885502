"""Exposure per buyer and per group, and how concentrated it is.

Exposure here is open invoices at the as-of date (the frame from :func:`~tradecredit.engine.receivables.
open_items`), in integer base-currency minor units. A group is a top-level parent and its subsidiaries.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from tradecredit.domain.errors import ValidationError

__all__ = ["ConcentrationResult", "concentration", "exposure", "group_exposure", "top_debtors"]


def _split_columns(open_items: pl.DataFrame) -> pl.LazyFrame:
    """open_minor split into overdue (days_past_due > 0), not yet due, and disputed parts."""
    amount = pl.col("open_minor")
    overdue = pl.col("days_past_due") > 0
    return open_items.lazy().with_columns(
        overdue_minor=pl.when(overdue).then(amount).otherwise(0),
        not_due_minor=pl.when(overdue).then(0).otherwise(amount),
        disputed_minor=pl.when(pl.col("disputed")).then(amount).otherwise(0),
    )


def _sums() -> list[pl.Expr]:
    money = pl.col("open_minor", "overdue_minor", "not_due_minor", "disputed_minor").sum().cast(pl.Int64)
    return [
        money,
        pl.len().cast(pl.Int64).alias("invoices"),
        pl.col("days_past_due").max().cast(pl.Int32).alias("oldest_days_past_due"),
    ]


def exposure(open_items: pl.DataFrame) -> pl.DataFrame:
    """Per buyer with open items, sorted by buyer_id.

    Columns: ``buyer_id, group_id`` (Int64), ``open_minor, overdue_minor, not_due_minor, disputed_minor``
    (Int64 base minor units; overdue + not_due = open), ``invoices`` (Int64 count) and
    ``oldest_days_past_due`` (Int32, the largest days_past_due, negative when nothing is due yet).
    """
    return (
        _split_columns(open_items)
        .group_by("buyer_id")
        .agg(pl.col("group_id").first(), *_sums())
        .sort("buyer_id")
        .collect()
    )


def group_exposure(open_items: pl.DataFrame) -> pl.DataFrame:
    """Per group with open items, sorted by group_id: the :func:`exposure` sums plus ``members``.

    ``members: Int64`` counts the group's buyers that have open items.
    """
    return (
        _split_columns(open_items)
        .group_by("group_id")
        .agg(*_sums(), members=pl.col("buyer_id").n_unique().cast(pl.Int64))
        .sort("group_id")
        .collect()
    )


@dataclass(frozen=True, slots=True, eq=False)
class ConcentrationResult:
    """How concentrated open exposure is over the values of one key (buyer or group).

    ``total_minor``: Σ open_minor; ``top_share``: share of the ``top_n`` largest; ``herfindahl``:
    Σ share² in [0, 1]; ``effective_count``: 1 / herfindahl, the number of equal debtors that would give
    the same concentration. An empty portfolio gives 0 for all of them. ``top``: ``key, open_minor: Int64,
    share, cumulative_share: Float64``, largest first, ties by key ascending.
    """

    total_minor: int
    top_n: int
    top_share: float
    herfindahl: float
    effective_count: float
    top: pl.DataFrame


def _check_count(field: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(field, f"expected a positive count; got {value!r}")


def concentration(exposure_frame: pl.DataFrame, *, key: str = "buyer_id", top_n: int = 10) -> ConcentrationResult:
    """Top-n share and Herfindahl index of ``open_minor`` summed per ``key``.

    share_i = open_i / Σ open; herfindahl = Σ share_i²; effective_count = 1 / herfindahl. Works on
    :func:`exposure` (key ``buyer_id`` or ``group_id``) and :func:`group_exposure` frames.
    """
    _check_count("top_n", top_n)
    if key not in exposure_frame.columns:
        raise ValidationError("key", f"expected a column of the exposure frame {exposure_frame.columns}; got {key!r}")
    ranked = (
        exposure_frame.lazy()
        .group_by(key)
        .agg(pl.col("open_minor").sum().cast(pl.Int64))
        .sort(["open_minor", key], descending=[True, False])
        .collect()
    )
    total_minor = int(ranked["open_minor"].sum())
    denominator = float(total_minor) if total_minor else 1.0
    herfindahl = float(((ranked["open_minor"] / denominator) ** 2).sum())
    top = ranked.head(top_n).with_columns(
        share=pl.col("open_minor") / denominator,
        cumulative_share=pl.col("open_minor").cum_sum() / denominator,
    )
    return ConcentrationResult(
        total_minor=total_minor,
        top_n=top_n,
        top_share=float(top["share"].sum()),
        herfindahl=herfindahl,
        effective_count=1.0 / herfindahl if herfindahl > 0 else 0.0,
        top=top,
    )


def top_debtors(exposure_frame: pl.DataFrame, *, n: int = 10, key: str = "buyer_id") -> pl.DataFrame:
    """The ``n`` largest rows by open_minor, ties by ``key`` ascending (``group_id`` for group frames)."""
    _check_count("n", n)
    return exposure_frame.sort(["open_minor", key], descending=[True, False]).head(n)
