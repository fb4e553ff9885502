"""Batch scoring of statements: ratios → PD → grade, score and band → the three reasons raising the PD.

Pure computation on one Polars frame at a time (the file reading and writing is in
:mod:`tradecredit.services.scoring_files`). A frame goes through

1. :func:`~tradecredit.engine.features.compute_features` (one definition for training and scoring);
2. rows with a flag in :data:`~tradecredit.engine.features.BLOCKING_FLAGS` get no PD — null ``pd``, ``grade``,
   ``score``, ``band`` and reasons — and their ``flags`` say why; never a silent PD;
3. the shipped model's raw score and TreeSHAP contributions for the other rows, by code tables
   (:class:`~tradecredit.engine.tree_tables.TreeTables`; bit-identical to ``PdModel.predict_pd``), the PD through
   the model's calibration, grade and score by :func:`~tradecredit.engine.scoring.grades_of` /
   :func:`~tradecredit.engine.scoring.scores_of`, the A–E band of :data:`~tradecredit.domain.grades.SCORE_BANDS`;
4. the three largest positive contributions per row, kept by the same compiled pass (ties go to the earlier
   feature, as in :func:`~tradecredit.engine.reasons.top_reasons`), each with the sentence
   :func:`~tradecredit.engine.reasons.reason_text` writes — built per (feature, case) from the same templates, and
   written row by row, number included, straight into an Arrow string column by
   :func:`~tradecredit.engine.tree_kernels.write_sentences` (Python's ``format`` for the rare numbers where
   rounding could differ).

Blocked rows go through the model with the others (taking them out would cost more than scoring them) and their
results are replaced by nulls.

Growth ratios look back to the previous statements of the same key *within the frame*, so every statement of a key
must be in the same frame: :func:`split_last_key` holds back the last key of a batch for the next one, and
:class:`KeyOrder` finds a key that comes back after other keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import polars as pl
import pyarrow as pa

from tradecredit.domain.errors import ValidationError
from tradecredit.domain.grades import SCORE_BANDS
from tradecredit.engine.features import POLISH_ATTRS, RATIOS, compute_features, feature_matrix, has_blocking_flag
from tradecredit.engine.pd_model import PdModel
from tradecredit.engine.reasons import CASES, EFFECT, NAMES_ZH, TEMPLATES_EN, TEMPLATES_ZH, shown_number
from tradecredit.engine.scoring import grades_of, load_shipped_model, scores_of
from tradecredit.engine.tree_tables import TOP, Explained, TreeTables

__all__ = ["LANGS", "REASONS", "BatchScorer", "KeyOrder", "output_columns", "split_last_key"]

Lang = Literal["en", "zh"]
LANGS: tuple[Lang, ...] = ("en", "zh")
REASONS = TOP  # as many as the code tables keep per row
KEY_HASH_SEED = 20_250_630
_BAND_LOWEST = np.array(sorted(lowest for lowest, *_ in SCORE_BANDS), dtype=np.int16)
_BAND_NAMES = pl.Series([band for _, band, _, _ in sorted(SCORE_BANDS)], dtype=pl.String)
_KINDS = ("pct", "days", "ratio", "none")  # how the number of a sentence is shown; "none": no number


def output_columns(key: str) -> list[str]:
    """The columns of a scored frame, in order."""
    reasons = [f"reason_{n}{part}" for n in range(1, REASONS + 1)
               for part in ("", "_feature", "_value", "_contribution")]
    return [key, "period_end", "pd", "grade", "score", "band", "flags", *reasons, *RATIOS]


class BatchScorer:
    """Scores frames of statements with one model and one language; build once, call :meth:`score` per batch."""

    def __init__(self, *, key: str = "buyer_ref", lang: str = "en", model: PdModel | None = None) -> None:
        if lang not in LANGS:
            raise ValidationError("lang", f"expected one of {', '.join(LANGS)}; got {lang!r}")
        self.key = key
        self.model = model or load_shipped_model()
        self.tables = TreeTables(self.model)
        self.sentences = _Sentences(self.model.feature_names, self.model.attrs, "zh" if lang == "zh" else "en")
        self.names = pl.Series(self.model.feature_names, dtype=pl.String)

    def score(self, statements: pl.DataFrame) -> pl.DataFrame:
        """One row per statement, in input order, with the columns of :func:`output_columns`."""
        features = compute_features(statements, key=self.key)
        blocked = np.flatnonzero(features.select(has_blocking_flag()).to_series().to_numpy())
        x = feature_matrix(features, self.model.attrs)
        explained = self.tables.explain(x, contributions=False)  # every row: cheaper than leaving some out
        pd = self.model.calibration.apply(explained.raw)
        score = scores_of(pd)
        band = pl.Series((np.searchsorted(_BAND_LOWEST, score, side="right") - 1).astype(np.uint32))
        scored = pl.DataFrame([
            _nulls(pl.Series("pd", pd), blocked), _nulls(pl.Series("grade", grades_of(pd)), blocked),
            _nulls(pl.Series("score", score), blocked), _BAND_NAMES.gather(_nulls(band, blocked)).alias("band"),
            *self._reasons(x, explained, blocked),
        ])
        return features.hstack(scored).select(output_columns(self.key))

    def _reasons(self, x: np.ndarray, explained: Explained, blocked: np.ndarray) -> list[pl.Series]:
        """``reason_n``, ``reason_n_feature``, ``_value`` and ``_contribution`` for n = 1 … 3, null where a row
        has fewer than n features raising its PD or is blocked."""
        series: list[pl.Series] = []
        rows = np.arange(len(x))
        for n in range(1, REASONS + 1):
            has = explained.top_features[:, n - 1] >= 0
            has[blocked] = False
            missing = np.flatnonzero(~has)
            feature = np.maximum(explained.top_features[:, n - 1], 0)
            value = x[rows, feature]
            series += [
                self.sentences.column(f"reason_{n}", feature, value, has),
                self.names.gather(_nulls(pl.Series(feature.astype(np.uint32)), missing)).alias(f"reason_{n}_feature"),
                _nulls(pl.Series(f"reason_{n}_value", value), missing),
                _nulls(pl.Series(f"reason_{n}_contribution", explained.top_pushes[:, n - 1]), missing),
            ]
        return series


def _nulls(series: pl.Series, rows: np.ndarray) -> pl.Series:
    """``series`` with nulls at ``rows``."""
    return series.scatter(rows, None) if len(rows) else series


class _Sentences:
    """The reason sentences as forms ``prefix + number + suffix``, one per (feature, case), for one language.

    Mirrors :func:`~tradecredit.engine.reasons.reason_text` for a reason raising the PD: a feature with a template
    takes the sentence of its case unless that case says the value is good (then the generic sentence), a feature
    without one the generic sentence, a missing value the "not available" sentence. The forms and their cases are
    held as arrays for :func:`~tradecredit.engine.tree_kernels.sentence_forms`, the texts as UTF-8 for
    :func:`~tradecredit.engine.tree_kernels.write_sentences`.
    """

    def __init__(self, names: Sequence[str], attrs: Sequence[int], lang: Lang) -> None:
        self.lang = lang
        self.effect = EFFECT[lang]["up"]
        self.prefixes: list[str] = []
        self.suffixes: list[str] = []
        self.kinds: list[int] = []
        bounds: list[list[float]] = []
        case_forms: list[list[int]] = []
        missing_form: list[int] = []
        for name, attr in zip(names, attrs, strict=True):
            missing, feature_bounds, forms = self._add_feature(name, attr)
            missing_form.append(missing)
            bounds.append(feature_bounds)
            case_forms.append(forms)
        cases = max(len(forms) for forms in case_forms)
        self.case_count = np.array([len(feature_bounds) for feature_bounds in bounds], dtype=np.int64)
        self.case_bounds = np.full((len(bounds), cases), np.inf)
        self.case_forms = np.zeros((len(bounds), cases), dtype=np.int64)
        for index, (feature_bounds, forms) in enumerate(zip(bounds, case_forms, strict=True)):
            self.case_bounds[index, : len(feature_bounds)] = feature_bounds
            self.case_forms[index, : len(forms)] = forms
        self.missing_form = np.array(missing_form, dtype=np.int64)
        self.texts = _Texts(self.prefixes, self.suffixes)
        self.form_kind = np.array(self.kinds, dtype=np.int64)

    def _form(self, prefix: str, suffix: str, kind: str) -> int:
        self.prefixes.append(prefix)
        self.suffixes.append(suffix)
        self.kinds.append(_KINDS.index(kind))
        return len(self.prefixes) - 1

    def _add_feature(self, name: str, attr: int) -> tuple[int, list[float], list[int]]:
        """The feature's "not available" form, its case bounds (none without a template) and forms per case."""
        templates = (TEMPLATES_EN if self.lang == "en" else TEMPLATES_ZH).get(attr)
        kind = CASES[attr][0] if attr in CASES else "ratio"
        label = _label(name, attr, self.lang)
        if self.lang == "en":
            generic = self._form(f"{label} = ", f" {self.effect}", kind)
            missing = self._form(f"{label} is not available, which {self.effect}", "", "none")
        else:
            generic = self._form(f"{label} = ", f"，{self.effect}", kind)
            missing = self._form(f"{label}缺失，{self.effect}", "", "none")
        if attr not in CASES or templates is None:
            return missing, [], [generic]
        cases = CASES[attr][1]
        return missing, [bound for bound, _ in cases], [
            generic if case == "good" else self._sentence(templates[case], kind) for _, case in cases]

    def _sentence(self, template: str, kind: str) -> int:
        before, after = template.split("{value}")
        end = f" ({self.effect})" if self.lang == "en" else f"（{self.effect}）"
        return self._form(before, after + end, kind)

    def column(self, name: str, feature: np.ndarray, value: np.ndarray, has: np.ndarray) -> pl.Series:
        """The sentence of each row's (feature index, value), null where not ``has``."""
        from tradecredit.engine.tree_kernels import sentence_forms  # imports numba: only when first needed

        form = np.empty(len(feature), dtype=np.int64)
        sentence_forms(feature, value, has, self.case_bounds, self.case_count, self.case_forms, self.missing_form,
                       form)
        return self.texts.column(name, form, value, self.form_kind[form], has)


