"""placeplan solve on the tiny borough, with optima worked out by hand.

One plan year (2026/27), no growth, no discounting and no transport cost, so every cost is a
place cost and can be added up on paper. The 26 pupils:

* SEMH secondary: 8 (Z1 2, Z4 6). Only option O1 (a SEMH SRP, 6-12 places in steps of 2,
  £150,000 + £5,000 a place, £16,000 a place a year) admits them. At 8 places it costs
  150,000 + 40,000 + 128,000 = £318,000 against 8 x £64,000 = £512,000 out of area.
* ASD, SLCN and SLD: 18 (primary ASD 9, primary SLCN 3, secondary ASD 5, secondary SLD 1).
  Elm SRP takes 4 primary ASD at £16,000, Oak Special 10 at £23,900: £64,000 + £239,000.
  The other 4 go out of area at £64,000 each (£256,000), because the Oak expansion (4 places
  at £60,000 capital + £23,900 a year each, £335,600) costs more. Hill House independent
  costs the same as out of area, so placements there are never better.

Total £877,000.
"""

from __future__ import annotations

import functools
import json
import operator

import numpy as np
import pandas as pd
import pytest
from conftest import ALL_PLACES_FROM_OPENING, run_cli

from placeplan.cli import exit_code
from placeplan.pipeline import load_inputs
from placeplan.plan import NoPlanError, solve_scenario

# Decided in 2024/25, so that every option's lead time (two years for the Oak expansion) lets
# it open in 2026/27, and no running cost of a unit beyond its places (the defaults' £48,000
# a year for an SRP would make O1 cost £366,000), and every place there from opening (the
# phased intake would leave O1 with 2 of its 8 places in its first year):
# tests/test_costs_hosts_timing.py and tests/test_intake.py check those by hand.
HAND = [
    "horizon.first_year=2026",
    "horizon.years=1",
    "demand.growth={default = 0.0}",
    "costs.discount_rate=0",
    "costs.transport_per_pupil=0",
    "horizon.decision_year=2024",
    "costs.annual_fixed_cost={srp = 0, esta = 0}",
    "solve.explain=false",
    ALL_PLACES_FROM_OPENING,
]


def solved(scenario, *extra: str, explain: bool = False):
    inputs = load_inputs(scenario, (*HAND, *extra))
    return solve_scenario(inputs, with_explain=explain)


def chosen(result) -> dict[str, int]:
    table = result.options
    return dict(zip(table.loc[table["chosen"], "option_id"], table.loc[table["chosen"], "places"]))


def test_hand_checked_optimum(tiny_scenario):
    result = solved(tiny_scenario)
    assert result.summary.status == "optimal"
    assert result.summary.objective == pytest.approx(877_000, abs=1e-3)
    assert chosen(result) == {"O1": 8}
    terms = result.summary.terms
    assert terms["capital_fixed"] + terms["capital_places"] == pytest.approx(190_000)
    assert terms["places_new"] == pytest.approx(128_000)
    assert terms["placements_existing"] == pytest.approx(64_000 + 239_000)
    assert terms["fallback"] == pytest.approx(256_000)
    assert sum(terms.values()) == pytest.approx(result.summary.objective)


def test_reasons_for_options_not_chosen(tiny_scenario):
    table = solved(tiny_scenario).options.set_index("option_id")
    assert table.loc["O2", "reason_not_chosen"].startswith("not worth its cost")
    assert table.loc["O3", "reason_not_chosen"].startswith("ineligible host")


def test_oversubscription_rule_off_opens_the_esta(tiny_scenario):
    # O3, a primary ESTA for ASD/SLCN/MLD at a host with 0.8 first preferences per place,
    # costs £12,000 a place in its first year (£2,000 capital + £10,000), less than Oak's
    # £23,900: at 8 places (50,000 + 16,000 + 80,000) it takes the 8 primary pupils Elm
    # cannot, and Oak takes the 6 secondary ones, so nobody goes out of area:
    # 318,000 + 64,000 + 6 x 23,900 + 146,000 = £671,400.
    # The tiny borough records no settings ("any" specialist place), which an ESTA may not
    # take by default; the scenario here lets ESTAs take resourced places too.
    result = solved(tiny_scenario, "rules.host_preference=ignore", 'settings.serves={esta = ["enhanced", "resourced"]}')
    assert chosen(result) == {"O1": 8, "O3": 8}
    assert result.summary.objective == pytest.approx(671_400)


