"""One plan for several demand futures: :func:`stack` and :func:`evaluate`.

A plan chosen for the P50 forecast alone can be too small when demand comes in high. The
sample average approximation chooses the options once against every future together:
:func:`stack` makes one :class:`Problem` holding a copy of each future's groups, arcs,
existing facilities and options, each copy's costs weighted by its future's probability,
and ties the copies of each option together (``Rules.same_plan``: they open in the same
period at the same size). Its optimum is the plan of least expected cost, each future's
pupils placed as well as that plan allows. Solved by the core like any problem, it is
exact: the gap reported is the gap of the stacked model.

:func:`evaluate` prices a given plan of openings in one future: the openings are fixed and
only the placements are chosen (a linear programme), so every plan can be compared with
every other in every future.

The futures must share their periods and options (the same candidates, costs and rules);
their groups, arcs and existing places may differ.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import ProblemError
from .core import Arcs, ArrayLike, Existing, Groups, Options, Problem, Rejoins, Rules
from .replan import Placing
from .result import Result

#: The option arrays that are costs: each copy pays its future's share of them.
_COSTS = ("fixed_cost", "cost_per_place", "annual_cost_per_place", "annual_fixed_cost")
#: The option arrays every future must share.
_SHARED = ("min_size", "max_size", "step", "earliest", "forced", "excluded", "min_occupancy", "intake", *_COSTS)


@dataclass(frozen=True)
class Stacked:
    """A stacked problem and where each future's copy sits in it."""

    problem: Problem
    futures: int
    options: int  # options of one future: copy d holds options d*options .. (d+1)*options-1

    def plan(self, result: Result) -> tuple[np.ndarray, np.ndarray]:
        """The one plan (opening period and size of each option of a future) ``result`` chose."""
        first = slice(0, self.options)
        return result.option_period[first].copy(), result.option_size[first].copy()


def stack(problems: Sequence[Problem], weights: Sequence[float] | None = None) -> Stacked:
    """The problems, one per demand future, as one problem with a single plan of openings.

    ``weights`` (default equal) are the futures' probabilities, scaled to add up to 1. Every
    cost of copy d is multiplied by its weight, so the objective is the expected cost.
    Budgets hold for the plan as they would in any one future (the copies' weighted capital
    adds up to the plan's), counts of options are counted once per copy, and exclusive
    groups and earlier plans to differ from apply to the first copy (the others follow it)."""
    if not problems:
        raise ProblemError(["stack: at least one problem is needed"])
    _check_alike(problems)
    share = np.full(len(problems), 1.0 / len(problems)) if weights is None else np.asarray(weights, float)
    if share.shape != (len(problems),) or not np.all(np.isfinite(share)) or np.any(share < 0) or share.sum() <= 0:
        raise ProblemError([f"stack: weights must be {len(problems)} values >= 0, not all 0"])
    share = share / share.sum()
    first = problems[0]
    T, O, D = first.periods.count, first.options.count, len(problems)
    E = np.array([p.existing.count for p in problems])
    existing_offset = np.concatenate([[0], np.cumsum(E)[:-1]])
    option_offset = int(E.sum())
    group_offset = np.concatenate([[0], np.cumsum([p.groups.count for p in problems])[:-1]])
    arc_offset = np.concatenate([[0], np.cumsum([p.arcs.count for p in problems])[:-1]])

    groups = Groups.make(
        np.concatenate([p.groups.demand for p in problems]),
        period=np.concatenate([p.groups.period for p in problems]),
        fallback_cost=np.concatenate([w * p.groups.fallback_cost for w, p in zip(share, problems)]),
        ids=[(d, i) for d, p in enumerate(problems) for i in p.groups.ids],
        stays=np.concatenate([p.groups.usage(T) for p in problems]),
    )
    existing = Existing.make(
        np.concatenate([p.existing.capacity for p in problems]),
        periods=T,
        ids=[(d, i) for d, p in enumerate(problems) for i in p.existing.ids],
    )
    facility = []
    for d, p in enumerate(problems):
        f = p.arcs.facility
        is_option = f >= p.existing.count
        facility.append(np.where(is_option, option_offset + d * O + (f - p.existing.count), existing_offset[d] + f))
    arcs = Arcs.make(
        np.concatenate([group_offset[d] + p.arcs.group for d, p in enumerate(problems)]),
        np.concatenate(facility),
        np.concatenate([w * p.arcs.cost for w, p in zip(share, problems)]),
        stays=np.concatenate([p.arc_usage() for p in problems]),
    )
    rejoins = Rejoins.make(
        np.concatenate([arc_offset[d] + p.rejoins.arc for d, p in enumerate(problems)]),
        np.concatenate([group_offset[d] + p.rejoins.group for d, p in enumerate(problems)]),
        np.concatenate([p.rejoins.share for p in problems]),
    )
    stacked = Problem.make(
        groups=groups,
        arcs=arcs,
        periods=first.periods,
        existing=existing,
        options=_options(first.options, share),
        rules=_rules(first, share),
        rejoins=rejoins,
    )
    return Stacked(stacked, D, O)


