"""The plan without one of its options, the rest of it as it is (optimise.replan), by hand.

One period. Three groups of 10 units: A and B near two options, C near option 2 only; an
existing facility of 10 places everyone may reach at 50 a unit; the fallback 100 a unit.
Option 1 (10 places, fixed cost 200) serves A at 10 a unit; option 2 (20 places, fixed cost
300) serves B at 10, C at 20 and A at 30; option 1 takes B or C at 90. The best plan opens
both: A at 1 (100), B and C at 2 (100 + 200), the existing facility empty: 400 + 500 = 900
(option 2 alone: 1,100; option 1 alone: 1,800; neither: 2,500).
"""

from __future__ import annotations

import numpy as np
import pytest

from placeplan.optimise import Arcs, Existing, Groups, Options, Problem, solve
from placeplan.optimise.replan import Replacing

E = 1  # the existing facility is facility 0; options 1 and 2 are facilities 1 and 2


def _problem(fallback: float = 100.0) -> Problem:
    group = [0, 1, 2, 0, 1, 2, 0, 2, 1]
    facility = [0, 0, 0, 1, 2, 2, 2, 1, 1]
    cost = [50, 50, 50, 10, 10, 20, 30, 90, 90]
    return Problem.make(
        groups=Groups.make([10, 10, 10], fallback_cost=[fallback] * 3),
        existing=Existing.make([10]),
        options=Options.make([10, 20], fixed_cost=[200, 300]),
        arcs=Arcs.make(group, facility, cost),
    )


def test_the_plan_without_an_option_places_its_pupils_among_the_places_left():
    problem = _problem()
    plan = solve(problem)
    assert plan.status == "optimal" and plan.objective == pytest.approx(900)
    assert plan.option_open.tolist() == [True, True]
    replacing = Replacing(problem, plan)
    # without option 1: A goes to the existing facility (10 x 50; option 2 is full, and A there
    # with C at the existing facility costs more) and option 2 stays: 500 + 100 + 200 + 300 =
    # 1,100, a rise of 200
    without_1 = replacing.without([0])
    assert without_1.status == "optimal" and without_1.objective == pytest.approx(1_100)
    assert without_1.option_open.tolist() == [False, True]
    # without option 2: B and C share the existing 10 places and the fallback (10 x 50 + 10 x 100)
    # and A stays at option 1: 100 + 500 + 1,000 + 200 = 1,800, a rise of 900
    without_2 = replacing.without([1])
    assert without_2.objective == pytest.approx(1_800) and without_2.best_bound == without_2.objective
    assert without_2.unplaced.sum() == pytest.approx(10)
    # closing nothing gives the plan back: its placements were already the best for its openings
    assert replacing.without([]).objective == pytest.approx(plan.objective)


def test_the_rest_of_the_plan_stands_even_where_another_opening_would_be_cheaper():
    # Option 1 closed, nothing else may open or close: A's 10 units go to option 2's spare
    # places only if it has them (it has none here), never to an option the plan left shut.
    problem = _problem()
    plan = solve(problem)
    without = Replacing(problem, plan).without([0, 1])
    assert without.option_open.tolist() == [False, False]
    # A, B, C: 10 existing places at 50, 20 units fallback at 100 = 2,500
    assert without.objective == pytest.approx(2_500)


def test_without_an_option_and_no_fallback_the_places_left_may_not_be_enough():
    problem = _problem(fallback=np.inf)
    plan = solve(problem)
    assert plan.status == "optimal"
    without = Replacing(problem, plan).without([1])
    assert without.status == "infeasible" and not without.has_plan
    assert "places left" in without.message


def test_a_scenario_that_still_sets_the_retired_time_limit_is_read_without_it(caplog):
    # solved folders' scenario.json from before proven values carry it; the values take no clock now
    from placeplan.scenario.model import Solve

    settings = Solve.model_validate({"explain_time_limit_s": 5, "explain_workers": 1})
    assert settings.explain_workers == 1 and not hasattr(settings, "explain_time_limit_s")
    assert "no longer used" in caplog.text


def test_each_answer_is_the_same_whatever_was_asked_before_it():
    """On Kingston and Richmond the LP of placements without an option is degenerate: many
    placements cost the same. Each question starts from the plan's basis alone (the solver's
    other state cleared), so the placements do not depend on the order of the questions,
    nor on which worker process asked them: explain.csv is the same bytes every run."""
    from pathlib import Path

    from placeplan.pipeline import load_inputs
    from placeplan.plan.run import prepare

    root = Path(__file__).resolve().parents[1]
    inputs = load_inputs(str(root / "scenarios" / "kingston-richmond.toml"), ("solve.search=false",))
    problem = prepare(inputs).send.problem
    plan = solve(problem, solver="highs", threads=1, search=False)
    chosen = [int(o) for o in np.flatnonzero(plan.option_open)][:5]
    forwards, backwards = Replacing(problem, plan), Replacing(problem, plan)
    first = {o: forwards.without([o]) for o in chosen}
    second = {o: backwards.without([o]) for o in reversed(chosen)}
    for o in chosen:
        assert first[o].objective == second[o].objective
        assert np.array_equal(first[o].flow, second[o].flow), o
