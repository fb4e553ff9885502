"""`tradecredit model train|evaluate` on a small Polish-format file written by the test."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from tests.e2e.test_cli import tc, wide_console  # noqa: F401 - the autouse fixture widens the console here too


@pytest.fixture
def tiny_arff(tmp_path: Path) -> Path:
    """300 firms, 64 ratios; the bankrupt ones have low profitability (a01) and high leverage (a02)."""
    rng = random.Random(3)
    lines = ["@relation tiny", *[f"@attribute Attr{n} numeric" for n in range(1, 65)], "@attribute class {0,1}",
             "@data"]
    for row in range(300):
        bankrupt = row % 5 == 0
        values = [rng.gauss(0.0, 1.0) for _ in range(64)]
        values[0] = rng.gauss(-0.3 if bankrupt else 0.1, 0.05)
        values[1] = rng.gauss(0.9 if bankrupt else 0.4, 0.05)
        lines.append(",".join(f"{v:.4f}" for v in values) + f",{int(bankrupt)}")
    path = tmp_path / "tiny.arff"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


def test_training_writes_a_text_artefact_with_its_data_hash(tiny_arff: Path, tmp_path: Path) -> None:
    code, out = tc("model", "train", "--data", str(tiny_arff), "--out", str(tmp_path / "m.json"), "--no-metrics")
    assert code == 0, out
    document = json.loads((tmp_path / "m.json").read_text(encoding="utf-8"))
    assert document["format"] and len(document["features"]) == 62
    assert document["training_sha256"] in out.replace("\n", "")


def test_evaluation_reports_the_out_of_sample_figures(tiny_arff: Path) -> None:
    code, out = tc("model", "evaluate", "--data", str(tiny_arff), "--protocol", "holdout")
    assert code == 0, out
    assert "holdout on 300 firms (60 bankrupt), 62 ratios: AUC" in out
    assert "calibration" in out


def test_an_unknown_protocol_or_missing_file_is_a_clear_error(tiny_arff: Path, tmp_path: Path) -> None:
    code, out = tc("model", "evaluate", "--data", str(tiny_arff), "--protocol", "cv5")
    assert (code, "protocol: expected one of cv10, holdout; got 'cv5'" in out) == (3, True)
    code, out = tc("model", "evaluate", "--data", str(tmp_path / "nope.arff"))
    assert code == 3 and "does not exist" in out


