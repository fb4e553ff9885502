"""The compiled loops of batch scoring, by numba: the code tables (:mod:`tradecredit.engine.tree_tables`) and the
reason sentences (:mod:`tradecredit.engine.batch_scoring`).

:func:`score_rows`: NumPy would make one pass over the batch per split and per table look-up (about 2,800 and
2,300 a row for pd-v1); here each row goes once through every tree: its code from the tree's splits, then the
tree's output and contributions for that code added to the row's, then its three largest positive contributions.
Rows go in blocks of :data:`BLOCK_ROWS`, tree by tree within a block and one split (or one feature) at a time over
the block's rows, so that the comparisons are vectorised (several rows an instruction) and a tree's tables stay in
the cache.

:func:`sentence_forms`, :func:`python_numbers`, :func:`write_sentences`: each reason's sentence written as UTF-8
straight into the buffers of an Arrow string column, the number formatted here as Python's ``format`` would.

The functions are compiled on their first call with ``cache=True``: the machine code is kept under
``NUMBA_CACHE_DIR`` when that is set, else beside this file (``__pycache__``), else in the user's cache folder,
and later processes load it in about a second instead of compiling for several. Where no folder is writable they
are compiled in every process, with a warning. They release the GIL (``nogil=True``): the caller runs
:func:`score_rows` on row ranges in threads. Importing numba takes about half a second, so the callers import this
module when they first need it, not with themselves: the other commands and the server do without it.

Arrays of :func:`score_rows`, as :class:`~tradecredit.engine.tree_tables.TreeTables` lays them out (T trees, S
splits at most per tree, F features at most per tree, E entries):

* ``columns``: features × rows, float64, C order (a column-major matrix's transpose);
* ``split_column`` (int64), ``split_threshold`` (float64), ``split_nan_left`` (bool): T × S, the feature, threshold
  and NaN side of split ``s`` of tree ``t``; ``split_count`` (int64, T): the number of splits of each tree;
* ``code_start`` (int64, T): where each tree's codes begin in ``code_ids`` (int32): the tree's entry number for a
  code, −1 when never met, −2 − row when first met by ``row`` in the current call (written by :func:`score_rows`);
* ``entry_start`` (int64, T): where each tree's entries begin in ``entry_output`` (float64, E), the tree's output
  for a code, and ``entry_phi`` (float64, F × E), its contributions, row ``k`` for the tree's ``k``-th feature
  (``tree_features``, int64, T × F; ``tree_feature_count``, int64, T); entry 0 is empty (all zeros).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numba
import numpy as np

__all__ = [
    "BLOCK_ROWS", "DAYS", "NONE", "NUMBER_BYTES", "PCT", "RATIO", "python_numbers", "score_rows", "sentence_forms",
    "write_sentences",
]

BLOCK_ROWS = 2048  # rows per block: a tree touches ~25 of its value and contribution rows, 25 × 16 KiB, in L2


def _compiled(function: Callable[..., Any]) -> Any:
    """``function`` compiled with ``nogil`` and cached on disk, or without the disk cache where no folder is
    writable (numba refuses ``cache=True`` then)."""
    try:
        return numba.njit(cache=True, nogil=True)(function)
    except RuntimeError:  # "cannot cache function …: no locator available"
        warnings.warn(f"numba cannot cache {function.__name__}: compiled again in every process; set "
                      f"NUMBA_CACHE_DIR to a writable folder", RuntimeWarning, stacklevel=2)
        return numba.njit(nogil=True)(function)


@_compiled
def score_rows(columns: np.ndarray, fill: np.ndarray, start: int, stop: int, split_column: np.ndarray,
               split_threshold: np.ndarray, split_nan_left: np.ndarray, split_count: np.ndarray,
               code_start: np.ndarray, code_ids: np.ndarray, entry_start: np.ndarray, entry_output: np.ndarray,
               entry_phi: np.ndarray, tree_features: np.ndarray, tree_feature_count: np.ndarray, raw: np.ndarray,
               contributions: np.ndarray, top_features: np.ndarray, top_pushes: np.ndarray,
               unknown: np.ndarray) -> int:
    """Raw score (trees added in order from 0.0, as LightGBM does), contributions (rows × features) and their
    three largest positive ones (``top_features``, ``top_pushes``: rows × 3, see :func:`_top_three`) of
    rows ``start`` … ``stop`` − 1 of ``columns`` (features × rows, NaN = missing; a NaN of feature ``f`` is read
    as ``fill[f]``, itself NaN for features without a fill); returns the number of rows meeting a code not in the
    tables. ``contributions`` may have no rows: they are then not written (the top ones still are).

    Such a row is flagged in ``unknown`` and its results are wrong; each unknown code is claimed in ``code_ids``
    by the first row meeting it (−2 − row), so that the caller can explain it and score the flagged rows
    again. Two threads claiming one code at once both write a row having it: either will do.

    Per block of rows, tree by tree: the codes, one split at a time over the block's rows (a row goes left when
    ``value <= threshold``, a NaN where the split sends NaN: ``not value > threshold`` is true for NaN), then the
    entries, then the contributions, one of the tree's features at a time over the block's rows.
    """
    features, keep = columns.shape[0], contributions.shape[0] > 0
    block_x = np.empty((features, BLOCK_ROWS + 8), dtype=np.float64)  # + 8: rows 2,048 × 8 bytes apart
    block_phi = np.empty((features, BLOCK_ROWS + 8), dtype=np.float64)  # would fall in the same cache sets
    block_raw = np.empty(BLOCK_ROWS, dtype=np.float64)
    codes = np.empty(BLOCK_ROWS, dtype=np.int32)
    entries = np.empty(BLOCK_ROWS, dtype=np.uint64)  # unsigned: no negative-index check
    count = 0
    for block in range(start, stop, BLOCK_ROWS):
        size = min(BLOCK_ROWS, stop - block)
        for feature in range(features):
            for row in range(size):
                value = columns[feature, block + row]
                block_x[feature, row] = fill[feature] if value != value else value
                block_phi[feature, row] = 0.0
        block_raw[:size] = 0.0
        unknown[block: block + size] = False
        for tree in range(split_count.shape[0]):
            _codes(block_x, size, split_column[tree], split_threshold[tree], split_nan_left[tree], split_count[tree],
                   codes)
            base, first = code_start[tree], entry_start[tree]
            for row in range(size):
                entry = code_ids[base + codes[row]]
                if entry < 0:
                    if entry == -1:
                        code_ids[base + codes[row]] = -2 - (block + row)
                    unknown[block + row] = True
                    entries[row] = 0  # the empty entry: the row is scored again
                else:
                    entries[row] = first + entry
                block_raw[row] += entry_output[entries[row]]
            _add_phi(entries, size, entry_phi, block_phi, tree_features[tree], tree_feature_count[tree])
        for row in range(size):
            raw[block + row] = block_raw[row]
            count += unknown[block + row]
            _top_three(block_phi[:, row], top_features[block + row], top_pushes[block + row])
            if keep:
                contributions[block + row] = block_phi[:, row]
    return count


@_compiled
def _codes(block_x: np.ndarray, size: int, column: np.ndarray, threshold: np.ndarray, nan_left: np.ndarray,
           splits: int, codes: np.ndarray) -> None:
    """One tree's code of each row of the block: bit ``s`` set when the row goes left at split ``s``."""
    codes[:size] = 0
    for split in range(splits):
        values, at, bit = block_x[column[split]], threshold[split], np.int32(1 << split)
        if nan_left[split]:
            for row in range(size):
                codes[row] |= (np.int32(values[row] > at) ^ 1) * bit
        else:
            for row in range(size):
                codes[row] |= np.int32(values[row] <= at) * bit


