"""PD scoring: train the model on a Polish-format ARFF file, evaluate it by the published protocols, load the
shipped artefact, and turn PDs into grades and scores for a whole portfolio at once.

The model itself is in :mod:`tradecredit.engine.pd_model`, the protocols in :mod:`tradecredit.engine.validation`,
the reasons in :mod:`tradecredit.engine.reasons`; ``docs/model-card.md`` documents data, method and figures.
"""

from __future__ import annotations

import hashlib
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

import numpy as np

from tradecredit.domain.errors import ValidationError
from tradecredit.domain.grades import DEFAULT_MASTER_SCALE, DEFAULT_SCORE_SCALE, MasterScale, ScoreScale
from tradecredit.engine.features import POLISH_ATTRS, STATEMENT_ATTRS, feature_matrix, read_polish_arff
from tradecredit.engine.pd_model import NEUTRAL_WHEN_MISSING, PdModel
from tradecredit.engine.validation import EvaluationReport, Protocol, evaluate_frame

__all__ = [
    "SHIPPED_MODEL",
    "TRAINING_FILE",
    "Subset",
    "evaluate",
    "file_sha256",
    "grades_of",
    "load_shipped_model",
    "scores_of",
    "shipped_training_file",
    "subset_attrs",
    "subset_neutral",
    "train",
]

SHIPPED_MODEL = "engine/models/pd-v1.json"
TRAINING_FILE = "data/polish/5year.arff"
Subset = Literal["statement", "all"]


def subset_attrs(subset: Subset) -> tuple[int, ...]:
    """``statement``: the attributes our statements give (the product); ``all``: all 64 (for comparison)."""
    if subset == "statement":
        return STATEMENT_ATTRS
    if subset == "all":
        return tuple(POLISH_ATTRS)
    raise ValidationError("subset", f"expected 'statement' or 'all'; got {subset!r}")


def subset_neutral(subset: Subset) -> tuple[int, ...]:
    """Attributes whose missing value carries no signal: in our statements (``statement``) a missing a21 or a24
    only means a short history (:data:`~tradecredit.engine.pd_model.NEUTRAL_WHEN_MISSING`); in the published
    file (``all``) missing values keep the meaning they have there, as in the papers we compare with."""
    return NEUTRAL_WHEN_MISSING if subset_attrs(subset) == STATEMENT_ATTRS else ()


def file_sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def shipped_training_file() -> Path:
    """The copied 5th-year file inside the installed package (``SOURCES.md`` beside it)."""
    return Path(str(resources.files("tradecredit").joinpath(TRAINING_FILE)))


def train(arff_path: str | Path, *, subset: Subset = "statement", created: date | None = None,
          version: str = "pd-v1") -> PdModel:
    """Fit the pipeline on every row of a Polish-format ARFF file; metadata filled, metrics left empty."""
    path = Path(arff_path)
    frame = read_polish_arff(path)
    attrs = subset_attrs(subset)
    model = PdModel(attrs, neutral=subset_neutral(subset))
    model.fit(feature_matrix(frame, attrs), frame["bankrupt"].to_numpy())
    model.info.version = version
    model.info.created = (created or date.today()).isoformat()
    model.info.training_file = path.name
    model.info.training_sha256 = file_sha256(path)
    return model


def evaluate(arff_path: str | Path, protocol: Protocol, subset: Subset = "statement", *,
             constrained: bool = True) -> EvaluationReport:
    """Train from scratch and score held-out rows by ``protocol`` (``cv10`` or ``holdout``) on any file in the
    Polish ARFF format, with the same pipeline and hyper-parameters as :func:`train`.

    ``constrained=False`` drops the monotone constraints, only to show what they cost.
    """
    frame = read_polish_arff(arff_path)
    return evaluate_frame(frame, protocol=protocol, attrs=subset_attrs(subset), constrained=constrained,
                          neutral=subset_neutral(subset))


@lru_cache(maxsize=1)
def load_shipped_model() -> PdModel:
    """The model shipped in ``engine/models/pd-v1.json`` (read once per process)."""
    text = resources.files("tradecredit").joinpath(SHIPPED_MODEL).read_text(encoding="utf-8")
    return PdModel.from_text(text)


def grades_of(pd: np.ndarray, scale: MasterScale = DEFAULT_MASTER_SCALE) -> np.ndarray:
    """Grade 1–9 per PD, vectorised: the first grade whose upper bound is ≥ PD (as :meth:`MasterScale.grade_for`)."""
    bounds = np.asarray(scale.upper_bounds, dtype=np.float64)
    return np.searchsorted(bounds, np.asarray(pd, dtype=np.float64), side="left").astype(np.int8) + 1


def scores_of(pd: np.ndarray, scale: ScoreScale = DEFAULT_SCORE_SCALE) -> np.ndarray:
    """0–100 score per PD, vectorised (as :meth:`ScoreScale.score`)."""
    p = np.clip(np.asarray(pd, dtype=np.float64), 1e-9, 1.0 - 1e-9)
    raw = scale.offset + scale.factor * np.log((1.0 - p) / p)
    return np.clip(np.round(raw), 0, 100).astype(np.int16)
