"""The optimiser core: hand-checked cases, special cases, properties against brute force,
and small OR-Library instances against their published optima."""

from __future__ import annotations

import csv
import dataclasses
import importlib
import itertools
import math
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from placeplan.cli import exit_code
from placeplan.optimise import (
    FORMULATION,
    TERMS,
    Arcs,
    Existing,
    Groups,
    InfeasibleError,
    Options,
    Periods,
    Problem,
    ProblemError,
    Rules,
    Status,
    build_model,
    cflp,
    p_median,
    shortfalls,
    solve,
)
from placeplan.optimise.branch import Probe, branch_and_bound
from placeplan.optimise.formulation import usable_arcs
from placeplan.optimise.interchange import interchange
from placeplan.optimise.lagrange import Lagrangian, _by_facility_then_cost, objective_step, plan_cost, round_bound
from placeplan.optimise.orlib import read_cap, read_pmed
from placeplan.optimise.preprocess import cheapest_placement

ORLIB = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks" / "orlib"
needs_orlib = pytest.mark.skipif(not ORLIB.is_dir(), reason="shared OR-Library data not present")


def optima() -> dict[str, float]:
    with open(ORLIB / "OPTIMA.csv", newline="") as handle:
        return {
            row["instance"]: float(row["optimal_value"])
            for row in csv.DictReader(handle)
            if row["problem"] in ("CFLP", "p-median")
        }


# --- hand-checked cases ---------------------------------------------------------------------


def test_uncapacitated_choice_by_hand():
    # Two sites, two demand points of 1 unit. Site A: fixed 8, site B: fixed 10.
    # Costs per unit: point 0 -> A 1, -> B 5; point 1 -> A 5, -> B 1.
    # A only: 8 + 1 + 5 = 14; B only: 10 + 5 + 1 = 16; both: 18 + 2 = 20. Optimum 14, A only.
    problem = cflp([np.inf, np.inf], [8, 10], [1, 1], [[1, 5], [5, 1]])
    result = solve(problem)
    assert result.status == Status.OPTIMAL
    assert result.objective == pytest.approx(14)
    assert list(result.option_open) == [True, False]
    assert result.terms["capital_fixed"] == pytest.approx(8)
    assert result.terms["arcs"] == pytest.approx(6)


def test_capacity_forces_a_split_by_hand():
    # One group of 5 units; option A holds 3 (free to open, 1 a unit), option B holds 10
    # (fixed 20, 2 a unit); no fallback. A alone cannot hold 5, so B opens: the cheapest is
    # 3 at A (3) + 2 at B (4) + 20 = 27 (all at B: 10 + 20 = 30).
    problem = Problem.make(
        groups=Groups.make([5]),
        options=Options.make([3, 10], fixed_cost=[0, 20]),
        arcs=Arcs.make([0, 0], [0, 1], [1, 2]),
    )
    result = solve(problem)
    assert result.objective == pytest.approx(27)
    assert result.flow == pytest.approx([3, 2])
    assert result.unplaced == pytest.approx([0])


def _fallback_case(fixed: float, budget: float = np.inf) -> Problem:
    # existing site holds 2 (1 a unit); option holds 3 (1 a unit, fixed `fixed`);
    # 5 units of demand; fallback 10 a unit.
    return Problem.make(
        groups=Groups.make([5], fallback_cost=[10]),
        existing=Existing.make([2]),
        options=Options.make([3], fixed_cost=[fixed]),
        arcs=Arcs.make([0, 0], [0, 1], [1, 1]),
        rules=Rules(capital_budget=budget),
    )


def test_fallback_against_opening_by_hand():
    # without the option: 2 * 1 + 3 * 10 = 32; with it: 25 + 5 * 1 = 30 -> open.
    opened = solve(_fallback_case(25))
    assert opened.objective == pytest.approx(30) and opened.option_open[0]
    assert opened.unplaced.sum() == pytest.approx(0)
    # fixed 29: 29 + 5 = 34 > 32 -> keep 3 units unplaced, reported, never hidden.
    kept = solve(_fallback_case(29))
    assert kept.objective == pytest.approx(32) and not kept.option_open[0]
    assert kept.unplaced == pytest.approx([3])
    assert kept.terms["fallback"] == pytest.approx(30)
    # a budget of 20 forbids the 25 option: back to 32.
    assert solve(_fallback_case(25, budget=20)).objective == pytest.approx(32)


def test_when_and_how_big_by_hand():
    # Two periods (weights 1). One option: sizes 2, 4 or 6 (min 2, step 2), fixed 10,
    # capital 1 a place, 2 a place a year open. Period 0: 1 unit (fallback 5); period 1:
    # 5 units (fallback 20); arcs cost 1 a unit.
    #   open in 0 at 6: 10 + 6 + 6*2*2 + 1 + 5 = 46
    #   open in 1 at 6: 10 + 6 + 6*2 + 5 (period 0 falls back) + 5 = 38  <- optimum
    #   open in 1 at 4: 10 + 4 + 8 + 5 + 4 + 1*20 = 51; never: 5 + 100 = 105
    problem = Problem.make(
        periods=Periods.make(2),
        groups=Groups.make([1, 5], period=[0, 1], fallback_cost=[5, 20]),
        options=Options.make(
            [6], min_size=[2], step=[2], fixed_cost=[10], cost_per_place=[1], annual_cost_per_place=[2]
        ),
        arcs=Arcs.make([0, 1], [0, 0], [1, 1]),
    )
    result = solve(problem)
    assert result.objective == pytest.approx(38)
    assert result.option_period[0] == 1 and result.option_size[0] == pytest.approx(6)
    assert result.terms == pytest.approx(
        {"capital_fixed": 10, "capital_places": 6, "annual_places": 12, "annual_fixed": 0, "arcs": 5, "fallback": 5}
    )
    assert result.unplaced == pytest.approx([1, 0])


