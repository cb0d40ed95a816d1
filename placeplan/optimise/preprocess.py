"""Work done before (and instead of part of) the MIP solve.

* :func:`shortfalls`: prove infeasibility cheaply when the fallback is forbidden: groups with
  no usable arc, and per period a max-flow with every option open at its largest size;
  a shortfall names a set of groups whose demand exceeds all the capacity they can reach
  (a Hall violator, so the explanation is a proof, not a guess).
* :func:`transport`: the cost of the best placement for a given set of open options
  (a transportation LP);
* :func:`placement_cost`: the same cost, fast, as a min-cost flow on whole units, used by
  the heuristics and the branch and bound to price many candidate plans.
"""

from __future__ import annotations

import logging
import math

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog
from scipy.sparse.csgraph import breadth_first_order, maximum_flow

from .core import Problem, Shortfall
from .tuning import TUNING

log = logging.getLogger(__name__)


def _reachable_arcs(problem: Problem) -> np.ndarray:
    from .formulation import usable_arcs

    return usable_arcs(problem)


def shortfalls(problem: Problem) -> list[Shortfall]:
    """Demand that no plan can place, with fallback forbidden; empty when none is found.

    Every option counts as open from its earliest period at its largest size, with the
    places its intake gives it by then (so a shortfall here is certain);
    budgets and counts are not considered (the solver decides those).
    """
    g, o = problem.groups, problem.options
    E, T = problem.existing.count, problem.periods.count
    firm = ~g.fallback_allowed & (g.demand > 1e-9)
    if not firm.any():
        return []
    arcs = _reachable_arcs(problem)
    out: list[Shortfall] = []
    has_arc = np.zeros(g.count, bool)
    has_arc[problem.arcs.group[arcs]] = True
    lonely = np.flatnonzero(firm & ~has_arc)
    for t in np.unique(g.period[lonely]):
        members = lonely[g.period[lonely] == t]
        out.append(
            Shortfall(
                int(t),
                tuple(int(i) for i in members),
                (),
                float(g.demand[members].sum()),
                0.0,
                "have no facility within reach that could take them in that period",
            )
        )
    capacity = np.zeros((problem.facility_count, T))
    if E:
        capacity[:E] = problem.existing.capacity
    if o.count:
        # opened as early as it can be, an option has the most places its intake allows
        share = o.usable_share(np.arange(o.count)[:, None], np.arange(T)[None, :] - o.earliest[:, None])
        open_by = (share > 0) & ~o.excluded[:, None]
        # where, not a product, before it opens: an uncapacitated option's inf * 0 is nan
        capacity[E:] = np.where(open_by, o.max_size[:, None], 0.0) * np.where(open_by, share, 1.0)
    for t in range(T):
        in_t = firm & (g.period == t) & has_arc
        if not in_t.any():
            continue
        sel = arcs[in_t[problem.arcs.group[arcs]] & (g.period[problem.arcs.group[arcs]] == t)]
        found = _hall_violator(problem, sel, capacity[:, t], t)
        if found is not None:
            out.append(found)
    return out