class _Texts:
    """Prefixes and suffixes as UTF-8 bytes, and columns of ``prefix + number + suffix`` built from them by
    :func:`~tradecredit.engine.tree_kernels.write_sentences` straight into an Arrow string array."""

    def __init__(self, prefixes: Sequence[str], suffixes: Sequence[str]) -> None:
        encoded = [part.encode() for part in (*prefixes, *suffixes)]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        offsets[1:] = np.cumsum([len(part) for part in encoded])
        self.text = np.frombuffer(b"".join(encoded), dtype=np.uint8)
        self.prefix_offsets = offsets[: len(prefixes) + 1]
        self.suffix_offsets = offsets[len(prefixes):]
        self.lengths = np.diff(self.prefix_offsets) + np.diff(self.suffix_offsets)

    def column(self, name: str, form: np.ndarray, value: np.ndarray, kind: np.ndarray, has: np.ndarray) -> pl.Series:
        """Row i: the prefix of form ``form[i]``, ``value[i]`` shown as kind ``kind[i]`` says, the form's suffix;
        null where not ``has``. The buffer is sized for the longest case: prefix + suffix + the widest number."""
        from tradecredit.engine.tree_kernels import NUMBER_BYTES, python_numbers, write_sentences  # imports numba

        python = np.empty(len(form), dtype=np.bool_)
        python_numbers(value, kind, has, python)
        python_bytes, python_offsets = _python_numbers(value, kind, python)
        bound = int(self.lengths[form].sum()) + NUMBER_BYTES * len(form) + len(python_bytes)
        data = np.empty(bound, dtype=np.uint8)
        offsets = np.empty(len(form) + 1, dtype=np.int64)
        used = write_sentences(form, value, kind, has, python_bytes, python_offsets, self.text, self.prefix_offsets,
                               self.suffix_offsets, offsets, data)
        validity = pa.py_buffer(np.packbits(has, bitorder="little"))
        array = pa.LargeStringArray.from_buffers(len(form), pa.py_buffer(offsets), pa.py_buffer(data[:used]),
                                                 validity, null_count=len(form) - int(has.sum()))
        return pl.Series(name, array, dtype=pl.String)


