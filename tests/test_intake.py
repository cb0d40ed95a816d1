"""A new provision's phased intake, by hand: it opens with some of its places and grows.

In the core: an option of 10 places with intake 0.4, 0.7 has 4, 7 and then 10 places in its
first three periods open; those are what it can hold, what its minimum occupancy is a share
of and what its per-place annual cost is paid on.

End to end: one zone with 14 SLD primary pupils a year placed afresh, and a 14-place SRP
with Kent's intake (4, 8 and 12 of its 14 places in its first three years, the default):
it takes 4, 8, 12 and then 14 pupils, options.csv gives its intake, and the report's "How
each new provision fills" draws those places.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import ALL_PLACES_FROM_OPENING, one_zone_case, run_cli

from placeplan import intake
from placeplan.optimise import Arcs, Groups, Options, Periods, Problem, ProblemError, solve
from placeplan.optimise.lagrange import applicable
from placeplan.optimise.preprocess import shortfalls
from placeplan.outputs.by_year import filling_table
from placeplan.outputs.facts import gather
from placeplan.outputs.folder import read_plan_folder
from placeplan.outputs.public import protect_plan
from placeplan.outputs.shortlist import shortlist


def _growing(demand: float, *, min_occupancy: float = 0.0) -> Problem:
    """Three periods (weights 1), ``demand`` units each period placed afresh, fallback 50 a
    unit; one option of 10 places, intake 0.4 then 0.7, 1 a place a year, arcs free."""
    return Problem.make(
        periods=Periods.make(3),
        groups=Groups.make([demand] * 3, period=[0, 1, 2], fallback_cost=[50] * 3),
        options=Options.make([10], annual_cost_per_place=[1], min_occupancy=[min_occupancy], intake=[[0.4, 0.7]]),
        arcs=Arcs.make([0, 1, 2], [0, 0, 0], [0, 0, 0]),
    )


def test_an_option_has_its_intakes_share_of_places_by_hand():
    # Opened in period 0: 4, 7 and 10 places; 6 + 3 units fall back (450) and the places
    # cost 4 + 7 + 10 = 21. Opening later only leaves more to fall back; never: 1,500.
    result = solve(_growing(10))
    assert result.option_period[0] == 0 and result.option_size[0] == pytest.approx(10)
    assert result.flow == pytest.approx([4, 7, 10])
    assert result.terms["annual_places"] == pytest.approx(21)
    assert result.terms["fallback"] == pytest.approx(450)
    assert result.objective == pytest.approx(471)


def test_minimum_occupancy_is_a_share_of_the_places_it_has_by_hand():
    # 5 units a period and every place it has filled: opened in period 0 or 1 it would have 7
    # places in a later period, more than 5 can fill; opened in period 2 it has 4.
    # 2 x 5 x 50 + 4 + 1 x 50 = 554, against 750 with nothing open.
    result = solve(_growing(5, min_occupancy=1.0))
    assert result.option_period[0] == 2
    assert result.objective == pytest.approx(554)


def test_a_shortfall_counts_only_the_places_an_option_has_by_then():
    # 10 units a period that may not fall back; the option has 5 of its 10 places in its
    # first period open, so 5 cannot be placed in period 0 whatever the plan
    problem = Problem.make(
        periods=Periods.make(2),
        groups=Groups.make([10, 10], period=[0, 1]),
        options=Options.make([10], intake=[[0.5]]),
        arcs=Arcs.make([0, 1], [0, 0]),
    )
    [found] = shortfalls(problem)
    assert (found.period, found.demand, found.capacity) == (0, 10, 5)
    assert solve(problem).status == "infeasible"


def test_an_intake_must_be_shares_that_never_fall():
    for shares, expected in (([0.5, 0.3], "must not fall"), ([0.0, 1.0], "above 0"), ([1.2], "above 0")):
        with pytest.raises(ProblemError, match=expected):
            Problem.make(groups=Groups.make([1]), options=Options.make([10], intake=[shares]), arcs=Arcs.make([0], [0]))


def test_the_one_period_lagrangian_leaves_a_phased_intake_to_the_mip():
    whole = Problem.make(groups=Groups.make([1]), options=Options.make([10]), arcs=Arcs.make([0], [0]))
    phased = Problem.make(groups=Groups.make([1]), options=Options.make([10], intake=[[0.5]]), arcs=Arcs.make([0], [0]))
    assert applicable(whole) and not applicable(phased)


def test_intake_text_round_trips_and_refuses_what_is_not_one():
    shares = (4 / 14, 8 / 14, 12 / 14)
    assert intake.as_text(shares) == "0.285714 0.571429 0.857143"
    assert intake.from_text("0.285714 0.571429 0.857143") == pytest.approx(shares, abs=1e-6)
    assert intake.from_text("") == () and intake.from_text(float("nan")) == ()
    assert [intake.share_in_year((0.5,), j) for j in (-1, 0, 1, 5)] == [0.0, 0.5, 1.0, 1.0]
    for text in ("0.5 0.2", "0 1", "1.5", "half"):
        with pytest.raises(ValueError):
            intake.from_text(text)


TABLES = {
    "demand.csv": "zone_id,need,ncy,pupils\nZ1,SLD,3,14\n",
    "sites.csv": (
        "site_id,name,kind,x,y,needs,ncy_min,ncy_max,capacity,on_roll,annual_cost_per_place\n"
        "S1,Far Hall (independent),independent,521000,170000,ALL,0,14,20,14,64000\n"
    ),
    "candidates.csv": (
        "option_id,name,kind,x,y,needs,ncy_min,ncy_max,min_places,max_places,capital_fixed,"
        "capital_per_place,annual_cost_per_place,annual_fixed_cost,earliest_year\n"
        "R1,Elm SRP,srp,520500,170000,SLD,1,6,14,14,0,0,10000,0,2025\n"
    ),
}
SCENARIO = (
    'name = "Intake by hand"\ndataset = "data"\n\n[horizon]\nfirst_year = 2025\nyears = 4\n'
    'decision_year = 2020\n\n[demand]\nmethod = "growth"\ngrowth = { default = 0.0 }\n\n'
    '[costs]\ndiscount_rate = 0\ntransport_per_pupil = 0\n\n[rules]\npupils_stay = false\nhost_preference = "ignore"\n'
)


@pytest.fixture
def case(tmp_path):
    return one_zone_case(tmp_path, TABLES, SCENARIO)


def _solve(scenario, out, *extra):
    result = run_cli(["solve", str(scenario), "--out", str(out), "--no-explain", *extra])
    assert result.exit_code == 0, result.output
    allocation = pd.read_csv(out / "allocation.csv", dtype={"facility_id": str}, keep_default_na=False)
    at_r1 = allocation[allocation["facility_id"] == "R1"].groupby("year")["pupils"].sum()
    return at_r1.reindex([2025, 2026, 2027, 2028], fill_value=0.0).round(6).tolist()


def test_a_new_srp_fills_over_its_first_years(case, tmp_path):
    # Kent's shares of 14 places: 4, 8, 12, then all 14; the SRP's places cost 10,000 each
    # a year on the places it has, against 64,000 for each pupil away.
    # 10,000 x (4 + 8 + 12 + 14) + 64,000 x (10 + 6 + 2) = 380,000 + 1,152,000
    assert _solve(case, tmp_path / "out") == pytest.approx([4, 8, 12, 14])
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["objective"] == pytest.approx(1_532_000)
    assert summary["terms"]["places_new"] == pytest.approx(380_000)
    options = pd.read_csv(tmp_path / "out" / "options.csv", keep_default_na=False).set_index("option_id")
    assert options.loc["R1", "intake"] == "0.285714 0.571429 0.857143"
    assert options.loc["R1", "opening_year"] == 2025 and options.loc["R1", "places"] == 14
    facts = gather(read_plan_folder(tmp_path / "out"))
    _, places = filling_table(facts, shortlist(facts, protect_plan(facts)))
    assert places.tolist() == [[4, 8, 12, 14]]


def test_without_a_phased_intake_it_is_full_from_opening(case, tmp_path):
    # 10,000 x 14 x 4 years
    assert _solve(case, tmp_path / "out", "--set", ALL_PLACES_FROM_OPENING) == pytest.approx([14, 14, 14, 14])
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["objective"] == pytest.approx(560_000)
    options = pd.read_csv(tmp_path / "out" / "options.csv", keep_default_na=False).set_index("option_id")
    assert options.loc["R1", "intake"] == ""


def test_a_scenarios_intake_that_falls_is_refused_with_its_key(case, tmp_path):
    result = run_cli(
        ["solve", str(case), "--out", str(tmp_path / "out"), "--set", "rules.phased_intake={srp = [0.5, 0.25]}"]
    )
    assert result.exit_code == 2
    assert "phased_intake" in result.output and "falls from one year to the next: 0.5, 0.25" in result.output
    assert not (tmp_path / "out").exists()
