r"""The placement model, written once in maths and built here as sparse arrays.

:func:`build_model` is a flat sequence of small ``add_*`` functions, one per family of
variables or constraints, that fill a solver-independent :class:`Model` (bounds, integrality,
a sparse constraint matrix and one objective vector per cost term). It can be built and
inspected without solving; :func:`placeplan.optimise.solve` hands it to a solver.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from .core import Problem

log = logging.getLogger(__name__)

TERMS = ("capital_fixed", "capital_places", "annual_places", "annual_fixed", "arcs", "fallback")


@dataclass
class Model:
    """A built model: bounds, integrality, sparse rows and the objective split by term.

    Variable families (``families``) and constraint families (``row_families``) map a name
    to a slice of the variable or row index; ``arc_of_x``, ``group_of_u``, ``option_of_z``
    / ``period_of_z`` (and the same for ``k``) say what each variable stands for.
    """

    problem: Problem
    lower: np.ndarray
    upper: np.ndarray
    integer: np.ndarray
    terms: dict[str, np.ndarray]
    matrix: sp.csr_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    families: dict[str, slice]
    row_families: dict[str, slice]
    arc_of_x: np.ndarray
    group_of_u: np.ndarray
    option_of_z: np.ndarray
    period_of_z: np.ndarray
    option_of_k: np.ndarray
    period_of_k: np.ndarray
    z_of_k: np.ndarray
    build_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def objective(self) -> np.ndarray:
        return sum(self.terms.values())  # type: ignore[return-value]

    @property
    def num_variables(self) -> int:
        return len(self.lower)

    @property
    def num_constraints(self) -> int:
        return self.matrix.shape[0]

    @property
    def num_integer(self) -> int:
        return int(self.integer.sum())

    def size(self) -> dict[str, int]:
        return {
            "variables": self.num_variables,
            "integer_variables": self.num_integer,
            "constraints": self.num_constraints,
            "nonzeros": int(self.matrix.nnz),
        }

    def summary(self) -> str:
        """One line per family: what a reader of the log wants to see."""
        lines = [
            f"model: {self.num_variables:,} variables ({self.num_integer:,} integer), "
            f"{self.num_constraints:,} constraints, {self.matrix.nnz:,} nonzeros"
        ]
        lines += [f"  variables {name}: {s.stop - s.start:,}" for name, s in self.families.items()]
        lines += [f"  constraints {name}: {s.stop - s.start:,}" for name, s in self.row_families.items()]
        return "\n".join(lines)


class _Builder:
    """Collects variable and row blocks; :meth:`finish` makes the :class:`Model`."""

    def __init__(self) -> None:
        self.n = 0
        self.m = 0
        self.lower: list[np.ndarray] = []
        self.upper: list[np.ndarray] = []
        self.integer: list[np.ndarray] = []
        self.families: dict[str, slice] = {}
        self.row_families: dict[str, slice] = {}
        self.rows: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.vals: list[np.ndarray] = []
        self.row_lower: list[np.ndarray] = []
        self.row_upper: list[np.ndarray] = []
        self.term_entries: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {t: [] for t in TERMS}

    def variables(self, name: str, lower: np.ndarray, upper: np.ndarray, integer: bool) -> int:
        count = len(lower)
        start = self.n
        self.lower.append(np.asarray(lower, float))
        self.upper.append(np.asarray(upper, float))
        self.integer.append(np.full(count, integer))
        self.families[name] = slice(start, start + count)
        self.n += count
        return start

    def cost(self, term: str, cols: np.ndarray, coef: np.ndarray) -> None:
        self.term_entries[term].append((np.asarray(cols, np.int64), np.asarray(coef, float)))

    def constraints(
        self,
        name: str,
        count: int,
        rows: np.ndarray,
        cols: np.ndarray,
        vals: np.ndarray,
        lower: float | np.ndarray,
        upper: float | np.ndarray,
    ) -> int:
        start = self.m
        if count:
            self.rows.append(start + np.asarray(rows, np.int64))
            self.cols.append(np.asarray(cols, np.int64))
            self.vals.append(np.asarray(vals, float))
            self.row_lower.append(np.broadcast_to(np.asarray(lower, float), (count,)).copy())
            self.row_upper.append(np.broadcast_to(np.asarray(upper, float), (count,)).copy())
        self.row_families[name] = slice(start, start + count)
        self.m += count
        return start


@dataclass(frozen=True)
class _Index:
    """The variables of the problem after the arcs that can never carry flow are dropped."""

    arcs: np.ndarray  # original arc index of each x
    x_group: np.ndarray
    x_facility: np.ndarray
    x_period: np.ndarray
    groups_u: np.ndarray  # groups with a fallback variable
    z_option: np.ndarray
    z_period: np.ndarray
    k_option: np.ndarray
    k_period: np.ndarray
    k_z: np.ndarray  # the z each k belongs to (position within z)


def usable_arcs(problem: Problem) -> np.ndarray:
    """Arcs that can carry flow: to an option not excluded and open by the group's period,
    or to an existing facility with room in that period; from a group with demand."""
    a, g, o = problem.arcs, problem.groups, problem.options
    E = problem.existing.count
    t = g.period[a.group]
    keep = problem.most_demand[a.group] > 0
    is_opt = a.facility >= E
    opt = np.where(is_opt, a.facility - E, 0)
    if o.count:
        keep &= ~is_opt | (~o.excluded[opt] & (o.earliest[opt] <= t) & (o.max_size[opt] > 0))
    if E:
        ex = np.where(is_opt, 0, a.facility)
        keep &= is_opt | (problem.existing.capacity[ex, t] > 0)
    return np.flatnonzero(keep)


def _index(problem: Problem, arcs: np.ndarray | None) -> _Index:
    g, o, T = problem.groups, problem.options, problem.periods.count
    arcs = usable_arcs(problem) if arcs is None else np.asarray(arcs, np.int64)
    x_group = problem.arcs.group[arcs]
    open_opts = np.flatnonzero(~o.excluded)
    z_option = (
        np.concatenate([np.full(T - o.earliest[i], i) for i in open_opts]).astype(np.int64)
        if len(open_opts)
        else np.empty(0, np.int64)
    )
    z_period = (
        np.concatenate([np.arange(o.earliest[i], T) for i in open_opts]).astype(np.int64)
        if len(open_opts)
        else np.empty(0, np.int64)
    )
    steps = o.size_steps
    has_k = steps[z_option] > 0 if len(z_option) else np.zeros(0, bool)
    k_z = np.flatnonzero(has_k)
    return _Index(
        arcs,
        x_group,
        problem.arcs.facility[arcs],
        g.period[x_group],
        np.flatnonzero(g.fallback_allowed & (problem.most_demand > 0)),
        z_option,
        z_period,
        z_option[k_z],
        z_period[k_z],
        k_z,
    )


def build_model(problem: Problem, *, arcs: np.ndarray | None = None, linking: np.ndarray | bool = True) -> Model:
    """Build the model of :data:`placeplan.model_maths.FORMULATION` without solving it.

    ``arcs`` restricts the model to those arc indices (default: every usable arc);
    ``linking`` chooses the strong linking rows: True for every arc into an option, False
    for none, or a boolean mask over ``arcs`` (the solver's presolve uses this to add only
    the rows that bind). Fixing of option variables is done by the caller on the bounds.
    """
    start = time.perf_counter()
    ix = _index(problem, arcs)
    b = _Builder()
    add_flow_variables(b, problem, ix)
    add_fallback_variables(b, problem, ix)
    add_open_variables(b, problem, ix)
    add_size_variables(b, problem, ix)
    add_demand_constraints(b, problem, ix)
    add_existing_capacity_constraints(b, problem, ix)
    add_option_capacity_constraints(b, problem, ix)
    add_min_occupancy_constraints(b, problem, ix)
    add_linking_constraints(b, problem, ix, linking)
    add_size_link_constraints(b, problem, ix)
    add_open_once_constraints(b, problem, ix)
    add_cover_constraints(b, problem, ix)
    add_budget_constraints(b, problem, ix)
    add_count_constraints(b, problem, ix)
    add_exclusive_constraints(b, problem, ix)
    add_different_constraints(b, problem, ix)
    add_same_plan_constraints(b, problem, ix)
    add_annual_budget_constraints(b, problem, ix)
    model = _finish(b, problem, ix)
    model.build_seconds = time.perf_counter() - start
    log.info(
        "built model: %s arcs, %s options, %s variables, %s constraints in %.2f s",
        f"{len(ix.arcs):,}",
        f"{problem.options.count:,}",
        f"{model.num_variables:,}",
        f"{model.num_constraints:,}",
        model.build_seconds,
    )
    return model


# --- variables -------------------------------------------------------------------------


def add_flow_variables(b: _Builder, problem: Problem, ix: _Index) -> None:
    """x_a: units along each usable arc, at most the group's demand (and the option's size)."""
    d = problem.most_demand[ix.x_group]
    upper = d.copy()
    E = problem.existing.count
    is_opt = ix.x_facility >= E
    if problem.options.count:
        upper[is_opt] = np.minimum(d[is_opt], problem.options.max_size[ix.x_facility[is_opt] - E])
    if E:
        ex = ~is_opt
        upper[ex] = np.minimum(d[ex], problem.existing.capacity[ix.x_facility[ex], ix.x_period[ex]])
    start = b.variables("x", np.zeros(len(d)), upper, False)
    weight = problem.arc_weight()[ix.arcs]
    b.cost("arcs", start + np.arange(len(d)), weight * problem.arcs.cost[ix.arcs])


def add_fallback_variables(b: _Builder, problem: Problem, ix: _Index) -> None:
    """u_g: unplaced units of each group whose fallback is allowed."""
    g = problem.groups
    start = b.variables("u", np.zeros(len(ix.groups_u)), problem.most_demand[ix.groups_u], False)
    b.cost(
        "fallback",
        start + np.arange(len(ix.groups_u)),
        g.weight(problem.periods)[ix.groups_u] * g.fallback_cost[ix.groups_u],
    )


def add_open_variables(b: _Builder, problem: Problem, ix: _Index) -> None:
    """z_{o,t}: option o opens in period t; fixed and per-place capital of its minimum size,
    its places' annual cost and its annual running cost from t to the end."""
    o, p = problem.options, problem.periods
    n = len(ix.z_option)
    upper = np.ones(n)
    lower = np.zeros(n)
    # a forced option with a single possible period is simply fixed open
    single = np.bincount(ix.z_option, minlength=o.count)[ix.z_option] == 1 if n else np.zeros(0, bool)
    lower[single & o.forced[ix.z_option]] = 1.0
    start = b.variables("z", lower, upper, True)
    cols = start + np.arange(n)
    cw = p.capital_weight[ix.z_period]
    b.cost("capital_fixed", cols, cw * o.fixed_cost[ix.z_option])
    cap = o.capacitated[ix.z_option]
    mn = np.where(cap, o.min_size[ix.z_option], 0.0)
    b.cost("capital_places", cols, cw * o.cost_per_place[ix.z_option] * mn)
    place_weight = o.place_weight(p)[ix.z_option, ix.z_period]
    b.cost("annual_places", cols, place_weight * o.annual_cost_per_place[ix.z_option] * mn)
    b.cost("annual_fixed", cols, problem.periods.remaining_weight[ix.z_period] * o.annual_fixed_cost[ix.z_option])


