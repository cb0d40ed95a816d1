"""The LP relaxation held in HiGHS (:mod:`placeplan.optimise.relaxation`): after any change
of bounds, started from whatever basis, it reaches the optimum a solve from nothing reaches
(MathOpt's HiGHS), and it says nothing on standard output."""

from __future__ import annotations

import numpy as np
import pytest

from placeplan.optimise import backend, build_model, cflp
from placeplan.optimise.relaxation import Relaxation


def random_cflp(seed: int, sites: int = 12, points: int = 30):
    rng = np.random.default_rng(seed)
    capacity = rng.integers(20, 60, sites).astype(float)
    fixed = rng.integers(50, 200, sites).astype(float)
    demand = rng.integers(1, 10, points).astype(float)
    cost = rng.integers(1, 40, (points, sites)).astype(float)
    return cflp(capacity, fixed, demand, cost)


def opening_columns(model) -> np.ndarray:
    z = model.families["z"]
    return np.arange(z.start, z.stop)


def test_the_two_site_choice_by_hand():
    # test_core's hand-checked case: A alone, 8 + 1 + 5 = 14, is the optimum, and the LP
    # relaxation (strong linking: a point takes from a site at most the share it opens)
    # reaches it: opening both sites by halves costs 9 + 3 + 3 = 15.
    model = build_model(cflp([np.inf, np.inf], [8, 10], [1, 1], [[1, 5], [5, 1]]))
    lp = Relaxation(model).solve(want_duals=True)
    scratch = backend.run(model, solver="highs", relax=True, want_duals=True)
    assert lp.reason == "optimal"
    assert lp.objective == pytest.approx(14) == scratch.objective
    assert lp.bound == lp.objective
    assert lp.reduced_costs is not None and lp.duals is not None


@pytest.mark.parametrize("seed", range(4))
def test_each_change_of_bounds_reaches_the_optimum_a_solve_from_nothing_reaches(seed):
    model = build_model(random_cflp(seed))
    relaxation = Relaxation(model)
    columns = opening_columns(model)
    rng = np.random.default_rng(100 + seed)
    for _ in range(8):
        lower, upper = model.lower.copy(), model.upper.copy()
        opened, closed = rng.permutation(columns)[:2], rng.permutation(columns)[:3]
        lower[opened] = 1.0
        upper[closed] = 0.0
        upper = np.maximum(lower, upper)
        hot = relaxation.solve(lower, upper)
        cold = backend.run(model, solver="highs", relax=True, lower=lower, upper=upper)
        assert hot.reason == cold.reason
        if hot.reason == "optimal":
            assert hot.objective == pytest.approx(cold.objective, rel=1e-9)
            assert hot.values is not None
            assert np.all(hot.values >= lower - 1e-9) and np.all(hot.values <= upper + 1e-9)


def test_started_from_one_basis_an_answer_does_not_depend_on_the_questions_before_it():
    model = build_model(random_cflp(7))
    columns = opening_columns(model)

    def closing(relaxation: Relaxation, column: int, basis):
        upper = model.upper.copy()
        upper[column] = 0.0
        return relaxation.solve(model.lower, upper, basis=basis).values

    alone = Relaxation(model)
    alone.solve()
    start = alone.basis
    after_others = Relaxation(model)
    after_others.solve()
    for column in columns[:4]:
        closing(after_others, column, start)
    assert np.array_equal(closing(alone, columns[5], start), closing(after_others, columns[5], start))


def test_bounds_no_plan_can_meet_are_infeasible():
    # One point of 5 units, one site holding 3: with the site's opening forced and no
    # fallback the LP has no solution.
    model = build_model(cflp([3.0], [1.0], [5.0], [[1.0]]))
    lower = model.lower.copy()
    lower[opening_columns(model)] = 1.0
    assert Relaxation(model).solve(lower, np.maximum(lower, model.upper)).reason in (
        "infeasible",
        "infeasible_or_unbounded",
    )


def test_the_solver_prints_nothing(capfd):
    Relaxation(build_model(random_cflp(1))).solve()
    out, err = capfd.readouterr()
    assert out == "" and err == ""
