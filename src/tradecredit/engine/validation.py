"""Validation of the PD pipeline on any file in the Polish ARFF format: the two published protocols.

* ``cv10`` — 10-fold cross-validation (Zięba et al. 2016): stratified folds, shuffled with a fixed seed; every
  row is scored once by a pipeline that never saw it. AUC is given per fold (mean ± std) and pooled.
* ``holdout`` — repeated random hold-out (Amirshahi & Lahmiri 2024): for seeds 0–9, a stratified random 10% test
  set; AUC mean ± std over the ten test sets.

Each split trains the whole pipeline from scratch (:meth:`PdModel.fit`: out-of-fold calibration, final
booster) with the fixed hyper-parameters, so the figures describe exactly what ``train`` ships. Brier, KS, ECE and
the calibration table are computed on the pooled test predictions of all splits (for ``holdout`` a firm can be in
several test sets). ECE uses 10 equal-frequency bins of predicted PD (deciles: with 7% bankrupt, equal-width bins
would put nine firms in ten in the first bin); the equal-width figure is reported too.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import polars as pl

from tradecredit.domain.errors import ValidationError
from tradecredit.engine.features import feature_matrix
from tradecredit.engine.pd_model import NEUTRAL_WHEN_MISSING, PdModel

__all__ = [
    "CALIBRATION_BINS",
    "CV_FOLDS",
    "CV_SEED",
    "HOLDOUT_SEEDS",
    "HOLDOUT_TEST_SHARE",
    "PROTOCOLS",
    "CalibrationBin",
    "EvaluationReport",
    "Protocol",
    "auc",
    "brier",
    "calibration_table",
    "ece",
    "evaluate_frame",
    "ks_statistic",
]

Protocol = Literal["cv10", "holdout"]
PROTOCOLS: tuple[Protocol, ...] = ("cv10", "holdout")
CV_FOLDS, CV_SEED = 10, 0
HOLDOUT_SEEDS, HOLDOUT_TEST_SHARE = tuple(range(10)), 0.10
CALIBRATION_BINS = 10


@dataclass(frozen=True, slots=True)
class CalibrationBin:
    """One bin of the calibration table: firms whose predicted PD falls in [pd_low, pd_high]."""

    bin: int
    n: int
    bankrupt: int
    pd_low: float
    pd_high: float
    mean_pd: float
    observed_rate: float


@dataclass(frozen=True, slots=True)
class EvaluationReport:
    """Out-of-sample figures of one protocol; ``auc`` is the mean over splits, ``auc_std`` their sample standard
    deviation (ddof = 1); ``seconds`` is the wall time of the whole run."""

    protocol: str
    attrs: tuple[int, ...]
    constrained: bool
    rows: int
    bankrupt: int
    splits: int
    auc: float
    auc_std: float
    auc_per_split: tuple[float, ...]
    auc_pooled: float
    brier: float
    ks: float
    ece: float
    ece_equal_width: float
    calibration: tuple[CalibrationBin, ...]
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def auc(y: np.ndarray, pd: np.ndarray) -> float:
    """Area under the ROC curve (ties count one half)."""
    from sklearn.metrics import roc_auc_score  # scikit-learn only when a model is evaluated (see engine/pd_model)

    return float(roc_auc_score(y, pd))


def brier(y: np.ndarray, pd: np.ndarray) -> float:
    """Mean squared error of the PD against the 0/1 outcome."""
    return float(np.mean((pd - y) ** 2))


def ks_statistic(y: np.ndarray, pd: np.ndarray) -> float:
    """Kolmogorov–Smirnov: the largest gap between the PD distributions of bankrupt and surviving firms."""
    bad, good = np.sort(pd[y == 1]), np.sort(pd[y == 0])
    if not len(bad) or not len(good):
        raise ValidationError("y", "expected both classes among the test rows; got one")
    cuts = np.unique(pd)
    gap = np.searchsorted(good, cuts, side="right") / len(good) - np.searchsorted(bad, cuts, side="right") / len(bad)
    return float(np.max(np.abs(gap)))


def _bins(pd: np.ndarray, bins: int, equal_width: bool) -> list[np.ndarray]:
    """Row indices per bin: deciles of the sorted PD (equal frequency), or PD in [k/bins, (k+1)/bins)."""
    if equal_width:
        index = np.minimum((pd * bins).astype(np.int64), bins - 1)
        return [np.flatnonzero(index == k) for k in range(bins)]
    return [part for part in np.array_split(np.argsort(pd, kind="stable"), bins) if len(part)]


def calibration_table(y: np.ndarray, pd: np.ndarray, *, bins: int = CALIBRATION_BINS,
                      equal_width: bool = False) -> tuple[CalibrationBin, ...]:
    """Predicted against observed bankruptcy rate per bin (empty equal-width bins are left out)."""
    table = []
    for number, rows in enumerate(_bins(pd, bins, equal_width), start=1):
        if len(rows):
            p, outcome = pd[rows], y[rows]
            table.append(CalibrationBin(bin=number, n=len(rows), bankrupt=int(outcome.sum()),
                                        pd_low=float(p.min()), pd_high=float(p.max()), mean_pd=float(p.mean()),
                                        observed_rate=float(outcome.mean())))
    return tuple(table)


def ece(y: np.ndarray, pd: np.ndarray, *, bins: int = CALIBRATION_BINS, equal_width: bool = False) -> float:
    """Expected calibration error: Σ (n_bin / n) · |mean PD − observed rate| over the bins."""
    table = calibration_table(y, pd, bins=bins, equal_width=equal_width)
    return float(sum(b.n * abs(b.mean_pd - b.observed_rate) for b in table) / len(y))


def _splits(protocol: Protocol, x: np.ndarray, y: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    from sklearn.model_selection import StratifiedKFold, StratifiedShuffleSplit

    if protocol == "cv10":
        yield from StratifiedKFold(CV_FOLDS, shuffle=True, random_state=CV_SEED).split(x, y)
    else:
        for seed in HOLDOUT_SEEDS:
            splitter = StratifiedShuffleSplit(1, test_size=HOLDOUT_TEST_SHARE, random_state=seed)
            yield next(splitter.split(x, y))


def _labels(frame: pl.DataFrame) -> np.ndarray:
    if "bankrupt" not in frame.columns:
        raise ValidationError("frame", f"expected a 'bankrupt' column; got {frame.columns[:5]} …")
    return frame["bankrupt"].cast(pl.Int8).to_numpy()


def evaluate_frame(frame: pl.DataFrame, *, protocol: Protocol, attrs: Sequence[int], constrained: bool = True,
                   neutral: Sequence[int] = NEUTRAL_WHEN_MISSING,
                   on_split: Callable[[int, int], None] | None = None) -> EvaluationReport:
    """Train the pipeline from scratch on every split of ``protocol`` and score the held-out rows.

    ``frame`` has columns ``a01`` … ``a64`` and ``bankrupt`` (as :func:`read_polish_arff` returns);
    ``constrained=False`` drops the monotone constraints and ``neutral=()`` the missing-value fill, only to
    measure what they cost; ``on_split(done, total)`` is called after each split (for a progress bar).
    """
    if protocol not in PROTOCOLS:
        raise ValidationError("protocol", f"expected one of {', '.join(PROTOCOLS)}; got {protocol!r}")
    started = time.perf_counter()
    x, y = feature_matrix(frame, attrs), _labels(frame)
    total = CV_FOLDS if protocol == "cv10" else len(HOLDOUT_SEEDS)
    outcomes, predictions, aucs = [], [], []
    for done, (train_rows, test_rows) in enumerate(_splits(protocol, x, y), start=1):
        model = PdModel(attrs, constrained=constrained, neutral=neutral).fit(x[train_rows], y[train_rows])
        pd = model.predict_pd(x[test_rows])
        outcomes.append(y[test_rows])
        predictions.append(pd)
        aucs.append(auc(y[test_rows], pd))
        if on_split is not None:
            on_split(done, total)
    y_all, pd_all = np.concatenate(outcomes), np.concatenate(predictions)
    return EvaluationReport(
        protocol=protocol, attrs=tuple(attrs), constrained=constrained, rows=len(y), bankrupt=int(y.sum()),
        splits=len(aucs), auc=float(np.mean(aucs)), auc_std=float(np.std(aucs, ddof=1)), auc_per_split=tuple(aucs),
        auc_pooled=auc(y_all, pd_all), brier=brier(y_all, pd_all), ks=ks_statistic(y_all, pd_all),
        ece=ece(y_all, pd_all), ece_equal_width=ece(y_all, pd_all, equal_width=True),
        calibration=calibration_table(y_all, pd_all), seconds=time.perf_counter() - started,
    )