def add_size_variables(b: _Builder, problem: Problem, ix: _Index) -> None:
    """k_{o,t}: size steps above the minimum when o opens in t (continuous for step 0)."""
    o, p = problem.options, problem.periods
    steps = o.size_steps[ix.k_option]
    integer_steps = o.step[ix.k_option] > 0
    start = b.variables("k", np.zeros(len(steps)), steps, True)
    b.integer[-1] = integer_steps
    cols = start + np.arange(len(steps))
    unit = _step_size(problem, ix)
    b.cost("capital_places", cols, p.capital_weight[ix.k_period] * o.cost_per_place[ix.k_option] * unit)
    place_weight = o.place_weight(p)[ix.k_option, ix.k_period]
    b.cost("annual_places", cols, place_weight * o.annual_cost_per_place[ix.k_option] * unit)


def _step_size(problem: Problem, ix: _Index) -> np.ndarray:
    step = problem.options.step[ix.k_option]
    return np.where(step > 0, step, 1.0)


# --- constraints -------------------------------------------------------------------------


def add_demand_constraints(b: _Builder, problem: Problem, ix: _Index) -> None:
    """Every unit of demand is placed along an arc or reported unplaced, its own units and
    those that rejoin it from earlier arcs: sum_a x_a + u_g - sum_k share_k x_{arc_k} = d_g."""
    G = problem.groups.count
    xs = b.families["x"].start + np.arange(len(ix.arcs))
    us = b.families["u"].start + np.arange(len(ix.groups_u))
    r = problem.rejoins
    x_of_arc = np.full(problem.arcs.count, -1)
    x_of_arc[ix.arcs] = np.arange(len(ix.arcs))
    modelled = x_of_arc[r.arc] >= 0  # an arc left out of the model carries nothing to rejoin
    rows = np.concatenate([ix.x_group, ix.groups_u, r.group[modelled]])
    cols = np.concatenate([xs, us, xs[x_of_arc[r.arc[modelled]]] if len(xs) else np.zeros(0, np.int64)])
    vals = np.concatenate([np.ones(len(xs) + len(us)), -r.share[modelled]])
    d = problem.groups.demand
    b.constraints("demand", G, rows, cols, vals, d, d)