def test_discounting_and_earliest_period():
    # The same option may only open from period 1: the plan of 38 is still possible.
    problem = Problem.make(
        periods=Periods.make(2, weight=[1, 0.5]),
        groups=Groups.make([1, 5], period=[0, 1], fallback_cost=[5, 20]),
        options=Options.make([6], min_size=[2], step=[2], earliest=[1], fixed_cost=[10]),
        arcs=Arcs.make([0, 1], [0, 0], [1, 1]),
    )
    result = solve(problem)
    # open in 1 at 6: 10 + 0.5 * 5 (arcs) + 5 (fallback in period 0) = 17.5
    assert result.objective == pytest.approx(17.5)
    assert result.option_period[0] == 1


def test_minimum_occupancy_limits_the_size():
    # 5 units, option of 1..10 places (step 1), 80% minimum occupancy, 1 a place capital,
    # fixed 1, fallback 100: the option opens at the largest size it can fill 80% of
    # and that holds everything: 5 places (6 places need 4.8 <= 5 filled but cost more).
    problem = Problem.make(
        groups=Groups.make([5], fallback_cost=[100]),
        options=Options.make([10], min_size=[1], step=[1], fixed_cost=[1], cost_per_place=[1], min_occupancy=[0.8]),
        arcs=Arcs.make([0], [0], [0]),
    )
    result = solve(problem)
    assert result.objective == pytest.approx(6)
    assert result.option_size[0] == pytest.approx(5)
    # with only 2 units of demand and a minimum size of 4 at 80%, it cannot open.
    small = Problem.make(
        groups=Groups.make([2], fallback_cost=[100]),
        options=Options.make([10], min_size=[4], step=[1], min_occupancy=[0.8]),
        arcs=Arcs.make([0], [0], [0]),
    )
    assert not solve(small).option_open[0]


def test_a_step_larger_than_the_range_leaves_the_minimum_size():
    # sizes 5 + 4k up to 7: only 5 places. 6 units (fallback 100): 1 + 5 + 5 + 100 = 111,
    # never the 7 places max_size names (the Lagrangian stage once assumed those: 14).
    problem = Problem.make(
        groups=Groups.make([6], fallback_cost=[100]),
        options=Options.make([7], min_size=[5], step=[4], fixed_cost=[1], cost_per_place=[1]),
        arcs=Arcs.make([0], [0], [1]),
    )
    result = solve(problem)
    assert result.objective == pytest.approx(111) and result.option_size[0] == pytest.approx(5)
    assert result.unplaced == pytest.approx([1])


def test_forced_excluded_and_count_rules():
    cost = [[1, 2, 3], [3, 2, 1]]
    base = {"capacity": None}
    del base
    free = solve(p_median(cost, [1, 1], 2))
    assert free.objective == pytest.approx(2) and list(free.option_open) == [True, False, True]
    forced = solve(p_median(cost, [1, 1], 2, fixed_open=[1]))
    # site 1 forced: the other is 0 (cost 1 + 2) or 2 (2 + 1): 3
    assert forced.objective == pytest.approx(3) and forced.option_open[1]
    problem = Problem.make(
        groups=Groups.make([1, 1]),
        options=Options.make(count=3, excluded=[True, False, False]),
        arcs=Arcs.dense(cost),
        rules=Rules(max_options=1),
    )
    result = solve(problem)
    assert not result.option_open[0] and result.option_open.sum() == 1
    assert result.objective == pytest.approx(4)


# --- classic special cases ------------------------------------------------------------------


def test_p_median_on_a_line():
    # points 0, 1, 2, 10, 11 (weights 1, 1, 1, 1, 2), p = 2, site 0 fixed open: the other
    # median is 11 (10 -> 11 costs 1) rather than 10 (11 -> 10 costs 2); 1 + 2 + 1 = 4.
    xs = np.array([0, 1, 2, 10, 11], float)
    cost = np.abs(xs[:, None] - xs[None, :])
    result = solve(p_median(cost, [1, 1, 1, 1, 2], 2, fixed_open=[0]))
    assert result.objective == pytest.approx(4)
    assert list(np.flatnonzero(result.option_open)) == [0, 4]
    free = solve(p_median(cost, [1, 1, 1, 1, 2], 2))
    assert free.objective == pytest.approx(3)  # medians 1 and 11


def test_capacitated_p_median():
    xs = np.array([0, 1, 2, 10, 11], float)
    cost = np.abs(xs[:, None] - xs[None, :])
    # capacity 3 per site, 5 units: p = 2 must split 3 + 2; medians 1 (0,1,2) and 10 or 11.
    result = solve(p_median(cost, np.ones(5), 2, capacity=3))
    assert result.objective == pytest.approx(3)
    assert result.load().max() <= 3 + 1e-9


# --- infeasibility --------------------------------------------------------------------------


def test_infeasible_before_solving_names_the_groups():
    problem = Problem.make(
        groups=Groups.make([5, 5, 3, 2], ids=["a", "b", "c", "lonely"]),
        options=Options.make([4, 10], ids=["small", "big"]),
        arcs=Arcs.make([0, 1, 2], [0, 0, 1], [1, 1, 1]),
    )
    found = shortfalls(problem)
    assert {(s.groups, s.facilities) for s in found} == {((3,), ()), ((0, 1), (0,))}
    result = solve(problem)
    assert result.status == Status.INFEASIBLE and not result.has_plan
    text = result.explain()
    assert "lonely" in text and "a, b" in text and "small" in text
    with pytest.raises(InfeasibleError) as caught:
        result.raise_if_infeasible()
    assert exit_code(caught.value) == 3 and len(caught.value.shortfalls) == 2


def test_infeasible_proved_by_the_solver():
    # enough places, but the only option that can hold them is over budget
    problem = Problem.make(
        groups=Groups.make([5]),
        options=Options.make([10], fixed_cost=[50]),
        arcs=Arcs.make([0], [0], [1]),
        rules=Rules(capital_budget=10),
    )
    assert shortfalls(problem) == []
    result = solve(problem)
    assert result.status == Status.INFEASIBLE and "budget" in result.message


def test_bad_arrays_are_all_reported():
    with pytest.raises(ProblemError) as caught:
        Problem.make(
            groups=Groups.make([1, -1]),
            options=Options.make([1], min_size=[2]),
            arcs=Arcs.make([0, 5], [0, 3], [1, np.nan]),
        )
    text = str(caught.value)
    for part in ("groups.demand", "options.min_size", "arcs.group", "arcs.facility", "arcs.cost"):
        assert part in text


