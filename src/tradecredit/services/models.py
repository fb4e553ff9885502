"""Training and validating the PD model (the `tradecredit model` commands)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from tradecredit.domain.errors import ValidationError
from tradecredit.domain.grades import MasterScale
from tradecredit.engine import scoring, stability
from tradecredit.store.uow import SqlUnitOfWork

PROTOCOLS = ("cv10", "holdout")
SUBSETS = ("statement", "all")


@dataclass(frozen=True)
class TrainedModel:
    path: Path
    version: str
    features: int
    training_sha256: str
    rows: int


def _checked(path: Path, subset: str, protocol: str | None = None) -> None:
    if not path.is_file():
        raise ValidationError("data", f"{path} does not exist")
    if subset not in SUBSETS:
        raise ValidationError("subset", f"expected one of {', '.join(SUBSETS)}; got {subset!r}")
    if protocol is not None and protocol not in PROTOCOLS:
        raise ValidationError("protocol", f"expected one of {', '.join(PROTOCOLS)}; got {protocol!r}")


def default_training_file() -> Path:
    """The Polish 5th-year file shipped with TradeCredit (CC BY 4.0, see its SOURCES.md)."""
    return scoring.shipped_training_file()


def train_model(*, data: Path, out: Path, subset: str = "statement", today: date, version: str = "pd-v1",
                with_metrics: bool = True) -> TrainedModel:
    """Train on every row of a Polish-format ARFF file and write the text artefact (no pickle) to ``out``.

    With ``with_metrics`` the artefact also carries the hold-out and 10-fold figures of the same pipeline.
    """
    _checked(data, subset)
    model = scoring.train(data, subset=subset, created=today, version=version)  # type: ignore[arg-type]
    if with_metrics:
        for protocol in PROTOCOLS:
            report = scoring.evaluate(data, protocol, subset)  # type: ignore[arg-type]
            model.info.metrics[protocol] = {"auc": report.auc, "auc_std": report.auc_std, "brier": report.brier,
                                            "ks": report.ks, "ece": report.ece}
    out.write_text(model.to_text(), encoding="utf-8")
    return TrainedModel(out, version, len(model.attrs), model.info.training_sha256, model.info.training_rows)


def evaluate_model(*, data: Path, protocol: str, subset: str = "statement") -> Any:
    """Train from scratch by ``protocol`` with the shipped pipeline and hyper-parameters; an EvaluationReport."""
    _checked(data, subset, protocol)
    return scoring.evaluate(data, protocol, subset)  # type: ignore[arg-type]


@dataclass(frozen=True)
class StabilityReport:
    model_version: str
    buyers: int
    psi: float
    status: str
    bins: list[stability.StabilityBin]


def model_stability(uow: SqlUnitOfWork, *, master_scale: MasterScale) -> StabilityReport:
    """PSI of the financial PDs of every buyer's latest assessment against the model's training distribution
    (buyers assessed with limited information have no financial PD and are not counted)."""
    model = scoring.load_shipped_model()
    with uow:
        pds = [pd for pd in uow.assessments.financial_pds(model.info.version) if pd is not None]
    expected = np.asarray(stability.training_grade_shares(model, scoring.shipped_training_file(), master_scale))
    if not pds:
        raise ValidationError("assessments", "no buyer has a financial PD yet; run `tradecredit assess --all` first")
    actual = stability.grade_shares(scoring.grades_of(np.asarray(pds), master_scale))
    bins = stability.stability_bins(expected, actual)
    value = sum(b.contribution for b in bins)
    return StabilityReport(model.info.version, len(pds), value, stability.psi_status(value), bins)
