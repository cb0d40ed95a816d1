r"""Vertex substitution (Teitz and Bart 1968) for uncapacitated one-period problems:
p-median and uncapacitated facility location, with fallback, forced and excluded options.

Without capacities every group goes to its cheapest open facility, so the effect of any
move is known from each group's cheapest and second-cheapest open facility (Whitaker's
fast interchange; Resende and Werneck 2003). With $d^1_g, d^2_g$ those two costs (weighted
by demand), $\varphi_g$ the facility giving $d^1_g$ and $c_{gj}$ the cost at a closed option
$j$:

* opening $j$ saves $\text{gain}_j = \sum_g \max(0, d^1_g - c_{gj})$;
* closing an open option $i$ as well costs
  $\text{loss}_{ij} = \sum_{g: \varphi_g = i} \max(0, \min(d^2_g, c_{gj}) - d^1_g)$;

so a swap changes the cost by $\text{loss}_{ij} - \text{gain}_j + F_j - F_i$, and every
swap is priced at once from a groups x candidates matrix. Each pass makes the best move
(swap, or add / drop where the count rule allows), until none lowers the cost.

The Lagrangian heuristic is weak when many options open (pmed19, p = 80: 5% above the
optimum); this search takes its plan to the optimum or close to it in a few hundred
milliseconds, which lets the branch and bound prune from its first node.
"""

from __future__ import annotations

import numpy as np

from .lagrange import Lagrangian

MAX_CELLS = 4_000_000  # groups x facilities held dense (32 MB a matrix)


def applicable(lag: Lagrangian) -> bool:
    """Every arc leads to an uncapacitated facility and the cost matrix fits in memory."""
    return lag.all_uncap and len(lag.d) * (len(lag.cap) + 1) <= MAX_CELLS


def interchange(lag: Lagrangian, y: np.ndarray, *, max_moves: int | None = None) -> np.ndarray:
    """The options open after the best-move local search started from ``y`` (the open
    options), at most ``max_moves`` moves (default twice the options: each move lowers the
    cost, and a count rather than a clock keeps runs repeatable). Forced options stay open
    and excluded ones closed; the count rule of ``lag`` holds throughout if it held for
    ``y``."""
    cost = _weighted_costs(lag)
    y = y.copy()
    for _ in range(2 * len(y) if max_moves is None else max_moves):
        move = _best_move(lag, cost, y)
        if move is None:
            break
        drop, add = move
        if drop >= 0:
            y[drop] = False
        if add >= 0:
            y[add] = True
    return y


def _weighted_costs(lag: Lagrangian) -> np.ndarray:
    """groups x (facilities + fallback) cost of placing each group's whole demand; a cost
    larger than any plan's where there is no arc."""
    G, F = len(lag.d), len(lag.cap)
    unit = np.full((G, F + 1), np.inf)
    np.minimum.at(unit, (lag.g, lag.f), lag.c)
    unit[:, F] = lag.fallback
    cost = unit * lag.d[:, None]
    cost[lag.d == 0] = 0.0
    finite = np.isfinite(cost)
    never = 1.0 + 2.0 * float(np.abs(cost[finite]).sum()) if finite.any() else 1.0
    return np.where(finite, cost, never)


def _best_move(lag: Lagrangian, cost: np.ndarray, y: np.ndarray) -> tuple[int, int] | None:
    """(option to close or -1, option to open or -1) lowering the cost most; None if no
    move lowers it. ``cost`` is :func:`_weighted_costs`, ``y`` the options open."""
    fixed, E, free = lag.fixed, lag.E, ~lag.forced & ~lag.excluded
    F = cost.shape[1] - 1
    is_open = np.ones(F + 1, bool)
    is_open[E:F] = y
    columns = np.flatnonzero(is_open)
    first, second, nearest = _two_cheapest(cost[:, columns])
    nearest = columns[nearest]
    tolerance = 1e-9 * max(float(first.sum()) + float(fixed[y].sum()), 1.0)

    shut = np.flatnonzero(~y & free)
    opened = np.flatnonzero(y & free)
    count = int(y.sum())
    may_add = (lag.exact is None or count < lag.exact) and (lag.max is None or count < lag.max)
    may_drop = lag.exact is None or count > lag.exact
    best, move = -tolerance, None
    if len(shut):
        at = cost[:, E + shut]
        gain = np.maximum(first[:, None] - at, 0.0).sum(axis=0) - fixed[shut]
        if may_add:
            j = int(np.argmax(gain))
            if -gain[j] < best:
                best, move = -gain[j], (-1, int(shut[j]))
        if len(opened):
            extra = np.maximum(np.minimum(second[:, None], at) - first[:, None], 0.0)
            loss = _sum_by(nearest, extra, F + 1)[E + opened]  # opened x shut
            delta = loss - gain[None, :] - fixed[opened][:, None]
            row, col = np.unravel_index(int(np.argmin(delta)), delta.shape)
            if delta[row, col] < best:
                best, move = float(delta[row, col]), (int(opened[row]), int(shut[col]))
    if may_drop and len(opened):
        loss = np.bincount(nearest, weights=second - first, minlength=F + 1)[E + opened] - fixed[opened]
        i = int(np.argmin(loss))
        if loss[i] < best:
            move = (int(opened[i]), -1)
    return move


def _two_cheapest(cost: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: the least cost, the second least (the least again with one column) and
    the column of the least."""
    nearest = np.argmin(cost, axis=1)
    rows = np.arange(len(cost))
    first = cost[rows, nearest]
    if cost.shape[1] < 2:
        return first, first.copy(), nearest
    masked = cost.copy()
    masked[rows, nearest] = np.inf
    return first, masked.min(axis=1), nearest


def _sum_by(labels: np.ndarray, values: np.ndarray, count: int) -> np.ndarray:
    """Rows of ``values`` summed by their label: (count, columns)."""
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    starts = np.flatnonzero(np.r_[True, sorted_labels[1:] != sorted_labels[:-1]])
    sums = np.add.reduceat(values[order], starts, axis=0)
    out = np.zeros((count, values.shape[1]))
    out[sorted_labels[starts]] = sums
    return out
