"""Population stability of the PD model: is the live score distribution still the one the model was trained on?

PSI = Σ over bins (actual share − expected share) × ln(actual share / expected share), with the bins being the
model grades 1–9 of the master scale. Empty bins get a share of :data:`EMPTY_SHARE` so the logarithm stays finite
(the usual convention). Thresholds (DOMAIN.md): below 0.1 stable, 0.1–0.25 investigate, above 0.25 a
significant shift — re-validate the model on the live population before trusting its PDs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from tradecredit.domain.errors import ValidationError
from tradecredit.domain.grades import DEFAULT_MASTER_SCALE, WORST_MODEL_GRADE, MasterScale
from tradecredit.engine.features import feature_matrix, read_polish_arff
from tradecredit.engine.pd_model import PdModel
from tradecredit.engine.scoring import grades_of

__all__ = ["EMPTY_SHARE", "INVESTIGATE_FROM", "SHIFT_FROM", "StabilityBin", "grade_shares", "psi", "psi_status",
           "stability_bins", "training_grade_shares"]

EMPTY_SHARE = 1e-4
INVESTIGATE_FROM = 0.1
SHIFT_FROM = 0.25
GRADES = tuple(range(1, WORST_MODEL_GRADE + 1))


@dataclass(frozen=True, slots=True)
class StabilityBin:
    grade: int
    expected: float
    actual: float
    contribution: float


def grade_shares(grades: np.ndarray) -> np.ndarray:
    """Share of rows in each model grade 1–9 (zeros when there are no rows)."""
    counts = np.bincount(np.asarray(grades, dtype=np.int64), minlength=WORST_MODEL_GRADE + 1)[1:]
    total = counts.sum()
    return counts / total if total else counts.astype(np.float64)


def _checked_shares(shares: np.ndarray, name: str) -> np.ndarray:
    values = np.asarray(shares, dtype=np.float64)
    if values.shape != (len(GRADES),) or (values < 0).any() or not np.isclose(values.sum(), 1.0, atol=1e-6):
        raise ValidationError(name, f"expected {len(GRADES)} non-negative shares summing to 1; got {values.tolist()}")
    return np.maximum(values, EMPTY_SHARE)


def stability_bins(expected: np.ndarray, actual: np.ndarray) -> list[StabilityBin]:
    """Each grade's expected (training) and actual (live) share and its term of the PSI."""
    e = _checked_shares(expected, "expected")
    a = _checked_shares(actual, "actual")
    terms = (a - e) * np.log(a / e)
    return [StabilityBin(g, float(expected[i]), float(actual[i]), float(terms[i])) for i, g in enumerate(GRADES)]


def psi(expected: np.ndarray, actual: np.ndarray) -> float:
    return float(sum(b.contribution for b in stability_bins(expected, actual)))


def psi_status(value: float) -> str:
    if value < INVESTIGATE_FROM:
        return "stable"
    return "investigate" if value <= SHIFT_FROM else "significant shift"


@lru_cache(maxsize=4)
def training_grade_shares(model: PdModel, training_file: Path,
                          scale: MasterScale = DEFAULT_MASTER_SCALE) -> tuple[float, ...]:
    """Grade shares of the model's PDs on its own training file: the distribution the live one is compared with
    (cached per model object; the shipped model is loaded once per process)."""
    frame = read_polish_arff(training_file)
    pds = model.predict_pd(feature_matrix(frame, model.attrs))
    return tuple(float(s) for s in grade_shares(grades_of(pds, scale)))