# --- model, solvers, determinism -------------------------------------------------------------


def test_model_is_inspectable_without_solving():
    problem = cflp([10, 10], [5, 5], [4, 4, 4], np.ones((3, 2)))
    model = build_model(problem)
    assert model.families["x"].stop - model.families["x"].start == 6
    assert model.row_families["demand"].stop - model.row_families["demand"].start == 3
    assert model.size()["integer_variables"] == 2
    assert "linking" in model.summary()
    assert set(model.terms) == set(TERMS)
    assert r"\min" in FORMULATION and "minimum occupancy" in FORMULATION


@pytest.mark.parametrize("solver", ["scip", "highs", "cp-sat"])
def test_every_solver_agrees_by_hand(solver):
    result = solve(_fallback_case(25), solver=solver, strategy="direct")
    assert result.status == Status.OPTIMAL
    assert result.objective == pytest.approx(30, rel=1e-6)


def test_direct_and_auto_agree_and_are_deterministic():
    rng = np.random.default_rng(7)
    n, m = 30, 8
    problem = cflp(
        rng.integers(30, 60, m).astype(float),
        rng.integers(50, 150, m).astype(float),
        rng.integers(1, 10, n).astype(float),
        rng.uniform(1, 100, (n, m)),
    )
    a, b = solve(problem), solve(problem)
    direct = solve(problem, strategy="direct")
    assert a.objective == pytest.approx(direct.objective, rel=1e-7)
    assert np.array_equal(a.flow, b.flow) and np.array_equal(a.option_open, b.option_open)
    warm = solve(problem, warm_start=a, strategy="direct")
    assert warm.objective == pytest.approx(a.objective, rel=1e-7)


def test_progress_is_reported():
    events = []
    solve(_fallback_case(25), progress=events.append)
    assert events and events[0]["stage"] == "check"


# --- properties against brute force ---------------------------------------------------------


def _brute_force(problem: Problem) -> float:
    """Enumerate every (opening period, size) per option, price each by one LP."""
    o, T = problem.options, problem.periods.count
    choices = []
    for i in range(o.count):
        mine = [None]
        if not o.excluded[i]:
            sizes = (
                [o.max_size[i]]
                if not np.isfinite(o.max_size[i]) or o.step[i] == 0
                else list(np.arange(o.min_size[i], o.max_size[i] + 1e-9, o.step[i]))
            )
            mine += [(t, s) for t in range(o.earliest[i], T) for s in sizes]
        if o.forced[i]:
            mine = mine[1:]
        choices.append(mine)
    best = math.inf
    for combo in itertools.product(*choices):
        best = min(best, _price(problem, combo))
    return best


def _price(problem: Problem, combo) -> float:
    o, p, g, a, r = problem.options, problem.periods, problem.groups, problem.arcs, problem.rules
    E, T = problem.existing.count, p.count
    opened = [c for c in combo if c is not None]
    if r.max_options is not None and len(opened) > r.max_options:
        return math.inf
    if r.exact_options is not None and len(opened) != r.exact_options:
        return math.inf
    fixed = 0.0
    capital = 0.0
    cap = np.zeros((problem.facility_count, T))
    cap[:E] = problem.existing.capacity
    remaining = np.cumsum(p.weight[::-1])[::-1]
    running = np.zeros(T)
    per_place = r.annual_per_place(o)
    for i, c in enumerate(combo):
        if c is None:
            continue
        t, s = c
        capital += o.fixed_cost[i] + o.cost_per_place[i] * s
        fixed += p.capital_weight[t] * (o.fixed_cost[i] + o.cost_per_place[i] * s) + remaining[t] * (
            o.annual_cost_per_place[i] * s + o.annual_fixed_cost[i]
        )
        running[t:] += per_place[i] * (s if np.isfinite(s) else 0.0) + o.annual_fixed_cost[i]
        cap[E + i, t:] = s
    if capital > r.capital_budget + 1e-9:
        return math.inf
    if any(sum(combo[i] is not None for i in set(group)) > 1 for group in r.exclusive_groups):
        return math.inf
    if r.annual_budget_per_period is not None and np.any(running > np.asarray(r.annual_budget_per_period) + 1e-9):
        return math.inf
    w = p.weight[g.period[a.group]]
    fb = np.isfinite(g.fallback_cost)
    nA, G = a.count, g.count
    cost = np.concatenate([w * a.cost, p.weight[g.period] * np.where(fb, g.fallback_cost, 0)])
    ub = np.concatenate([np.full(nA, np.inf), np.where(fb, np.inf, 0.0)])
    a_eq = sp.hstack([sp.csr_matrix((np.ones(nA), (a.group, np.arange(nA))), shape=(G, nA)), sp.eye(G)])
    key = a.facility * T + g.period[a.group]
    load = sp.csr_matrix((np.ones(nA), (key, np.arange(nA))), shape=(problem.facility_count * T, nA))
    load = sp.hstack([load, sp.csr_matrix((problem.facility_count * T, G))]).tocsr()
    flat = cap.ravel()
    rows, b_ub = [load], [flat]
    occ = np.zeros_like(cap)
    occ[E:] = o.min_occupancy[:, None] * cap[E:]
    rows.append(-load)
    b_ub.append(-occ.ravel())
    res = linprog(
        cost,
        A_ub=sp.vstack(rows),
        b_ub=np.concatenate(b_ub),
        A_eq=a_eq,
        b_eq=g.demand,
        bounds=list(zip(np.zeros(nA + G), ub)),
        method="highs",
    )
    return res.fun + fixed if res.status == 0 else math.inf