def test_by_default_an_esta_takes_no_pupil_who_needs_a_specialist_place(tiny_scenario):
    result = solved(tiny_scenario, "rules.host_preference=ignore")
    assert "O3" not in chosen(result)
    assert result.summary.objective == pytest.approx(877_000)


def test_without_fallback_the_independent_school_takes_the_rest(tiny_scenario):
    # Hill House costs what an out-of-area place costs; with no out-of-area places the 4
    # pupils go there, still cheaper than the Oak expansion.
    result = solved(tiny_scenario, "rules.allow_fallback=false")
    assert chosen(result) == {"O1": 8}
    assert result.summary.objective == pytest.approx(877_000)
    allocation = result.allocation
    assert allocation.loc[allocation["facility_id"] == "S3", "pupils"].sum() == pytest.approx(4)
    assert allocation.loc[allocation["facility_id"] == "", "pupils"].sum() == pytest.approx(0)


def test_no_plan_names_who_cannot_be_placed(tiny_scenario):
    # Secondary journeys of at most 5 minutes (1.5 km in a straight line): the SEMH pupils
    # of Z1 (North End) reach nothing, and may not go out of area.
    with pytest.raises(NoPlanError) as caught:
        solved(tiny_scenario, "rules.allow_fallback=false", "travel.max_minutes.secondary=5")
    assert exit_code(caught.value) == 3
    assert "Z1" in str(caught.value)


def test_budget_rules_out_the_srp(tiny_scenario):
    result = solved(tiny_scenario, "rules.capital_budget=150000")
    assert chosen(result) == {}
    reason = result.options.set_index("option_id").loc["O1", "reason_not_chosen"]
    assert reason.startswith("over budget")


def test_forced_open_option_opens(tiny_scenario):
    result = solved(tiny_scenario, 'rules.force_open=["O2"]')
    assert "O2" in chosen(result)


def test_unknown_forced_option_is_a_scenario_error(tiny_scenario):
    result = run_cli(
        [
            "solve",
            str(tiny_scenario),
            *functools.reduce(operator.iadd, (["--set", s] for s in HAND), []),
            "--set",
            'rules.force_open=["O7"]',
        ]
    )
    assert result.exit_code == 2
    assert "rules.force_open" in result.output and "'O7'" in result.output
    assert "Traceback" not in result.output


def test_every_pupil_is_placed_or_reported_unplaced_within_capacity_and_limits(tiny_scenario):
    inputs = load_inputs(tiny_scenario, ("solve.explain=false",))
    result = solve_scenario(inputs)
    allocation = result.allocation
    demand = result.send.members  # each group's pupils in every year they are there
    assert allocation["pupils"].sum() == pytest.approx(demand["pupils"].sum(), rel=1e-6)
    by_need_year = allocation.groupby(["need", "year"])["pupils"].sum()
    expected = demand.groupby(["need", "year"])["pupils"].sum()
    assert np.allclose(by_need_year.reindex(expected.index).to_numpy(), expected.to_numpy(), rtol=1e-6)
    sites = inputs.dataset["sites"].set_index("site_id")["capacity"]
    placed = allocation[allocation["facility_id"] != ""]
    load = placed.groupby(["facility_id", "year"])["pupils"].sum()
    for (facility, _year), pupils in load.items():
        if facility in sites.index:
            assert pupils <= sites[facility] + 1e-6
    limits = inputs.scenario.scenario.phase_limits
    assert (placed["minutes"] <= placed["phase"].map(limits) + 1e-6).all()


