"""Raw scores and exact TreeSHAP contributions of the PD model for many rows at once, by table look-up per tree.

LightGBM's ``pred_contrib`` runs the TreeSHAP recursion for every row and every tree: about 3 µs a tree, so 0.6 ms
a statement for pd-v1's 200 trees and ten minutes for a million. But TreeSHAP reads a row only through the way it
goes at each split of the tree, so a tree's contributions (and its output) are a function of the row's **code**:
bit ``i`` set when the row goes left at split ``i``. With 15 leaves a tree has 14 splits, and of the 2¹⁴ codes only
a few dozen occur in practice. So, per tree:

1. every row's code: one comparison per split, the bits summed (a float32 product, exact below 2²⁴);
2. each code not seen before is explained once, by LightGBM itself on one row having it (``pred_contrib`` with
   ``start_iteration`` = the tree), and remembered with the leaf the code leads to;
3. every row takes the tree's output and contributions for its code from the table.

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
from dataclasses import dataclass
from typing import Any

import numpy as np

from tradecredit.domain.errors import ValidationError
from tradecredit.engine.pd_model import PdModel

__all__ = ["CHUNK_ROWS", "MAX_SPLITS", "Explained", "TreeTables"]

MAX_SPLITS = 16        # code tables of 2¹⁶ entries at most
CHUNK_ROWS = 16_384    # rows per pass: a chunk's columns stay in the CPU cache while 200 trees read them
CHECK_ROWS = 16        # rows of every call (spread over it) whose raw score is compared with LightGBM's
RAW_TOLERANCE = 1e-12


@dataclass(frozen=True, slots=True)
class Explained:
    """``raw``: log-odds per row; ``contributions``: TreeSHAP values, one row per model feature, one column per
    input row (features × rows, the bias left out); both float64."""

    raw: np.ndarray
    contributions: np.ndarray


class _Tree:
    """One tree: its splits as (column row, threshold), the features it uses, and its code table so far."""

    def __init__(self, index: int, splits: list[dict[str, Any]], rows: list[int]) -> None:
        self.index = index
        self.rows = np.asarray(rows, dtype=np.intp)
        self.thresholds = np.asarray([float(node["threshold"]) for node in splits], dtype=np.float64)
        self.weights = (2.0 ** np.arange(len(rows))).astype(np.float32)
        self.features = np.asarray(sorted({int(node["split_feature"]) for node in splits}), dtype=np.intp)
        self.children = [(node["left_child"], node["right_child"]) for node in splits]
        self.ids = np.full(1 << len(rows), -1, dtype=np.int32)  # code → row of the tables below, −1 = not seen
        self.output = np.empty(0, dtype=np.float64)
        self.phi = np.empty((len(self.features), 0), dtype=np.float64)

    def codes(self, columns: np.ndarray, bits: np.ndarray) -> np.ndarray:
        splits = len(self.rows)
        for bit in range(splits):
            np.less_equal(columns[self.rows[bit]], self.thresholds[bit], out=bits[bit], casting="unsafe")
        return np.asarray(self.weights @ bits[:splits]).astype(np.intp)

    def leaf_value(self, code: int) -> float:
        """The tree's output for a code: follow the splits, left where the code's bit is set."""
        node = self.children[0][0 if code & 1 else 1]
        while "split_index" in node:
            split = int(node["split_index"])
            node = self.children[split][0 if code >> split & 1 else 1]
        return float(node["leaf_value"])

    def learn(self, codes: np.ndarray, phi: np.ndarray) -> None:
        """Remember the output and contributions (features × codes) of codes not seen before."""
        output = np.array([self.leaf_value(code) for code in codes.tolist()], dtype=np.float64)
        first = len(self.output)
        self.output = np.concatenate([self.output, output])
        self.phi = np.concatenate([self.phi, phi], axis=1)
        self.ids[codes] = np.arange(first, first + len(codes), dtype=np.int32)


def _splits(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if "split_index" in node:
        yield node
        yield from _splits(node["left_child"])
        yield from _splits(node["right_child"])


class TreeTables:
    """Raw score and contributions of a :class:`PdModel` by code tables (see the module docstring).

    Tables fill as codes are met and are kept for the life of the object: build one per model and reuse it.
    Not thread-safe.
    """

    def __init__(self, model: PdModel) -> None:
        self.model = model
        self.n_features = len(model.attrs)
        self._fill = [(model.feature_names.index(name), value) for name, value in model.fill.items()]
        self._extra: dict[tuple[int, float], int] = {}  # (feature, value given to NaN) → row of the column stack
        self.trees = [self._tree(index, info["tree_structure"])
                      for index, info in enumerate(model.booster.dump_model()["tree_info"])]

    def _tree(self, index: int, root: dict[str, Any]) -> _Tree:
        splits = sorted(_splits(root), key=lambda node: int(node["split_index"]))
        if len(splits) > MAX_SPLITS:
            raise ValidationError("model", f"expected trees of at most {MAX_SPLITS} splits; tree {index} has "
                                           f"{len(splits)}")
        if [int(node["split_index"]) for node in splits] != list(range(len(splits))):
            raise ValidationError("model", f"expected splits numbered 0 … n − 1; tree {index} has others")
        return _Tree(index, splits, [self._column_row(index, node) for node in splits])

    def _column_row(self, index: int, node: dict[str, Any]) -> int:
        """Row of the column stack this split compares: the feature itself, or a copy whose NaN is replaced so
        that ``<=`` sends it where LightGBM does (−inf: left; 0: as zero)."""
        feature, missing = int(node["split_feature"]), node["missing_type"]
        if node["decision_type"] != "<=" or missing not in ("NaN", "None"):
            raise ValidationError("model", f"expected numeric splits with missing type NaN or None; tree {index} "
                                           f"has {node['decision_type']} with {missing}")
        if missing == "NaN" and not node["default_left"]:
            return feature  # NaN <= threshold is false: right, the default side
        key = (feature, -np.inf if missing == "NaN" else 0.0)
        return self._extra.setdefault(key, self.n_features + len(self._extra))

    def filled(self, x: np.ndarray) -> np.ndarray:
        """``x`` with the model's neutral fill applied, as :meth:`PdModel.raw_score` does before the booster."""
        matrix = np.array(x, dtype=np.float64, order="C")
        for column, value in self._fill:
            values = matrix[:, column]
            values[np.isnan(values)] = value
        return matrix

    def explain(self, x: np.ndarray) -> Explained:
        """Raw score and contributions of every row of ``x`` (rows × model features, NaN = missing)."""
        if np.ndim(x) != 2 or np.shape(x)[1] != self.n_features:
            raise ValidationError("features", f"expected a 2-D matrix with {self.n_features} columns; got shape "
                                              f"{np.shape(x)}")
        matrix = self.filled(x)
        raw = np.empty(len(matrix), dtype=np.float64)
        contributions = np.empty((self.n_features, len(matrix)), dtype=np.float64)
        for start in range(0, len(matrix), CHUNK_ROWS):
            stop = start + CHUNK_ROWS
            raw[start:stop], contributions[:, start:stop] = self._chunk(matrix[start:stop])
        self._check(x, raw)
        return Explained(raw, contributions)

    def _columns(self, rows: np.ndarray) -> np.ndarray:
        """The chunk's features as rows (contiguous per feature), then the NaN-replaced copies splits need."""
        columns = np.empty((self.n_features + len(self._extra), len(rows)), dtype=np.float64)
        columns[: self.n_features] = rows.T
        for (feature, value), row in self._extra.items():
            columns[row] = np.where(np.isnan(columns[feature]), value, columns[feature])
        return columns

    def _chunk(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        columns = self._columns(rows)
        bits = np.empty((MAX_SPLITS, len(rows)), dtype=np.float32)
        raw = np.zeros(len(rows), dtype=np.float64)
        contributions = np.zeros((self.n_features, len(rows)), dtype=np.float64)
        for tree in self.trees:
            codes = tree.codes(columns, bits)
            ids = np.take(tree.ids, codes, mode="clip")  # every index is in range: "clip" only skips the check
            if ids.min(initial=0) < 0:
                self._learn(tree, rows, codes, ids)
                ids = np.take(tree.ids, codes, mode="clip")
            raw += np.take(tree.output, ids, mode="clip")
            block = np.take(tree.phi, ids, axis=1, mode="clip")
            for position, feature in enumerate(tree.features):
                contributions[feature] += block[position]
        return raw, contributions

    def _learn(self, tree: _Tree, rows: np.ndarray, codes: np.ndarray, ids: np.ndarray) -> None:
        """Explain one row of each new code with LightGBM, on this tree alone."""
        unseen = np.flatnonzero(ids < 0)
        new_codes, first = np.unique(codes[unseen], return_index=True)
        sample = np.ascontiguousarray(rows[unseen[first]])
        phi = self.model.booster.predict(sample, pred_contrib=True, start_iteration=tree.index, num_iteration=1,
                                         num_threads=1)
        tree.learn(new_codes, np.ascontiguousarray(np.asarray(phi)[:, tree.features].T))

    def _check(self, x: np.ndarray, raw: np.ndarray) -> None:
        """Raw scores of :data:`CHECK_ROWS` rows spread over the call against the booster's own."""
        sample = np.unique(np.linspace(0, len(raw) - 1, min(CHECK_ROWS, len(raw))).astype(np.intp))
        if len(sample) and not np.allclose(raw[sample], self.model.raw_score(np.asarray(x)[sample]), rtol=0.0,
                                           atol=RAW_TOLERANCE):
            raise ValidationError("model", "expected the code tables to reproduce the booster's raw scores; they "
                                           "differ (unsupported split rule?)")
