"""Raw scores and exact TreeSHAP contributions of the PD model for many rows at once, by table look-up per tree.

LightGBM's ``pred_contrib`` runs the TreeSHAP recursion for every row and every tree: about 3 µs a tree, so 0.6 ms
a statement for pd-v1's 200 trees and ten minutes for a million. But TreeSHAP reads a row only through the way it
goes at each split of the tree, so a tree's contributions (and its output) are a function of the row's **code**:
bit ``i`` set when the row goes left at split ``i``. With 15 leaves a tree has 14 splits, and of the 2¹⁴ codes only
about a hundred occur in practice. So, per call:

1. every row goes through every tree in a compiled loop (:func:`~tradecredit.engine.tree_kernels.score_rows`, on
   :data:`THREADS` threads): its code from the tree's splits, then the tree's output and contributions for that
   code, from a dense table per tree (code → entry, −1 when never met), added to the row's;
2. codes met for the first time are explained once, by LightGBM itself on one row having each (``pred_contrib``
   with ``start_iteration`` = the tree), and remembered with the leaf the code leads to;
3. the rows that met such a code go through the loop again.

The raw score is LightGBM's bit for bit (the same leaf values added in the same tree order) and the contributions
are its TreeSHAP values to rounding (~1e-15). :meth:`TreeTables.explain` compares its raw scores with the
booster's on a few rows of every call and raises rather than go on if they ever differ.

LightGBM's split rule, reproduced per split: ``value <= threshold`` goes left; with missing type ``NaN`` a NaN goes
to the default side; with missing type ``None`` a NaN is read as 0. Other split kinds (categorical, missing type
``Zero``) and trees of more than :data:`MAX_SPLITS` splits are refused (:class:`ValidationError`), and the caller
uses LightGBM directly.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np

from tradecredit.domain.errors import ValidationError
from tradecredit.engine.pd_model import PREDICT_THREADS, PdModel

__all__ = ["MAX_SPLITS", "THREADS", "TOP", "Explained", "TreeTables"]

MAX_SPLITS = 16        # code tables of 2¹⁶ entries at most
TOP = 3                # the largest positive contributions kept per row (as tree_kernels.score_rows keeps them)
THREADS = PREDICT_THREADS
THREAD_ROWS = 8_192    # rows per task of the threads: small enough to share the work evenly on a busy machine
PROBE_ROWS = 4_096     # rows of a first call scored before the others, so that most of its codes are known
CHECK_ROWS = 16        # rows of every call (spread over it) whose raw score is compared with LightGBM's
RAW_TOLERANCE = 1e-12


@dataclass(frozen=True, slots=True)
class Explained:
    """``raw``: log-odds per row; ``contributions``: TreeSHAP values, rows × model features (as LightGBM's
    ``pred_contrib`` without its bias column); ``top_features`` and ``top_pushes``: the :data:`TOP` largest
    positive contributions of each row, largest first, as feature index (−1 where fewer are positive; ties go to
    the earlier feature) and contribution (0 there), rows × TOP."""

    raw: np.ndarray
    contributions: np.ndarray
    top_features: np.ndarray
    top_pushes: np.ndarray

    @classmethod
    def empty(cls, rows: int, features: int, *, contributions: bool) -> Explained:
        return cls(np.empty(rows, dtype=np.float64), np.empty((rows if contributions else 0, features)),
                   np.empty((rows, TOP), dtype=np.int64), np.empty((rows, TOP), dtype=np.float64))

    def put(self, rows: np.ndarray, other: Explained) -> None:
        """``other``'s results as those of ``rows``."""
        self.raw[rows], self.top_features[rows], self.top_pushes[rows] = other.raw, other.top_features, other.top_pushes
        if len(self.contributions):
            self.contributions[rows] = other.contributions


class _Tree:
    """One tree as its code tables need it: its splits (for the leaf of a code), the features it uses, and the
    output and contributions of the codes met so far."""

    def __init__(self, index: int, splits: list[dict[str, Any]]) -> None:
        self.index = index
        self.splits = len(splits)
        self.children = [(node["left_child"], node["right_child"]) for node in splits]
        self.features = np.asarray(sorted({int(node["split_feature"]) for node in splits}), dtype=np.int64)
        self.output = np.empty(0, dtype=np.float64)  # per entry (code met), in the order met
        self.phi = np.empty((len(self.features), 0), dtype=np.float64)  # features × entries

    def leaf_value(self, code: int) -> float:
        """The tree's output for a code: follow the splits, left where the code's bit is set."""
        node = self.children[0][0 if code & 1 else 1]
        while "split_index" in node:
            split = int(node["split_index"])
            node = self.children[split][0 if code >> split & 1 else 1]
        return float(node["leaf_value"])

    def learn(self, codes: np.ndarray, phi: np.ndarray) -> np.ndarray:
        """Remember the output and contributions (features × codes) of new codes; their entry numbers."""
        first = len(self.output)
        self.output = np.concatenate([self.output, [self.leaf_value(code) for code in codes.tolist()]])
        self.phi = np.concatenate([self.phi, phi], axis=1)
        return np.arange(first, len(self.output), dtype=np.int32)