@_compiled
def _add_phi(entries: np.ndarray, size: int, entry_phi: np.ndarray, block_phi: np.ndarray, features: np.ndarray,
             count: int) -> None:
    """Each row's entry's contributions added to the row's, two features at a time (the entry read once)."""
    k = 0
    while k + 1 < count:
        phi_a, target_a = entry_phi[k], block_phi[features[k]]
        phi_b, target_b = entry_phi[k + 1], block_phi[features[k + 1]]
        for row in range(size):
            entry = entries[row]
            target_a[row] += phi_a[entry]
            target_b[row] += phi_b[entry]
        k += 2
    if k < count:
        phi, target = entry_phi[k], block_phi[features[k]]
        for row in range(size):
            target[row] += phi[entries[row]]


@_compiled
def _top_three(contributions: np.ndarray, features: np.ndarray, pushes: np.ndarray) -> None:
    """The three largest positive ``contributions``, largest first: their indices into ``features`` (−1 where
    fewer are positive) and values into ``pushes`` (0 there). Ties go to the earlier feature, as repeated
    ``argmax`` does: a value enters only above one already kept."""
    push_1, push_2, push_3 = 0.0, 0.0, 0.0  # in registers: each contribution is read once
    feature_1, feature_2, feature_3 = -1, -1, -1
    for feature in range(len(contributions)):
        value = contributions[feature]
        if value <= push_3:  # also every value ≤ 0
            continue
        if value > push_1:
            push_1, push_2, push_3 = value, push_1, push_2
            feature_1, feature_2, feature_3 = feature, feature_1, feature_2
        elif value > push_2:
            push_2, push_3 = value, push_2
            feature_2, feature_3 = feature, feature_2
        else:
            push_3, feature_3 = value, feature
    pushes[0], pushes[1], pushes[2] = push_1, push_2, push_3
    features[0], features[1], features[2] = feature_1, feature_2, feature_3


