r"""Branch and bound over the options with Lagrangian bounds, for the problems
:mod:`.lagrange` handles (one period, fixed sizes; Görtz and Klose 2012).

A node fixes some options open and some closed. Its bound is the Lagrangian bound of
:mod:`.lagrange` with those options fixed, raised by a few subgradient steps started from
its parent's multipliers (so a node costs a few cheap evaluations, never an LP over every
arc). At each node:

1. if the bound reaches the cutoff (best plan less the tolerance), the node is closed;
2. reduced-cost fixing: an option whose flip alone lifts the bound past the cutoff is fixed
   for the whole subtree;
3. the Lagrangian choice of options, repaired to hold the demand, is priced by its
   transportation LP (each choice once): a new best plan lowers the cutoff;
4. otherwise the node branches on the free option its pseudo-costs rank first: each
   branch records the bound its child gained per share of the option's average choice
   over the steps it moved, and the option whose two branches promise the largest
   product of gains is taken (the option nearest one half until a gain is measured).

Nodes are taken best bound first, so the nodes explored are the ones no plan can avoid.
With whole-number costs the cutoff is a whole unit below the best plan
(:func:`.lagrange.cutoff`), and, since best bound first rarely dives, after 200 nodes the
search asks a MIP solver once for a plan and a bound (a *probe*).
Every closed node records the bound that closed it; the search proves
``min(closed bounds, best plan)`` as a lower bound, so the plan it returns is optimal
within the tolerance when the search completes. Incomplete (node or time limit), the
bound is the least bound of the closed and open nodes: still valid, only weaker.
"""

from __future__ import annotations

import heapq
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .core import Problem
from .lagrange import Evaluation, Lagrangian, cutoff, fix, plan_cost, repair
from .tuning import TUNING

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Node:
    bound: float
    forced: np.ndarray
    excluded: np.ndarray
    multipliers: np.ndarray
    depth: int
    # how the node was made: the option its parent branched on (-1 at the root), which
    # way, the parent's bound and the share of the option the branch took away
    branched: int = -1
    opening: bool = False
    parent_bound: float = -math.inf
    share: float = 0.0


@dataclass(frozen=True)
class Probe:
    """A second opinion the search asks for once, after ``after`` nodes: ``ask()`` returns
    (options open in a plan or None, a valid lower bound)."""

    after: int
    ask: Callable[[], tuple[np.ndarray | None, float]]


@dataclass(frozen=True)
class BranchOutcome:
    complete: bool  # the whole tree was explored: the plan is optimal within tolerance
    bound: float  # a valid lower bound on the optimum
    upper: float  # cost of the best plan (inf if none)
    incumbent: np.ndarray | None  # options open in the best plan
    nodes: int
    priced: int
    seconds: float


@dataclass(frozen=True)
class Ascent:
    bound: float
    multipliers: np.ndarray
    mean_choice: np.ndarray  # the options' Lagrangian choice averaged over the steps
    at: Evaluation | None  # the evaluation at ``multipliers`` (None if no step was taken)


def ascend(lag: Lagrangian, lam: np.ndarray, *, target: float, steps: int, step: float) -> Ascent:
    """A few subgradient steps (Polyak steps towards ``target``) from ``lam``; stops early
    once the bound reaches the target or the node turns out infeasible."""
    best, best_lam, best_at = -math.inf, lam, None
    total = np.zeros(len(lag.forced))
    taken = 0
    for _ in range(steps):
        at = lag.evaluate(lam)
        bound, sub, y, _, _ = at
        total += y
        taken += 1
        if bound > best:
            best, best_lam, best_at = bound, lam, at
        if best >= target or math.isinf(best):
            break
        norm = float(sub @ sub)
        if norm < 1e-12:  # the relaxed plan meets every demand: the bound is its cost
            break
        goal = target if math.isfinite(target) else bound + 0.01 * abs(bound) + 1.0
        lam = lam + step * (goal - bound) / norm * sub
    return Ascent(best, best_lam, total / max(taken, 1), best_at)