def _python_numbers(value: np.ndarray, kind: np.ndarray, python: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The numbers of the ``python`` rows as :func:`~tradecredit.engine.reasons.reason_text` shows them, as ASCII
    bytes and per-row offsets (empty for the other rows)."""
    rows = np.flatnonzero(python)
    texts = [shown_number(number, _KINDS[index]) for number, index in zip(value[rows].tolist(), kind[rows].tolist(),
                                                                      strict=True)]
    lengths = np.zeros(len(value), dtype=np.int64)
    lengths[rows] = [len(text) for text in texts]
    offsets = np.zeros(len(value) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return np.frombuffer("".join(texts).encode("ascii"), dtype=np.uint8), offsets


def _format_numbers(values: np.ndarray, kinds: np.ndarray) -> list[str]:
    """Each number as a reason sentence shows it (``kinds``: indices into :data:`_KINDS`): the compiled path and
    Python's ``format`` for the few it leaves, as :meth:`_Texts.column` writes them."""
    texts = _Texts([""] * len(_KINDS), [""] * len(_KINDS))
    kind = np.asarray(kinds, dtype=np.int64)
    every = np.ones(len(kind), dtype=np.bool_)
    column = texts.column("number", kind, np.asarray(values, dtype=np.float64), kind, every)
    return [text or "" for text in column.to_list()]


def _label(name: str, attr: int, lang: Lang) -> str:
    if lang == "en":
        return f"{name} ({POLISH_ATTRS[attr]})" if attr in POLISH_ATTRS else name
    return f"{name}（{NAMES_ZH[attr]}）" if attr in NAMES_ZH else name


def split_last_key(frame: pl.DataFrame, key: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``(rows before the last key's run, the last key's run)``: the run may go on in the next batch."""
    if frame.height == 0:
        return frame, frame
    keys = frame.get_column(key)
    differs = (keys != keys[-1]).fill_null(True).to_numpy()
    start = int(np.flatnonzero(differs)[-1]) + 1 if differs.any() else 0
    return frame.slice(0, start), frame.slice(start)


class KeyOrder:
    """Remembers the keys of the frames seen so far, as 64-bit hashes (8 bytes each) in a few sorted arrays, to
    find a key whose statements are not contiguous — its later statements would be scored without their history.

    The arrays shrink from the first to the last (a new frame's keys are merged with the last array while that
    is not larger, as a binary counter carries), so a look-up searches at most about log₂(frames) arrays and each
    hash is merged about log₂(frames) times."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.seen: list[np.ndarray] = []

    def first_misplaced(self, frame: pl.DataFrame) -> int | None:
        """Index of the first row of ``frame`` starting a run of a key met before (earlier in the frame or in an
        earlier frame), or None; the frame's keys are remembered either way."""
        keys = frame.get_column(self.key)
        starts = np.flatnonzero((keys != keys.shift(1)).fill_null(True).to_numpy())
        hashes = keys.gather(starts).hash(seed=KEY_HASH_SEED).to_numpy()
        unique, first = np.unique(hashes, return_index=True)
        again = np.ones(len(hashes), dtype=np.bool_)  # a run whose key had a run before in the frame …
        again[first] = False
        again[first[self._known(unique)]] = True  # … or in an earlier frame
        self._remember(unique)
        return int(starts[np.argmax(again)]) if again.any() else None

    def _known(self, values: np.ndarray) -> np.ndarray:
        known = np.zeros(len(values), dtype=np.bool_)
        for seen in self.seen:
            known |= seen[np.searchsorted(seen, values).clip(max=len(seen) - 1)] == values
        return known

    def _remember(self, values: np.ndarray) -> None:
        if not len(values):
            return
        self.seen.append(values)
        while len(self.seen) > 1 and len(self.seen[-2]) <= len(self.seen[-1]):
            last = self.seen.pop()
            self.seen[-1] = np.sort(np.concatenate([self.seen[-1], last]), kind="stable")  # a radix sort
