"""Constructors for the classic special cases, as adapters onto the one core.

* :func:`cflp`: capacitated facility location with fixed costs (Beasley's OR-Library
  ``cap`` instances): every facility is an option of fixed size, every customer's demand
  must be met (split between facilities if need be);
* :func:`p_median`: exactly ``p`` facilities open (some fixed open), every demand point
  served by its nearest open facility, minimising the weighted sum of costs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .core import Arcs, Groups, Options, Problem, Rules

ArrayLike = object


def cflp(
    capacity: ArrayLike,
    fixed_cost: ArrayLike,
    demand: ArrayLike,
    cost: ArrayLike,
    *,
    cost_per_unit: bool = False,
    allowed: ArrayLike = None,
    facility_ids: Sequence[object] | None = None,
    customer_ids: Sequence[object] | None = None,
) -> Problem:
    """Capacitated facility location: ``capacity`` and ``fixed_cost`` per facility,
    ``demand`` per customer, ``cost[j, i]`` of serving customer j from facility i.

    As in OR-Library, ``cost[j, i]`` is the cost of serving ALL of customer j's demand
    from i (split service pays pro rata) unless ``cost_per_unit`` is true. A facility with
    infinite capacity is uncapacitated. Zero-demand customers are served free (no arcs).
    """
    cap = np.asarray(capacity, float)
    d = np.asarray(demand, float)
    c = np.asarray(cost, float)
    if c.shape != (len(d), len(cap)):
        raise ValueError(f"cost must be customers x facilities = {(len(d), len(cap))}, not {c.shape}")
    with np.errstate(divide="ignore", invalid="ignore"):
        unit = c if cost_per_unit else np.where(d[:, None] > 0, c / d[:, None], 0.0)
    arcs = Arcs.dense(unit, allowed=allowed)
    options = Options.make(cap, fixed_cost=fixed_cost, ids=facility_ids)
    return Problem.make(groups=Groups.make(d, ids=customer_ids), options=options, arcs=arcs)


def p_median(
    cost: ArrayLike,
    weights: ArrayLike,
    p: int,
    *,
    fixed_open: Sequence[int] = (),
    capacity: ArrayLike = None,
    allowed: ArrayLike = None,
    facility_ids: Sequence[object] | None = None,
    point_ids: Sequence[object] | None = None,
) -> Problem:
    """p-median: ``cost[j, i]`` per unit of weight from demand point j to facility i,
    ``weights[j]``; exactly ``p`` facilities open, counting the ``fixed_open`` ones.
    With ``capacity`` (per facility) it is the capacitated p-median."""
    c = np.asarray(cost, float)
    w = np.asarray(weights, float)
    n_fac = c.shape[1]
    forced = np.zeros(n_fac, bool)
    forced[list(fixed_open)] = True
    cap = None if capacity is None else np.broadcast_to(np.asarray(capacity, float), (n_fac,))
    options = Options.make(cap, forced=forced, ids=facility_ids, count=n_fac)
    return Problem.make(
        groups=Groups.make(w, ids=point_ids),
        options=options,
        arcs=Arcs.dense(c, allowed=allowed),
        rules=Rules(exact_options=int(p)),
    )