def _splits(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if "split_index" in node:
        yield node
        yield from _splits(node["left_child"])
        yield from _splits(node["right_child"])


def _nan_goes_left(index: int, node: dict[str, Any]) -> bool:
    """Where LightGBM sends a NaN at this split: the default side (missing type ``NaN``), or as 0 (``None``)."""
    missing = node["missing_type"]
    if node["decision_type"] != "<=" or missing not in ("NaN", "None"):
        raise ValidationError("model", f"expected numeric splits with missing type NaN or None; tree {index} "
                                       f"has {node['decision_type']} with {missing}")
    return bool(node["default_left"]) if missing == "NaN" else float(node["threshold"]) >= 0.0


class TreeTables:
    """Raw score and contributions of a :class:`PdModel` by code tables (see the module docstring).

    Tables fill as codes are met and are kept for the life of the object: build one per model and reuse it.
    Not thread-safe.
    """

    def __init__(self, model: PdModel) -> None:
        self.model = model
        self.n_features = len(model.attrs)
        self.fill = np.full(self.n_features, np.nan)  # per feature: the value read for NaN (NaN: none)
        for name, value in model.fill.items():
            self.fill[model.feature_names.index(name)] = value
        roots = [info["tree_structure"] for info in model.booster.dump_model()["tree_info"]]
        splits = [self._checked_splits(index, root) for index, root in enumerate(roots)]
        self.trees = [_Tree(index, nodes) for index, nodes in enumerate(splits)]
        self._lay_out_splits(splits)
        sizes = np.array([1 << tree.splits for tree in self.trees], dtype=np.int64)
        self.code_start = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        self.code_ids = np.full(int(sizes.sum()), -1, dtype=np.int32)  # code → entry; −1: never met
        most = max([len(tree.features) for tree in self.trees], default=0)
        self.tree_features = np.zeros((len(self.trees), most), dtype=np.int64)
        for tree in self.trees:
            self.tree_features[tree.index, : len(tree.features)] = tree.features
        self.tree_feature_count = np.array([len(tree.features) for tree in self.trees], dtype=np.int64)
        self._pool: ThreadPoolExecutor | None = None
        self._pack()

    def _lay_out_splits(self, splits: list[list[dict[str, Any]]]) -> None:
        """Feature, threshold and NaN side of every split, trees × splits, and each tree's number of splits."""
        widest = max([len(nodes) for nodes in splits], default=0)
        self.split_column = np.zeros((len(splits), widest), dtype=np.int64)
        self.split_threshold = np.zeros((len(splits), widest), dtype=np.float64)
        self.split_nan_left = np.zeros((len(splits), widest), dtype=np.bool_)
        for index, nodes in enumerate(splits):
            for split, node in enumerate(nodes):
                self.split_column[index, split] = int(node["split_feature"])
                self.split_threshold[index, split] = float(node["threshold"])
                self.split_nan_left[index, split] = _nan_goes_left(index, node)
        self.split_count = np.array([len(nodes) for nodes in splits], dtype=np.int64)

    def _pack(self) -> None:
        """The trees' entries in the arrays :func:`score_rows` reads, each tree's together, after an empty one."""
        sizes = np.array([len(tree.output) for tree in self.trees], dtype=np.int64)
        self.entry_start = 1 + np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        self.entry_output = np.concatenate([[0.0], *(tree.output for tree in self.trees)])
        self.entry_phi = np.zeros((self.tree_features.shape[1], len(self.entry_output)), dtype=np.float64)
        for tree, start in zip(self.trees, self.entry_start.tolist(), strict=True):
            self.entry_phi[: len(tree.features), start: start + len(tree.output)] = tree.phi

    @staticmethod
    def _checked_splits(index: int, root: dict[str, Any]) -> list[dict[str, Any]]:
        splits = sorted(_splits(root), key=lambda node: int(node["split_index"]))
        if len(splits) > MAX_SPLITS:
            raise ValidationError("model", f"expected trees of at most {MAX_SPLITS} splits; tree {index} has "
                                           f"{len(splits)}")
        if [int(node["split_index"]) for node in splits] != list(range(len(splits))):
            raise ValidationError("model", f"expected splits numbered 0 … n − 1; tree {index} has others")
        return splits

    def filled(self, x: np.ndarray) -> np.ndarray:
        """``x`` with the model's neutral fill applied, as :meth:`PdModel.raw_score` does before the booster."""
        matrix = np.asarray(x, dtype=np.float64)
        return np.ascontiguousarray(np.where(np.isnan(matrix), self.fill, matrix))

    def explain(self, x: np.ndarray, *, contributions: bool = True) -> Explained:
        """Raw score, contributions and top contributions of every row of ``x`` (rows × model features, NaN =
        missing); ``contributions=False`` leaves out the contributions themselves (then zero rows × features)."""
        if np.ndim(x) != 2 or np.shape(x)[1] != self.n_features:
            raise ValidationError("features", f"expected a 2-D matrix with {self.n_features} columns; got shape "
                                              f"{np.shape(x)}")
        matrix = np.asfortranarray(x, dtype=np.float64)  # a column-major matrix: its transpose costs no copy
        explained = Explained.empty(len(matrix), self.n_features, contributions=contributions)
        probe = min(len(matrix), PROBE_ROWS if len(self.entry_output) == 1 else 0)  # no entry but the empty one
        for start, stop in ((0, probe), (probe, len(matrix))):
            self._explain_rows(matrix, start, stop, explained)
        self._check(matrix, explained.raw)
        return explained

    def _explain_rows(self, matrix: np.ndarray, start: int, stop: int, explained: Explained) -> None:
        """Rows ``start`` … ``stop`` − 1: the compiled pass; then, if new codes were met, LightGBM on one row of each
        and the compiled pass again on the rows that met them."""
        unknown = np.empty(len(matrix), dtype=np.bool_)
        if not self._score(matrix.T, start, stop, explained, unknown):
            return
        try:
            self._learn(matrix)
        except BaseException:
            self.code_ids[self.code_ids <= -2] = -1  # claims are rows of this pass only
            raise
        again = start + np.flatnonzero(unknown[start:stop])
        rescored = Explained.empty(len(again), self.n_features, contributions=len(explained.contributions) > 0)
        if self._score(np.ascontiguousarray(matrix.T[:, again]), 0, len(again), rescored, unknown):
            self.code_ids[self.code_ids <= -2] = -1
            raise ValidationError("model", "expected every code in the tables after learning; some are not")
        explained.put(again, rescored)

    def _score(self, columns: np.ndarray, start: int, stop: int, explained: Explained, unknown: np.ndarray) -> int:
        """:func:`score_rows` on rows ``start`` … ``stop`` − 1 of ``columns`` (features × rows), in ranges of
        :data:`THREAD_ROWS` shared by :data:`THREADS` threads; the number of rows meeting a new code."""
        from tradecredit.engine.tree_kernels import score_rows  # imports numba: only when first needed

        def run(first: int) -> int:
            return int(score_rows(
                columns, self.fill, first, min(first + THREAD_ROWS, stop), self.split_column, self.split_threshold,
                self.split_nan_left, self.split_count, self.code_start, self.code_ids, self.entry_start,
                self.entry_output, self.entry_phi, self.tree_features, self.tree_feature_count, explained.raw,
                explained.contributions, explained.top_features, explained.top_pushes, unknown))

        firsts = range(start, stop, THREAD_ROWS)
        if len(firsts) < 2 or THREADS < 2:
            return sum(run(first) for first in firsts)
        if self._pool is None:  # kept: starting threads for every call costs more than a small batch's pass
            self._pool = ThreadPoolExecutor(THREADS, thread_name_prefix="tree-tables")
        return sum(self._pool.map(run, firsts))

    def _learn(self, matrix: np.ndarray) -> None:
        """Explain the codes claimed in the last pass (code id −2 − row) with LightGBM, tree by tree, one row each."""
        claimed = np.flatnonzero(self.code_ids <= -2)  # places in code_ids, so grouped by tree
        trees = np.searchsorted(self.code_start, claimed, side="right") - 1
        firsts = [0, *(np.flatnonzero(np.diff(trees)) + 1).tolist(), len(claimed)] if len(claimed) else []
        samples = self.filled(matrix[-2 - self.code_ids[claimed]])  # the row that met each code first
        for first, stop in pairwise(firsts):
            tree, places = self.trees[int(trees[first])], claimed[first:stop]
            phi = self.model.booster.predict(samples[first:stop], pred_contrib=True, start_iteration=tree.index,
                                             num_iteration=1, num_threads=1)
            codes = places - self.code_start[tree.index]
            self.code_ids[places] = tree.learn(codes, np.asarray(phi)[:, tree.features].T)
        self._pack()

    def _check(self, x: np.ndarray, raw: np.ndarray) -> None:
        """Raw scores of :data:`CHECK_ROWS` rows spread over the call against the booster's own."""
        sample = np.unique(np.linspace(0, len(raw) - 1, min(CHECK_ROWS, len(raw))).astype(np.intp))
        if len(sample) and not np.allclose(raw[sample], self.model.raw_score(np.asarray(x)[sample]), rtol=0.0,
                                           atol=RAW_TOLERANCE):
            raise ValidationError("model", "expected the code tables to reproduce the booster's raw scores; they "
                                           "differ (unsupported split rule?)")
