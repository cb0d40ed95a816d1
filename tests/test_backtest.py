"""Backtests on histories whose growth is known, the history file's checks, the backtest and
project commands, and the figures on the DfE's EHC-plan totals (skipped without ../shared)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT, run_cli

from placeplan.projection import cohort
from placeplan.projection.backtest import Settings, run_backtest
from placeplan.projection.history import read_history
from placeplan.projection.trend import least_absolute_deviations

SHARED = ROOT.parent / "shared" / "data" / "open"
FAST = Settings(horizon=3, draws=300)


def _write(tmp_path: Path, frame: pd.DataFrame, name: str = "history.csv") -> Path:
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def _growing(rate: float, areas: int = 6, years: range = range(2015, 2025), noise: float = 0.003) -> pd.DataFrame:
    rng = np.random.default_rng(11)
    rows = []
    for a in range(areas):
        level = 500.0 * (a + 1)
        for year in years:
            rows.append((f"A{a}", year, round(level, 3), "North" if a % 2 else "South"))
            level *= (1 + rate) * np.exp(rng.normal(0, noise))
    return pd.DataFrame(rows, columns=["area", "year", "pupils", "region"])


def test_backtest_recovers_a_known_growth(tmp_path):
    history = read_history(_write(tmp_path, _growing(0.08)))
    result = run_backtest(history, settings=FAST)
    scores = result.scores.set_index(["method", "origin"])
    assert scores.loc[("trend", "all"), "mape"] < 1.0
    assert abs(scores.loc[("trend", "all"), "bias"]) < 0.5
    # No growth at all is 3 years of 8% too few: about -21%.
    assert scores.loc[("last", "all"), "bias"] == pytest.approx(100 * (1 / 1.08**3 - 1), abs=1.0)
    assert scores.loc[("pooled", "all"), "mape"] < 1.0


def test_csv_has_one_row_per_method_and_origin_default_first(tmp_path):
    path = _write(tmp_path, _growing(0.05))
    result = run_cli(
        [
            "backtest",
            "--history",
            str(path),
            "--horizon",
            "2",
            "--origin",
            "2019",
            "--origin",
            "2021/22",
            "--draws",
            "200",
            "--format",
            "csv",
        ]
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(io.StringIO(result.stdout), dtype={"origin": str})
    assert list(table.columns) == ["method", "origin", "horizon", "mape", "bias", "coverage80", "interval_score"]
    assert table["method"].tolist() == [m for m in ("trend", "last", "own", "pooled") for _ in range(3)]
    assert table["origin"].tolist() == ["2019", "2021", "all"] * 4
    assert (table["horizon"] == 2).all()


def test_cohort_backtest_recovers_known_rates(tmp_path):
    stay = np.where(cohort.NCYS == -1, 0.0, 0.97)
    join = np.where(cohort.INTAKE, 1.03, 0.08)
    made = cohort.Ratios(stay=stay, join=join, log_sd=np.zeros(cohort.WIDTH))
    rows = []
    rng = np.random.default_rng(5)
    for a in range(4):
        base = np.zeros(cohort.WIDTH)
        base[:16] = rng.integers(30, 80, 16)
        for t, counts in enumerate(cohort.age(base, made, 8).total):
            rows += [(f"A{a}", 2016 + t, round(float(v), 3), int(n)) for n, v in zip(cohort.NCYS, counts)]
    path = _write(tmp_path, pd.DataFrame(rows, columns=["area", "year", "pupils", "ncy"]))
    result = run_backtest(read_history(path), origins=[2018, 2020], settings=FAST)
    scores = result.scores.set_index(["method", "origin"])
    assert scores.loc[("cohort", "all"), "mape"] < 2.0
    assert scores.loc[("cohort", "all"), "mape"] < scores.loc[("trend", "all"), "mape"] / 5


def test_by_need_table_when_the_history_has_needs(tmp_path):
    frame = pd.concat([_growing(0.05).assign(need="ASD"), _growing(0.10).assign(need="SEMH")])
    result = run_cli(["backtest", "--history", str(_write(tmp_path, frame)), "--draws", "200"])
    assert result.exit_code == 0, result.output
    assert "By need, every origin" in result.stdout and "SEMH" in result.stdout


def test_history_problems_are_reported_together_with_rows_and_columns(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "area,year,pupils,need\nA,2019,10,ASD\nA,2020,-3,ASD\nA,2021,12,AUT\nA,2021/22,12,ASD\n"
        "A,2022,x,ASD\nB,2020,5,\n",
        encoding="utf-8",
    )
    result = run_cli(["backtest", "--history", str(path)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    for text in (
        "bad.csv row 3, column pupils: '-3' is negative",
        "bad.csv row 4, column need: 'AUT' is not a need code; did you mean ASD?",
        "bad.csv row 6, column pupils: 'x' is not a number",
    ):
        assert text in result.output


def test_repeated_rows_and_mixed_detail_are_errors(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text("area,year,pupils,need\nA,2019,10,ASD\nA,2019/20,11,ASD\nA,2020,12,\n", encoding="utf-8")
    result = run_cli(["backtest", "--history", str(path)])
    assert result.exit_code == 2
    assert "mixed.csv row 3, column year: '2019' repeats row 2" in result.output
    assert "mixed.csv row 4, column need: '' is blank but other rows of area A give a need" in result.output


def test_methods_a_history_cannot_test_and_origins_it_cannot_check(tmp_path):
    path = _write(tmp_path, _growing(0.05))
    result = run_cli(["backtest", "--history", str(path), "--method", "prevalence"])
    assert result.exit_code == 2 and "cannot be backtested" in result.output
    result = run_cli(["backtest", "--history", str(path), "--method", "cohort"])
    assert result.exit_code == 2 and "needs pupils by year group" in result.output
    result = run_cli(["backtest", "--history", str(path), "--origin", "2023"])
    assert result.exit_code == 2 and "possible origins: 2016" in result.output
    assert "Traceback" not in result.output


def test_a_datasets_history_is_one_area():
    result = run_cli(
        [
            "backtest",
            "--history",
            str(ROOT / "data" / "essex" / "history.csv"),
            "--horizon",
            "2",
            "--draws",
            "200",
            "--format",
            "csv",
        ]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1].startswith("trend,2019,2,")


def test_project_writes_the_projection_the_council_table_and_the_scap_return(tiny_scenario, tmp_path):
    out = tmp_path / "out"
    result = run_cli(["project", str(tiny_scenario), "--out", str(out), "--set", "demand.draws=200"])
    assert result.exit_code == 0, result.output
    cells = pd.read_csv(out / "demand_projection.csv")
    assert list(cells.columns) == ["zone", "need", "ncy", "phase", "year", "p10", "p50", "p90"]
    council = pd.read_csv(out / "council_projection.csv")
    assert list(council.columns) == ["year", "need", "phase", "p10", "p50", "p90", "share"]
    scap = pd.read_csv(out / "scap_send_forecast.csv")
    assert scap.groupby("phase")["academic_year"].count().to_dict() == {"post16": 7, "primary": 5, "secondary": 7}
    assert scap["academic_year"].iloc[0] == "2025/26"
    primary = council[(council["need"] == "ALL") & (council["phase"] == "primary") & (council["year"] == 2025)]
    assert scap["pupils"].iloc[0] == round(primary["p50"].iloc[0])


def test_project_names_the_planned_percentile_column(tiny_scenario, tmp_path):
    out = tmp_path / "out"
    result = run_cli(
        ["project", str(tiny_scenario), "--out", str(out), "--set", "demand.percentile=75", "--set", "demand.draws=200"]
    )
    assert result.exit_code == 0, result.output
    assert "p75" in pd.read_csv(out / "demand_projection.csv").columns


@pytest.mark.skipif(not (SHARED / "ehcp_la_placement.csv").is_file(), reason="needs ../shared/data/open")
def test_dfe_council_totals_reproduce_the_issues_baselines_and_trend_beats_them(tmp_path):
    from placeplan.projection import dfe

    series = dfe.council_series(SHARED, measure="plans")
    path = _write(tmp_path, series[["area", "year", "pupils", "region"]])
    result = run_backtest(read_history(path), settings=Settings(horizon=3, draws=500))
    scores = result.scores.set_index(["method", "origin"])
    # Issue #4: pooled growth 8.6% and a council's own growth 12.2% from 2021/22 to 2024/25.
    assert scores.loc[("pooled", "2021"), "mape"] == pytest.approx(8.6, abs=0.1)
    assert scores.loc[("own", "2021"), "mape"] == pytest.approx(12.2, abs=0.2)
    assert list(scores.loc["trend"].index) == ["2019", "2020", "2021", "all"]
    trend = scores.loc[("trend", "all")]
    assert trend["mape"] < scores.loc[("pooled", "all"), "mape"] < scores.loc[("own", "all"), "mape"]
    assert 75 <= trend["coverage80"] <= 85


def test_least_absolute_deviations_ignore_an_outlier():
    design = np.column_stack([np.ones(5), np.arange(5.0)])
    fitted = least_absolute_deviations(design, np.array([1.0, 3.0, 5.0, 7.0, 100.0]))
    assert fitted == pytest.approx([1.0, 2.0], abs=1e-6)
