"""Pupils stay where they are placed, by hand: three SLD pupils in Years 9, 10 and 11 at an
independent school, a new special school that could take them from 2025/26 (all three of its
places from opening), no growth.

With continuity the pupils already placed stay at the independent school until they reach
a transfer point (Year 12, when they leave here: no post-16 pupils are projected); only
joiners (each year's new Year 9) go to the new school, so the independent placements run
off: 2 in 2025/26, 1 in 2026/27, 0 in 2027/28. Placed afresh every year, all three move
at once.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import one_zone_case, run_cli

TABLES = {
    "demand.csv": "zone_id,need,ncy,pupils\nZ1,SLD,9,1\nZ1,SLD,10,1\nZ1,SLD,11,1\n",
    "sites.csv": (
        "site_id,name,kind,x,y,needs,ncy_min,ncy_max,capacity,on_roll,annual_cost_per_place\n"
        "S1,Far Hall (independent),independent,521000,170000,ALL,0,14,10,3,64000\n"
    ),
    "candidates.csv": (
        "option_id,name,kind,x,y,needs,ncy_min,ncy_max,min_places,max_places,capital_fixed,"
        "capital_per_place,annual_cost_per_place,earliest_year\n"
        "N1,New Special School,new_special,520500,170000,SLD,7,11,3,3,0,0,20000,2025\n"
    ),
}
SCENARIO = (
    'name = "Continuity by hand"\ndataset = "data"\n\n[horizon]\nfirst_year = 2025\nyears = 3\n\n'
    '[demand]\nmethod = "growth"\ngrowth = { default = 0.0 }\n\n'
    "[costs]\ndiscount_rate = 0\n\n[rules]\nlead_time_years = { new_special = 1 }\n"
    "phased_intake = { new_special = [] }\n"
)


@pytest.fixture
def case(tmp_path):
    return one_zone_case(tmp_path, TABLES, SCENARIO)


def _solve(scenario, out, *extra):
    result = run_cli(["solve", str(scenario), "--out", str(out), "--no-explain", "--no-outputs", *extra])
    assert result.exit_code == 0, result.output
    allocation = pd.read_csv(out / "allocation.csv", dtype={"facility_id": str}, keep_default_na=False)
    return allocation.groupby(["year", "facility_id"])["pupils"].sum().round(6).to_dict(), json.loads(
        (out / "summary.json").read_text(encoding="utf-8")
    )


def test_pupils_already_placed_stay_until_a_transfer_point(case, tmp_path):
    placed, summary = _solve(case, tmp_path / "out")
    assert placed == pytest.approx(
        {(2025, "S1"): 2, (2025, "N1"): 1, (2026, "S1"): 1, (2026, "N1"): 2, (2027, "N1"): 3}
    )
    by_year = {row["year"]: row for row in summary["placements_by_year"]}
    assert by_year["2025/26"]["continuing"] == pytest.approx(2) and by_year["2025/26"]["new_local"] == pytest.approx(1)
    assert by_year["2027/28"]["continuing"] == pytest.approx(2) and by_year["2027/28"]["new_away"] == pytest.approx(0)


def test_placed_afresh_every_year_they_all_move_at_once(case, tmp_path):
    placed, _ = _solve(case, tmp_path / "out", "--set", "rules.pupils_stay=false")
    assert placed == pytest.approx({(2025, "N1"): 3, (2026, "N1"): 3, (2027, "N1"): 3})


def test_every_year_has_the_projected_pupils(case, tmp_path):
    placed, _ = _solve(case, tmp_path / "out")
    totals = pd.Series(placed).groupby(level=0).sum()
    assert totals.to_dict() == pytest.approx({2025: 3, 2026: 3, 2027: 3})


def test_project_writes_the_continuing_and_joining_pupils_solve_plans_for(case, tmp_path):
    # Hand-worked: the Year 9-11 pupils of 2024/25 move up; each year's new Year 9 joins.
    # 2025/26: Years 10 and 11 continue (2), Year 9 joins (1); 2026/27 and 2027/28 the same.
    result = run_cli(["project", str(case), "--out", str(tmp_path / "projection")])
    assert result.exit_code == 0, result.output
    flows = pd.read_csv(tmp_path / "projection" / "pupil_flows.csv")
    assert list(flows.columns) == ["zone", "need", "setting", "ncy", "phase", "year", "pupils", "continuing", "joining"]
    joining = flows.groupby(["year", "ncy"])["joining"].sum()
    assert joining[(2025, 9)] == pytest.approx(1) and joining[(2025, 10)] == pytest.approx(0)
    by_year = flows.groupby("year")[["continuing", "joining"]].sum()
    _, summary = _solve(case, tmp_path / "out")
    solved = {int(row["year"][:4]): row for row in summary["placements_by_year"]}
    for year, row in by_year.iterrows():
        assert row["continuing"] == pytest.approx(solved[year]["continuing"])
        assert row["joining"] == pytest.approx(solved[year]["new_local"] + solved[year]["new_away"])
    assert by_year["continuing"].tolist() == pytest.approx([2, 2, 2])


def test_project_and_solve_agree_on_every_years_continuing_and_joining_pupils_on_real_data(tmp_path):
    from conftest import ROOT

    scenario = ROOT / "scenarios" / "kingston-richmond.toml"
    from placeplan.pipeline import load_inputs
    from placeplan.plan.run import prepare, pupil_flows

    inputs = load_inputs(scenario, ())
    flows = pupil_flows(inputs).groupby("year")[["continuing", "joining"]].sum()
    send = prepare(inputs).send
    groups = send.groups.assign(pupils=send.problem.groups.demand)
    joining = groups[~groups["placed_before"] & ~groups["moving_on"]].groupby("year")["pupils"].sum()
    # the model's groups hold pupils where they enter (the first plan year for those placed
    # before, where they stay or, if their school does not admit their year group now, move
    # on): the joiners of each year are exactly the flows' joiners
    assert joining.to_numpy() == pytest.approx(flows["joining"].to_numpy(), rel=1e-9)
    before = groups["placed_before"] | (groups["moving_on"] & (groups["year"] == groups["year"].min()))
    assert groups.loc[before, "pupils"].sum() == pytest.approx(flows.loc[flows.index.min(), "continuing"], rel=1e-9)
    assert groups.loc[groups["moving_on"] & ~groups["moved"], "pupils"].sum() > 0  # some do move on there