def test_solve_command_writes_its_outputs(tiny_scenario, tmp_path):
    out = tmp_path / "out"
    result = run_cli(
        [
            "solve",
            str(tiny_scenario),
            "--out",
            str(out),
            *functools.reduce(operator.iadd, (["--set", s] for s in HAND if s != "solve.explain=false"), []),
        ]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "optimal" and summary["objective"] == pytest.approx(877_000)
    explain = pd.read_csv(out / "explain.csv")
    row = explain.set_index("option_id").loc["O1"]
    # Without O1 its 8 SEMH pupils go out of area: 512,000 - 318,000 more.
    assert row["cost_increase"] == pytest.approx(194_000, abs=1)
    assert "independent or out-of-area" in row["instead"]
    assert float(row["to_independent_or_out_of_area"]) > 0 and row["status"] == "optimal"
    allocation = pd.read_csv(out / "allocation.csv")
    assert (allocation["marking"] == "OFFICIAL-SENSITIVE: internal, not for publication").all()
    options = pd.read_csv(out / "options.csv")
    assert set(options["option_id"]) == {"O1", "O2", "O3"}


def test_solve_exit_code_3_without_a_plan(tiny_scenario, tmp_path):
    result = run_cli(
        [
            "solve",
            str(tiny_scenario),
            "--out",
            str(tmp_path / "o"),
            *functools.reduce(operator.iadd, (["--set", s] for s in HAND), []),
            "--set",
            "rules.allow_fallback=false",
            "--set",
            "travel.max_minutes.secondary=5",
        ]
    )
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "o" / "summary.json").exists()


def test_same_inputs_same_plan(tiny_scenario):
    first = solved(tiny_scenario, "horizon.years=3", "demand.growth={default = 0.1}")
    second = solved(tiny_scenario, "horizon.years=3", "demand.growth={default = 0.1}")
    pd.testing.assert_frame_equal(first.allocation, second.allocation)
    pd.testing.assert_frame_equal(first.options, second.options)


def test_cp_sat_on_fractional_demand_is_refused_clearly(tiny_scenario):
    result = run_cli(["solve", str(tiny_scenario), "--solver", "cp-sat", "--no-outputs", "--no-explain"])
    assert result.exit_code == 2
    assert "CP-SAT" in result.output and "highs or scip" in result.output
    assert "Traceback" not in result.output and "internal error" not in result.output


# --- invariants on a real council built from open data --------------------------------------


@pytest.fixture(scope="module")
def rutland(tmp_path_factory):
    """Rutland from open data, planned over three years with a small budget."""
    from placeplan.databuild import build_dataset

    root = tmp_path_factory.mktemp("rutland")
    build_dataset(["Rutland"], root / "rutland")
    scenario = root / "rutland.toml"
    scenario.write_text(
        'name = "Rutland"\ndataset = "rutland"\n[horizon]\nyears = 3\n'
        "[rules]\ncapital_budget = 600_000\n[solve]\nexplain = false\n",
        encoding="utf-8",
    )
    inputs = load_inputs(scenario)
    return inputs, solve_scenario(inputs)


def test_real_council_plan_keeps_every_rule(rutland):
    inputs, solved = rutland
    result, send = solved.result, solved.send
    assert result.has_plan and solved.summary.status in ("optimal", "feasible")
    # every pupil placed once or reported unplaced, group by group
    placed = np.bincount(send.arcs["group"], weights=result.flow, minlength=len(send.groups))
    assert np.allclose(placed + result.unplaced, send.groups["pupils"], atol=1e-6)
    # no facility over capacity in any year
    load = result.load()
    E = send.facilities.site_count
    capacity = send.facilities.sites["capacity"].to_numpy()
    assert (load[:E] <= capacity[:, None] + 1e-6).all()
    size = np.nan_to_num(result.option_size)
    assert (load[E:] <= size[:, None] + 1e-6).all()
    # no arc beyond its phase's travel limit
    used = send.arcs[result.flow > 1e-9]
    limits = send.groups["phase"].map(inputs.scenario.scenario.phase_limits).to_numpy()[used["group"]]
    assert (used["minutes"].to_numpy() <= limits + 1e-9).all()
    # the capital budget
    assert solved.summary.capital_spent <= 600_000 + 1e-6
    # every option not chosen says why
    options = solved.options
    assert (options.loc[~options["chosen"], "reason_not_chosen"] != "").all()


