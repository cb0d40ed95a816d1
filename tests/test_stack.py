"""One plan for several demand futures: the stacked problem (a sample average
approximation), options that open together, and a plan priced with its openings fixed."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from placeplan.optimise import Arcs, Existing, Groups, Options, Problem, ProblemError, Rules, Status, solve
from placeplan.optimise.stack import evaluate, stack


def _future(demand: float, *, budget: float = np.inf) -> Problem:
    """One year, one group, 10 existing places at 1 a pupil, an option of 5 to 20 places
    (steps of 5) at 2 a pupil costing 200 plus 30 a place, and 100 a pupil unplaced."""
    return Problem.make(
        groups=Groups.make([demand], fallback_cost=[100.0]),
        existing=Existing.make([10.0]),
        options=Options.make([20.0], min_size=[5.0], step=[5.0], fixed_cost=[200.0], cost_per_place=[30.0]),
        arcs=Arcs.make([0, 0], [0, 1], [1.0, 2.0]),
        rules=Rules(capital_budget=budget),
    )


def test_the_stacked_plan_is_the_one_of_least_mean_cost_worked_by_hand():
    low, high = _future(10), _future(25)
    # Alone, the low future opens nothing (10) and the high one 15 places (650 + 10 + 30).
    assert solve(low).objective == pytest.approx(10.0) and not solve(low).option_open.any()
    assert solve(high).option_size[0] == 15 and solve(high).objective == pytest.approx(690.0)
    stacked = stack([low, high])
    result = solve(stacked.problem)
    # Mean cost: nothing (10 + 1510) / 2 = 760; 5 places 865; 10 places 770; 15 places
    # (660 + 690) / 2 = 675; 20 places (810 + 840) / 2 = 825.
    assert result.status == Status.OPTIMAL and result.objective == pytest.approx(675.0)
    period, size = stacked.plan(result)
    assert list(period) == [0] and list(size) == [15.0]
    assert evaluate(low, period, size).objective == pytest.approx(660.0)
    assert evaluate(high, period, size).objective == pytest.approx(690.0)


def test_weights_are_the_futures_probabilities():
    stacked = stack([_future(10), _future(25)], weights=[3, 1])
    result = solve(stacked.problem)
    # 3:1 towards the low future: nothing costs (30 + 1510) / 4 = 385, 15 places
    # (1980 + 690) / 4 = 667.5, 10 places (1530 + 1030) / 4 = 640.
    assert result.objective == pytest.approx(385.0) and not result.option_open.any()


def test_a_budget_holds_for_the_one_plan_not_once_per_future():
    # 500 of capital buys 10 places (200 + 300), not 15 (650): with three futures the
    # copies' weighted capital must add up to the plan's once.
    stacked = stack([_future(10, budget=500.0), _future(25, budget=500.0), _future(30, budget=500.0)])
    result = solve(stacked.problem)
    _, size = stacked.plan(result)
    assert list(size) == [10.0]


def _two_period_future(seed: int) -> Problem:
    rng = np.random.default_rng(seed)
    demand = rng.uniform(4, 14, size=4)
    return Problem.make(
        groups=Groups.make(
            demand, period=[0, 0, 1, 1], fallback_cost=[60.0] * 4, stays=[[1, 1], [1, 1], [0, 1], [0, 1]]
        ),
        existing=Existing.make([[8.0, 8.0]]),
        options=Options.make(
            [10.0, 10.0],
            min_size=[5.0, 5.0],
            step=[5.0, 5.0],
            fixed_cost=[90.0, 120.0],
            cost_per_place=[4.0, 3.0],
            annual_cost_per_place=[2.0, 2.5],
        ),
        arcs=Arcs.make([0, 0, 1, 1, 2, 2, 3, 3], [0, 1, 0, 2, 1, 2, 0, 1], [1.0, 3.0, 2.0, 1.0, 2.0, 4.0, 1.5, 1.0]),
    )


def test_the_stacked_optimum_is_the_best_mean_over_every_plan_there_is():
    futures = [_two_period_future(seed) for seed in range(3)]
    stacked = stack(futures)
    result = solve(stacked.problem)
    states = [(-1, np.nan)] + [(t, s) for t in (0, 1) for s in (5.0, 10.0)]
    means = []
    for (p0, s0), (p1, s1) in itertools.product(states, states):
        period, size = np.array([p0, p1]), np.array([s0, s1])
        means.append(np.mean([evaluate(f, period, size).objective for f in futures]))
    assert result.objective == pytest.approx(min(means), rel=1e-9)
    period, size = stacked.plan(result)
    priced = np.mean([evaluate(f, period, size).objective for f in futures])
    assert priced == pytest.approx(result.objective, rel=1e-9)


def test_one_future_stacked_is_that_future():
    future = _two_period_future(7)
    assert solve(stack([future]).problem).objective == pytest.approx(solve(future).objective, rel=1e-9)


def test_options_that_open_together_open_in_one_period_at_one_size():
    # Alone, the first option opens a year after the second; tied, they open together.
    base = _two_period_future(2)
    alone = solve(base)
    assert list(alone.option_period) == [1, 0]
    tied = solve(
        Problem.make(
            groups=base.groups,
            existing=base.existing,
            options=base.options,
            arcs=base.arcs,
            periods=base.periods,
            rules=Rules(same_plan=((0, 1),)),
        )
    )
    assert tied.option_period[0] == tied.option_period[1]
    assert np.array_equal(tied.option_size[:1], tied.option_size[1:], equal_nan=True)
    assert tied.objective > alone.objective


def test_options_that_cannot_open_together_are_refused():
    base = _two_period_future(1)
    options = Options.make([10.0, 12.0], min_size=[5.0, 5.0], step=[5.0, 5.0], earliest=[0, 1])
    with pytest.raises(ProblemError) as caught:
        Problem.make(
            groups=base.groups,
            existing=base.existing,
            options=options,
            arcs=base.arcs,
            rules=Rules(same_plan=((0, 1), (0, 5))),
        )
    text = str(caught.value)
    assert "same_plan[0]" in text and "earliest" in text and "max_size" in text
    assert "same_plan[1] must list option indices 0..1" in text


def test_futures_with_other_options_cannot_be_stacked():
    other = _future(10)
    cheaper = Problem.make(
        groups=other.groups,
        existing=other.existing,
        arcs=other.arcs,
        options=Options.make([20.0], min_size=[5.0], step=[5.0], fixed_cost=[100.0]),
    )
    with pytest.raises(ProblemError, match="future 1's options differ from future 0's in fixed_cost"):
        stack([other, cheaper])


def test_a_plan_that_cannot_meet_the_rules_in_a_future_is_infeasible_there():
    # Fallback forbidden and only 10 existing places: without the option 12 pupils do not fit.
    future = Problem.make(
        groups=Groups.make([12.0]),
        existing=Existing.make([10.0]),
        options=Options.make([5.0], fixed_cost=[1.0]),
        arcs=Arcs.make([0, 0], [0, 1], [1.0, 1.0]),
    )
    assert evaluate(future, np.array([-1]), np.array([np.nan])).status == Status.INFEASIBLE
    assert evaluate(future, np.array([0]), np.array([5.0])).objective == pytest.approx(13.0)