class _Search:
    """The state of one branch and bound: the best plan, the cutoff and the closed bound."""

    def __init__(
        self,
        problem: Problem,
        lag: Lagrangian,
        *,
        upper: float,
        incumbent: np.ndarray | None,
        tolerance: float,
        step: float,
    ):
        self.problem, self.lag, self.tolerance, self.step = problem, lag, tolerance, step
        self.upper, self.incumbent = upper, incumbent
        self.closed = math.inf  # least bound of the subtrees closed so far
        self.priced: dict[bytes, float] = {}
        # pseudo-costs: per direction (closing 0, opening 1) and option, the bound gained
        # by its branches per unit of the option's average choice they moved
        self.gains = np.zeros((2, problem.options.count))
        self.branches = np.zeros((2, problem.options.count))

    def learn(self, node: Node, bound: float) -> None:
        """Record what the branch that made ``node`` gained: its bound less its parent's."""
        if node.branched >= 0 and math.isfinite(bound) and math.isfinite(node.parent_bound):
            way = int(node.opening)
            share = max(node.share, TUNING.branch_share_floor)
            self.gains[way, node.branched] += max(bound - node.parent_bound, 0.0) / share
            self.branches[way, node.branched] += 1

    @property
    def cutoff(self) -> float:
        """Bounds at or above this cannot lead to a plan better than the tolerance allows."""
        return cutoff(self.upper, self.tolerance, self.step)

    def close(self, bound: float) -> None:
        self.closed = min(self.closed, bound)

    def price(self, lag: Lagrangian, y: np.ndarray) -> float:
        """Cost of the plan opening exactly ``y`` (once per choice)."""
        key = np.packbits(y).tobytes()
        if key not in self.priced:
            cost = plan_cost(self.problem, lag, y)
            self.priced[key] = cost
            if cost < self.upper:
                self.upper, self.incumbent = cost, y.copy()
        return self.priced[key]

    def leaf(self, lag: Lagrangian, y: np.ndarray) -> None:
        """Close a node with every option fixed on its exact cost (LP-priced, so that it
        is a lower bound for the node and not only a plan's cost)."""
        cost = plan_cost(self.problem, lag, y, exact=True)
        if cost < self.upper:
            self.upper, self.incumbent = cost, y.copy()
        self.close(cost)


def branch_and_bound(
    problem: Problem,
    lag: Lagrangian,
    *,
    multipliers: np.ndarray,
    bound: float,
    forced: np.ndarray,
    excluded: np.ndarray,
    upper: float,
    incumbent: np.ndarray | None,
    tolerance: float,
    time_limit: float,
    node_limit: int,
    step: float = 0.0,
    probe: Probe | None = None,
) -> BranchOutcome:
    """Explore the options ``forced``/``excluded`` leave free, from the root multipliers.

    ``probe``: once, after its number of nodes, the search asks it for a better plan and a
    bound (a MIP solver's, on the model the root's fixing left): a plan the search's
    best-first order would take long to dive to, a bound that may end the search at once.
    Counting nodes, not seconds, keeps the search repeatable."""
    start = time.perf_counter()
    search = _Search(problem, lag, upper=upper, incumbent=incumbent, tolerance=tolerance, step=step)
    heap: list[tuple[float, int, int, Node]] = []
    counter = 0

    def push(node: Node) -> None:
        nonlocal counter
        counter += 1
        # best bound first; among equal bounds the deeper node (closer to a plan)
        heapq.heappush(heap, (node.bound, -node.depth, counter, node))

    push(Node(bound, forced, excluded, multipliers, 0))
    nodes, floor = 0, -math.inf
    while heap and nodes < node_limit and time.perf_counter() - start < time_limit:
        if probe is not None and nodes >= probe.after:
            floor = _ask(search, probe)
            probe = None
            if floor >= search.cutoff:
                heap.clear()
                break
        node = heapq.heappop(heap)[3]
        if node.bound >= search.cutoff:
            search.close(node.bound)
            continue
        nodes += 1
        for child in _process(search, node):
            push(child)
    complete = not heap
    least_open = min((entry[0] for entry in heap), default=math.inf)
    proven = min(max(min(search.closed, least_open), floor), search.upper)
    seconds = time.perf_counter() - start
    log.info(
        "branch and bound: %d nodes, %d plans priced, bound %.10g, plan %.10g, %s in %.2f s",
        nodes,
        len(search.priced),
        proven,
        search.upper,
        "complete" if complete else "stopped",
        seconds,
    )
    return BranchOutcome(complete, proven, search.upper, search.incumbent, nodes, len(search.priced), seconds)