@st.composite
def small_problems(draw):
    T = draw(st.integers(1, 2))
    G = draw(st.integers(1, 5))
    E = draw(st.integers(0, 1))
    O = draw(st.integers(1, 3))
    demand = draw(st.lists(st.integers(0, 6), min_size=G, max_size=G))
    period = draw(st.lists(st.integers(0, T - 1), min_size=G, max_size=G))
    fallback = draw(st.lists(st.sampled_from([np.inf, 5.0, 30.0]), min_size=G, max_size=G))
    existing = draw(st.lists(st.integers(0, 5), min_size=E, max_size=E))
    max_size = draw(st.lists(st.sampled_from([2.0, 4.0, 6.0]), min_size=O, max_size=O))
    step = draw(st.lists(st.sampled_from([0.0, 2.0]), min_size=O, max_size=O))
    min_size = [m - s if s else m for m, s in zip(max_size, step)]
    pairs = [(gi, f) for gi in range(G) for f in range(E + O)]
    mask = draw(st.lists(st.booleans(), min_size=len(pairs), max_size=len(pairs)))
    chosen = [pq for pq, keep in zip(pairs, mask) if keep]
    costs = draw(st.lists(st.integers(0, 9), min_size=len(chosen), max_size=len(chosen)))
    options = Options.make(
        max_size,
        min_size=min_size,
        step=step,
        earliest=draw(st.lists(st.integers(0, T - 1), min_size=O, max_size=O)),
        fixed_cost=draw(st.lists(st.integers(0, 20), min_size=O, max_size=O)),
        cost_per_place=draw(st.lists(st.integers(0, 2), min_size=O, max_size=O)),
        annual_cost_per_place=draw(st.lists(st.integers(0, 2), min_size=O, max_size=O)),
        min_occupancy=draw(st.lists(st.sampled_from([0.0, 0.5]), min_size=O, max_size=O)),
    )
    budget = draw(st.sampled_from([np.inf, 20.0]))
    max_options = draw(st.sampled_from([None, 1]))
    return Problem.make(
        periods=Periods.make(T, weight=[1.0, 0.9][:T]),
        groups=Groups.make(demand, period=period, fallback_cost=fallback),
        existing=Existing.make(np.array(existing, float).reshape(E, 1).repeat(T, 1), periods=T),
        options=options,
        arcs=Arcs.make([c[0] for c in chosen], [c[1] for c in chosen], costs),
        rules=Rules(capital_budget=budget, max_options=max_options),
    )


def _check_invariants(problem: Problem, result) -> None:
    o, g, a = problem.options, problem.groups, problem.arcs
    E = problem.existing.count
    tol = 1e-6
    # every unit placed along an arc or reported unplaced; fallback only where allowed
    placed = np.bincount(a.group, weights=result.flow, minlength=g.count)
    assert placed + result.unplaced == pytest.approx(g.demand, abs=tol)
    assert np.all(result.unplaced[~g.fallback_allowed] <= tol)
    # capacity never exceeded; no flow into an option before it opens
    load = result.load()
    cap = np.zeros_like(load)
    cap[:E] = problem.existing.capacity
    for i in range(o.count):
        if result.option_open[i]:
            cap[E + i, result.option_period[i] :] = result.option_size[i]
    assert np.all(load <= cap + tol)
    # minimum occupancy
    for i in np.flatnonzero(result.option_open):
        t0 = result.option_period[i]
        assert np.all(load[E + i, t0:] >= o.min_occupancy[i] * result.option_size[i] - tol)
    # (The objective is the sum of its terms by construction; that it is right is checked
    # against enumeration in _matches_brute_force and against OR-Library's optima.)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_problems())
def test_random_problems_match_brute_force(problem):
    _matches_brute_force(problem)


def _matches_brute_force(problem):
    """The solve's status and objective are enumeration's; the plan keeps every rule."""
    expected = _brute_force(problem)
    result = solve(problem)
    if math.isinf(expected):
        assert result.status == Status.INFEASIBLE
        return None
    assert result.status == Status.OPTIMAL
    assert result.objective == pytest.approx(expected, rel=1e-6, abs=1e-6)
    _check_invariants(problem, result)
    return result


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(4, 12), st.integers(2, 6), st.integers(0, 10_000))
def test_random_cflp_auto_matches_direct(n, m, seed):
    rng = np.random.default_rng(seed)
    cap = rng.integers(10, 40, m).astype(float)
    demand = rng.integers(1, 10, n).astype(float)
    if demand.sum() > cap.sum():
        cap *= demand.sum() / cap.sum() + 0.5
    problem = cflp(cap, rng.integers(0, 100, m), demand, rng.uniform(0, 50, (n, m)))
    auto, direct = solve(problem), solve(problem, strategy="direct")
    assert auto.status == direct.status == Status.OPTIMAL
    assert auto.objective == pytest.approx(direct.objective, rel=1e-6)
    _check_invariants(problem, auto)


# --- annual running costs, exclusive groups, annual budgets -------------------------------


def test_annual_fixed_cost_by_hand():
    # Three periods weighted 1, 0.5 and 0.25 (an annual cost from period t to the end
    # weighs 1.75, 0.75 or 0.25); capital is not discounted. 2 units a period, fallback 4
    # a unit, free arcs. Option A (2 places, from period 0) costs nothing to build but 9 a
    # year to run; B (2 places, from period 1) costs 3 to build and 2 a year.
    #   nothing: 8 * 1.75 = 14
    #   A from 0: 9 * 1.75 = 15.75;  A from 1: 8 + 9 * 0.75 = 14.75;  A from 2: 8 + 4 + 2.25 = 14.25
    #   B from 1: 8 + 3 + 2 * 0.75 = 12.5  <- optimum;  B from 2: 8 + 4 + 3 + 0.5 = 15.5
    # (without running costs A from 0 would cost 0).
    problem = Problem.make(
        periods=Periods.make(3, weight=[1, 0.5, 0.25]),
        groups=Groups.make([2, 2, 2], period=[0, 1, 2], fallback_cost=4),
        options=Options.make([2, 2], earliest=[0, 1], fixed_cost=[0, 3], annual_fixed_cost=[9, 2]),
        arcs=Arcs.make([0, 1, 2, 1, 2], [0, 0, 0, 1, 1], 0),
    )
    model = build_model(problem)
    z = model.families["z"]
    assert model.terms["annual_fixed"][z] == pytest.approx([9 * 1.75, 9 * 0.75, 9 * 0.25, 2 * 0.75, 2 * 0.25])
    for strategy in ("auto", "direct"):
        result = solve(problem, strategy=strategy)
        assert result.status == Status.OPTIMAL
        assert result.objective == pytest.approx(12.5)
        assert list(result.option_period) == [-1, 1]
        assert result.terms == pytest.approx(
            {"capital_fixed": 3, "capital_places": 0, "annual_places": 0, "annual_fixed": 1.5, "arcs": 0, "fallback": 8}
        )
    free = dataclasses.replace(problem, options=dataclasses.replace(problem.options, annual_fixed_cost=np.zeros(2)))
    assert solve(free).objective == pytest.approx(0)


def test_annual_fixed_cost_in_one_period_is_more_fixed_cost():
    # The Lagrangian stage, its branch and bound and the interchange work with one fixed
    # cost per option: w * R_o is added to it, so the same CFLP with F_o + w R_o has the
    # same optimum, and the direct MIP agrees.
    rng = np.random.default_rng(7)
    cap, demand = rng.integers(10, 30, 6).astype(float), rng.integers(1, 9, 12).astype(float)
    cost = rng.integers(0, 40, (12, 6)).astype(float)
    fixed, running = rng.integers(0, 60, 6).astype(float), rng.integers(0, 40, 6).astype(float)
    weight = Periods.make(1, weight=[0.8])
    base = cflp(cap, fixed, demand, cost)
    with_running = dataclasses.replace(
        base, periods=weight, options=dataclasses.replace(base.options, annual_fixed_cost=running)
    )
    summed = dataclasses.replace(
        base, periods=weight, options=dataclasses.replace(base.options, fixed_cost=fixed + 0.8 * running)
    )
    auto, direct, other = solve(with_running), solve(with_running, strategy="direct"), solve(summed)
    assert auto.status == direct.status == other.status == Status.OPTIMAL
    assert "lagrangian" in auto.stages
    assert auto.objective == pytest.approx(other.objective, rel=1e-9)
    assert direct.objective == pytest.approx(other.objective, rel=1e-9)
    assert auto.terms["annual_fixed"] == pytest.approx(0.8 * running[auto.option_open].sum())
    # uncapacitated (p-median style, where the interchange runs)
    median = p_median(cost, demand, 3)
    median = dataclasses.replace(median, options=dataclasses.replace(median.options, annual_fixed_cost=running))
    summed_median = dataclasses.replace(
        median, options=dataclasses.replace(median.options, fixed_cost=running, annual_fixed_cost=np.zeros(6))
    )
    assert solve(median).objective == pytest.approx(solve(summed_median).objective, rel=1e-9)
    assert solve(median).objective == pytest.approx(solve(median, strategy="direct").objective, rel=1e-9)


def test_exclusive_group_by_hand():
    # Two groups of 3 units at one host school; options A and B hold 3 each and cost 1 to
    # open; fallback 10 a unit. Both would open (cost 2); hosted by the same school, only
    # one may: 1 + 3 * 10 = 31. C, at another school, costs 5: A (or B) and C cost 6.
    problem = Problem.make(
        groups=Groups.make([3, 3], fallback_cost=10),
        options=Options.make([3, 3, 3], fixed_cost=[1, 1, 5]),
        arcs=Arcs.make([0, 1, 0, 1, 0, 1], [0, 0, 1, 1, 2, 2], 0),
        rules=Rules(exclusive_groups=((0, 1),)),
    )
    model = build_model(problem)
    assert model.row_families["exclusive"].stop - model.row_families["exclusive"].start == 1
    for strategy in ("auto", "direct"):
        result = solve(problem, strategy=strategy)
        assert result.objective == pytest.approx(6)
        assert result.option_open[:2].sum() == 1 and result.option_open[2]
    without = solve(dataclasses.replace(problem, rules=Rules()))
    assert without.objective == pytest.approx(2) and without.option_open[:2].all()
    # a group whose other options are excluded adds no row
    alone = dataclasses.replace(
        problem, options=dataclasses.replace(problem.options, excluded=np.array([False, True, False]))
    )
    model = build_model(alone)
    assert model.row_families["exclusive"].stop == model.row_families["exclusive"].start
    # two options of one group forced open cannot be
    with pytest.raises(ProblemError, match="exclusive_groups"):
        Problem.make(
            groups=problem.groups,
            arcs=problem.arcs,
            rules=problem.rules,
            options=Options.make([3, 3, 3], forced=[True, True, False]),
        )


def test_annual_budget_by_hand():
    # One period, 4 units, fallback 10. Option A: 4 places at 3 a place a year, running
    # cost 2: 14 a year. Its budget row counts 1 a place (the per-place figure given): 6.
    # A budget of 5 keeps it shut (40), of 6 lets it open (14).
    def plan(limit):
        return solve(
            Problem.make(
                groups=Groups.make([4], fallback_cost=10),
                options=Options.make([4], annual_cost_per_place=[3], annual_fixed_cost=[2]),
                arcs=Arcs.make([0], [0], [0]),
                rules=Rules(annual_budget_per_period=(limit,), annual_budget_cost_per_place=(1.0,)),
            )
        )

    assert plan(5).objective == pytest.approx(40) and not plan(5).option_open[0]
    assert plan(6).objective == pytest.approx(14) and plan(6).option_open[0]


@st.composite
def problems_with_groups(draw):
    """The small problems above, with running costs, exclusive groups and annual budgets."""
    problem = draw(small_problems())
    O, T = problem.options.count, problem.periods.count
    running = draw(st.lists(st.integers(0, 6), min_size=O, max_size=O))
    order = draw(st.permutations(range(O)))
    cut = draw(st.integers(0, O))
    groups = tuple(g for g in (tuple(order[:cut]), tuple(order[cut:])) if len(g) > 1)
    limit = draw(st.sampled_from([None, 6.0, 15.0]))
    options = dataclasses.replace(problem.options, annual_fixed_cost=np.array(running, float))
    rules = dataclasses.replace(
        problem.rules, exclusive_groups=groups, annual_budget_per_period=None if limit is None else (limit,) * T
    )
    return Problem.make(
        periods=problem.periods,
        groups=problem.groups,
        existing=problem.existing,
        options=options,
        arcs=problem.arcs,
        rules=rules,
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems_with_groups())
def test_groups_running_costs_and_annual_budgets_match_brute_force(problem):
    result = _matches_brute_force(problem)
    if result is None:
        return
    for group in problem.rules.exclusive_groups:
        assert result.option_open[list(group)].sum() <= 1


