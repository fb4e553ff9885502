"""`tradecredit score`: statements from a CSV or Parquet file scored in batches, outside the database."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from tests.builders import write_csv
from tradecredit.cli import common
from tradecredit.cli.main import app
from tradecredit.domain.errors import ImportRejected, ValidationError
from tradecredit.domain.grades import grade_for, score_band, to_score
from tradecredit.domain.statements import LINE_ITEMS
from tradecredit.engine.batch_scoring import BatchScorer, KeyOrder, output_columns, split_last_key
from tradecredit.engine.features import BLOCKING_FLAGS, RATIOS, compute_features, feature_matrix
from tradecredit.engine.reasons import reason_text, top_reasons
from tradecredit.engine.scoring import load_shipped_model
from tradecredit.engine.tree_tables import TreeTables
from tradecredit.services.scoring_files import score_file

runner = CliRunner()
HEADER = ("buyer_ref", "period_end", *LINE_ITEMS)


def statement(ref: str, year: int, *, health: float = 0.6, revenue: float = 1_000_000.0,
              **overrides: float | str | None) -> dict[str, Any]:
    """A consistent annual statement (whole units): health 0–1 sets margin, equity and current ratio."""
    assets = round(revenue * 0.8)
    current = round(assets * 0.55)
    equity = round(assets * (0.05 + 0.5 * health))
    short = round(current / (0.7 + 1.5 * health))
    ebit = round(revenue * (-0.05 + 0.15 * health))
    items: dict[str, Any] = {
        "revenue": revenue, "cost_of_sales": round(revenue * 0.75), "gross_profit": round(revenue * 0.25),
        "operating_expenses": round(revenue * 0.25) - ebit, "ebit": ebit, "depreciation": round(revenue * 0.03),
        "interest_expense": round((assets - equity) * 0.04), "net_income": round(ebit * 0.7),
        "total_assets": assets, "fixed_assets": assets - current, "current_assets": current,
        "inventory": round(current * 0.3), "receivables": round(current * 0.35), "cash": round(current * 0.1),
        "total_liabilities": assets - equity, "current_liabilities": short,
        "long_term_liabilities": assets - equity - short, "equity": equity,
        "retained_earnings": equity - 20_000, "share_capital": 20_000, "operating_cash_flow": round(ebit * 0.9),
    }
    return {"buyer_ref": ref, "period_end": date(year, 12, 31), **items, **overrides}


def portfolio() -> list[dict[str, Any]]:
    """Six companies, one to four years each, contiguous; C has a statement that cannot be scored."""
    return [statement("A", 2022, health=0.8), statement("A", 2023, health=0.7, revenue=1_100_000.0),
            statement("B", 2023, health=0.2, revenue=400_000.0),
            statement("C", 2023, current_assets=900_000.0),  # above total assets (800,000): blocked
            statement("D", 2021, health=0.5), statement("D", 2022, health=0.45, revenue=900_000.0),
            statement("D", 2023, health=0.4, revenue=700_000.0), statement("D", 2024, health=0.3, revenue=600_000.0),
            statement("E", 2024, health=0.9, revenue=5_000_000.0, inventory=None),
            statement("F", 2023, health=0.05, revenue=200_000.0)]


def frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"buyer_ref": pl.String, "period_end": pl.Date,
                                      **dict.fromkeys(LINE_ITEMS, pl.Float64)})


def csv_file(path: Path, rows: list[dict[str, Any]]) -> Path:
    cells = [[("" if row[column] is None else row[column]) for column in HEADER] for row in rows]
    return write_csv(path, HEADER, cells)


def parquet_file(path: Path, rows: list[dict[str, Any]]) -> Path:
    frame(rows).write_parquet(path)
    return path


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    for console in (common.console, common.errors):
        monkeypatch.setattr(console, "width", 200)


@pytest.fixture(scope="module")
def scorer() -> BatchScorer:
    return BatchScorer()


def test_a_hand_computed_ratio_and_the_model_pd_grade_score_and_band_appear_in_the_output(scorer: BatchScorer) -> None:
    rows = [statement("A", 2023, current_assets=600_000.0, current_liabilities=400_000.0)]
    out = scorer.score(frame(rows)).row(0, named=True)
    assert out["current_ratio"] == pytest.approx(1.5)  # 600,000 / 400,000
    x = feature_matrix(compute_features(frame(rows), key="buyer_ref"))
    pd = float(load_shipped_model().predict_pd(x)[0])
    assert out["pd"] == pd  # bit for bit: the same leaf values added in the same order
    assert out["grade"] == grade_for(pd)
    assert out["score"] == to_score(pd)
    assert out["band"] == score_band(to_score(pd))
    assert out["flags"] == []


def test_the_output_has_every_named_ratio_and_three_reasons_with_feature_value_and_contribution(
        scorer: BatchScorer) -> None:
    out = scorer.score(frame(portfolio()))
    assert out.columns == output_columns("buyer_ref")
    assert set(RATIOS) <= set(out.columns)
    assert out.height == len(portfolio())
    assert out.get_column("buyer_ref").to_list() == [row["buyer_ref"] for row in portfolio()]  # input order


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_reasons_are_the_top_three_raising_the_pd_in_the_words_of_reason_text(lang: str) -> None:
    statements = frame(portfolio())
    out = BatchScorer(lang=lang).score(statements)
    features = compute_features(statements, key="buyer_ref")
    x = feature_matrix(features)
    model = load_shipped_model()
    contributions = model.contributions(x)
    for i, row in enumerate(out.iter_rows(named=True)):
        if row["pd"] is None:
            continue
        up = [r for r in top_reasons(contributions[i], x[i], model.feature_names, 3) if r.direction == "up"]
        for n in range(3):
            expected = up[n] if n < len(up) else None
            assert row[f"reason_{n + 1}_feature"] == (expected.feature if expected else None)
            assert row[f"reason_{n + 1}"] == (reason_text(expected, lang) if expected else None)  # type: ignore[arg-type]
            if expected:
                assert row[f"reason_{n + 1}_contribution"] == pytest.approx(expected.contribution, abs=1e-12)
                assert row[f"reason_{n + 1}_value"] == pytest.approx(expected.value, nan_ok=True)


@pytest.mark.parametrize("kind", ["pct", "days", "ratio"])
def test_numbers_are_shown_exactly_as_reason_text_shows_them_even_on_rounding_ties(kind: str) -> None:
    from tradecredit.engine import batch_scoring, reasons  # the two formatters, compared value by value

    rng = np.random.default_rng(7)
    values = rng.normal(size=20_000) * 10.0 ** rng.integers(-4, 7, 20_000)
    edges = [0.0, -0.0, 0.125, 0.005, 1.005, -0.001, 9.995, 99.95, 999.5, 1234.5, -0.04, 2.675, 0.285, 1e12, -1e12,
             0.45, 0.55, -999.4, -999.6, 99.96, 9.996, 100.0, 10.0]
    values = np.concatenate([values, np.round(values, 2) + 0.005, np.round(values, 1) + 0.05, edges])
    kinds = np.full(len(values), batch_scoring._KINDS.index(kind), dtype=np.int64)
    shown = batch_scoring._format_numbers(values, kinds)
    assert shown == [reasons.shown_number(value, kind) for value in values.tolist()]


def test_a_statement_with_a_blocking_flag_gets_no_pd_and_its_flags_say_why(scorer: BatchScorer) -> None:
    out = scorer.score(frame(portfolio())).filter(pl.col("buyer_ref") == "C").row(0, named=True)
    assert (out["pd"], out["grade"], out["score"], out["band"], out["reason_1"]) == (None, None, None, None, None)
    assert "current_assets_above_total_assets" in out["flags"]
    assert set(out["flags"]) & BLOCKING_FLAGS
    assert out["current_ratio"] is not None  # the ratios are still shown


def test_a_batch_where_every_statement_is_blocked_gives_rows_without_pd(scorer: BatchScorer) -> None:
    rows = [statement("C", 2023, current_assets=900_000.0), statement("D", 2023, cash=float("inf")),
            statement("E", 2023), statement("E", 2023)]  # E twice for the same period
    out = scorer.score(frame(rows))
    assert out.get_column("pd").null_count() == 4
    assert [sorted(set(flags) & BLOCKING_FLAGS) for flags in out.get_column("flags").to_list()] == [
        ["current_assets_above_total_assets"], ["non_finite_items"], ["duplicate_period"], ["duplicate_period"]]


def test_the_code_tables_reproduce_lightgbm_raw_scores_and_contributions_with_missing_values() -> None:
    model = load_shipped_model()
    x = feature_matrix(compute_features(frame(portfolio() * 30), key="buyer_ref"))
    rng = np.random.default_rng(5)
    x = x * rng.lognormal(0.0, 0.5, x.shape)
    x[rng.random(x.shape) < 0.15] = np.nan
    explained = TreeTables(model).explain(x)
    assert np.array_equal(explained.raw, model.raw_score(x))
    assert np.allclose(explained.contributions, model.contributions(x)[:, :-1], rtol=0.0, atol=1e-12)


def test_the_code_tables_stay_exact_over_calls_threads_and_codes_met_late() -> None:
    model = load_shipped_model()
    rng = np.random.default_rng(11)
    base = feature_matrix(compute_features(frame(portfolio()), key="buyer_ref"))
    distinct = np.vstack([base * factor for factor in rng.lognormal(0.0, 0.5, 40)])  # 400 rows
    distinct[rng.random(distinct.shape) < 0.05] = np.nan
    rows = rng.integers(0, len(distinct), 30_000)  # 30,000 rows: tasks for both threads
    rows[rows >= 300] %= 300  # rows 300 … 399 only in the second call: codes met late
    rows[25_000:] = rng.integers(300, len(distinct), 5_000)
    tables = TreeTables(model)
    first, later = tables.explain(distinct[rows[:25_000]]), tables.explain(distinct[rows[25_000:]])
    raw, contributions = model.raw_score(distinct), model.contributions(distinct)[:, :-1]
    assert np.array_equal(np.concatenate([first.raw, later.raw]), raw[rows])
    assert np.allclose(np.vstack([first.contributions, later.contributions]), contributions[rows], rtol=0.0,
                       atol=1e-12)
    assert (tables.code_ids >= -1).all()  # no claim left behind
    work, top = first.contributions.copy(), []
    for _ in range(3):  # repeated argmax: the largest first, ties to the earlier feature
        best = work.argmax(axis=1)
        top.append(np.where(work[np.arange(len(work)), best] > 0, best, -1))
        work[np.arange(len(work)), best] = -np.inf
    assert np.array_equal(first.top_features, np.column_stack(top))
    assert np.array_equal(first.top_pushes, np.take_along_axis(first.contributions, np.maximum(first.top_features, 0),
                                                               axis=1) * (first.top_features >= 0))


def test_the_compiled_loops_still_work_where_no_folder_can_hold_their_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    from numba.core.dispatcher import Dispatcher

    from tradecredit.engine import tree_kernels

    def no_locator(self: Dispatcher) -> None:  # what numba raises where no cache folder is writable
        raise RuntimeError("cannot cache function: no locator available")

    monkeypatch.setattr(Dispatcher, "enable_caching", no_locator)
    with pytest.warns(RuntimeWarning, match="NUMBA_CACHE_DIR"):
        add = tree_kernels._compiled(_add)
    assert add(2.0, 0.5) == 2.5  # compiled in this process, without the disk cache


def _add(a: float, b: float) -> float:
    return a + b


def test_csv_and_parquet_inputs_give_the_same_output(tmp_path: Path) -> None:
    rows = portfolio()
    score_file(path=csv_file(tmp_path / "in.csv", rows), out=tmp_path / "csv.parquet")
    score_file(path=parquet_file(tmp_path / "in.parquet", rows), out=tmp_path / "pq.parquet")
    from_csv, from_parquet = pl.read_parquet(tmp_path / "csv.parquet"), pl.read_parquet(tmp_path / "pq.parquet")
    assert from_csv.height == len(rows)
    assert from_csv.equals(from_parquet)


def test_a_key_split_over_a_batch_boundary_still_gets_its_revenue_growth(tmp_path: Path) -> None:
    rows = portfolio()  # D's four years are rows 5–8: batches of 3 rows cut them 5–6 | 7–8
    summary = score_file(path=parquet_file(tmp_path / "in.parquet", rows), out=tmp_path / "out.parquet",
                         batch_rows=3)
    out = pl.read_parquet(tmp_path / "out.parquet")
    whole = BatchScorer().score(frame(rows))
    growth = out.filter(pl.col("buyer_ref") == "D").get_column("revenue_growth").to_list()
    assert growth[1:] == pytest.approx([900 / 1000 - 1, 700 / 900 - 1, 600 / 700 - 1])
    assert out.equals(whole)
    assert (summary.rows, summary.scored, summary.blocked) == (10, 9, 1)


def test_a_key_that_comes_back_after_other_keys_is_rejected_with_its_line(tmp_path: Path) -> None:
    rows = [statement("A", 2022), statement("B", 2022), statement("A", 2023)]
    with pytest.raises(ImportRejected) as caught:
        score_file(path=csv_file(tmp_path / "in.csv", rows), out=tmp_path / "out.parquet", batch_rows=1)
    error = caught.value.errors[0]
    assert (error.file, error.line, error.column) == ("in.csv", 4, "buyer_ref")
    assert "contiguous" in error.reason
    assert not (tmp_path / "out.parquet").exists()


def test_a_file_missing_required_columns_is_rejected_naming_the_file_and_the_columns(tmp_path: Path) -> None:
    row = {k: v for k, v in statement("A", 2023).items() if k not in ("ebit", "equity")}
    path = tmp_path / "short.parquet"
    pl.DataFrame([row]).write_parquet(path)
    with pytest.raises(ImportRejected) as caught:
        score_file(path=path, out=tmp_path / "out.parquet")
    assert "short.parquet" in str(caught.value)
    assert "missing required columns: ebit, equity" in str(caught.value)


def test_a_non_numeric_line_item_is_rejected_with_file_line_column_and_value(tmp_path: Path) -> None:
    rows = [statement("A", 2022), {**statement("A", 2023), "revenue": "1.2m"}]
    path = csv_file(tmp_path / "bad.csv", rows)
    with pytest.raises(ImportRejected) as caught:
        score_file(path=path, out=tmp_path / "out.parquet")
    assert str(caught.value.errors[0]) == "bad.csv:3: revenue: expected a number; got '1.2m'"


def test_a_non_numeric_text_column_in_parquet_is_rejected_with_its_row(tmp_path: Path) -> None:
    table = frame([statement("A", 2022), statement("B", 2023)]).with_columns(pl.col("cash").cast(pl.String))
    table = table.with_columns(pl.when(pl.col("buyer_ref") == "B").then(pl.lit("n/a")).otherwise("cash")
                               .alias("cash"))
    table.write_parquet(tmp_path / "text.parquet")
    with pytest.raises(ImportRejected) as caught:
        score_file(path=tmp_path / "text.parquet", out=tmp_path / "out.parquet")
    assert str(caught.value.errors[0]) == "text.parquet:2: cash: expected a number; got 'n/a'"


def test_an_unknown_extension_or_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "in.xlsx").write_bytes(b"PK\x03\x04")
    with pytest.raises(ImportRejected, match=r"expected a \.csv or \.parquet file; got \.xlsx"):
        score_file(path=tmp_path / "in.xlsx", out=tmp_path / "out.parquet")
    with pytest.raises(ImportRejected, match="file not found"):
        score_file(path=tmp_path / "nope.csv", out=tmp_path / "out.parquet")
    (tmp_path / "broken.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(ImportRejected, match="cannot read the file as Parquet"):
        score_file(path=tmp_path / "broken.parquet", out=tmp_path / "out.parquet")
    with pytest.raises(ValidationError, match="expected one of en, zh; got 'fr'"):
        score_file(path=tmp_path / "broken.parquet", out=tmp_path / "out.parquet", lang="fr")
    with pytest.raises(ValidationError, match=r"--key: .* 'revenue', which is a statement or output column"):
        score_file(path=tmp_path / "broken.parquet", out=tmp_path / "out.parquet", key="revenue")


def test_a_header_only_file_gives_an_empty_output_with_every_column(tmp_path: Path) -> None:
    score_file(path=csv_file(tmp_path / "empty.csv", []), out=tmp_path / "out.parquet")
    out = pl.read_parquet(tmp_path / "out.parquet")
    assert out.height == 0 and out.columns == output_columns("buyer_ref")


def test_the_last_key_of_a_batch_is_held_back_and_misplaced_keys_are_found() -> None:
    statements = frame(portfolio())
    ready, held = split_last_key(statements, "buyer_ref")
    assert held.get_column("buyer_ref").to_list() == ["F"]
    assert ready.height == len(portfolio()) - 1
    order = KeyOrder("buyer_ref")
    assert order.first_misplaced(ready) is None
    assert order.first_misplaced(statements.slice(2, 3)) == 0  # B again


def test_a_key_met_many_frames_earlier_is_found_misplaced() -> None:
    order = KeyOrder("buyer_ref")
    for start in range(0, 700, 7):  # 100 frames of 7 keys, 2 statements each
        refs = [f"K{n}" for n in range(start, start + 7) for _ in range(2)]
        assert order.first_misplaced(pl.DataFrame({"buyer_ref": refs})) is None
    assert order.first_misplaced(pl.DataFrame({"buyer_ref": []}, schema={"buyer_ref": pl.String})) is None
    assert order.first_misplaced(pl.DataFrame({"buyer_ref": ["N1", "N2", "K3", "N3", "K650"]})) == 2
    assert order.first_misplaced(pl.DataFrame({"buyer_ref": ["M1", "M2", "M1"]})) == 2
    assert len(order.seen) <= 8  # merged as they grow: about log2(frames) arrays


def test_the_cli_scores_a_file_with_another_key_in_chinese_and_prints_a_summary(tmp_path: Path) -> None:
    rows = [{"company": row.pop("buyer_ref"), **row} for row in portfolio()]
    frame_in = pl.DataFrame(rows).with_columns(pl.col(item).cast(pl.Float64) for item in LINE_ITEMS)
    frame_in.write_parquet(tmp_path / "in.parquet")
    result = runner.invoke(app, ["score", str(tmp_path / "in.parquet"), "--out", str(tmp_path / "out.parquet"),
                                 "--key", "company", "--lang", "zh", "--batch-rows", "4"])
    assert result.exit_code == 0, result.output
    assert "in.parquet: 10 rows, 9 scored, 1 blocked" in result.output
    out = pl.read_parquet(tmp_path / "out.parquet")
    assert out.columns[0] == "company" and out.height == 10
    assert "违约概率" in out.get_column("reason_1").drop_nulls()[0]


def test_the_cli_writes_nothing_on_error_and_keeps_an_existing_output(tmp_path: Path) -> None:
    rows = [statement("A", 2022), statement("A", 2023, equity="abc")]  # type: ignore[arg-type]
    path = csv_file(tmp_path / "bad.csv", rows)
    result = runner.invoke(app, ["score", str(path), "--out", str(tmp_path / "new.parquet")])
    assert result.exit_code == 3
    assert "bad.csv" in result.output and "equity" in result.output and "abc" in result.output
    assert not (tmp_path / "new.parquet").exists()
    (tmp_path / "old.parquet").write_bytes(b"previous result")
    assert runner.invoke(app, ["score", str(path), "--out", str(tmp_path / "old.parquet")]).exit_code == 3
    assert (tmp_path / "old.parquet").read_bytes() == b"previous result"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []
