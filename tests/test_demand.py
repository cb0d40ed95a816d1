"""Demand projected for the plan, checked by hand on the tiny fixture.

tests/fixtures/tiny/demand.csv holds 26 pupils: ASD 14 (NCY 2: 2, 3: 7, 8: 5), SEMH 8
(NCY 8), SLD 1 (NCY 9), SLCN 3 (NCY 1). Its zones name council 999, which the DfE's data
does not know, so pooling uses England's councils only.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import run_cli

from placeplan.demand import plan_years, project, projection
from placeplan.pipeline import load_inputs
from placeplan.projection.project import ProjectionError

FIXTURES = Path(__file__).parent / "fixtures"


def _projected(*overrides: str, scenario: Path = FIXTURES / "tiny.toml"):
    inputs = load_inputs(scenario, overrides)
    return inputs, projection(inputs.dataset, inputs.scenario.scenario)


def test_growth_by_need_compounds_from_the_base_year():
    inputs = load_inputs(
        FIXTURES / "tiny.toml",
        ("demand.growth={default = 0.1, SEMH = 0.5}", "horizon.first_year=2025", "horizon.years=2"),
    )
    projected = project(inputs.dataset, inputs.scenario.scenario)
    by = projected.groupby(["year", "need"])["pupils"].sum()
    # Base year 2024/25. SEMH: 8 pupils x 1.5 in 2025/26, x 2.25 in 2026/27.
    assert by[(2025, "SEMH")] == pytest.approx(12.0)
    assert by[(2026, "SEMH")] == pytest.approx(18.0)
    # ASD: 14 pupils x 1.1 and x 1.21.
    assert by[(2026, "ASD")] == pytest.approx(14 * 1.21)
    assert set(projected["phase"]) == {"primary", "secondary"}
    assert list(projected.columns) == ["zone_id", "need", "ncy", "phase", "year", "setting", "stepdown", "pupils"]


def test_plan_years_start_at_the_first_september_a_decision_on_the_base_data_can_reach():
    scenario = load_inputs(FIXTURES / "tiny.toml").scenario.scenario
    assert plan_years(scenario, 2024) == [2025, 2026, 2027]
    # Without a first year: a January 2025 census (base 2024/25) is published in 2025/26,
    # decided on in 2026/27, and the plan opens in September 2027.
    unset = scenario.model_copy(update={"horizon": scenario.horizon.model_copy(update={"first_year": None})})
    assert plan_years(unset, 2024) == [2027, 2028, 2029]
    assert unset.horizon.decided_in(plan_years(unset, 2024)[0]) == 2026


def test_zero_growth_conserves_totals():
    inputs = load_inputs(FIXTURES / "tiny.toml", ("demand.growth={default = 0.0}",))
    projected = project(inputs.dataset, inputs.scenario.scenario)
    assert projected.groupby("year")["pupils"].sum().tolist() == pytest.approx([26.0, 26.0, 26.0])


def test_growth_without_a_method_means_the_growth_method_and_trend_is_the_default():
    inputs = load_inputs(FIXTURES / "tiny.toml", ("demand.growth={default = 0.0}",))
    assert inputs.scenario.scenario.demand.method == "growth"
    assert load_inputs(FIXTURES / "tiny.toml").scenario.scenario.demand.method == "trend"


@pytest.mark.parametrize("method", ["trend", "cohort", "prevalence", "growth"])
def test_every_method_gives_ordered_non_negative_percentiles(method):
    _, projected = _projected(f"demand.method={method}", "demand.draws=300")
    cells, council = projected.cells, projected.council
    assert len(cells) and (cells[["p10", "p50", "p90"]] >= 0).all().all()
    assert (cells["p10"] <= cells["p50"] + 1e-9).all() and (cells["p50"] <= cells["p90"] + 1e-9).all()
    assert (council["p10"] <= council["p50"] + 1e-9).all() and (council["p50"] <= council["p90"] + 1e-9).all()
    assert sorted(cells["year"].unique()) == [2025, 2026, 2027]
    base = council[(council["year"] == 2024) & (council["need"] == "ALL") & (council["phase"] == "all")]
    assert base["p50"].iloc[0] == pytest.approx(26)


def test_cells_add_up_to_the_council_by_need_and_phase():
    _, projected = _projected("demand.draws=300")
    by_cells = projected.cells.groupby(["year", "need", "phase"])[["p10", "p50", "p90"]].sum()
    council = projected.council.set_index(["year", "need", "phase"])
    matched = council.loc[by_cells.index, ["p10", "p50", "p90"]]
    assert np.allclose(by_cells.to_numpy(), matched.to_numpy())


def test_same_seed_same_projection_other_seed_other_draws():
    _, first = _projected("demand.draws=300")
    _, again = _projected("demand.draws=300")
    _, other = _projected("demand.draws=300", "demand.seed=7")
    pd.testing.assert_frame_equal(first.cells, again.cells)
    pd.testing.assert_frame_equal(first.council, again.council)
    assert not np.allclose(first.council["p90"], other.council["p90"])


def test_planned_percentile_lies_between_the_others():
    inputs = load_inputs(FIXTURES / "tiny.toml", ("demand.percentile=75", "demand.draws=300"))
    projected = projection(inputs.dataset, inputs.scenario.scenario)
    cells = projected.cells
    assert ((cells["planned"] >= cells["p50"] - 1e-9) & (cells["planned"] <= cells["p90"] + 1e-9)).all()
    planned = project(inputs.dataset, inputs.scenario.scenario)
    assert planned["pupils"].sum() == pytest.approx(cells["planned"].sum(), abs=0.01)


def test_cohort_with_no_joiners_or_leavers_moves_everyone_up_and_keeps_the_total():
    _, projected = _projected(
        "demand.method=cohort",
        "demand.cohort.source=scenario",
        "demand.cohort.stay_post16=1",
        "demand.cohort.stay_post19=1",
    )
    cells = projected.cells
    assert cells.groupby("year")["p50"].sum().tolist() == pytest.approx([26.0, 26.0, 26.0])
    # Z4's six SEMH pupils in NCY 8 are in NCY 9, 10 and 11 in the three plan years.
    z4 = cells[(cells["zone"] == "Z4") & (cells["need"] == "SEMH")].set_index("year")["ncy"]
    assert z4.to_dict() == {2025: 9, 2026: 10, 2027: 11}
    assert (cells["p10"] == cells["p90"]).all()  # the scenario's own rates: no range


def test_cohort_joiners_follow_the_need_and_phase_of_the_base_year():
    _, projected = _projected(
        "demand.method=cohort", "demand.cohort.source=scenario", "horizon.years=1", "demand.cohort.join={default = 0.5}"
    )
    cells = projected.cells
    # SLCN (3 pupils in Z5, NCY 1) move up and half as many join NCY 2, also in Z5.
    slcn = cells[cells["need"] == "SLCN"]
    assert slcn["p50"].sum() == pytest.approx(4.5)
    assert set(slcn["zone"]) == {"Z5"}


def test_inclusion_scenario_moves_the_share_down_by_the_last_plan_year():
    _, kept = _projected("demand.growth={default = 0.0}")
    _, moved = _projected("demand.growth={default = 0.0}", "demand.share_change={default = -0.1}")
    council = moved.council.set_index(["year", "need", "phase"])
    last = council.loc[(2027, "ASD", "primary")]
    start = council.loc[(2024, "ASD", "primary"), "share"]
    assert last["share"] == pytest.approx(start - 0.1)
    base = kept.council.set_index(["year", "need", "phase"]).loc[(2027, "ASD", "primary"), "p50"]
    assert last["p50"] == pytest.approx(base * (start - 0.1) / start)
    mid = council.loc[(2025, "ASD", "primary")]
    assert mid["share"] == pytest.approx(start - 0.1 / 3)


def test_prevalence_follows_population_projections(tiny_copy):
    rows = [
        (zone, year, age, 100 * (2 if zone == "Z5" and year >= 2025 else 1))
        for zone in ("Z1", "Z2", "Z3", "Z4", "Z5")
        for year in range(2024, 2028)
        for age in range(3, 16)
    ]
    pd.DataFrame(rows, columns=["zone_id", "year", "age", "count"]).to_csv(tiny_copy / "population.csv", index=False)
    scenario = tiny_copy.parent / "tiny.toml"
    scenario.write_text('name = "t"\ndataset = "tiny"\n[horizon]\nfirst_year = 2025\nyears = 3\n', encoding="utf-8")
    _, projected = _projected(
        "demand.method=prevalence", "demand.pool=false", "demand.rate_trend=0.0", scenario=scenario
    )
    cells = projected.cells
    z5 = cells[cells["zone"] == "Z5"].groupby("year")["p50"].sum()
    assert z5.tolist() == pytest.approx([10.0, 10.0, 10.0])  # 2 ASD + 3 SLCN, doubled
    others = cells[cells["zone"] != "Z5"].groupby("year")["p50"].sum()
    assert others.tolist() == pytest.approx([21.0, 21.0, 21.0])


def test_cohort_from_history_by_year_group_needs_two_januaries(tiny_copy):
    pd.DataFrame({"year": [2024], "need": [""], "ncy": [3], "pupils": [5]}).to_csv(
        tiny_copy / "history.csv", index=False
    )
    scenario = tiny_copy.parent / "tiny.toml"
    scenario.write_text('name = "t"\ndataset = "tiny"\n', encoding="utf-8")
    with pytest.raises(ProjectionError, match="at least two consecutive Januaries"):
        _projected("demand.method=cohort", "demand.cohort.source=history", scenario=scenario)


def test_cohort_rates_from_the_datasets_history_by_year_group(tiny_copy):
    # Every January 2022-2024: 10 pupils in each NCY 0-11, so each group keeps its size.
    rows = [(year, "", ncy, 10) for year in (2022, 2023, 2024) for ncy in range(0, 12)]
    pd.DataFrame(rows, columns=["year", "need", "ncy", "pupils"]).to_csv(tiny_copy / "history.csv", index=False)
    scenario = tiny_copy.parent / "tiny.toml"
    scenario.write_text('name = "t"\ndataset = "tiny"\n[horizon]\nfirst_year = 2025\nyears = 1\n', encoding="utf-8")
    _, projected = _projected(
        "demand.method=cohort", "demand.cohort.prior_pupils=0", "demand.pool=false", scenario=scenario
    )
    assert any("history by year group" in note for note in projected.notes)
    # Ratios of 1 from NCY 1 to 11: ASD's 5 pupils in NCY 8 are 5 in NCY 9 next year. Two
    # steps of one council's history leave its range partly England's, so the P50 of the
    # draws is 5 within their Monte Carlo noise.
    asd = projected.cells[(projected.cells["need"] == "ASD") & (projected.cells["ncy"] == 9)]
    assert asd["p50"].sum() == pytest.approx(5.0, abs=0.05)
    assert asd["p90"].sum() > 5.1


def test_trend_by_need_follows_needs_whose_difference_persisted(tiny_copy):
    # ASD grows 20% a year and SEMH 10% for five years while SLD and SLCN stay flat: with
    # every need's difference persisting, each keeps its own difference from the total.
    rates = {"ASD": 0.20, "SEMH": 0.10, "SLD": 0.0, "SLCN": 0.0}
    rows = [
        (year, need, "", round(100 * (1 + rate) ** (year - 2019)))
        for year in range(2019, 2025)
        for need, rate in rates.items()
    ]
    pd.DataFrame(rows, columns=["year", "need", "ncy", "pupils"]).to_csv(tiny_copy / "history.csv", index=False)
    scenario = tiny_copy.parent / "tiny.toml"
    scenario.write_text('name = "t"\ndataset = "tiny"\n[horizon]\nfirst_year = 2025\nyears = 2\n', encoding="utf-8")
    _, projected = _projected("demand.pool=false", "demand.draws=300", scenario=scenario)
    by = projected.cells.groupby(["year", "need"])["p50"].sum()
    # Base: ASD 14, SLD 1. Two years on the ratio has moved by (1.2 / 1.0) ** 2, give or take rounding.
    assert (by[(2026, "ASD")] / by[(2026, "SLD")]) / 14 == pytest.approx(1.2**2, rel=0.01)
    assert (by[(2025, "SEMH")] / by[(2025, "SLD")]) / 8 == pytest.approx(1.1, rel=0.01)


def test_project_and_solve_plan_for_the_same_pupils(tmp_path):
    """The Monte Carlo draws reach as far in both (the SCAP years): the same P50 pupils."""
    result = run_cli(["project", str(FIXTURES / "tiny.toml"), "--out", str(tmp_path / "projection")])
    assert result.exit_code == 0, result.output
    written = pd.read_csv(tmp_path / "projection" / "demand_projection.csv").groupby("year")["p50"].sum()
    inputs = load_inputs(FIXTURES / "tiny.toml")
    planned = project(inputs.dataset, inputs.scenario.scenario).groupby("year")["pupils"].sum()
    assert planned.round(3).to_dict() == pytest.approx(written.round(3).to_dict(), abs=2e-3)