def _facility_period_rows(
    problem: Problem, ix: _Index, facilities: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For arcs into ``facilities`` (a mask over x): for every period the arc's units are
    there, the x, the row key facility*T + period and the share of its units there."""
    T = problem.periods.count
    xs = np.flatnonzero(facilities)
    if problem.groups.stays is None and problem.arcs.stays is None:
        return xs, ix.x_facility[xs] * T + ix.x_period[xs], np.ones(len(xs))
    share = problem.arc_usage(ix.arcs[xs])
    which, period = np.nonzero(share > 0)
    return xs[which], ix.x_facility[xs[which]] * T + period, share[which, period]


def add_existing_capacity_constraints(b: _Builder, problem: Problem, ix: _Index) -> None:
    """Flows into an existing facility in a period are within its capacity."""
    E = problem.existing.count
    xs, key, share = _facility_period_rows(problem, ix, ix.x_facility < E)
    cap = problem.existing.capacity.ravel()
    used, row = np.unique(key, return_inverse=True)
    # a row only where the capacity could bind: total demand reachable above capacity
    reach = np.bincount(row, weights=problem.most_demand[ix.x_group[xs]] * share, minlength=len(used))
    binding = np.isfinite(cap[used]) & (reach > cap[used] + 1e-9)
    keep_row = np.flatnonzero(binding)
    new_row = np.full(len(used), -1)
    new_row[keep_row] = np.arange(len(keep_row))
    sel = new_row[row] >= 0
    b.constraints(
        "existing_capacity",
        len(keep_row),
        new_row[row][sel],
        b.families["x"].start + xs[sel],
        share[sel],
        -np.inf,
        cap[used[keep_row]],
    )


def _option_capacity_terms(problem: Problem, ix: _Index, b: _Builder) -> tuple[np.ndarray, ...]:
    """For every (option, period) with flows: the z and k columns (with coefficients) of
    S_{o,t} = sum_{t' <= t} r_{o,t-t'} (m_o z_{o,t'} + sigma_o k_{o,t'}), the places o has in
    t if it opened in t' (its intake share r of them). Rows are keyed o*T + t."""
    o, T = problem.options, problem.periods.count
    zs = b.families["z"].start + np.arange(len(ix.z_option))
    ks = b.families["k"].start + np.arange(len(ix.k_option))
    step = _step_size(problem, ix)
    rows, cols, vals = [], [], []
    for t in range(T):
        zm = (ix.z_period <= t) & o.capacitated[ix.z_option]
        rows.append(ix.z_option[zm] * T + t)
        cols.append(zs[zm])
        vals.append(o.min_size[ix.z_option[zm]] * o.usable_share(ix.z_option[zm], t - ix.z_period[zm]))
        km = ix.k_period <= t
        rows.append(ix.k_option[km] * T + t)
        cols.append(ks[km])
        vals.append(step[km] * o.usable_share(ix.k_option[km], t - ix.k_period[km]))
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)