def _hall_violator(problem: Problem, arcs: np.ndarray, capacity: np.ndarray, t: int) -> Shortfall | None:
    """Max-flow from the groups of period t through their arcs to the facilities.

    The flow is integral (scipy's max-flow), on a relaxation of the problem: demands
    scaled and rounded down, capacities scaled and rounded up, so a shortfall found here
    is certain. The groups on the source side of the minimum cut, and the facilities they
    reach (all full), form the shortfall: a Hall violator.
    """
    g = problem.groups
    groups, gi = np.unique(problem.arcs.group[arcs], return_inverse=True)
    facs, fi = np.unique(problem.arcs.facility[arcs], return_inverse=True)
    demand = g.demand[groups]
    cap = capacity[facs]
    total = float(demand.sum())
    finite_cap = np.where(np.isfinite(cap), cap, total)
    scale = max(1.0, min(1000.0, 2.0**30 / max(total, 1.0)))
    d_int = np.floor(demand * scale + 1e-9).astype(np.int64)
    c_int = np.ceil(np.minimum(finite_cap, total) * scale - 1e-9).astype(np.int64)
    if d_int.sum() <= 0:
        return None
    nG, nF = len(groups), len(facs)
    source, sink = nG + nF, nG + nF + 1
    big = int(d_int.sum())
    rows = np.concatenate([np.full(nG, source), gi, nG + np.arange(nF)])
    cols = np.concatenate([np.arange(nG), nG + fi, np.full(nF, sink)])
    caps = np.concatenate([d_int, np.full(len(arcs), big), c_int]).astype(np.int32)
    graph = sp.csr_matrix((caps, (rows, cols)), shape=(nG + nF + 2, nG + nF + 2))
    graph.sum_duplicates()
    flow = maximum_flow(graph, source, sink)
    if flow.flow_value >= d_int.sum():
        return None
    residual = (graph - flow.flow).tocsr()
    residual.data = np.where(residual.data > 0, 1, 0)
    residual.eliminate_zeros()
    seen = breadth_first_order(residual, source, directed=True, return_predecessors=False)
    side = np.zeros(nG + nF + 2, bool)
    side[seen] = True
    group_side, fac_side = side[:nG], side[nG : nG + nF]
    placed = float(flow.flow_value) / scale
    return Shortfall(
        t,
        tuple(int(i) for i in groups[group_side]),
        tuple(int(f) for f in facs[fac_side]),
        float(demand[group_side].sum()),
        float(cap[fac_side].sum()),
        f"{total - placed:g} units cannot be placed even with every option open as early and as large as it can be",
    )


def transport(
    problem: Problem, open_options: np.ndarray, *, arcs: np.ndarray | None = None
) -> tuple[float, np.ndarray, np.ndarray] | None:
    """Best placement cost (arcs + fallback, weighted) with exactly ``open_options`` open at
    their largest size (single-period fixed-size problems). Returns (cost, flow per arc of
    ``arcs``, unplaced per group) or None when infeasible."""
    g, E = problem.groups, problem.existing.count
    arcs = _reachable_arcs(problem) if arcs is None else arcs
    fac = problem.arcs.facility[arcs]
    keep = (fac < E) | open_options[np.maximum(fac - E, 0)]
    sel = arcs[keep]
    fac = problem.arcs.facility[sel]
    grp = problem.arcs.group[sel]
    w = problem.periods.weight[g.period[grp]]
    fb = np.flatnonzero(g.fallback_allowed & (g.demand > 0))
    n = len(sel) + len(fb)
    cost = np.concatenate([w * problem.arcs.cost[sel], problem.periods.weight[g.period[fb]] * g.fallback_cost[fb]])
    if n == 0:
        if np.any(g.demand > 0):
            return None
        return 0.0, np.zeros(len(arcs)), np.zeros(g.count)
    if problem.periods.count == 1 and not np.isfinite(_capacities(problem, open_options)[fac]).any():
        return _nearest_transport(problem, arcs, keep, cost, fb)
    a_eq = sp.csr_matrix((np.ones(n), (np.concatenate([grp, fb]), np.arange(n))), shape=(g.count, n))
    T = problem.periods.count
    cap = _capacities(problem, open_options)
    key = fac * T + g.period[grp]
    rows, ri = np.unique(key, return_inverse=True)
    limit = cap.ravel()[rows]
    finite = np.isfinite(limit)
    a_ub = sp.csr_matrix((np.ones(len(sel)), (ri, np.arange(len(sel)))), shape=(len(rows), n))[finite]
    res = linprog(cost, A_ub=a_ub, b_ub=limit[finite], A_eq=a_eq, b_eq=g.demand, bounds=(0, None), method="highs")
    if res.status != 0:
        return None
    flow = np.zeros(len(arcs))
    flow[np.flatnonzero(keep)] = res.x[: len(sel)]
    unplaced = np.zeros(g.count)
    unplaced[fb] = res.x[len(sel) :]
    return float(res.fun), flow, unplaced


def _capacities(problem: Problem, open_options: np.ndarray) -> np.ndarray:
    """(facilities, periods) places with exactly ``open_options`` open at their largest
    size (inf where a facility has no limit)."""
    o, E = problem.options, problem.existing.count
    cap = np.full((problem.facility_count, problem.periods.count), np.inf)
    if E:
        cap[:E] = problem.existing.capacity
    if o.count:
        cap[E:] = np.where(open_options, o.max_size, 0.0)[:, None]
    return cap


