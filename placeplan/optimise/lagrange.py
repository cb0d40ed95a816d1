r"""Lagrangian bound, Lagrangian heuristic and reduced-cost fixing for single-period,
fixed-size problems (capacitated facility location, p-median, a one-year SEND plan).

Relaxing the demand rows with multipliers $\lambda_g$ (Beasley 1988; Cornuejols, Sridharan
and Thizy 1991; Görtz and Klose 2012) splits the problem into one continuous knapsack per
facility,
$$V_f(\lambda) = \min\{\textstyle\sum_{a \in \mathcal A_f} (c_a - \lambda_{g_a}) x_a :
  \sum_a x_a \le S_f,\ 0 \le x_a \le d_{g_a}\},$$
solved greedily (cheapest reduced cost first), and a small 0-1 problem over the options,
$$\min\{\textstyle\sum_o (F_o + V_o(\lambda)) y_o : \sum_o S_o y_o \ge D - \sum_e C_e,\
  \text{forced/excluded}, \sum_o y_o = p \text{ or } \le N\},$$
solved exactly when the sizes are equal or only the count binds, and otherwise replaced
by its LP relaxation (any relaxation keeps the bound valid). The bound
$L(\lambda) = \sum_g \lambda_g d_g + \sum_g \min(0, \varphi_g - \lambda_g) d_g + \sum_e V_e + (\text{0-1 part})$
is at least the strong LP bound and is maximised by subgradient steps.

If forcing option $o$ to the opposite of its Lagrangian choice gives a bound above the
best known plan, no better plan flips it: $o$ is fixed, and when fixed closed its arcs
leave the model. This is what keeps the branch and bound (:mod:`.branch`, which applies
the same fixing at every node) and the MIP small.

Candidate plans are priced by a min-cost flow (:func:`plan_cost`), so the heuristics and
the search can try many of them.
"""

from __future__ import annotations

import copy
import logging
import math
import time
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .core import Problem
from .preprocess import cheapest_placement
from .tuning import TUNING, is_cheaper

log = logging.getLogger(__name__)


def applicable(problem: Problem) -> bool:
    """One period, options of fixed size with no minimum occupancy, no exclusive group
    with two options that may open, no annual budget and no earlier plan to differ from.

    Fixed size means ``min_size == max_size``: an option whose step is larger than its
    range (min 5, max 7, step 4) has no step to take, but its one size is the minimum,
    not the ``max_size`` this relaxation works with, so it goes to the MIP. An annual fixed
    cost is, in one period, more fixed cost (:meth:`Options.fixed_cost_total`). Exclusive
    groups, options that open together, the annual budget and an intake that opens with some of the places go to the
    MIP: the 0-1 problem here and the plans the heuristics try do not know them."""
    o, rules = problem.options, problem.rules
    fixed = ~o.capacitated | (o.min_size == o.max_size)
    phased = np.any(o.usable_share(np.arange(o.count), 0) < 1)
    return (
        problem.periods.count == 1
        and o.count > 0
        and not problem.rejoins.count
        and bool(np.all(fixed | o.excluded))
        and not np.any(o.min_occupancy > 0)
        and not rules.binding_groups(o)
        and rules.annual_budget_per_period is None
        and not phased
        and not rules.different_from
        and not rules.same_plan
    )


@dataclass
class LagrangeOutcome:
    bound: float
    multipliers: np.ndarray
    upper: float
    incumbent: np.ndarray | None  # open options of the best plan found
    fixed_closed: np.ndarray  # options proven closed in every better plan
    fixed_open: np.ndarray  # options proven open in every better plan
    iterations: int
    seconds: float
    evaluations: int


class Evaluation(NamedTuple):
    """The Lagrangian relaxation at one set of multipliers."""

    bound: float  # the lower bound it proves
    subgradient: np.ndarray  # (G,) demand less what is placed and left unplaced
    opened: np.ndarray  # (O,) bool: the options the 0-1 problem opens
    reduced: np.ndarray  # (O,) each option's r_o: its fixed cost plus its knapsack's value
    rest: float  # the part of the bound outside the 0-1 problem