def add_option_capacity_constraints(b: _Builder, problem: Problem, ix: _Index) -> None:
    """Flows into an option in a period are within the places it has by then."""
    E, o = problem.existing.count, problem.options
    is_opt = ix.x_facility >= E
    cap_opt = np.zeros(len(ix.x_facility), bool)
    cap_opt[is_opt] = o.capacitated[ix.x_facility[is_opt] - E]
    xs, key, there = _facility_period_rows(problem, ix, cap_opt)
    key = key - E * problem.periods.count
    _option_rows(
        b, problem, ix, "option_capacity", xs, key, there, sign=1.0, share=np.ones(o.count), lower=-np.inf, upper=0.0
    )


def add_min_occupancy_constraints(b: _Builder, problem: Problem, ix: _Index) -> None:
    """An opened option fills at least its minimum share of places in every period."""
    E, o = problem.existing.count, problem.options
    need = o.capacitated & (o.min_occupancy > 0) & ~o.excluded
    is_opt = ix.x_facility >= E
    sel = np.zeros(len(ix.x_facility), bool)
    sel[is_opt] = need[ix.x_facility[is_opt] - E]
    xs, key, there = _facility_period_rows(problem, ix, sel)
    key = key - E * problem.periods.count
    _option_rows(
        b,
        problem,
        ix,
        "min_occupancy",
        xs,
        key,
        there,
        sign=1.0,
        share=o.min_occupancy,
        lower=0.0,
        upper=np.inf,
        options=need,
    )