@pytest.mark.parametrize("seed", range(6))
def test_one_period_exclusive_groups_match_enumeration(seed):
    # fixed sizes and one period: the Lagrangian stage would take it, but not with groups
    problem = _small_single_period(seed)
    O = problem.options.count
    groups = ((0, 1),) if O < 4 else ((0, 1), (2, 3))
    problem = dataclasses.replace(problem, rules=dataclasses.replace(problem.rules, exclusive_groups=groups))
    expected = _brute_force(problem)
    result = solve(problem)
    if math.isinf(expected):
        assert result.status == Status.INFEASIBLE
        return
    assert result.objective == pytest.approx(expected, rel=1e-6, abs=1e-6)
    assert all(result.option_open[list(g)].sum() <= 1 for g in groups)


# --- Lagrangian branch and bound -----------------------------------------------------------


def test_cheapest_placement_by_hand():
    # groups of 3 and 2 units; facility 0 holds 4, facility 1 holds 10. Per unit: group 0
    # costs 1 at f0 and 5 at f1, group 1 costs 2 at f0 and 3 at f1. Best: group 0 all at f0
    # (3), group 1 one unit at f0 (2) and one at f1 (3): 8.
    arcs = {"group": np.array([0, 0, 1, 1]), "facility": np.array([0, 1, 0, 1]), "cost": np.array([1.0, 5, 2, 3])}
    no_fallback = np.array([np.inf, np.inf])
    assert cheapest_placement(np.array([3.0, 2]), no_fallback, **arcs, capacity=np.array([4.0, 10])) == 8
    # half units go through the LP: 3 + 2 + 1.5 * 3 = 9.5
    assert cheapest_placement(np.array([3.0, 2.5]), no_fallback, **arcs, capacity=np.array([4.0, 10])) == pytest.approx(
        9.5
    )
    # a fallback of 2.5 a unit beats f1 at 3: 3 + 2 + 2.5 = 7.5
    assert cheapest_placement(
        np.array([3.0, 2]), np.array([np.inf, 2.5]), **arcs, capacity=np.array([4.0, 10])
    ) == pytest.approx(7.5)
    # 5 units, 4 places, no fallback: no placement
    assert cheapest_placement(np.array([3.0, 2]), no_fallback, **arcs, capacity=np.array([4.0, 0])) == math.inf


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 5), min_size=1, max_size=40), st.lists(st.floats(-10, 10), min_size=40, max_size=40))
def test_sort_by_facility_then_cost_is_lexsort(facility, cost):
    f, v = np.array(facility), np.array(cost[: len(facility)])
    order = _by_facility_then_cost(f, v)
    expected = np.lexsort((v, f))
    assert np.array_equal(f[order], f[expected]) and np.array_equal(v[order], v[expected])


def test_branch_and_bound_from_scratch_by_hand():
    # Three customers of 2 units; A and B hold 4 (fixed 10 each), C holds 6 (fixed 25).
    # Per unit: customer 0 costs A 1, B 3, C 2; customer 1 costs 2 anywhere; customer 2
    # A 3, B 1, C 2. C alone: 25 + 12 = 37; A and B: 20 + 2 + 4 + 2 = 28 (the optimum);
    # with C and another: 35 + 10 = 45 at least.
    per_unit = np.array([[1, 3, 2], [2, 2, 2], [3, 1, 2]], float)
    problem = cflp([4, 4, 6], [10, 10, 25], [2, 2, 2], 2 * per_unit)
    lag = Lagrangian(problem, usable_arcs(problem))
    none = np.zeros(3, bool)
    out = branch_and_bound(
        problem,
        lag,
        multipliers=np.zeros(3),
        bound=-math.inf,
        forced=none,
        excluded=none,
        upper=math.inf,
        incumbent=None,
        tolerance=1e-9,
        time_limit=60,
        node_limit=1000,
    )
    assert out.complete and out.nodes >= 1
    assert out.upper == pytest.approx(28) and list(out.incumbent) == [True, True, False]
    assert 28 * (1 - 1e-9) - 1e-9 <= out.bound <= 28 + 1e-9


def _small_single_period(seed: int) -> Problem:
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(3, 9)), int(rng.integers(2, 6))
    fallback = np.where(rng.random(n) < 0.3, rng.integers(20, 60, n), np.inf)
    cost = np.where(rng.random((n, m + 1)) < 0.8, rng.integers(0, 30, (n, m + 1)), np.inf)
    return Problem.make(
        groups=Groups.make(rng.integers(1, 8, n), fallback_cost=fallback),
        existing=Existing.make([float(rng.integers(0, 6))]),
        options=Options.make(rng.integers(3, 15, m).astype(float), fixed_cost=rng.integers(0, 40, m)),
        arcs=Arcs.dense(cost),
        rules=Rules(max_options=[None, 2][seed % 2]),
    )


@pytest.mark.parametrize("step", [0.0, 1.0])
@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000))
def test_branch_and_bound_matches_enumeration(step, seed):
    """From zero multipliers and nothing fixed, so the search does all the work; with
    ``step`` 1 (these costs are whole numbers) it prunes what is not a whole unit better."""
    problem = _small_single_period(seed)
    O = problem.options.count
    lag = Lagrangian(problem, usable_arcs(problem))
    assert objective_step(lag) == 1.0
    none = np.zeros(O, bool)
    out = branch_and_bound(
        problem,
        lag,
        multipliers=np.zeros(problem.groups.count),
        bound=-math.inf,
        forced=none,
        excluded=none,
        upper=math.inf,
        incumbent=None,
        tolerance=1e-9,
        time_limit=60,
        node_limit=10_000,
        step=step,
    )
    best = min(plan_cost(problem, lag, np.array(y, bool)) for y in itertools.product([False, True], repeat=O))
    assert out.complete
    if math.isinf(best):
        assert math.isinf(out.upper)
        return
    assert out.upper == pytest.approx(best, rel=1e-9, abs=1e-9)
    assert round_bound(out.bound, step) <= best + 1e-9 * abs(best) + 1e-9
    assert plan_cost(problem, lag, out.incumbent) == pytest.approx(best, rel=1e-9, abs=1e-9)