# How a reason's number is shown: the order of ``batch_scoring._KINDS``.
PCT, DAYS, RATIO, NONE = 0, 1, 2, 3
NUMBER_BYTES = 24  # the most a number takes here: "-999,999,999" or "-99999999.9%"; longer ones are Python's


@_compiled
def _number_plan(value: float, kind: int) -> tuple[bool, bool, int, int, int]:
    """How :func:`~tradecredit.engine.reasons.reason_text` shows ``value``: (Python must format it, minus sign,
    the digits of |shown| × 10^decimals rounded, decimals, trailing zeros dropped).

    ``pct``: value × 100, one decimal, "%"; ``days`` and |value| ≥ 100: no decimals, thousands separated;
    10 ≤ |value| < 100: one decimal; below 10: two, trailing zeros dropped ("0.8", "2"); ``none``: no number.
    Python formats the exact binary value; rounding value × 10^decimals agrees except when the product is within
    1e-6 of a half (it may be one unit in the last place off) or too large to be exact: those are Python's."""
    if kind == NONE:
        return False, False, 0, 0, 0
    shown = value * 100.0 if kind == PCT else value
    size = abs(shown)
    decimals = 1 if kind == PCT else 0 if kind == DAYS or size >= 100.0 else 1 if size >= 10.0 else 2
    scaled = shown * (1.0 if decimals == 0 else 10.0 if decimals == 1 else 100.0)  # exactly 10^decimals
    if not abs(scaled) < 1e9 or abs(abs(scaled - np.trunc(scaled)) - 0.5) < 1e-6:
        return True, False, 0, decimals, 0
    digits = int(abs(np.rint(scaled)))
    trim = kind == RATIO and size < 10.0
    shift = (2 if digits % 100 == 0 else 1 if digits % 10 == 0 else 0) if trim else 0
    negative = math.copysign(1.0, shown) < 0.0 and not (trim and shown == 0.0)
    return False, negative, digits, decimals, shift


@_compiled
def sentence_forms(feature: np.ndarray, value: np.ndarray, has: np.ndarray, case_bounds: np.ndarray,
                   case_count: np.ndarray, case_forms: np.ndarray, missing_form: np.ndarray, form: np.ndarray) -> None:
    """The sentence form of each row's (feature, value) where ``has`` (0 elsewhere): the feature's "not available"
    form for NaN, else the form of the first case whose upper bound (``case_bounds``, ascending) exceeds the
    value, the last case past them all, and ``case_forms[feature, 0]`` for a feature without cases (count 0)."""
    for row in range(len(feature)):
        form[row] = 0
        if not has[row]:
            continue
        index, number = feature[row], value[row]
        if number != number:
            form[row] = missing_form[index]
            continue
        case = 0
        while case < case_count[index] - 1 and not number < case_bounds[index, case]:
            case += 1
        form[row] = case_forms[index, case]


