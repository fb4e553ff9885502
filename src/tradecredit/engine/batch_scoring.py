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
4. the three largest positive contributions per row (repeated ``argmax``: ties go to the earlier feature, as in
   :func:`~tradecredit.engine.reasons.top_reasons`), each with the sentence
   :func:`~tradecredit.engine.reasons.reason_text` writes — built per (feature, case) from the same templates and
   only the numbers formatted per row.

Growth ratios look back to the previous statements of the same key *within the frame*, so every statement of a key
must be in the same frame: :func:`split_last_key` holds back the last key of a batch for the next one, and
:class:`KeyOrder` finds a key that comes back after other keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import polars as pl

from tradecredit.domain.errors import ValidationError
from tradecredit.domain.grades import SCORE_BANDS
from tradecredit.engine.features import POLISH_ATTRS, RATIOS, compute_features, feature_matrix, has_blocking_flag
from tradecredit.engine.pd_model import PdModel
from tradecredit.engine.reasons import CASES, EFFECT, NAMES_ZH, TEMPLATES_EN, TEMPLATES_ZH
from tradecredit.engine.scoring import grades_of, load_shipped_model, scores_of
from tradecredit.engine.tree_tables import TreeTables

__all__ = ["LANGS", "REASONS", "BatchScorer", "KeyOrder", "output_columns", "split_last_key"]

Lang = Literal["en", "zh"]
LANGS: tuple[Lang, ...] = ("en", "zh")
REASONS = 3
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

    def score(self, statements: pl.DataFrame) -> pl.DataFrame:
        """One row per statement, in input order, with the columns of :func:`output_columns`."""
        features = compute_features(statements, key=self.key)
        usable = ~features.select(has_blocking_flag()).to_series().to_numpy()
        x = feature_matrix(features.filter(pl.Series(usable)))
        explained = self.tables.explain(x)
        pd = self.model.calibration.apply(explained.raw)
        score = scores_of(pd)
        scored = pl.DataFrame({
            "pd": pl.Series(pd, dtype=pl.Float64),
            "grade": pl.Series(grades_of(pd), dtype=pl.Int8),
            "score": pl.Series(score, dtype=pl.Int16),
            "band": _BAND_NAMES.gather(np.searchsorted(_BAND_LOWEST, score, side="right") - 1),
        }).hstack(self._reasons(x, explained.contributions))
        if not usable.all():
            scored = _spread(scored, usable)
        return features.hstack(scored).select(output_columns(self.key))

    def _reasons(self, x: np.ndarray, contributions: np.ndarray) -> pl.DataFrame:
        """``reason_n``, ``reason_n_feature``, ``_value`` and ``_contribution`` for n = 1 … 3, in one Polars pass."""
        features, pushes = top_up(contributions, REASONS)
        rows = np.arange(len(x))
        inputs: dict[str, np.ndarray | pl.Series] = {}
        outputs: list[pl.Expr] = []
        names = pl.lit(pl.Series(self.model.feature_names, dtype=pl.String))
        for n in range(1, REASONS + 1):
            has = features[n - 1] >= 0
            feature = np.where(has, features[n - 1], 0)
            value = np.where(has, x[rows, feature], np.nan)
            form = self.sentences.forms(feature, value)
            inputs |= {f"_has{n}": has, f"_feature{n}": feature, f"_value{n}": value,
                       f"_push{n}": pushes[n - 1], f"_form{n}": form}
            inputs |= _number_parts(value, self.sentences.kind_of(form), f"_{n}")
            kept = pl.when(pl.col(f"_has{n}"))
            outputs += [
                kept.then(self.sentences.text(pl.col(f"_form{n}"), _number(f"_{n}"))).alias(f"reason_{n}"),
                kept.then(names.gather(pl.col(f"_feature{n}"))).alias(f"reason_{n}_feature"),
                kept.then(pl.col(f"_value{n}")).alias(f"reason_{n}_value"),
                kept.then(pl.col(f"_push{n}")).alias(f"reason_{n}_contribution"),
            ]
        return pl.DataFrame(inputs).select(outputs)


