"""Train the shipped PD model and measure it (developers only; never run by the app).

Usage, from the repository root::

    python scripts/train_pd_model.py                     # train, evaluate (holdout + cv10), write pd-v1.json
    python scripts/train_pd_model.py --compare FIGS.json # also: all 64, unconstrained, history fill, WoE scorecard

Trains on ``src/tradecredit/data/polish/5year.arff`` with the statement subset, evaluates the same pipeline by
both protocols, stores the figures in the artefact and writes ``src/tradecredit/engine/models/pd-v1.json``.
``--compare`` runs the variants quoted in ``docs/model-card.md`` and writes every figure to a JSON file.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from tradecredit.engine.features import feature_matrix, read_polish_arff
from tradecredit.engine.pd_model import NEUTRAL_WHEN_MISSING, PdModel
from tradecredit.engine.scoring import Subset, shipped_training_file, subset_attrs, subset_neutral, train
from tradecredit.engine.validation import EvaluationReport, Protocol, evaluate_frame

OUTPUT = Path(__file__).resolve().parents[1] / "src" / "tradecredit" / "engine" / "models" / "pd-v1.json"
SUMMARY = ("auc", "auc_std", "auc_pooled", "brier", "ks", "ece", "ece_equal_width", "seconds")


def summary(report: EvaluationReport) -> dict[str, Any]:
    figures: dict[str, Any] = {key: round(float(getattr(report, key)), 4) for key in SUMMARY}
    figures["calibration"] = [
        {"bin": b.bin, "n": b.n, "bankrupt": b.bankrupt, "mean_pd": round(b.mean_pd, 4),
         "observed_rate": round(b.observed_rate, 4)} for b in report.calibration]
    return figures


def run(data: Path, protocol: Protocol, subset: Subset, **options: Any) -> dict[str, Any]:
    frame = read_polish_arff(data)
    options = {"neutral": subset_neutral(subset), **options}
    report = evaluate_frame(frame, protocol=protocol, attrs=subset_attrs(subset), **options)
    figures = summary(report)
    print(f"{protocol:8s} {subset:9s} {options} AUC {report.auc:.4f} ± {report.auc_std:.4f} "
          f"(pooled {report.auc_pooled:.4f})  Brier {report.brier:.4f}  KS {report.ks:.3f}  ECE {report.ece:.4f} "
          f"(equal-width {report.ece_equal_width:.4f})  {report.seconds:.0f} s", flush=True)
    return figures


def _woe_tables(x: np.ndarray, y: np.ndarray, bins: int = 10) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per column: decile edges and the weight of evidence ln(share of bad / share of good) of each bin
    (the deciles, then one bin for missing values), with 0.5 added to every count."""
    tables = []
    bad, good = y.sum(), len(y) - y.sum()
    for column in x.T:
        edges = np.unique(np.nanquantile(column, np.linspace(0, 1, bins + 1)[1:-1]))
        index = np.where(np.isnan(column), len(edges) + 1, np.searchsorted(edges, column))
        counts_bad = np.bincount(index, weights=y, minlength=len(edges) + 2) + 0.5
        counts_all = np.bincount(index, minlength=len(edges) + 2)
        tables.append((edges, np.log((counts_bad / bad) / ((counts_all - counts_bad + 1.0) / good))))
    return tables


def _woe(x: np.ndarray, tables: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    columns = []
    for column, (edges, woe) in zip(x.T, tables, strict=True):
        columns.append(woe[np.where(np.isnan(column), len(edges) + 1, np.searchsorted(edges, column))])
    return np.column_stack(columns)


def woe_baseline(data: Path, protocol: Protocol) -> dict[str, float]:
    """A scorecard-type benchmark on the statement subset: WoE of decile bins (missing its own bin) and an
    L2 logistic regression (C = 0.1), under the same splits and the same history fill as the product."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    from tradecredit.engine.validation import _splits

    frame = read_polish_arff(data)
    model = PdModel(subset_attrs("statement"))
    x = model._fill_for_training(feature_matrix(frame, model.attrs))
    y = frame["bankrupt"].to_numpy()
    aucs = []
    for train_rows, test_rows in _splits(protocol, x, y):
        tables = _woe_tables(x[train_rows], y[train_rows])
        scorecard = LogisticRegression(C=0.1, max_iter=2000).fit(_woe(x[train_rows], tables), y[train_rows])
        aucs.append(roc_auc_score(y[test_rows], scorecard.predict_proba(_woe(x[test_rows], tables))[:, 1]))
    print(f"{protocol:8s} WoE + logistic regression (statement) AUC {np.mean(aucs):.4f} ± {np.std(aucs, ddof=1):.4f}")
    return {"auc": round(float(np.mean(aucs)), 4), "auc_std": round(float(np.std(aucs, ddof=1)), 4)}


def prediction_speed(model: PdModel, data: Path, rows: int = 1_000_000) -> float:
    """Seconds to predict ``rows`` PDs (the training rows repeated)."""
    x = feature_matrix(read_polish_arff(data), model.attrs)
    big = np.resize(x, (rows, x.shape[1]))
    started = time.perf_counter()
    model.predict_pd(big)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=shipped_training_file())
    parser.add_argument("--out", type=Path, default=OUTPUT)
    parser.add_argument("--compare", type=Path, help="also run the comparison variants; write all figures here")
    args = parser.parse_args()

    started = time.perf_counter()
    model = train(args.data, created=date.today())
    train_seconds = time.perf_counter() - started
    print(f"trained in {train_seconds:.1f} s; 1,000,000 predictions in {prediction_speed(model, args.data):.2f} s")
    model.info.metrics = {
        "holdout": run(args.data, "holdout", "statement"),
        "cv10": run(args.data, "cv10", "statement"),
        "train_seconds": round(train_seconds, 1),
        "importance_gain": {k: round(v, 4) for k, v in list(model.importance().items())[:20]},
    }
    args.out.write_text(model.to_text(), encoding="utf-8")
    print(f"wrote {args.out}")

    if args.compare:
        figures = {"statement": model.info.metrics}
        for protocol in ("holdout", "cv10"):
            figures[f"all/{protocol}"] = run(args.data, protocol, "all")
            figures[f"all-unconstrained/{protocol}"] = run(args.data, protocol, "all", constrained=False)
            figures[f"all-history-filled/{protocol}"] = run(args.data, protocol, "all", neutral=NEUTRAL_WHEN_MISSING)
            figures[f"statement-unconstrained/{protocol}"] = run(args.data, protocol, "statement",
                                                                 constrained=False)
            figures[f"statement-history-kept/{protocol}"] = run(args.data, protocol, "statement", neutral=())
            figures[f"statement-woe-scorecard/{protocol}"] = woe_baseline(args.data, protocol)
        args.compare.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.compare}")


if __name__ == "__main__":
    main()