def _ask(search: _Search, probe: Probe) -> float:
    """Take the probe's plan if better; return its bound (-inf if none)."""
    plan, bound = probe.ask()
    if plan is not None:
        cost = plan_cost(search.problem, search.lag, plan)
        if cost < search.upper:
            log.info("branch and bound: the probe's plan %.10g (was %.10g)", cost, search.upper)
            search.upper, search.incumbent = cost, plan.copy()
    return bound


def _process(search: _Search, node: Node) -> list[Node]:
    """Bound, fix, price and branch one node; returns its children (none when closed)."""
    lag = search.lag.at(node.forced, node.excluded)
    ascent = ascend(lag, node.multipliers, target=search.cutoff, steps=TUNING.node_steps, step=TUNING.node_step)
    bound = max(node.bound, ascent.bound)
    search.learn(node, min(bound, search.cutoff))
    if bound >= search.cutoff:
        search.close(bound)
        return []
    forced, excluded = node.forced, node.excluded
    at = ascent.at
    closed, opened = fix(lag, ascent.multipliers, search.cutoff, at)
    if closed.any() or opened.any():
        # the flipped subtrees are closed: their bounds are above the cutoff
        search.close(search.cutoff)
        forced, excluded = forced | opened, excluded | closed
        lag = search.lag.at(forced, excluded)
        at = None
    value, _, y, r, rest = lag.evaluate(ascent.multipliers) if at is None else at
    if math.isinf(value):
        search.close(math.inf)
        return []
    free = np.flatnonzero(~forced & ~excluded)
    if not len(free):
        search.leaf(lag, forced)
        return []
    plan = repair(lag, y, r, search.problem)
    # rest + r[plan] bounds the cost of that very plan: price it only if it could be better
    if plan is not None and rest + float(r[plan].sum()) < search.cutoff:
        search.price(lag, plan)
    bound = max(bound, value)
    if bound >= search.cutoff:
        search.close(bound)
        return []
    m = ascent.mean_choice
    pick = _branching_option(free, m, search.gains, search.branches)
    children = []
    for opening in (True, False):
        f, e = forced.copy(), excluded.copy()
        (f if opening else e)[pick] = True
        child_value, _ = lag.choose(r, f, e)
        share = 1.0 - m[pick] if opening else m[pick]
        child = Node(
            max(bound, rest + child_value), f, e, ascent.multipliers, node.depth + 1, pick, opening, bound, share
        )
        children.append(child)
    return children


def _branching_option(free: np.ndarray, mean_choice: np.ndarray, gains: np.ndarray, branches: np.ndarray) -> int:
    """The free option whose branches are expected to lift the bound most: the product of
    the two directions' pseudo-costs times the share each moves (Achterberg, Koch and
    Martin 2005). Options branched on fewer than :attr:`Tuning.branch_reliable` times in a
    direction take that direction's average pseudo-cost, so that among them the rule is
    the option whose average choice is nearest one half (lowest index on ties), as it is
    before any branch has been measured."""
    m = mean_choice[free]
    if not branches.any():
        return int(free[np.argmin(np.abs(m - 0.5))])
    estimate = []
    for way in (0, 1):
        seen = branches[way] >= TUNING.branch_reliable
        average = gains[way, seen].sum() / branches[way, seen].sum() if seen.any() else 1.0
        per = np.where(seen[free], gains[way, free] / np.maximum(branches[way, free], 1), average)
        estimate.append(per * (m if way == 0 else 1.0 - m))
    score = np.maximum(estimate[0], 1e-6) * np.maximum(estimate[1], 1e-6)
    return int(free[np.argmax(score)])
