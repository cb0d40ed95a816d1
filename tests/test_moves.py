"""Pupils who reach a year group their provision does not admit move on, by hand.

One zone, no growth, no discounting or transport. Each year 2 SLD pupils are in Year 2 and
2 in Year 3 (last year's Year 2, all staying). Three schools admit them: an infant school's
SRP (Reception to Year 2, £20,000 a place), a junior special school (Years 3 to 6, £25,000)
and a primary special school (Reception to Year 6, £30,000); Year 3 is no transfer point.

* Year 2 pupils go to the infant SRP and, reaching Year 3, move on to the junior school:
  £20,000 then £25,000 a year, against £30,000 a year at the primary school. So each year
  the SRP holds 2 and the junior school 2 (the pupils who moved on): 3 x (2 x 20,000 +
  2 x 25,000) = £270,000, and the year before the plan's Year 2 pupils move on in its
  first year.
* With the infant SRP at £40,000 (£40,000 then £25,000 against £30,000 twice), Year 2 pupils
  go to the primary school and stay there in Year 3 (the year before the plan's too): it
  holds 4 a year, 2 of them continuing, 3 x 4 x 30,000 = £360,000.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import one_zone_case, run_cli

SITES = (
    "site_id,name,kind,x,y,needs,ncy_min,ncy_max,capacity,on_roll,annual_cost_per_place\n"
    "I,Infant SRP,srp,520100,170000,SLD,0,2,10,2,{infant}\n"
    "J,Junior Special,special,520200,170000,SLD,3,6,10,2,25000\n"
    "P,Primary Special,special,520300,170000,SLD,0,6,10,0,30000\n"
)
TABLES = {
    "demand.csv": "zone_id,need,ncy,pupils\nZ1,SLD,2,2\nZ1,SLD,3,2\n",
    # the one candidate serves a need nobody here has
    "candidates.csv": "option_id,name,kind,x,y,needs,ncy_min,ncy_max,min_places,max_places\n"
    "X1,Unused PMLD SRP,srp,520000,170000,PMLD,0,6,8,8\n",
}
SCENARIO = (
    'name = "Moving on by hand"\ndataset = "data"\n\n[horizon]\nfirst_year = 2025\nyears = 3\n\n'
    '[demand]\nmethod = "growth"\ngrowth = { default = 0.0 }\n\n'
    "[costs]\ndiscount_rate = 0\ntransport_per_pupil = 0\n"
)


def _case(tmp_path, infant: int):
    scenario = one_zone_case(tmp_path, {**TABLES, "sites.csv": SITES.format(infant=infant)}, SCENARIO)
    out = tmp_path / "out"
    result = run_cli(["solve", str(scenario), "--out", str(out), "--no-explain", "--no-outputs"])
    assert result.exit_code == 0, result.output
    allocation = pd.read_csv(out / "allocation.csv", dtype={"facility_id": str}, keep_default_na=False)
    placed = allocation.groupby(["year", "facility_id"])["pupils"].sum().round(6).to_dict()
    return placed, json.loads((out / "summary.json").read_text(encoding="utf-8"))


def test_pupils_who_outgrow_their_school_move_on_and_are_placed_again(tmp_path):
    placed, summary = _case(tmp_path, infant=20_000)
    assert placed == pytest.approx({(year, site): 2 for year in (2025, 2026, 2027) for site in ("I", "J")})
    assert summary["objective"] == pytest.approx(270_000)
    by_year = {row["year"]: row for row in summary["placements_by_year"]}
    # every year: 2 Year 2 joiners, and 2 pupils who moved on at Year 3, placed afresh
    for year in ("2025/26", "2026/27", "2027/28"):
        assert by_year[year]["continuing"] == pytest.approx(0)
        assert by_year[year]["new_local"] == pytest.approx(4)


def test_pupils_whose_school_admits_their_next_year_group_stay(tmp_path):
    placed, summary = _case(tmp_path, infant=40_000)
    assert placed == pytest.approx({(year, "P"): 4 for year in (2025, 2026, 2027)})
    assert summary["objective"] == pytest.approx(360_000)
    by_year = {row["year"]: row for row in summary["placements_by_year"]}
    for year in ("2025/26", "2026/27", "2027/28"):
        assert by_year[year]["continuing"] == pytest.approx(2)
        assert by_year[year]["new_local"] == pytest.approx(2)


def test_the_plan_without_an_option_drops_the_pupils_who_would_have_moved_on_from_it(tmp_path):
    # The infant SRP as a candidate: with it, Year 2 pupils go there and move on to the
    # junior school (as above); the plan without it (its pupils out of area) must also drop
    # the pupils who would have moved on from it, or it would not be a plan at all.
    import numpy as np

    from placeplan.optimise import solve
    from placeplan.optimise.formulation import build_model
    from placeplan.optimise.replan import Replacing
    from placeplan.optimise.solve import values_from_plan
    from placeplan.pipeline import load_inputs
    from placeplan.plan.run import prepare

    sites = SITES.format(infant=20_000).replace("I,Infant SRP,srp,520100,170000,SLD,0,2,10,2,20000\n", "")
    candidates = (
        "option_id,name,kind,x,y,needs,ncy_min,ncy_max,min_places,max_places,capital_fixed,"
        "capital_per_place,annual_cost_per_place,annual_fixed_cost,earliest_year\n"
        "O1,Infant SRP,srp,520100,170000,SLD,0,2,2,2,0,0,20000,0,2025\n"
    )
    scenario = one_zone_case(
        tmp_path,
        {**TABLES, "sites.csv": sites, "candidates.csv": candidates},
        SCENARIO + '\n[rules]\nhost_preference = "ignore"\nphased_intake = { srp = [] }\n',
    )
    send = prepare(load_inputs(scenario, ("horizon.decision_year=2020",))).send
    result = solve(send.problem)
    assert result.option_open.tolist() == [True] and send.problem.rejoins.count
    plan = Replacing(send.problem, result).without([0])
    assert plan.status == "optimal"
    model = build_model(send.problem.closing([0]))
    rows = model.matrix @ values_from_plan(model, plan)
    assert np.all(rows >= model.row_lower - 1e-6) and np.all(rows <= model.row_upper + 1e-6)
    # With it: each year 2 Year 2 pupils at the SRP (£40,000); Year 3 is last year's pupils at
    # the primary school in the first year (£60,000), then those who moved on to the junior
    # school (£50,000): £100,000 + £90,000 + £90,000 = £280,000. Without it the primary school
    # takes the Year 2 pupils and keeps them: 4 a year at £30,000 for 3 years = £360,000, and
    # nobody moves on to the junior school.
    assert result.objective == pytest.approx(280_000) and plan.objective == pytest.approx(360_000)
    assert plan.unplaced.sum() == pytest.approx(0)
    junior = send.arcs["facility"].to_numpy() == list(send.facilities.table["facility_id"]).index("J")
    assert result.flow[junior].sum() == pytest.approx(4) and plan.flow[junior].sum() == pytest.approx(0)


@pytest.mark.slow
def test_birminghams_default_plan_builds_though_its_movers_shares_add_up_past_one(tmp_path):
    """Birmingham's movers' shares of a group sum to 1 + 2e-16 in floating point; the model
    takes them as the 1 they are (the national sweep stopped on it before)."""
    from placeplan.databuild import build_dataset
    from placeplan.pipeline import load_inputs
    from placeplan.plan.run import prepare

    build_dataset(["Birmingham"], tmp_path / "birmingham")
    send = prepare(load_inputs(str(tmp_path / "birmingham"))).send
    share = send.problem.rejoins.share
    assert len(share) and share.max() <= 1.0 and share.min() > 0