def _check_alike(problems: Sequence[Problem]) -> None:
    first = problems[0]
    out = []
    for d, p in enumerate(problems[1:], start=1):
        if p.periods.count != first.periods.count or not (
            np.allclose(p.periods.weight, first.periods.weight)
            and np.allclose(p.periods.capital_weight, first.periods.capital_weight)
        ):
            out.append(f"stack: future {d} has other periods than future 0")
        if p.options.count != first.options.count or p.options.ids != first.options.ids:
            out.append(f"stack: future {d} has other options than future 0")
            continue
        differ = [
            name for name in _SHARED if not np.array_equal(getattr(p.options, name), getattr(first.options, name))
        ]
        if differ:
            out.append(f"stack: future {d}'s options differ from future 0's in {', '.join(differ)}")
        if p.rules != first.rules:
            out.append(f"stack: future {d} has other rules than future 0")
    if out:
        raise ProblemError(out)


def _options(options: Options, share: np.ndarray) -> Options:
    D = len(share)
    # typed as make()'s keyword parameters, which the names in _SHARED are
    tiled: dict[str, ArrayLike] = {
        name: np.tile(getattr(options, name), D) for name in _SHARED if name not in _COSTS and name != "intake"
    }
    costs: dict[str, ArrayLike] = {name: np.concatenate([w * getattr(options, name) for w in share]) for name in _COSTS}
    return Options.make(
        np.tile(options.max_size, D),
        **{k: v for k, v in tiled.items() if k != "max_size"},
        **costs,
        intake=np.tile(options.intake, (D, 1)),
        ids=[(d, i) for d in range(D) for i in options.ids],
    )


def _rules(first: Problem, share: np.ndarray) -> Rules:
    rules, O, D = first.rules, first.options.count, len(share)
    per_place = rules.annual_per_place(first.options)
    return dataclasses.replace(
        rules,
        max_options=None if rules.max_options is None else rules.max_options * D,
        exact_options=None if rules.exact_options is None else rules.exact_options * D,
        annual_budget_cost_per_place=tuple(float(w * c) for w in share for c in per_place),
        same_plan=tuple(tuple(d * O + o for d in range(D)) for o in range(O)) if D > 1 else (),
    )


def evaluate(problem: Problem, option_period: np.ndarray, option_size: np.ndarray) -> Result:
    """``problem`` with the openings fixed (``option_period`` -1: not opened) and the
    placements chosen at least cost: what that plan costs in this future. Infeasible when
    the plan cannot meet the rules there (a minimum occupancy it cannot fill, pupils it
    cannot place with the fallback forbidden). To price many plans in one future, keep one
    :class:`~.replan.Placing`."""
    return Placing(problem).place(option_period, option_size)