class Lagrangian:
    """The relaxation of one problem, evaluated for many multiplier vectors."""

    def __init__(self, problem: Problem, arcs: np.ndarray):
        g, o, E = problem.groups, problem.options, problem.existing.count
        self.problem = problem
        self.arcs = arcs
        w = problem.periods.weight[0]
        cw = problem.periods.capital_weight[0]
        fac = problem.arcs.facility[arcs]
        order = np.argsort(fac, kind="stable")
        self.order = order
        self.g = problem.arcs.group[arcs][order]
        self.f = fac[order]
        F = problem.facility_count
        # 16-bit facility numbers sort by radix, several times faster (None if too many)
        self.f_small = self.f.astype(np.int16) if F < 2**15 else None
        self.c = w * problem.arcs.cost[arcs][order]
        cap = np.full(F, np.inf)
        if E:
            cap[:E] = problem.existing.capacity[:, 0]
        cap[E:] = o.max_size
        self.cap = cap
        self.ub = np.minimum(g.demand[self.g], cap[self.f])
        finite = cap[np.isfinite(cap)]
        self.unit_arcs = bool(np.all(self.ub == 1) and np.all(finite == np.round(finite)))
        self.d = g.demand
        self.fallback = w * g.fallback_cost  # inf where forbidden
        self.any_fallback = bool(np.isfinite(self.fallback).any())
        self.E = E
        self.size = np.where(o.capacitated, o.max_size, 0.0)
        self.capacitated = bool(o.capacitated[~o.excluded].all()) if o.count else False
        mn = self.size
        # one period: the annual fixed cost is paid in it alone (its remaining weight is w)
        self.fixed = o.fixed_cost_total(cw, w) + cw * o.cost_per_place * mn + w * o.annual_cost_per_place * mn
        self.forced = o.forced.copy()
        self.excluded = o.excluded.copy()
        firm = ~g.fallback_allowed
        existing_cap = problem.existing.capacity[:, 0].sum() if E else 0.0
        self.need = float(g.demand[firm].sum() - existing_cap) if self.capacitated else 0.0
        self.exact = problem.rules.exact_options
        self.max = problem.rules.max_options
        self.cap_o = cap[E:]
        self.uncap_f = ~np.isfinite(cap[self.f])
        self.all_uncap = bool(self.uncap_f.all())
        sizes = self.size[~o.excluded & ~o.forced]
        self.equal_sizes = len(sizes) == 0 or bool(np.all(sizes == sizes[0]))

    def at(self, forced: np.ndarray, excluded: np.ndarray) -> Lagrangian:
        """The same relaxation with more options forced open or excluded (a node of the
        branch and bound). The arcs into excluded options are dropped, so each evaluation
        scans only the arcs that can still carry flow."""
        node = copy.copy(self)
        node.forced, node.excluded = forced, excluded
        keep = np.ones(len(self.cap), bool)
        keep[self.E :] = ~excluded
        mask = keep[self.f]
        if not mask.all():
            for name in ("order", "g", "f", "c", "ub", "uncap_f"):
                setattr(node, name, getattr(self, name)[mask])
            node.f_small = None if self.f_small is None else self.f_small[mask]
            node.all_uncap = bool(node.uncap_f.all())
        return node

    # --- the two subproblems -------------------------------------------------------------
    def knapsacks(self, lam: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per facility value V_f, and the arcs that carry flow (positions in the sorted
        arcs) with their flow. Only arcs with a negative reduced cost can carry flow, so
        the sorting and sums run over those few, not over every arc."""
        F = len(self.cap)
        v = self.c - lam[self.g]
        idx = np.flatnonzero(v < 0)
        if len(idx) == 0:
            return np.zeros(F), idx, np.zeros(0)
        f = self.f[idx]
        vi = v[idx]
        if self.all_uncap:
            take = self.ub[idx]
        else:
            order = _by_facility_then_cost(f, vi, None if self.f_small is None else self.f_small[idx])
            idx, f, vi = idx[order], f[order], vi[order]
            # greedy per facility: cheapest reduced cost first until its capacity is used
            start = np.searchsorted(f, f)  # where each arc's facility begins
            if self.unit_arcs:  # one unit an arc, whole capacities: the first cap[f] arcs
                take = (np.arange(len(f)) - start < self.cap[f]).astype(float)
            else:
                amount = self.ub[idx]
                ahead = np.cumsum(amount) - amount  # the amount sorted before each arc
                take = np.minimum(np.maximum(self.cap[f] - (ahead - ahead[start]), 0.0), amount)
        return np.bincount(f, weights=vi * take, minlength=F), idx, take

    def choose(self, r: np.ndarray, forced: np.ndarray, excluded: np.ndarray) -> tuple[float, np.ndarray]:
        """min sum r_o y_o over the options' 0-1 problem (or a relaxation of it)."""
        y = forced.copy()
        value = float(r[forced].sum())
        free = np.flatnonzero(~forced & ~excluded)
        if self.exact is not None:
            k = self.exact - int(forced.sum())
            if k < 0 or k > len(free):
                return math.inf, y
            pick = free[np.argsort(r[free], kind="stable")[:k]]
            y[pick] = True
            return value + float(r[pick].sum()), y
        neg = free[r[free] < 0]
        if self.max is not None:
            room = max(0, self.max - int(forced.sum()))
            neg = neg[np.argsort(r[neg], kind="stable")[:room]]
            y[neg] = True
            return value + float(r[neg].sum()), y
        y[neg] = True
        value += float(r[neg].sum())
        if self.need > 0:
            rest = self.need - float(self.size[y].sum())
            if rest > 1e-9:
                cand = free[~y[free]]
                if self.equal_sizes and len(cand):
                    k = math.ceil(rest / self.size[cand[0]] - 1e-9)
                    if k > len(cand):
                        return math.inf, y
                    pick = cand[np.argsort(r[cand], kind="stable")[:k]]
                    y[pick] = True
                    value += float(r[pick].sum())
                else:
                    ratio = r[cand] / np.maximum(self.size[cand], 1e-12)
                    for o in cand[np.argsort(ratio, kind="stable")]:
                        if rest <= 1e-9:
                            break
                        share = min(1.0, rest / self.size[o]) if self.size[o] > 0 else 1.0
                        value += share * float(r[o])
                        rest -= self.size[o]
                        y[o] = True
                    if rest > 1e-9:
                        return math.inf, y
        return value, y

    def evaluate(self, lam: np.ndarray) -> Evaluation:
        """The relaxation at multipliers ``lam`` (see :class:`Evaluation`)."""
        V, idx, take = self.knapsacks(lam)
        E = self.E
        r = self.fixed + V[E:]
        value, y = self.choose(r, self.forced, self.excluded)
        rest = float(lam @ self.d) + (float(V[:E].sum()) if E else 0.0)
        open_f = np.ones(len(self.cap), bool)
        open_f[E:] = y
        placed = np.bincount(self.g[idx], weights=take * open_f[self.f[idx]], minlength=len(self.d))
        sub = self.d - placed
        if self.any_fallback:  # (p-median has none: its evaluations skip this)
            fb_gain = np.minimum(0.0, self.fallback - lam)
            rest += float((fb_gain * self.d).sum())
            sub -= np.where(fb_gain < 0, self.d, 0.0)
        return Evaluation(rest + value, sub, y, r, rest)


def _by_facility_then_cost(f: np.ndarray, v: np.ndarray, f_small: np.ndarray | None = None) -> np.ndarray:
    """The order of np.lexsort((v, f)), several times faster: sort by v, then a stable
    sort by facility (a radix sort where ``f_small``, the same facilities in 16 bits, is
    given), which keeps each facility's arcs in order of v."""
    by_cost = np.argsort(v)
    keys = f if f_small is None else f_small
    return by_cost[np.argsort(keys[by_cost], kind="stable")]


def objective_step(lag: Lagrangian) -> float:
    """1 when every plan costs a whole number, else 0.

    With whole costs, demands and capacities the placement of any choice of options has a
    whole-number optimum (a transportation problem with integral data has integral optimal
    flows), so the optimum is a whole number: a bound of 2844.95 proves 2845, and no
    plan better than one costing U exists below U - 1. OR-Library p-median is such data."""
    finite = np.isfinite(lag.fallback)
    values = [lag.c, lag.fixed, lag.d, lag.fallback[finite], lag.cap[np.isfinite(lag.cap)], lag.size]
    whole = all(np.all(np.abs(v - np.round(v)) <= 1e-9 * np.maximum(1.0, np.abs(v))) for v in values)
    return 1.0 if whole else 0.0


def cutoff(upper: float, tolerance: float, step: float) -> float:
    """Bounds at or above this cannot lead to a plan better than ``upper`` by more than the
    relative ``tolerance``, nor by a whole ``step`` (see :func:`objective_step`). The step
    keeps a margin of 1e-3 against rounding in the bounds."""
    if not math.isfinite(upper):
        return math.inf
    return upper - max(tolerance * abs(upper), step - TUNING.step_margin if step else 0.0)


def round_bound(bound: float, step: float) -> float:
    """The least whole number a bound allows when costs are whole (``step`` 1). Half the
    margin: subtrees closed by fixing record the cutoff itself as their bound."""
    return math.ceil(bound - TUNING.step_margin / 2) if step and math.isfinite(bound) else bound


def fix(lag: Lagrangian, lam: np.ndarray, upper: float, at: Evaluation | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Reduced-cost fixing: options whose flip lifts the bound above ``upper``. ``at``:
    ``lag``'s evaluation at ``lam``, when the caller has it."""
    O = lag.problem.options.count
    if not math.isfinite(upper):
        return np.zeros(O, bool), np.zeros(O, bool)
    _, _, y, r, rest = lag.evaluate(lam) if at is None else at
    _, flipped = _flipped(lag, r, y)
    over = rest + flipped > _within(upper)  # nan (options not free) is never over
    return over & ~y, over & y


def _flipped(lag: Lagrangian, r: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """The options' 0-1 value at their costs ``r``, and for each free option the value
    with its choice ``y`` reversed (forced open if closed, excluded if open); nan for the
    options already forced or excluded."""
    value, _ = lag.choose(r, lag.forced, lag.excluded)
    flipped = np.full(len(y), np.nan)
    free = np.flatnonzero(~lag.forced & ~lag.excluded)
    k = None if lag.exact is None else lag.exact - int(lag.forced.sum())
    if k is not None and 0 <= k <= len(free):
        # exactly k free options open: the flip swaps one for the next in order of r
        ranked = np.sort(r[free], kind="stable")
        after = ranked[k] if k < len(free) else math.inf  # the cheapest left closed
        # the dearest opened; with none to close, opening one more breaks the count (inf)
        last = ranked[k - 1] if k > 0 else -math.inf
        flipped[free] = np.where(y[free], value - r[free] + after, value + r[free] - last)
        return value, flipped
    for o in free:
        forced, excluded = lag.forced.copy(), lag.excluded.copy()
        (excluded if y[o] else forced)[o] = True
        flipped[o] = lag.choose(r, forced, excluded)[0]
    return value, flipped


def _within(upper: float) -> float:
    """``upper`` with the noise a bound's sums carry: a bound above it passes ``upper``."""
    return upper + 1e-9 * abs(upper) + 1e-9


def fix_arcs(lag: Lagrangian, lam: np.ndarray, upper: float) -> np.ndarray:
    """Reduced-cost fixing of the arcs, for whole-number data (:func:`objective_step` 1):
    the positions in ``lag``'s sorted arcs that a plan costing less than ``upper`` may use.

    With whole numbers a plan's placement has a whole-number optimal flow, so an arc a plan
    uses carries at least one unit. Forcing one unit along arc ``a`` into facility ``j``
    lifts the bound by at least ``delta_a + open_j``: ``delta_a`` is 0 if the knapsack of
    ``j`` already carries a unit along ``a``, else the arc's reduced cost less that of the
    dearest unit it displaces (none when ``j`` has a place to spare); ``open_j`` is what
    forcing ``j`` open adds to the options' 0-1 problem, which is linear in ``j``'s value
    once ``j`` is forced. Arcs whose bound passes ``upper`` are dropped: on most p-median
    instances that leaves a few arcs per point (pmed5 capacitated, against a plan 1.3%
    above the optimum: 701 of 10,000)."""
    if not math.isfinite(upper):
        return np.ones(len(lag.c), bool)
    _, idx, take = lag.knapsacks(lam)
    bound, _, y, r, _ = lag.evaluate(lam)
    F = len(lag.cap)
    reduced = lag.c - lam[lag.g]
    carried = take >= 1 - 1e-9
    used = np.bincount(lag.f[idx], weights=take, minlength=F)
    dearest = np.full(F, -np.inf)
    np.maximum.at(dearest, lag.f[idx[carried]], reduced[idx[carried]])
    full = used > lag.cap - 1 + 1e-9
    displaced = np.where(full & np.isfinite(dearest), dearest, 0.0)
    delta = reduced - displaced[lag.f]
    delta[idx[carried]] = 0.0
    value, flipped = _flipped(lag, r, y)
    opening = np.zeros(F)
    opening[lag.E :] = np.where(~y & ~np.isnan(flipped), flipped - value, 0.0)
    return bound + np.maximum(delta, 0.0) + opening[lag.f] <= _within(upper)


def admissible(problem: Problem, lag: Lagrangian, y: np.ndarray) -> bool:
    """Whether opening exactly the options ``y`` keeps the rules: forced and excluded
    options, the count, enough places for the demand that may not fall back, the budgets."""
    if np.any(y & lag.excluded) or np.any(lag.forced & ~y):
        return False
    count = int(y.sum())
    if (lag.exact is not None and count != lag.exact) or (lag.max is not None and count > lag.max):
        return False
    if lag.capacitated and lag.size[y].sum() < lag.need - 1e-9:
        return False
    rules, o = problem.rules, problem.options
    capital = float((o.fixed_cost + o.cost_per_place * lag.size)[y].sum())
    per_period = math.inf if rules.capital_budget_per_period is None else rules.capital_budget_per_period[0]
    return capital <= min(rules.capital_budget, per_period) + 1e-9


def plan_cost(problem: Problem, lag: Lagrangian, y: np.ndarray, *, exact: bool = False) -> float:
    """Cost of the best plan opening exactly ``y`` (its placement priced by
    :func:`cheapest_placement`, fixed costs added); inf when the rules forbid that choice
    or it cannot place the demand. ``exact`` prices by LP (a bound, not just a plan)."""
    if not admissible(problem, lag, y):
        return math.inf
    open_f = np.ones(len(lag.cap), bool)
    open_f[lag.E :] = y
    keep = open_f[lag.f]
    placed = cheapest_placement(
        lag.d, lag.fallback, lag.g[keep], lag.f[keep], lag.c[keep], np.where(open_f, lag.cap, 0.0), exact=exact
    )
    return placed + float(lag.fixed[y].sum())


def repair(lag: Lagrangian, y: np.ndarray, r: np.ndarray, problem: Problem) -> np.ndarray | None:
    """Make the Lagrangian choice of options a candidate plan: add the cheapest options
    (by r per place) until there are enough places, then meet the count rule; None when
    the choice cannot be made admissible this way."""
    y = (y | lag.forced) & ~lag.excluded
    free = ~lag.forced & ~lag.excluded
    if lag.capacitated and lag.need > 0:
        for o in np.argsort(r / np.maximum(lag.size, 1e-12), kind="stable"):
            if lag.size[y].sum() >= lag.need - 1e-9:
                break
            if free[o]:
                y[o] = True
    if lag.exact is not None:
        while y.sum() > lag.exact and np.any(y & free):
            cand = np.flatnonzero(y & free)
            y[cand[np.argmax(r[cand])]] = False
        while y.sum() < lag.exact and np.any(~y & free):
            cand = np.flatnonzero(~y & free)
            y[cand[np.argmin(r[cand])]] = True
    return y if admissible(problem, lag, y) else None


def optimise(
    lag: Lagrangian,
    *,
    upper: float = math.inf,
    incumbent: np.ndarray | None = None,
    max_iterations: int = 600,
    time_limit: float = 30.0,
    heuristic_every: int = 10,
    step: float = 0.0,
) -> LagrangeOutcome:
    """Subgradient ascent on the multipliers with a Lagrangian heuristic, then
    reduced-cost fixing of the options against the best plan found. ``lag`` is the
    relaxation, built once per problem and shared by every stage that uses it."""
    start = time.perf_counter()
    problem = lag.problem
    G = problem.groups.count
    # start from each group's cheapest arc (or fallback)
    lam = np.full(G, np.inf)
    np.minimum.at(lam, lag.g, lag.c)
    lam = np.minimum(lam, lag.fallback)
    lam[~np.isfinite(lam)] = 0.0
    best_bound, best_lam = -math.inf, lam.copy()
    seen: dict[bytes, float] = {}
    best_y = incumbent

    def try_plan(y: np.ndarray, r: np.ndarray) -> None:
        nonlocal upper, best_y
        cand = repair(lag, y, r, problem)
        if cand is None:
            return
        key = np.packbits(cand).tobytes()
        if key in seen:
            return
        cost = plan_cost(problem, lag, cand)
        seen[key] = cost
        if is_cheaper(cost, upper):
            upper, best_y = cost, cand

    theta, stall, it = 2.0, 0, 0
    for it in range(1, max_iterations + 1):
        bound, sub, y, r, _ = lag.evaluate(lam)
        if bound > best_bound + 1e-12 * abs(bound):
            best_bound, best_lam, stall = bound, lam.copy(), 0
        else:
            stall += 1
        if it == 1 or it % heuristic_every == 0:
            try_plan(y, r)
        if best_bound >= cutoff(upper, TUNING.float_tolerance, step) or time.perf_counter() - start > time_limit:
            break
        if stall >= 20:
            theta, stall = theta / 2, 0
            lam = best_lam.copy()
            if theta < 5e-4:
                break
        norm = float(sub @ sub)
        if norm < 1e-12:
            break
        target = upper if math.isfinite(upper) else bound + 0.05 * abs(bound) + 1.0
        lam = lam + theta * (target - bound) / norm * sub
    bound, sub, y, r, _rest = lag.evaluate(best_lam)
    try_plan(y, r)
    fixed_closed, fixed_open = fix(lag, best_lam, cutoff(upper, 0.0, step))
    seconds = time.perf_counter() - start
    log.info(
        "lagrangian: bound %.6g, plan %.6g (gap %.3f%%), %d options fixed closed, %d open, "
        "%d iterations, %d plans tried, %.2f s",
        best_bound,
        upper,
        100 * (upper - best_bound) / max(abs(upper), 1e-12) if math.isfinite(upper) else math.inf,
        fixed_closed.sum(),
        fixed_open.sum(),
        it,
        len(seen),
        seconds,
    )
    return LagrangeOutcome(best_bound, best_lam, upper, best_y, fixed_closed, fixed_open, it, seconds, len(seen))


def improve(
    lag: Lagrangian,
    y: np.ndarray,
    cost: float,
    r: np.ndarray,
    *,
    closed: np.ndarray,
    candidates: int = 8,
    evaluations: int = 1_000,
) -> tuple[np.ndarray, float, int]:
    """Local search on the open options (drop, add, swap with the ``candidates`` most
    promising closed options by Lagrangian cost r), first improvement, each plan priced
    by :func:`plan_cost`, until no move improves or ``evaluations`` plans are priced (a
    count, not a clock, so the plan is the same under any load). Options in ``closed``
    stay closed."""
    problem = lag.problem
    free = ~lag.forced & ~lag.excluded & ~closed
    priced = 0
    seen: set[bytes] = {np.packbits(y).tobytes()}

    def price(cand: np.ndarray) -> float:
        nonlocal priced
        key = np.packbits(cand).tobytes()
        if key in seen:
            return math.inf
        seen.add(key)
        if not admissible(problem, lag, cand):
            return math.inf
        priced += 1
        return plan_cost(problem, lag, cand)

    improved = True
    while improved and priced < evaluations:
        improved = False
        opened = np.flatnonzero(y & free)
        shut = np.flatnonzero(~y & free)
        shut = shut[np.argsort(r[shut], kind="stable")[:candidates]]
        moves: list[tuple[int | np.integer, int | np.integer]] = [(i, -1) for i in opened] + [(-1, j) for j in shut]
        moves += [(i, j) for i in opened for j in shut]
        for i, j in moves:
            if priced >= evaluations:
                break
            cand = y.copy()
            if i >= 0:
                cand[i] = False
            if j >= 0:
                cand[j] = True
            value = price(cand)
            if is_cheaper(value, cost):
                y, cost, improved = cand, value, True
                break
    return y, cost, priced
