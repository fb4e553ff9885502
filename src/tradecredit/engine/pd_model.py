"""The PD model: gradient-boosted trees with monotone constraints, calibrated out-of-fold to a 12-month PD.

One pipeline, used unchanged for the shipped model and for every validation run:

0. missing values of the history attributes a21 and a24 carry no signal: in training they are replaced by
   known values drawn at random, in scoring by the training median (:data:`NEUTRAL_WHEN_MISSING` says why);
1. five stratified folds of the training rows; a booster is trained on four and scores the fifth, so every row
   gets an out-of-fold raw score (log-odds);
2. a Platt map PD = 1 / (1 + exp(−(a·raw + b))) is fitted on those out-of-fold scores (``docs/model-card.md``
   compares it with isotonic regression);
3. the final booster is trained on all rows with the same hyper-parameters; its raw score goes through the map.

Hyper-parameters are fixed in :data:`HYPER_PARAMETERS` and never tuned per file. The artefact is one JSON
document (:meth:`PdModel.to_text`) holding the LightGBM model text, the calibration map and the metadata — no
pickle.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Self

import numpy as np
from scipy.special import expit

from tradecredit.domain.errors import ValidationError
from tradecredit.engine.features import STATEMENT_ATTRS, attr_column

if TYPE_CHECKING:  # LightGBM and scikit-learn take about 1.2 s to import; they are imported where a model is
    import lightgbm as lgb  # trained or loaded, so commands that never score (the monitoring run) start faster

__all__ = [
    "ARTEFACT_FORMAT",
    "CALIBRATION_FOLDS",
    "FORMAT_VERSION",
    "HYPER_PARAMETERS",
    "MONOTONE",
    "NEUTRAL_WHEN_MISSING",
    "PD_FLOOR",
    "PREDICT_THREADS",
    "Calibration",
    "HyperParameters",
    "PdModel",
    "monotone_constraints",
]

ARTEFACT_FORMAT = "tradecredit-pd-model"
FORMAT_VERSION = 1
CALIBRATION_FOLDS = 5
CALIBRATION_SEED = 11
PREDICT_THREADS = 2
PARALLEL_FROM_ROWS = 10_000  # smaller batches are scored on one thread: starting threads costs more than it saves
PD_FLOOR = 0.0003
"""Lowest PD the model gives (3 bp, the Basel II corporate floor): 5,910 firms cannot tell 0.01% from 0.03%."""


@dataclass(frozen=True, slots=True)
class HyperParameters:
    """LightGBM settings, the same for every training file.

    Chosen once by 10-fold cross-validation and the 10-seed hold-out on the 5th-year file among a handful of
    textbook settings (15 or 31 leaves; learning rate 0.05 with 400 rounds or 0.1 with 200): all were within
    ±0.002 AUC, so the one that predicts fastest was kept (200 trees score a million rows in half the time of 400).
    Small trees (15 leaves, ≥ 20 firms per leaf), row and column sub-sampling and an L2 penalty keep the model
    from memorising 400 bankruptcies. No class re-weighting: the raw score stays a log-odds that the Platt map
    only rescales. Training uses one thread: on a few thousand rows OpenMP synchronisation costs more than a
    second core gives (a 400-round fit on 5,910 × 62 rows took 1.1 s on one thread and 2.9 s on two on a busy
    two-core machine), and one thread makes the model bit-identical everywhere.
    Prediction uses :data:`PREDICT_THREADS`.
    """

    num_leaves: int = 15
    learning_rate: float = 0.1
    num_boost_round: int = 200
    min_child_samples: int = 20
    feature_fraction: float = 0.8
    bagging_fraction: float = 0.8
    bagging_freq: int = 1
    lambda_l2: float = 1.0
    seed: int = 7
    num_threads: int = 1

    def lightgbm_params(self, monotone: Sequence[int]) -> dict[str, Any]:
        params = asdict(self)
        del params["num_boost_round"]
        return {
            **params, "objective": "binary", "deterministic": True, "force_col_wise": True, "verbosity": -1,
            "monotone_constraints": list(monotone), "monotone_constraints_method": "basic",
        }


HYPER_PARAMETERS = HyperParameters()

# PD direction per Polish attribute: −1 = the higher the ratio, the lower the PD; +1 = the higher, the higher.
# Ratios over total assets or total liabilities (never negative) whose direction nobody disputes — profitability,
# capital structure, the current, quick and working-capital ratios — and interest cover (a27). Ratios over sales
# or equity are left free: in the data a near-zero denominator (dormant firms, negative equity) sends them to
# extremes of either sign, so their link with failure is not monotone; constraining all 41 "economically clear"
# ratios cost 0.015 AUC in 10-fold cross-validation. a27 is constrained although the data's shape is not monotone
# (failure rates rise again from cover 1 to 30): the data's "financial expenses" are wider than the interest our
# statements give (docs/ratios.md), so our a27 runs higher, and a better cover must never raise a buyer's PD.
MONOTONE: dict[int, int] = {
    # profitability over total assets
    1: -1, 6: -1, 7: -1, 11: -1, 14: -1, 18: -1, 22: -1, 35: -1, 48: -1,
    # capital structure
    2: 1, 8: -1, 10: -1, 17: -1, 25: -1, 38: -1, 51: 1,
    # liquidity
    3: -1, 4: -1, 46: -1,
    # interest cover
    27: -1,
}


NEUTRAL_WHEN_MISSING: tuple[int, ...] = (21, 24)
"""Attributes whose missing value must not count: filled before the booster sees it (see ``PdModel.fit``).