def top_up(contributions: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``n`` largest positive contributions of each column of ``contributions`` (features × rows): feature
    index (−1 where there are fewer than ``n`` positive ones) and contribution, largest first, each ``n × rows``."""
    work = np.array(contributions.T, dtype=np.float64, order="C")
    rows = np.arange(len(work))
    features = np.full((n, len(work)), -1, dtype=np.intp)
    pushes = np.zeros((n, len(work)), dtype=np.float64)
    for slot in range(min(n, work.shape[1])):
        best = work.argmax(axis=1)
        push = work[rows, best]
        features[slot] = np.where(push > 0, best, -1)
        pushes[slot] = np.where(push > 0, push, 0.0)
        work[rows, best] = -np.inf
    return features, pushes


def _spread(scored: pl.DataFrame, usable: np.ndarray) -> pl.DataFrame:
    """The scored rows back at their places among all rows; nulls for the blocked ones."""
    places = pl.DataFrame({"_row": np.flatnonzero(usable)})
    every = pl.DataFrame({"_row": np.arange(len(usable))})
    return every.join(places.hstack(scored), on="_row", how="left", maintain_order="left").drop("_row")


class _Sentences:
    """The reason sentences as forms ``prefix + number + suffix``, one per (feature, case), for one language.

    Mirrors :func:`~tradecredit.engine.reasons.reason_text` for a reason raising the PD: a feature with a template
    takes the sentence of its case unless that case says the value is good (then the generic sentence), a feature
    without one the generic sentence, a missing value the "not available" sentence.
    """

    def __init__(self, names: Sequence[str], attrs: Sequence[int], lang: Lang) -> None:
        self.lang = lang
        self.effect = EFFECT[lang]["up"]
        self.prefixes: list[str] = []
        self.suffixes: list[str] = []
        self.kinds: list[int] = []
        self.bounds: list[np.ndarray | None] = []
        self.case_forms: list[np.ndarray] = []  # per feature: case index → form
        self.missing_form: list[int] = []
        for name, attr in zip(names, attrs, strict=True):
            self._add_feature(name, attr)

    def _form(self, prefix: str, suffix: str, kind: str) -> int:
        self.prefixes.append(prefix)
        self.suffixes.append(suffix)
        self.kinds.append(_KINDS.index(kind))
        return len(self.prefixes) - 1

    def _add_feature(self, name: str, attr: int) -> None:
        templates = (TEMPLATES_EN if self.lang == "en" else TEMPLATES_ZH).get(attr)
        kind = CASES[attr][0] if attr in CASES else "ratio"
        label = _label(name, attr, self.lang)
        if self.lang == "en":
            generic = self._form(f"{label} = ", f" {self.effect}", kind)
            self.missing_form.append(self._form(f"{label} is not available, which {self.effect}", "", "none"))
        else:
            generic = self._form(f"{label} = ", f"，{self.effect}", kind)
            self.missing_form.append(self._form(f"{label}缺失，{self.effect}", "", "none"))
        if attr not in CASES or templates is None:
            self.bounds.append(None)
            self.case_forms.append(np.array([generic], dtype=np.intp))
            return
        cases = CASES[attr][1]
        self.bounds.append(np.array([bound for bound, _ in cases], dtype=np.float64))
        self.case_forms.append(np.array([generic if case == "good" else self._sentence(templates[case], kind)
                                         for _, case in cases], dtype=np.intp))

    def _sentence(self, template: str, kind: str) -> int:
        before, after = template.split("{value}")
        end = f" ({self.effect})" if self.lang == "en" else f"（{self.effect}）"
        return self._form(before, after + end, kind)

    def forms(self, feature: np.ndarray, value: np.ndarray) -> np.ndarray:
        """Form of each (feature index, value): the case is the first whose upper bound exceeds the value."""
        form = np.zeros(len(feature), dtype=np.intp)
        for index in np.unique(feature):
            rows = np.flatnonzero(feature == index)
            bounds = self.bounds[index]
            if bounds is None:
                form[rows] = self.case_forms[index][0]
            else:
                case = np.searchsorted(bounds, value[rows], side="right")
                form[rows] = self.case_forms[index][np.minimum(case, len(bounds) - 1)]
            form[rows[np.isnan(value[rows])]] = self.missing_form[index]
        return form

    def kind_of(self, form: np.ndarray) -> np.ndarray:
        return np.asarray(np.asarray(self.kinds, dtype=np.int8)[form])

    def text(self, form: pl.Expr, number: pl.Expr) -> pl.Expr:
        prefixes, suffixes = (pl.lit(pl.Series(parts, dtype=pl.String)) for parts in (self.prefixes, self.suffixes))
        return pl.concat_str([prefixes.gather(form), number, suffixes.gather(form)])


def _label(name: str, attr: int, lang: Lang) -> str:
    if lang == "en":
        return f"{name} ({POLISH_ATTRS[attr]})" if attr in POLISH_ATTRS else name
    return f"{name}（{NAMES_ZH[attr]}）" if attr in NAMES_ZH else name


def _number_parts(values: np.ndarray, kinds: np.ndarray, tag: str) -> dict[str, np.ndarray | pl.Series]:
    """How :func:`~tradecredit.engine.reasons.reason_text` shows each number, as integer parts :func:`_number`
    joins: ``pct`` one decimal of value × 100 and "%"; ``days`` and |value| ≥ 100 no decimals, thousands
    separated; 10 ≤ |value| < 100 one decimal; below 10 two, trailing zeros dropped ("0.8", "2"); ``none`` none.

    Python formats the exact binary value; here value × 10^decimals is rounded half-even, which agrees except when
    the product is within 1e-6 of a half (it may be one unit in the last place off), too large to be exact, or
    needs a thousands separator: those few rows are formatted by ``format`` itself (``{tag}text``)."""
    pct, days, ratio, none = (kinds == _KINDS.index(kind) for kind in _KINDS)
    shown = np.where(pct, values * 100.0, values)
    size = np.abs(np.nan_to_num(shown))
    decimals = np.select([pct, days | (size >= 100), size >= 10], [1, 0, 1], default=2)
    scaled = shown * 10.0**decimals
    fraction = np.abs(scaled - np.trunc(scaled))
    python = ~none & (~(np.abs(scaled) < 1e9) | (np.abs(fraction - 0.5) < 1e-6) | ((decimals == 0) & (size >= 999.5)))
    digits = np.where(python | none, 0.0, np.abs(np.rint(scaled))).astype(np.int64)
    trim = ratio & (size < 10)
    shift = np.where(trim & (digits % 100 == 0), 2, np.where(trim & (digits % 10 == 0), 1, 0))  # 2.00 → 2, 0.80 → 0.8
    texts = pl.repeat(None, len(values), dtype=pl.String, eager=True)
    texts = texts.scatter(np.flatnonzero(none), "")
    slow = np.flatnonzero(python)
    texts = texts.scatter(slow, pl.Series([_python_text(*row) for row in zip(
        shown[slow].tolist(), decimals[slow].tolist(), trim[slow].tolist(), pct[slow].tolist(), strict=True)],
        dtype=pl.String))
    return {
        f"{tag}whole": digits // 10**decimals, f"{tag}fraction": (digits % 10**decimals) // 10**shift,
        f"{tag}width": (decimals - shift).astype(np.int8), f"{tag}negative": np.signbit(shown) & ~(trim & (shown == 0)),
        f"{tag}pct": pct, f"{tag}text": texts,
    }


def _python_text(value: float, decimals: int, trim: bool, pct: bool) -> str:
    text = format(value, f"{',' if decimals == 0 else ''}.{decimals}f")
    if trim:
        text = text.rstrip("0").rstrip(".") if value != 0 else "0"
    return text + "%" if pct else text


def _number(tag: str) -> pl.Expr:
    """The number's text from the parts of :func:`_number_parts`: sign, whole part, fraction of its width, "%"."""
    width, fraction = pl.col(f"{tag}width"), pl.col(f"{tag}fraction")
    point = (pl.when(width == 2).then(pl.concat_str([pl.lit("."), (fraction + 100).cast(pl.String).str.slice(1)]))
             .when(width == 1).then(pl.concat_str([pl.lit("."), fraction.cast(pl.String)])).otherwise(pl.lit("")))
    sign = pl.when(pl.col(f"{tag}negative")).then(pl.lit("-")).otherwise(pl.lit(""))
    unit = pl.when(pl.col(f"{tag}pct")).then(pl.lit("%")).otherwise(pl.lit(""))
    return pl.coalesce(pl.col(f"{tag}text"), pl.concat_str([sign, pl.col(f"{tag}whole").cast(pl.String), point, unit]))


def split_last_key(frame: pl.DataFrame, key: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``(rows before the last key's run, the last key's run)``: the run may go on in the next batch."""
    if frame.height == 0:
        return frame, frame
    keys = frame.get_column(key)
    differs = (keys != keys[-1]).fill_null(True).to_numpy()
    start = int(np.flatnonzero(differs)[-1]) + 1 if differs.any() else 0
    return frame.slice(0, start), frame.slice(start)


class KeyOrder:
    """Remembers the keys of the frames seen so far (as 64-bit hashes, 8 bytes and a set slot each) to find a key
    whose statements are not contiguous — its later statements would be scored without their history."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.seen: set[int] = set()

    def first_misplaced(self, frame: pl.DataFrame) -> int | None:
        """Index of the first row of ``frame`` starting a run of a key met before (earlier in the frame or in an
        earlier frame), or None; the frame's keys are remembered either way."""
        keys = frame.get_column(self.key)
        starts = np.flatnonzero((keys != keys.shift(1)).fill_null(True).to_numpy())
        hashes = keys.gather(starts).hash(seed=KEY_HASH_SEED).to_list()
        misplaced: int | None = None
        for start, value in zip(starts.tolist(), hashes, strict=True):
            if value in self.seen and misplaced is None:
                misplaced = start
            self.seen.add(value)
        return misplaced