def test_lagrangian_at_a_node_is_the_problem_with_those_options_fixed():
    problem = _small_single_period(3)
    O = problem.options.count
    forced, excluded = np.zeros(O, bool), np.zeros(O, bool)
    forced[0], excluded[1] = True, True
    fixed = Problem.make(
        groups=problem.groups,
        existing=problem.existing,
        arcs=problem.arcs,
        rules=problem.rules,
        options=dataclasses.replace(problem.options, forced=forced, excluded=excluded),
    )
    lam = np.random.default_rng(0).uniform(0, 20, problem.groups.count)
    node = Lagrangian(problem, usable_arcs(problem)).at(forced, excluded)
    assert node.evaluate(lam)[0] == pytest.approx(Lagrangian(fixed, usable_arcs(fixed)).evaluate(lam)[0], rel=1e-12)
    assert not np.isin(node.f, problem.existing.count + 1).any()  # the excluded option's arcs are gone


def test_interchange_moves_a_bad_start_to_the_medians_by_hand():
    # points 0, 1, 2, 10, 11, 12 and p = 2: the medians are 1 and 11 (cost 4). From 0 and 2
    # (0 + 1 + 0 + 8 + 9 + 10 = 28) the best swap is 0 for 11 (2 + 1 + 0 + 1 + 0 + 1 = 5;
    # 2 for 11 ties and comes second), then 2 for 1 (4), where no swap helps.
    xs = np.array([0, 1, 2, 10, 11, 12], float)
    problem = p_median(np.abs(xs[:, None] - xs[None, :]), np.ones(6), 2)
    lag = Lagrangian(problem, usable_arcs(problem))
    start = np.array([True, False, True, False, False, False])
    assert plan_cost(problem, lag, start) == pytest.approx(28)
    end = interchange(lag, start)
    assert list(np.flatnonzero(end)) == [1, 4] and plan_cost(problem, lag, end) == pytest.approx(4)