def _nearest_transport(
    problem: Problem, arcs: np.ndarray, keep: np.ndarray, cost: np.ndarray, fallback_groups: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray] | None:
    """:func:`transport` where no open facility has a limit (one period): each group
    wholly at its cheapest arc, or the fallback where that is cheaper; ties go to the
    first arc, then the arc over the fallback, so the plan is the same every run."""
    g = problem.groups
    sel = np.flatnonzero(keep)
    arc_cost, fb_cost = cost[: len(sel)], cost[len(sel) :]
    group = problem.arcs.group[arcs[sel]]
    order = np.lexsort((sel, arc_cost, group))
    first = order[np.r_[True, group[order][1:] != group[order][:-1]]] if len(order) else order
    best_arc = np.full(g.count, -1)
    best_arc[group[first]] = first
    best_cost = np.full(g.count, np.inf)
    best_cost[group[first]] = arc_cost[first]
    fb_unit = np.full(g.count, np.inf)
    fb_unit[fallback_groups] = fb_cost
    to_fallback = (fb_unit < best_cost) & (g.demand > 0)
    to_arc = ~to_fallback & (best_arc >= 0) & (g.demand > 0)
    if np.any((g.demand > 0) & ~to_fallback & ~to_arc):
        return None  # a group with no arc and no fallback
    flow = np.zeros(len(arcs))
    flow[sel[best_arc[to_arc]]] = g.demand[to_arc]
    unplaced = np.where(to_fallback, g.demand, 0.0)
    total = float(best_cost[to_arc] @ g.demand[to_arc] + fb_unit[to_fallback] @ g.demand[to_fallback])
    return total, flow, unplaced


def cheapest_placement(
    demand: np.ndarray,
    fallback: np.ndarray,
    group: np.ndarray,
    facility: np.ndarray,
    cost: np.ndarray,
    capacity: np.ndarray,
    *,
    exact: bool = False,
) -> float:
    """Cost of the cheapest placement of ``demand`` (per group) along arcs ``(group,
    facility, cost per unit)`` within ``capacity`` (per facility, inf for no limit), the
    rest at ``fallback`` per unit (inf: forbidden); inf when the demand cannot be placed.

    With whole units it is a min-cost flow (network simplex in OR-Tools, many times faster
    than an LP) on unit costs rounded to integers after scaling: the placement is optimal
    for the rounded costs, and the cost returned is its true cost, so it is a real plan's
    cost within about 1e-9 of the optimum (an upper bound for the heuristics). Fractional
    units, or ``exact`` (where the cost is used as a lower bound), take the transportation LP.
    """
    from ortools.graph.python import min_cost_flow

    total = float(demand.sum())
    if not np.any(capacity[facility] < total):
        return _nearest_placement(demand, fallback, group, cost)
    capacity = np.minimum(capacity, total)
    fb = np.flatnonzero(np.isfinite(fallback) & (demand > 0))
    whole = np.all(demand == np.round(demand)) and np.all(capacity == np.round(capacity))
    if exact or not whole or total > 2.0**40:
        return _placement_lp(demand, fallback[fb], fb, group, facility, cost, capacity)
    unit = np.concatenate([cost, fallback[fb]])
    peak = float(np.abs(unit).max(initial=0.0))
    # Every cost zero: any scale will do, and dividing by a tiny stand-in made it infinite
    # (0 * inf is not a number, cast to garbage integers).
    scale = TUNING.cost_scale / peak if peak > 0 else 1.0
    G, F = len(demand), len(capacity)
    spill, sink = G + F, G + F + 1
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        np.concatenate([group, fb, G + np.arange(F), [spill]]),
        np.concatenate([G + facility, np.full(len(fb), spill), np.full(F, sink), [sink]]),
        np.concatenate([demand[group], demand[fb], capacity, [total]]).astype(np.int64),
        np.concatenate([np.round(unit * scale), np.zeros(F + 1)]).astype(np.int64),
    )
    supplies = np.concatenate([demand, np.zeros(F + 2)]).astype(np.int64)
    supplies[sink] = -int(supplies.sum())
    flow.set_nodes_supplies(np.arange(G + F + 2), supplies)
    if flow.solve() != flow.OPTIMAL:
        return math.inf
    return float(flow.flows(np.arange(len(unit))) @ unit)