def _option_rows(
    b: _Builder,
    problem: Problem,
    ix: _Index,
    name: str,
    xs: np.ndarray,
    key: np.ndarray,
    there: np.ndarray,
    *,
    sign: float,
    share: np.ndarray,
    lower: float,
    upper: float,
    options: np.ndarray | None = None,
) -> None:
    """sum of flows (xs, keyed o*T+t, times the share of their units ``there`` in t)
    - share_o * S_{o,t} within [lower, upper]: one row per
    (option, period) where the option may be open (every such pair for occupancy rows, so
    an opened option with no flow still meets its minimum)."""
    T = problem.periods.count
    s_rows, s_cols, s_vals = _option_capacity_terms(problem, ix, b)
    if options is not None:
        mask = options[s_rows // T]
        s_rows, s_cols, s_vals = s_rows[mask], s_cols[mask], s_vals[mask]
        keys = np.unique(s_rows)
    else:
        keys = np.unique(key)
        s_mask = np.isin(s_rows, keys)
        s_rows, s_cols, s_vals = s_rows[s_mask], s_cols[s_mask], s_vals[s_mask]
    x_row = np.searchsorted(keys, key)
    s_row = np.searchsorted(keys, s_rows)
    rows = np.concatenate([x_row, s_row])
    cols = np.concatenate([b.families["x"].start + xs, s_cols])
    vals = np.concatenate([sign * there, -share[s_rows // T] * s_vals])
    b.constraints(name, len(keys), rows, cols, vals, lower, upper)


def add_linking_constraints(b: _Builder, problem: Problem, ix: _Index, linking: np.ndarray | bool) -> None:
    """Strong linking x_a <= min(d_g, M_o) * y_{o,t}: no flow into an option not yet open."""
    E = problem.existing.count
    is_opt = ix.x_facility >= E
    mask = is_opt & (np.asarray(linking, bool) if not isinstance(linking, bool) else linking)
    arcs = np.flatnonzero(mask)
    if not len(arcs):
        b.constraints("linking", 0, np.empty(0), np.empty(0), np.empty(0), -np.inf, 0.0)
        return
    T = problem.periods.count
    opt = ix.x_facility[arcs] - E
    t = ix.x_period[arcs]
    bound = _x_upper(b)[arcs]
    # z columns of option opt with period <= t: z positions sorted by (option, period)
    zpos = np.full((problem.options.count, T), -1)
    zpos[ix.z_option, ix.z_period] = np.arange(len(ix.z_option))
    first = problem.options.earliest[opt]
    counts = t - first + 1
    rows_z = np.repeat(np.arange(len(arcs)), counts)
    offs = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    cols_z = b.families["z"].start + zpos[np.repeat(opt, counts), np.repeat(first, counts) + offs]
    rows = np.concatenate([np.arange(len(arcs)), rows_z])
    cols = np.concatenate([b.families["x"].start + arcs, cols_z])
    vals = np.concatenate([np.ones(len(arcs)), -np.repeat(bound, counts)])
    b.constraints("linking", len(arcs), rows, cols, vals, -np.inf, 0.0)


def _x_upper(b: _Builder) -> np.ndarray:
    return b.upper[list(b.families).index("x")]


def add_size_link_constraints(b: _Builder, problem: Problem, ix: _Index) -> None:
    """k_{o,t} <= K_o z_{o,t}: size steps only in the period the option opens."""
    n = len(ix.k_option)
    ks = b.families["k"].start + np.arange(n)
    zs = b.families["z"].start + ix.k_z
    steps = problem.options.size_steps[ix.k_option]
    rows = np.concatenate([np.arange(n), np.arange(n)])
    b.constraints("size_link", n, rows, np.concatenate([ks, zs]), np.concatenate([np.ones(n), -steps]), -np.inf, 0.0)


def add_open_once_constraints(b: _Builder, problem: Problem, ix: _Index) -> None:
    """sum_t z_{o,t} <= 1 (= 1 if forced): an option opens at most once and stays open."""
    o = problem.options
    counts = np.bincount(ix.z_option, minlength=o.count)
    several = np.flatnonzero(counts > 1)
    row_of = np.full(o.count, -1)
    row_of[several] = np.arange(len(several))
    sel = np.flatnonzero(row_of[ix.z_option] >= 0)
    lower = np.where(o.forced[several], 1.0, 0.0)
    b.constraints(
        "open_once", len(several), row_of[ix.z_option[sel]], b.families["z"].start + sel, np.ones(len(sel)), lower, 1.0
    )


def add_cover_constraints(b: _Builder, problem: Problem, ix: _Index) -> None:
    """Aggregate capacity cover per period: the places available cover the demand that may
    not fall back. Implied by the other rows, but it tightens the LP relaxation (the
    classic CFLP cut); added only where existing capacity alone falls short."""
    T, o, g = problem.periods.count, problem.options, problem.groups
    if np.any(~o.capacitated[ix.z_option]):
        # an uncapacitated option makes the cover trivial
        b.constraints("cover", 0, np.empty(0), np.empty(0), np.empty(0), 0.0, np.inf)
        return
    fixed = ~g.fallback_allowed
    firm = (g.demand[fixed, None] * _firm_usage(problem, ix)[fixed]).sum(axis=0)
    existing = problem.existing.capacity.sum(axis=0) if problem.existing.count else np.zeros(T)
    need = firm - existing
    periods = np.flatnonzero(need > 1e-9)
    s_rows, s_cols, s_vals = _option_capacity_terms(problem, ix, b)
    t_of = s_rows % T
    row_of = np.full(T, -1)
    row_of[periods] = np.arange(len(periods))
    sel = row_of[t_of] >= 0
    b.constraints("cover", len(periods), row_of[t_of[sel]], s_cols[sel], s_vals[sel], need[periods], np.inf)


def _firm_usage(problem: Problem, ix: _Index) -> np.ndarray:
    """(G, T): the share of each group's units surely placed somewhere local in each period.
    A group's own share (its units wherever they are), except for a group that may not fall
    back whose units may rejoin one that may: then the least any of its places keeps."""
    g, r, T = problem.groups, problem.rejoins, problem.periods.count
    usage = g.usage(T).copy()
    source = problem.arcs.group[r.arc]
    leaking = np.unique(source[~g.fallback_allowed[source] & g.fallback_allowed[r.group]])
    if len(leaking):
        arcs = ix.arcs[np.isin(ix.x_group, leaking)]
        lowest = np.full((len(leaking), T), np.inf)
        np.minimum.at(lowest, np.searchsorted(leaking, problem.arcs.group[arcs]), problem.arc_usage(arcs))
        usage[leaking] = np.where(np.isfinite(lowest), lowest, 0.0)
    return usage


def _capital_columns(b: _Builder, problem: Problem, ix: _Index) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Undiscounted capital of each z and k column, and the period it is spent in."""
    o = problem.options
    zs = b.families["z"].start + np.arange(len(ix.z_option))
    ks = b.families["k"].start + np.arange(len(ix.k_option))
    mn = np.where(o.capacitated[ix.z_option], o.min_size[ix.z_option], 0.0)
    z_cap = o.fixed_cost[ix.z_option] + o.cost_per_place[ix.z_option] * mn
    k_cap = o.cost_per_place[ix.k_option] * _step_size(problem, ix)
    return (np.concatenate([zs, ks]), np.concatenate([z_cap, k_cap]), np.concatenate([ix.z_period, ix.k_period]))


def add_budget_constraints(b: _Builder, problem: Problem, ix: _Index) -> None:
    """Total and per-period capital budgets."""
    r = problem.rules
    cols, cap, period = _capital_columns(b, problem, ix)
    if np.isfinite(r.capital_budget):
        b.constraints("budget", 1, np.zeros(len(cols)), cols, cap, -np.inf, r.capital_budget)
    else:
        b.constraints("budget", 0, np.empty(0), np.empty(0), np.empty(0), -np.inf, 0.0)
    if r.capital_budget_per_period is not None:
        limits = np.asarray(r.capital_budget_per_period, float)
        periods = np.flatnonzero(np.isfinite(limits))
        row_of = np.full(len(limits), -1)
        row_of[periods] = np.arange(len(periods))
        sel = row_of[period] >= 0
        b.constraints("budget_period", len(periods), row_of[period[sel]], cols[sel], cap[sel], -np.inf, limits[periods])
    else:
        b.constraints("budget_period", 0, np.empty(0), np.empty(0), np.empty(0), -np.inf, 0.0)


def add_count_constraints(b: _Builder, problem: Problem, ix: _Index) -> None:
    """How many options open: at most N, or exactly p (p-median)."""
    r = problem.rules
    zs = b.families["z"].start + np.arange(len(ix.z_option))
    if r.exact_options is not None:
        lower, upper = float(r.exact_options), float(r.exact_options)
    elif r.max_options is not None:
        lower, upper = -np.inf, float(r.max_options)
    else:
        b.constraints("count", 0, np.empty(0), np.empty(0), np.empty(0), -np.inf, 0.0)
        return
    b.constraints("count", 1, np.zeros(len(zs)), zs, np.ones(len(zs)), lower, upper)


def add_exclusive_constraints(b: _Builder, problem: Problem, ix: _Index) -> None:
    """At most one option of each exclusive group opens: one row per group with two or more
    options that may open."""
    groups = problem.rules.binding_groups(problem.options)
    zs = b.families["z"].start + np.arange(len(ix.z_option))
    rows, cols = [], []
    for row, members in enumerate(groups):
        sel = np.flatnonzero(np.isin(ix.z_option, members))
        rows.append(np.full(len(sel), row))
        cols.append(zs[sel])
    if not groups:
        b.constraints("exclusive", 0, np.empty(0), np.empty(0), np.empty(0), -np.inf, 1.0)
        return
    rows_a, cols_a = np.concatenate(rows), np.concatenate(cols)
    b.constraints("exclusive", len(groups), rows_a, cols_a, np.ones(len(cols_a)), -np.inf, 1.0)


def add_different_constraints(b: _Builder, problem: Problem, ix: _Index) -> None:
    """The plan opens a set of options other than each of ``rules.different_from``: for
    each set S, the options opened outside S less those opened in S is at least 1 - |S|
    (one row per set)."""
    sets = problem.rules.different_from
    zs = b.families["z"].start + np.arange(len(ix.z_option))
    if not sets:
        b.constraints("different", 0, np.empty(0), np.empty(0), np.empty(0), 1.0, np.inf)
        return
    rows, cols, vals, lower = [], [], [], []
    for row, members in enumerate(sets):
        inside = np.isin(ix.z_option, np.asarray(members, np.int64))
        rows.append(np.full(len(zs), row))
        cols.append(zs)
        vals.append(np.where(inside, -1.0, 1.0))
        lower.append(1.0 - len(set(members)))
    b.constraints(
        "different",
        len(sets),
        np.concatenate(rows),
        np.concatenate(cols),
        np.concatenate(vals),
        np.asarray(lower),
        np.inf,
    )


def add_same_plan_constraints(b: _Builder, problem: Problem, ix: _Index) -> None:
    """z_{o,t} = z_{o',t} and k_{o,t} = k_{o',t} for every option o of a set of
    ``rules.same_plan`` and the set's first member o': they open together, at one size."""
    O, T = problem.options.count, problem.periods.count
    pairs = [
        (int(m), int(members[0]))
        for members in problem.rules.same_plan
        for m in members[1:]
        if int(m) != int(members[0])
    ]
    rows_of: list[np.ndarray] = []
    for family, option, period in (("z", ix.z_option, ix.z_period), ("k", ix.k_option, ix.k_period)):
        position = np.full((O, T), -1)
        position[option, period] = b.families[family].start + np.arange(len(option))
        for member, lead in pairs:
            both = (position[member] >= 0) & (position[lead] >= 0)
            rows_of.append(np.stack([position[member][both], position[lead][both]]))
    links = np.concatenate(rows_of, axis=1) if rows_of else np.empty((2, 0), np.int64)
    count = links.shape[1]
    rows = np.concatenate([np.arange(count), np.arange(count)])
    vals = np.concatenate([np.ones(count), -np.ones(count)])
    b.constraints("same_plan", count, rows, links.reshape(-1), vals, 0.0, 0.0)


def add_annual_budget_constraints(b: _Builder, problem: Problem, ix: _Index) -> None:
    """The options open in period t cost at most V_t to run that period (undiscounted):
    A'_o a place (:meth:`Rules.annual_per_place`) times S_{o,t}, plus R_o once open."""
    r, o, T = problem.rules, problem.options, problem.periods.count
    limits = np.full(T, np.inf) if r.annual_budget_per_period is None else np.asarray(r.annual_budget_per_period, float)
    periods = np.flatnonzero(np.isfinite(limits))
    if not len(periods):
        b.constraints("annual_budget", 0, np.empty(0), np.empty(0), np.empty(0), -np.inf, 0.0)
        return
    per_place = r.annual_per_place(o)
    s_rows, s_cols, s_vals = _option_capacity_terms(problem, ix, b)
    s_opt, s_t = s_rows // T, s_rows % T
    zs = b.families["z"].start + np.arange(len(ix.z_option))
    rows, cols, vals = [], [], []
    for row, t in enumerate(periods):
        sel = s_t == t
        rows.append(np.full(int(sel.sum()), row))
        cols.append(s_cols[sel])
        vals.append(s_vals[sel] * per_place[s_opt[sel]])
        zsel = (ix.z_period <= t) & (o.annual_fixed_cost[ix.z_option] > 0)
        rows.append(np.full(int(zsel.sum()), row))
        cols.append(zs[zsel])
        vals.append(o.annual_fixed_cost[ix.z_option[zsel]])
    b.constraints(
        "annual_budget",
        len(periods),
        np.concatenate(rows),
        np.concatenate(cols),
        np.concatenate(vals),
        -np.inf,
        limits[periods],
    )


def _finish(b: _Builder, problem: Problem, ix: _Index) -> Model:
    n = b.n
    terms = {}
    for name, entries in b.term_entries.items():
        vec = np.zeros(n)
        for cols, coef in entries:
            np.add.at(vec, cols, coef)
        terms[name] = vec
    rows = np.concatenate(b.rows) if b.rows else np.empty(0, np.int64)
    cols = np.concatenate(b.cols) if b.cols else np.empty(0, np.int64)
    vals = np.concatenate(b.vals) if b.vals else np.empty(0)
    matrix = sp.csr_matrix((vals, (rows, cols)), shape=(b.m, n))
    matrix.sum_duplicates()
    return Model(
        problem=problem,
        lower=np.concatenate(b.lower),
        upper=np.concatenate(b.upper),
        integer=np.concatenate(b.integer),
        terms=terms,
        matrix=matrix,
        row_lower=np.concatenate(b.row_lower) if b.row_lower else np.empty(0),
        row_upper=np.concatenate(b.row_upper) if b.row_upper else np.empty(0),
        families=b.families,
        row_families=b.row_families,
        arc_of_x=ix.arcs,
        group_of_u=ix.groups_u,
        option_of_z=ix.z_option,
        period_of_z=ix.z_period,
        option_of_k=ix.k_option,
        period_of_k=ix.k_period,
        z_of_k=ix.k_z,
    )
