"""Pupils who leave a facility at an age it does not admit are placed again, by hand.

Two periods, weights 1, fallback 100 a unit a period. Group A (period 0, 2 units, there in
both periods) may go to Infant (existing, cost 1, admits them in period 0 only: arc stays
1, 0) or All-through (existing, cost 3, both periods). Units that leave Infant rejoin group
B (period 1, no demand of its own), which may go to All-through (cost 3).
"""

from __future__ import annotations

import numpy as np
import pytest

from placeplan.optimise import Arcs, Existing, Groups, Periods, Problem, ProblemError, Rejoins, solve
from placeplan.optimise.formulation import build_model

INFANT, ALL_THROUGH = 0, 1
A_INFANT, A_ALL, B_ALL = 0, 1, 2


def _case(infant_places: float = 5, all_through_places: float = 5) -> Problem:
    return Problem.make(
        periods=Periods.make(2),
        groups=Groups.make([2, 0], period=[0, 1], fallback_cost=[100, 100], stays=[[1, 1], [0, 1]]),
        existing=Existing.make([infant_places, all_through_places], periods=2),
        arcs=Arcs.make([0, 0, 1], [INFANT, ALL_THROUGH, ALL_THROUGH], [1, 3, 3], stays=[[1, 0], [1, 1], [0, 1]]),
        rejoins=Rejoins.make(arc=[A_INFANT], group=[1], share=[1.0]),
    )


def test_units_that_leave_their_facility_are_placed_again_by_hand():
    # Infant then All-through: 1 + 3 = 4 a unit, against 3 + 3 = 6 at All-through throughout
    result = solve(_case())
    assert result.objective == pytest.approx(8)
    assert result.flow == pytest.approx([2, 0, 2])
    assert result.load() == pytest.approx(np.array([[2, 0], [0, 2]]))


def test_room_at_the_first_facility_decides_who_moves_by_hand():
    # one place at Infant: one unit goes there and moves on (4), the other stays at
    # All-through throughout (6)
    result = solve(_case(infant_places=1))
    assert result.objective == pytest.approx(10)
    assert result.flow == pytest.approx([1, 1, 1])


def test_units_that_cannot_be_placed_again_fall_back_by_hand():
    # one place at All-through: both units to Infant (2), then one to All-through (3) and
    # one unplaced (100) = 105; one at All-through throughout and one at Infant who then
    # finds no room = 6 + 1 + 100 = 107
    result = solve(_case(all_through_places=1))
    assert result.objective == pytest.approx(105)
    assert result.unplaced == pytest.approx([0, 1])


def test_a_rejoined_group_holds_what_can_rejoin_it():
    model = build_model(_case())
    x = model.families["x"]
    assert model.upper[x].tolist() == [2, 2, 2]  # B's own demand is 0; two units can rejoin it


def test_rejoins_must_go_to_a_later_period_and_arcs_stay_within_their_groups():
    groups = Groups.make([2, 1], period=[0, 0], stays=[[1, 1], [1, 1]])
    with pytest.raises(ProblemError, match="later period"):
        Problem.make(
            periods=Periods.make(2),
            groups=groups,
            arcs=Arcs.make([0, 1], [0, 0]),
            existing=Existing.make([5], periods=2),
            rejoins=Rejoins.make([0], [1], [1.0]),
        )
    with pytest.raises(ProblemError, match="at most the group's own share"):
        Problem.make(
            periods=Periods.make(2),
            groups=Groups.make([1], stays=[[1, 0]]),
            existing=Existing.make([5], periods=2),
            arcs=Arcs.make([0], [0], stays=[[1, 1]]),
        )
    with pytest.raises(ProblemError, match="at most 1 for each arc"):
        Problem.make(
            periods=Periods.make(2),
            groups=Groups.make([1, 0], period=[0, 1], stays=[[1, 1], [0, 1]]),
            existing=Existing.make([5], periods=2),
            arcs=Arcs.make([0, 1], [0, 0]),
            rejoins=Rejoins.make([0, 0], [1, 1], [0.6, 0.6]),
        )


def test_the_cover_cut_counts_only_what_surely_stays_local():
    # A may not fall back, but its units leaving Infant rejoin B, which may: the cover counts
    # A's units in period 1 only as far as its least-keeping place keeps them (Infant: none)
    from placeplan.optimise.formulation import _firm_usage, _index

    problem = Problem.make(
        periods=Periods.make(2),
        groups=Groups.make([2, 0], period=[0, 1], fallback_cost=[np.inf, 100], stays=[[1, 1], [0, 1]]),
        existing=Existing.make([5, 5], periods=2),
        arcs=Arcs.make([0, 0, 1], [INFANT, ALL_THROUGH, ALL_THROUGH], [1, 3, 3], stays=[[1, 0], [1, 1], [0, 1]]),
        rejoins=Rejoins.make(arc=[A_INFANT], group=[1], share=[1.0]),
    )
    assert _firm_usage(problem, _index(problem, None))[0].tolist() == [1, 0]
    assert solve(problem).objective == pytest.approx(8)
