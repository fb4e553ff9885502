"""`tradecredit model`: train the PD model and validate it by the published protocols."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from tradecredit.cli.common import console, handled, open_app
from tradecredit.services import models as service

app = typer.Typer(help="The PD model: train and evaluate (see docs/model-card.md).", no_args_is_help=True)


@app.command()
def train(
    data: Path | None = typer.Option(None, "--data", help="Polish-format ARFF (default: the shipped 5th-year file)"),
    out: Path = typer.Option(Path("pd-model.json"), "--out", help="where to write the text artefact"),
    subset: str = typer.Option("statement", help="statement (the ratios TradeCredit computes) or all (64)"),
    metrics: bool = typer.Option(True, "--metrics/--no-metrics", help="also record hold-out and cv10 figures"),
) -> None:
    """Train on every row and write the artefact (JSON with the LightGBM model text; no pickle)."""
    from datetime import date

    with handled():
        trained = service.train_model(data=data or service.default_training_file(), out=out, subset=subset,
                                      today=date.today(), with_metrics=metrics)
        console.print(f"{trained.path}: {trained.version}, {trained.features} features, {trained.rows} rows, "
                      f"training file sha256 {trained.training_sha256}")


@app.command()
def evaluate(
    data: Path | None = typer.Option(None, "--data", help="Polish-format ARFF (default: the shipped 5th-year file)"),
    protocol: str = typer.Option("holdout", help="cv10 (Zięba et al. 2016) or holdout (10 × 90/10, Amirshahi & "
                                                 "Lahmiri 2024)"),
    subset: str = typer.Option("statement", help="statement or all"),
) -> None:
    """Train from scratch with the same pipeline and hyper-parameters, and report out-of-sample figures."""
    with handled():
        report = service.evaluate_model(data=data or service.default_training_file(), protocol=protocol,
                                        subset=subset)
        console.print(f"{report.protocol} on {report.rows} firms ({report.bankrupt} bankrupt), {len(report.attrs)} "
                      f"ratios: AUC {report.auc:.4f} ± {report.auc_std:.4f} over {report.splits} splits; Brier "
                      f"{report.brier:.4f}; KS {report.ks:.3f}; ECE {report.ece:.4f}; {report.seconds:.0f} s")
        table = Table("bin", "firms", "bankrupt", "mean PD", "observed", title="calibration", title_justify="left")
        for row in report.calibration:
            table.add_row(str(row.bin), str(row.n), str(row.bankrupt), f"{row.mean_pd:.4f}",
                          f"{row.observed_rate:.4f}")
        console.print(table)


@app.command()
def stability() -> None:
    """Population stability (PSI) of the live financial PDs against the training distribution, by grade."""
    with handled():
        tc = open_app()
        report = service.model_stability(tc.uow(), master_scale=tc.settings.assessment_policy().master_scale)
        console.print(f"{report.model_version}: PSI {report.psi:.3f} over {report.buyers} buyers — {report.status} "
                      "(< 0.1 stable, 0.1–0.25 investigate, > 0.25 significant shift)")
        table = Table("grade", "training share", "live share", "PSI term")
        for row in report.bins:
            table.add_row(str(row.grade), f"{row.expected:.1%}", f"{row.actual:.1%}", f"{row.contribution:.4f}")
        console.print(table)