a21 (sales growth) and a24 (three-year profit) need earlier statements. In the 5th-year file a missing a21 marks
99 of 103 firms as bankrupt and a missing a24 almost none (1 of 135): artefacts of how the data were collected.
For our buyers a missing value only means we hold fewer than two (three) annual statements, so the model must
not learn from the gap."""


def monotone_constraints(attrs: Sequence[int]) -> list[int]:
    """LightGBM ``monotone_constraints`` for the columns ``attrs`` (+1: raw score, hence PD, increases)."""
    return [MONOTONE.get(n, 0) for n in attrs]


@dataclass(frozen=True, slots=True)
class Calibration:
    """Raw score (log-odds) → 12-month PD: Platt, PD = 1 / (1 + exp(−(a·raw + b))), kept in [floor, 1 − floor]."""

    method: Literal["platt"] = "platt"
    a: float = 1.0
    b: float = 0.0
    floor: float = PD_FLOOR

    @classmethod
    def fit(cls, raw: np.ndarray, y: np.ndarray) -> Calibration:
        """Maximum-likelihood logistic fit of y on raw; practically unpenalised (C = 1e6)."""
        from sklearn.linear_model import LogisticRegression

        model = LogisticRegression(C=1e6, max_iter=1000).fit(raw.reshape(-1, 1), y)
        a, b = float(model.coef_[0, 0]), float(model.intercept_[0])
        if not a > 0:
            raise ValidationError("calibration", f"expected PD to rise with the raw score (a > 0); got a = {a}")
        return cls(a=a, b=b)

    def apply(self, raw: np.ndarray) -> np.ndarray:
        pd = expit(self.a * raw + self.b)  # 1 / (1 + exp(−x)) without overflow warnings
        return np.clip(np.asarray(pd, dtype=np.float64), self.floor, 1.0 - self.floor)


def _threads(rows: int) -> int:
    return PREDICT_THREADS if rows >= PARALLEL_FROM_ROWS else 1


def _check_matrix(x: np.ndarray, n_features: int) -> np.ndarray:
    matrix = np.asarray(x, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[1] != n_features:
        raise ValidationError("features", f"expected a 2-D matrix with {n_features} columns; got shape {matrix.shape}")
    return matrix


def _check_labels(y: np.ndarray, n_rows: int) -> np.ndarray:
    labels = np.asarray(y)
    if labels.shape != (n_rows,) or not np.isin(labels, (0, 1)).all():
        raise ValidationError("y", f"expected {n_rows} labels of 0 or 1; got shape {labels.shape}")
    if labels.sum() < CALIBRATION_FOLDS or (n_rows - labels.sum()) < CALIBRATION_FOLDS:
        raise ValidationError("y", f"expected at least {CALIBRATION_FOLDS} rows of each class; got "
                                   f"{int(labels.sum())} bankrupt of {n_rows}")
    return labels.astype(np.int8)


@dataclass(slots=True)
class ModelInfo:
    """What the artefact says about itself besides the numbers that score."""

    version: str = "pd-v1"
    created: str = ""
    training_file: str = ""
    training_sha256: str = ""
    training_rows: int = 0
    training_bankrupt: int = 0
    label: str = "bankrupt within the following 12 months (class 1 of the Polish bankruptcy data)"
    data_licence: str = ("Trained on S. Tomczak, Polish companies bankruptcy data, UCI Machine Learning "
                         "Repository, doi:10.24432/C5F600, CC BY 4.0")
    metrics: dict[str, Any] = field(default_factory=dict)


class PdModel:
    """Calibrated 12-month PD from Polish-attribute ratios; scikit-learn verbs ``fit`` / ``predict_pd``.

    ``attrs`` are the Polish attribute numbers of the columns of every ``x`` (default: what our statements
    allow, :data:`~tradecredit.engine.features.STATEMENT_ATTRS`). NaN means missing; LightGBM learns where
    missing values go.
    """

    def __init__(self, attrs: Sequence[int] = STATEMENT_ATTRS, *, params: HyperParameters = HYPER_PARAMETERS,
                 constrained: bool = True, neutral: Sequence[int] = NEUTRAL_WHEN_MISSING) -> None:
        self.attrs: tuple[int, ...] = tuple(attrs)
        self.params = params
        self.monotone = monotone_constraints(self.attrs) if constrained else [0] * len(self.attrs)
        self.neutral = tuple(n for n in neutral if n in self.attrs)
        self.fill: dict[str, float] = {}
        self.info = ModelInfo()
        self._booster: lgb.Booster | None = None
        self._calibration: Calibration | None = None

    @property
    def feature_names(self) -> list[str]:
        return [attr_column(n) for n in self.attrs]

    @property
    def calibration(self) -> Calibration:
        if self._calibration is None:
            raise ValidationError("model", "expected a fitted model; got one that was never fitted")
        return self._calibration

    @property
    def booster(self) -> lgb.Booster:
        if self._booster is None:
            raise ValidationError("model", "expected a fitted model; got one that was never fitted")
        return self._booster

    def _filled(self, x: np.ndarray) -> np.ndarray:
        """x with the missing values of the :data:`NEUTRAL_WHEN_MISSING` columns replaced by ``self.fill``."""
        if not self.fill:
            return x
        filled = x.copy()
        for name, value in self.fill.items():
            column = filled[:, self.feature_names.index(name)]
            column[np.isnan(column)] = value
        return filled

    def _train_booster(self, x: np.ndarray, y: np.ndarray) -> lgb.Booster:
        import lightgbm as lgb

        dataset = lgb.Dataset(x, label=y, feature_name=self.feature_names, params={"verbosity": -1})
        params = self.params.lightgbm_params(self.monotone)
        return lgb.train(params, dataset, num_boost_round=self.params.num_boost_round)

    def out_of_fold_raw(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Raw score of every row from a booster that did not see it (stratified 5-fold, fixed seed)."""
        from sklearn.model_selection import StratifiedKFold

        raw = np.empty(len(y), dtype=np.float64)
        folds = StratifiedKFold(CALIBRATION_FOLDS, shuffle=True, random_state=CALIBRATION_SEED)
        for fit_rows, held_out in folds.split(x, y):
            booster = self._train_booster(x[fit_rows], y[fit_rows])
            raw[held_out] = booster.predict(x[held_out], raw_score=True, num_threads=_threads(len(held_out)))
        return raw

    def _fill_for_training(self, matrix: np.ndarray) -> np.ndarray:
        """Each missing value of a :data:`NEUTRAL_WHEN_MISSING` column replaced by a known value of that column
        drawn at random (fixed seed); ``self.fill`` (the median, for scoring) is set on the way.

        Not the median itself: a hundred bankrupt firms sharing one exact value would form a spike the trees
        find at once, and a buyer scored at the median would inherit it.
        """
        filled = matrix.copy()
        rng = np.random.default_rng(self.params.seed)
        self.fill = {}
        for n in self.neutral:
            column = filled[:, self.attrs.index(n)]
            known, missing = column[np.isfinite(column)], np.isnan(column)
            self.fill[attr_column(n)] = float(np.median(known)) if len(known) else 0.0
            column[missing] = rng.choice(known, int(missing.sum())) if len(known) else 0.0
        return filled

    def fit(self, x: np.ndarray, y: np.ndarray) -> Self:
        """Calibration map from out-of-fold raw scores, then the final booster on all rows."""
        matrix = _check_matrix(x, len(self.attrs))
        labels = _check_labels(y, matrix.shape[0])
        matrix = self._fill_for_training(matrix)
        self._calibration = Calibration.fit(self.out_of_fold_raw(matrix, labels), labels)
        self._booster = self._train_booster(matrix, labels)
        self.info.training_rows, self.info.training_bankrupt = len(labels), int(labels.sum())
        return self

    def raw_score(self, x: np.ndarray) -> np.ndarray:
        """Log-odds of the final booster (before calibration)."""
        matrix = self._filled(_check_matrix(x, len(self.attrs)))
        return np.asarray(self.booster.predict(matrix, raw_score=True, num_threads=_threads(len(matrix))))

    def predict_pd(self, x: np.ndarray) -> np.ndarray:
        """Calibrated 12-month PD of each row, in [PD_FLOOR, 1 − PD_FLOOR]."""
        return self.calibration.apply(self.raw_score(x))

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """TreeSHAP contributions to the raw score: one column per feature, then the bias; rows sum to it."""
        matrix = self._filled(_check_matrix(x, len(self.attrs)))
        return np.asarray(self.booster.predict(matrix, pred_contrib=True, num_threads=_threads(len(matrix))))

    def importance(self) -> dict[str, float]:
        """Total gain per feature, as shares summing to 1, largest first."""
        gain = np.asarray(self.booster.feature_importance(importance_type="gain"), dtype=np.float64)
        total = float(gain.sum()) or 1.0
        pairs = sorted(zip(self.feature_names, gain / total, strict=True), key=lambda p: -p[1])
        return {name: float(share) for name, share in pairs}

    def to_text(self) -> str:
        """The artefact: one JSON document; the booster is LightGBM's own model text, one line per element."""
        document = {
            "format": ARTEFACT_FORMAT,
            "format_version": FORMAT_VERSION,
            **{k: v for k, v in asdict(self.info).items() if k != "metrics"},
            "attrs": list(self.attrs),
            "features": self.feature_names,
            "monotone_constraints": self.monotone,
            "fill_when_missing": self.fill,
            "hyper_parameters": asdict(self.params),
            "calibration": asdict(self.calibration),
            "metrics": self.info.metrics,
            "booster": self.booster.model_to_string().splitlines(),
        }
        return json.dumps(document, indent=1, ensure_ascii=False) + "\n"

    @classmethod
    def from_text(cls, text: str) -> PdModel:
        document: dict[str, Any] = json.loads(text)
        if document.get("format") != ARTEFACT_FORMAT or document.get("format_version") != FORMAT_VERSION:
            raise ValidationError("artefact", f"expected {ARTEFACT_FORMAT} version {FORMAT_VERSION}; got "
                                              f"{document.get('format')} version {document.get('format_version')}")
        model = cls(document["attrs"], params=HyperParameters(**document["hyper_parameters"]))
        model.monotone = [int(c) for c in document["monotone_constraints"]]
        model.fill = {str(k): float(v) for k, v in document["fill_when_missing"].items()}
        model.neutral = tuple(int(k[1:]) for k in model.fill)
        model.info = ModelInfo(**{k: document[k] for k in ModelInfo.__dataclass_fields__ if k in document})
        model._calibration = Calibration(**document["calibration"])
        import lightgbm as lgb  # here, not at the top: see TYPE_CHECKING above

        model._booster = lgb.Booster(model_str="\n".join(document["booster"]) + "\n")
        if model._booster.feature_name() != model.feature_names:
            raise ValidationError("artefact", f"expected booster features {model.feature_names}; got "
                                              f"{model._booster.feature_name()}")
        return model

    def describe(self) -> Mapping[str, Any]:
        """Version, training file and metrics, for display."""
        return {**asdict(self.info), "features": self.feature_names}