def _nearest_placement(demand: np.ndarray, fallback: np.ndarray, group: np.ndarray, cost: np.ndarray) -> float:
    """The cheapest placement when no capacity binds (every facility reached can hold the
    whole demand): each group at its cheapest arc or the fallback, the LP's optimum
    itself, in one pass over the arcs instead of a flow or an LP."""
    cheapest = fallback.astype(float).copy()
    np.minimum.at(cheapest, group, cost)
    placed = demand > 0
    if np.isinf(cheapest[placed]).any():
        return math.inf
    return float(cheapest[placed] @ demand[placed])


def _placement_lp(
    demand: np.ndarray,
    fallback: np.ndarray,
    fb: np.ndarray,
    group: np.ndarray,
    facility: np.ndarray,
    cost: np.ndarray,
    capacity: np.ndarray,
) -> float:
    n = len(group) + len(fb)
    if n == 0:
        return 0.0 if not np.any(demand > 0) else math.inf
    a_eq = sp.csr_matrix((np.ones(n), (np.concatenate([group, fb]), np.arange(n))), shape=(len(demand), n))
    finite = np.flatnonzero(np.isfinite(capacity[facility]))
    rows, ri = np.unique(facility[finite], return_inverse=True)
    a_ub = sp.csr_matrix((np.ones(len(finite)), (ri, finite)), shape=(len(rows), n))
    res = linprog(
        np.concatenate([cost, fallback]),
        A_ub=a_ub,
        b_ub=capacity[rows],
        A_eq=a_eq,
        b_eq=demand,
        bounds=(0, None),
        method="highs",
    )
    return float(res.fun) if res.status == 0 else math.inf


def status_quo_plan(problem: Problem) -> tuple[np.ndarray, np.ndarray] | None:
    """A plan that opens nothing: existing places filled greedily, the rest to the fallback.

    Returns (flow per arc, unplaced per group), or None when the rules need more than that
    (a forced option, an exact number of options, an earlier plan that opened nothing to
    differ from, or pupils who may not go to the fallback and do not fit in existing
    places). It is the plan a solve stopped before
    finding any other can always return: with the fallback allowed, placing every pupil
    there is itself a plan, and the greedy fill only makes it cheaper.
    """
    g, o, a = problem.groups, problem.options, problem.arcs
    if (o.forced & ~o.excluded).any() or problem.rules.exact_options or () in problem.rules.different_from:
        return None
    E = problem.existing.count
    arcs = _reachable_arcs(problem)
    arcs = arcs[a.facility[arcs] < E]
    fallback = np.where(g.fallback_allowed, g.fallback_cost, np.inf)
    saving = fallback[a.group[arcs]] - a.cost[arcs]
    arcs, saving = arcs[saving > 0], saving[saving > 0]
    # pupils with no fallback first, then the largest saving; ties by arc index, so the
    # plan is the same every run
    order = np.lexsort((arcs, -np.where(np.isinf(saving), 0.0, saving), ~np.isinf(saving)))
    left = g.demand.astype(float).copy()
    room = problem.existing.capacity.astype(float).copy()
    usage = problem.arc_usage()
    flow = np.zeros(a.count)
    for arc in arcs[order]:
        group, facility = a.group[arc], a.facility[arc]
        there = usage[arc] > 0  # a unit placed stays in every period it is there
        fits = np.min(room[facility, there] / usage[arc, there])
        amount = min(left[group], fits)
        if amount > 1e-12:
            flow[arc] = amount
            left[group] -= amount
            room[facility] -= amount * usage[arc]
    # units that must be placed again go to the fallback: a plan, if not a good one
    np.add.at(left, problem.rejoins.group, problem.rejoins.share * flow[problem.rejoins.arc])
    if (left[~g.fallback_allowed] > 1e-9).any():
        return None
    return flow, np.maximum(left, 0.0)