def test_real_council_plan_repeats_exactly(rutland):
    inputs, solved = rutland
    again = solve_scenario(inputs)
    pd.testing.assert_frame_equal(solved.allocation, again.allocation)
    assert again.summary.objective == solved.summary.objective


def test_without_the_search_the_first_plan_is_returned_with_a_true_gap():
    """search=False stops at the LP strategy's first plan (the dive's): never better than
    the optimum, its bound never above it, its gap the distance between the two."""
    import numpy as np

    from placeplan.optimise import Arcs, Existing, Groups, Options, Problem
    from placeplan.optimise import solve as solve_core

    rng = np.random.default_rng(3)
    groups = 12
    problem = Problem.make(
        groups=Groups.make(rng.uniform(2, 9, groups), period=np.repeat([0, 1, 2], 4), fallback_cost=[80.0] * groups),
        existing=Existing.make([[10.0, 10.0, 10.0]]),
        options=Options.make(
            rng.uniform(8, 16, 6).round(),
            min_size=[4.0] * 6,
            step=[2.0] * 6,
            fixed_cost=rng.uniform(50, 150, 6),
            cost_per_place=[5.0] * 6,
        ),
        arcs=Arcs.dense(rng.uniform(1, 10, (groups, 7))),
    )
    best = solve_core(problem)
    first = solve_core(problem, search=False)
    assert first.objective >= best.objective - 1e-6
    assert first.best_bound <= best.objective + 1e-6
    assert first.gap == pytest.approx((first.objective - first.best_bound) / first.objective, abs=1e-9)
    assert solve_core(problem, search=False).objective == first.objective


def test_without_the_search_the_plan_is_made_by_lps_alone_and_no_clock_moves_it(monkeypatch):
    """search=False: the dive rounds openings and then sizes by LPs only (lp_dive), so its
    plan is whole, the same whatever the time limit, and never asks the MIP solver."""
    import numpy as np

    from placeplan.optimise import Arcs, Existing, Groups, Options, Problem, backend
    from placeplan.optimise import solve as solve_core

    rng = np.random.default_rng(11)
    groups = 16
    problem = Problem.make(
        groups=Groups.make(rng.uniform(2, 9, groups), period=np.repeat([0, 1, 2, 3], 4), fallback_cost=[90.0] * groups),
        existing=Existing.make([[12.0] * 4]),
        options=Options.make(
            rng.uniform(8, 20, 8).round(),
            min_size=[4.0] * 8,
            step=[2.0] * 8,
            fixed_cost=rng.uniform(40, 160, 8),
            cost_per_place=[6.0] * 8,
        ),
        arcs=Arcs.dense(rng.uniform(1, 12, (groups, 9))),
    )
    mip_calls = []
    run = backend.run

    def counting(model, **kwargs):
        if not kwargs.get("relax"):
            mip_calls.append(kwargs)
        return run(model, **kwargs)

    monkeypatch.setattr(backend, "run", counting)
    plans = [solve_core(problem, search=False, time_limit=limit) for limit in (None, 30.0, 3000.0)]
    assert not [c for c in mip_calls if c.get("lower") is not None], "the dive asked the MIP solver"
    first = plans[0]
    assert first.has_plan and first.status.value in ("optimal", "feasible")
    for other in plans[1:]:
        assert other.objective == first.objective
        assert np.array_equal(other.option_period, first.option_period)
        assert np.array_equal(other.option_size, first.option_size, equal_nan=True)
    opened = first.option_period >= 0
    sizes = first.option_size[opened]
    assert np.allclose((sizes - 4.0) / 2.0, np.round((sizes - 4.0) / 2.0))  # whole steps above the minimum
    assert first.objective >= solve_core(problem).objective - 1e-6