def _uncapacitated(seed: int) -> Problem:
    """Groups and uncapacitated options (fixed costs, some forced or excluded, fallback for
    some groups) with a count rule that varies with the seed."""
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(3, 10)), int(rng.integers(3, 8))
    cost = np.where(rng.random((n, m)) < 0.8, rng.integers(0, 30, (n, m)), np.inf)
    fallback = np.where(rng.random(n) < 0.5, rng.integers(20, 80, n), np.inf)
    forced, excluded = np.zeros(m, bool), np.zeros(m, bool)
    forced[0], excluded[m - 1] = seed % 3 == 0, seed % 4 == 0
    rules = [Rules(exact_options=2), Rules(max_options=3), Rules()][seed % 3]
    return Problem.make(
        groups=Groups.make(rng.integers(1, 6, n), fallback_cost=fallback),
        options=Options.make(None, count=m, fixed_cost=rng.integers(0, 40, m), forced=forced, excluded=excluded),
        arcs=Arcs.dense(cost),
        rules=rules,
    )


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000))
def test_interchange_ends_where_no_single_move_helps(seed):
    """From the heuristic's plan the search never gets worse, keeps the rules, and stops at
    a plan no swap, opening or closing of one option improves (checked by pricing every
    neighbour)."""
    problem = _uncapacitated(seed)
    lag = Lagrangian(problem, usable_arcs(problem))
    O = problem.options.count
    admissible = [np.array(y, bool) for y in itertools.product([False, True], repeat=O)]
    admissible = [y for y in admissible if math.isfinite(plan_cost(problem, lag, y))]
    if not admissible:
        return
    start = admissible[len(admissible) // 2]
    end = interchange(lag, start)
    cost = plan_cost(problem, lag, end)
    assert cost <= plan_cost(problem, lag, start) + 1e-9
    for y in admissible:
        if np.sum(y != end) <= 2 and y.sum() - end.sum() in (-1, 0, 1):
            assert plan_cost(problem, lag, y) >= cost - 1e-9


def test_whole_costs_make_whole_bounds():
    xs = np.array([0, 1, 2, 10, 11], float)
    whole = p_median(np.abs(xs[:, None] - xs[None, :]), np.ones(5), 2)
    half = p_median(np.abs(xs[:, None] - xs[None, :]) + 0.5, np.ones(5), 2)
    assert objective_step(Lagrangian(whole, usable_arcs(whole))) == 1.0
    assert objective_step(Lagrangian(half, usable_arcs(half))) == 0.0
    assert round_bound(2844.95, 1.0) == 2845 and round_bound(2845.0004, 1.0) == 2845
    assert round_bound(2844.95, 0.0) == 2844.95


def _plane_cflp(seed: int = 10, n: int = 40, m: int = 12, *, whole: bool = False) -> Problem:
    """Customers and sites on a plane; with seed 10 the Lagrangian bound leaves a gap.
    ``whole``: distances rounded to whole numbers."""
    rng = np.random.default_rng(seed)
    cap = rng.integers(20, 60, m).astype(float)
    demand = rng.integers(1, 10, n).astype(float)
    xy = rng.uniform(0, 100, (n + m, 2))
    distance = np.hypot(*(xy[:n, None, :] - xy[None, n:, :]).transpose(2, 0, 1))
    cost = (np.round(distance) if whole else distance) * demand[:, None]
    return cflp(cap, rng.integers(100, 300, m).astype(float), demand, cost)


def test_auto_branches_and_agrees_with_direct():
    problem = _plane_cflp()
    events = []
    auto = solve(problem, progress=events.append)
    lagrangian = [e for e in events if e["stage"] == "lagrangian"]
    assert lagrangian and lagrangian[0]["nodes"] > 0
    assert auto.status == Status.OPTIMAL and auto.best_bound <= auto.objective
    assert auto.objective == pytest.approx(solve(problem, strategy="direct").objective, rel=1e-7)
    _check_invariants(problem, auto)


def test_search_stopped_early_hands_over_to_the_mip(monkeypatch):
    problem = _plane_cflp()
    module = importlib.import_module("placeplan.optimise.lagrangian_stage")
    monkeypatch.setattr(module, "TUNING", dataclasses.replace(module.TUNING, branch_nodes=1))
    handed = solve(problem)
    assert handed.solver == "scip" and handed.status == Status.OPTIMAL
    assert handed.objective == pytest.approx(solve(problem, strategy="direct").objective, rel=1e-7)


def test_a_probe_with_the_optimum_ends_the_search():
    problem = _small_single_period(7)
    O = problem.options.count
    lag = Lagrangian(problem, usable_arcs(problem))
    choices = [np.array(y, bool) for y in itertools.product([False, True], repeat=O)]
    costs = [plan_cost(problem, lag, y) for y in choices]
    best = int(np.argmin(costs))
    asked = []

    def ask():
        asked.append(True)
        return choices[best], costs[best]

    none = np.zeros(O, bool)
    out = branch_and_bound(
        problem,
        lag,
        multipliers=np.zeros(problem.groups.count),
        bound=-math.inf,
        forced=none,
        excluded=none,
        upper=math.inf,
        incumbent=None,
        tolerance=1e-9,
        time_limit=60,
        node_limit=10_000,
        probe=Probe(0, ask),
    )
    assert len(asked) == 1 and out.complete and out.nodes == 0
    assert out.upper == pytest.approx(costs[best]) and out.bound == pytest.approx(costs[best])


def test_search_that_asks_the_mip_solver_agrees_with_direct(monkeypatch):
    module = importlib.import_module("placeplan.optimise.lagrangian_stage")
    real = module._mip_probe
    monkeypatch.setattr(module, "TUNING", dataclasses.replace(module.TUNING, probe_nodes=0))
    asked = []
    monkeypatch.setattr(module, "_mip_probe", lambda *a, **k: asked.append(1) or real(*a, **k))
    problem = _plane_cflp(whole=True)
    probed = solve(problem, solver="highs")
    assert asked  # whole-number costs: the search has a probe
    assert probed.status == Status.OPTIMAL
    assert probed.objective == pytest.approx(solve(problem, strategy="direct").objective, rel=1e-7)
    _check_invariants(problem, probed)


# --- OR-Library ------------------------------------------------------------------------------


@needs_orlib
@pytest.mark.parametrize("name", ["cap41", "cap42", "cap43", "cap44", "cap71", "cap101"])
def test_orlib_small_cflp_matches_the_optimum(name):
    inst = read_cap(ORLIB / f"{name}.txt")
    result = solve(cflp(inst.capacity, inst.fixed_cost, inst.demand, inst.cost))
    assert result.status == Status.OPTIMAL
    assert result.objective == pytest.approx(optima()[name], rel=1e-6)
    assert result.load()[len(inst.capacity) * 0 :].max() <= inst.capacity.max() + 1e-6


@needs_orlib
@pytest.mark.slow
@pytest.mark.parametrize("name", ["cap131", "capa_8000"])
def test_orlib_larger_cflp_matches_the_optimum(name):
    base, _, capacity = name.partition("_")
    inst = read_cap(ORLIB / f"{base}.txt", float(capacity) if capacity else None)
    result = solve(cflp(inst.capacity, inst.fixed_cost, inst.demand, inst.cost))
    assert result.status == Status.OPTIMAL
    assert result.objective == pytest.approx(optima()[name], rel=1e-6)


@needs_orlib
@pytest.mark.parametrize("name", ["pmed1", "pmed15", "pmed20"])
def test_orlib_pmedian_matches_the_optimum(name):
    inst = read_pmed(ORLIB / f"{name}.txt")
    n = len(inst.distance)
    result = solve(p_median(inst.distance, np.ones(n), inst.p))
    assert result.status == Status.OPTIMAL
    assert result.objective == pytest.approx(optima()[name], rel=1e-9)
    assert result.option_open.sum() == inst.p


# --- groups that stay where they are placed ---------------------------------------------------


def _staying_problem(stays):
    """Two periods. Group 0 (period 0, 4 units) stays wholly into period 1 when ``stays``
    says so; group 1 (period 1, 3 units). One existing site of 5 places at cost 1 a unit and
    period; the fallback costs 10."""
    return Problem.make(
        groups=Groups.make([4.0, 3.0], period=[0, 1], fallback_cost=[10.0, 10.0], stays=stays),
        existing=Existing.make([5.0], periods=2),
        arcs=Arcs.make(group=[0, 1], facility=[0, 0], cost=[1.0, 1.0]),
        periods=Periods.make(2),
    )


def test_a_group_that_stays_fills_its_places_in_later_periods_and_pays_for_them():
    # Without stays: 4 placed in period 0, 3 in period 1: cost 4 + 3 = 7.
    alone = solve(_staying_problem(None))
    assert alone.objective == pytest.approx(7.0)
    # Staying: group 0's 4 units take 4 of the 5 places in period 1 too, so only 1 of
    # group 1 fits; 2 go out: 4 (period 0) + 4 (period 1, staying) + 1 + 2 x 10 = 29.
    staying = solve(_staying_problem([[1.0, 1.0], [0.0, 1.0]]))
    assert staying.status == Status.OPTIMAL
    assert staying.objective == pytest.approx(29.0)
    assert staying.unplaced.tolist() == pytest.approx([0.0, 2.0])
    assert staying.load()[0].tolist() == pytest.approx([4.0, 5.0])


def test_half_a_group_staying_leaves_room_and_costs_half():
    # Half of group 0 stays: 2 places taken in period 1, all 3 of group 1 fit:
    # 4 + 2 + 3 = 9.
    half = solve(_staying_problem([[1.0, 0.5], [0.0, 1.0]]))
    assert half.objective == pytest.approx(9.0)
    assert half.unplaced.tolist() == pytest.approx([0.0, 0.0])


def test_stays_that_do_not_describe_a_group_are_refused():
    with pytest.raises(ProblemError, match="must be 1 in the group's own period"):
        _staying_problem([[0.5, 1.0], [0.0, 1.0]])
    with pytest.raises(ProblemError, match="must be 0 before the group's period"):
        _staying_problem([[1.0, 1.0], [0.3, 1.0]])
    with pytest.raises(ProblemError, match="groups x 2 periods"):
        _staying_problem([[1.0], [1.0]])