@_compiled
def python_numbers(value: np.ndarray, kind: np.ndarray, has: np.ndarray, python: np.ndarray) -> int:
    """Flags the rows whose number Python must format (see :func:`_number_plan`); returns how many."""
    count = 0
    for row in range(len(value)):
        python[row] = has[row] and _number_plan(value[row], kind[row])[0]
        count += python[row]
    return count


@_compiled
def _copy(source: np.ndarray, start: int, stop: int, data: np.ndarray, position: int) -> int:
    """``source[start:stop]`` into ``data`` at ``position``; the position after it. Unsigned indices: with no
    negative-index checks the loop copies many bytes an instruction (twice as fast as slices here)."""
    size = stop - start
    source_at, data_at = np.uint64(start), np.uint64(position)
    for i in range(np.uint64(size)):
        data[data_at + i] = source[source_at + i]
    return position + size


@_compiled
def _write_number(value: float, kind: int, data: np.ndarray, position: int, reversed_digits: np.ndarray) -> int:
    """The number as :func:`_number_plan` plans it, in ASCII: sign, whole part, point and fraction, "%"."""
    _, negative, digits, decimals, shift = _number_plan(value, kind)
    if kind == NONE:
        return position
    if negative:
        data[position] = 45  # -
        position += 1
    unit = 1 if decimals == 0 else 10 if decimals == 1 else 100
    whole, count = digits // unit, 0
    while True:
        if decimals == 0 and count % 4 == 3:
            reversed_digits[count] = 44  # ,
            count += 1
        reversed_digits[count] = 48 + whole % 10
        count += 1
        whole //= 10
        if whole == 0:
            break
    for i in range(count - 1, -1, -1):
        data[position] = reversed_digits[i]
        position += 1
    width = decimals - shift
    if width > 0:
        data[position] = 46  # .
        fraction = (digits % unit) // (1 if shift == 0 else 10 if shift == 1 else 100)
        for i in range(width, 0, -1):
            data[position + i] = 48 + fraction % 10
            fraction //= 10
        position += width + 1
    if kind == PCT:
        data[position] = 37  # %
        position += 1
    return position


@_compiled
def write_sentences(form: np.ndarray, value: np.ndarray, kind: np.ndarray, has: np.ndarray, python_bytes: np.ndarray,
                    python_offsets: np.ndarray, text: np.ndarray, prefix_offsets: np.ndarray,
                    suffix_offsets: np.ndarray, offsets: np.ndarray, data: np.ndarray) -> int:
    """Each row's sentence, UTF-8 into ``data``, row ``i`` at ``offsets[i]`` … ``offsets[i + 1]`` (Arrow's layout;
    empty where not ``has``): the form's prefix, the number (shown as ``kind`` says), the form's suffix.

    ``text`` holds the forms' prefixes and suffixes (form ``f``'s prefix at ``prefix_offsets[f]`` …
    ``prefix_offsets[f + 1]``, its suffix likewise); ``python_bytes`` the numbers Python formatted, row ``i``'s
    at ``python_offsets[i]`` … ``python_offsets[i + 1]`` (empty for the others). Returns the bytes written."""
    position = 0
    reversed_digits = np.empty(NUMBER_BYTES, dtype=np.uint8)
    for row in range(len(form)):
        offsets[row] = position
        if not has[row]:
            continue
        index = form[row]
        position = _copy(text, prefix_offsets[index], prefix_offsets[index + 1], data, position)
        if python_offsets[row + 1] > python_offsets[row]:
            position = _copy(python_bytes, python_offsets[row], python_offsets[row + 1], data, position)
        else:
            position = _write_number(value[row], kind[row], data, position, reversed_digits)
        position = _copy(text, suffix_offsets[index], suffix_offsets[index + 1], data, position)
    offsets[len(form)] = position
    return position
