"""The optimiser core's input: periods, demand groups, facilities, sparse arcs and rules.

The core knows nothing about files, DfE codes or geometry. An adapter (the SEND pipeline,
the OR-Library readers, the Devon benchmark) turns its own data into these plain arrays
and calls :func:`placeplan.optimise.build_model` and :func:`placeplan.optimise.solve`.

Indexing conventions, used everywhere in the optimiser:

* periods ``t = 0..T-1``;
* groups ``g = 0..G-1``, each in one period;
* facilities ``f = 0..F-1``: the existing facilities first (``f < E``), then the options
  (``f = E + o`` for option ``o``); :attr:`Problem.facility_ids` lists them in that order;
* arcs ``a = 0..A-1``, each ``(group, facility, cost per unit)``; a group may be served
  only by the facilities it has an arc to.

Every input is checked when a :class:`Problem` is made; all the problems found are raised
at once as one :class:`ProblemError`.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import ProblemError

ArrayLike = Any  # anything numpy.asarray accepts


@dataclass(frozen=True)
class Shortfall:
    """Demand that cannot be placed whatever is opened (fallback forbidden).

    ``groups`` cannot be placed: together they need ``demand`` units in ``period`` but the
    facilities they can reach (``facilities``, at most ``capacity`` units even with every
    option open at its largest size) cannot take them all. A group with no arc at all has
    an empty ``facilities``.
    """

    period: int
    groups: tuple[int, ...]
    facilities: tuple[int, ...]
    demand: float
    capacity: float
    reason: str

    def describe(self, group_ids: Sequence[object], facility_ids: Sequence[object]) -> str:
        names = ", ".join(str(group_ids[g]) for g in self.groups[:8])
        more = f" and {len(self.groups) - 8} more" if len(self.groups) > 8 else ""
        sites = ", ".join(str(facility_ids[f]) for f in self.facilities[:8])
        smore = f" and {len(self.facilities) - 8} more" if len(self.facilities) > 8 else ""
        if not self.facilities:
            return f"period {self.period}: groups {names}{more} ({self.demand:g} units) {self.reason}"
        return (
            f"period {self.period}: groups {names}{more} need {self.demand:g} units but the "
            f"facilities they can reach ({sites}{smore}) hold at most {self.capacity:g}: {self.reason}"
        )


def _array(value: ArrayLike, dtype: Any, size: int | None = None, fill: Any = None) -> np.ndarray:
    if value is None:
        return np.full(size or 0, fill, dtype=dtype)
    out = np.asarray(value, dtype=dtype)
    if out.ndim == 0 and size is not None:
        out = np.full(size, out.item(), dtype=dtype)
    return out.copy()


def _intake(value: ArrayLike, count: int) -> np.ndarray:
    """Options x years open; no columns (every place from opening) when not given."""
    if value is None:
        return np.zeros((count, 0))
    arr = np.asarray(value, float)
    return arr.reshape(count, arr.size // count if count else 0) if arr.ndim != 2 else arr


def _frozen(*arrays: np.ndarray) -> None:
    for array in arrays:
        array.setflags(write=False)


def _ids(ids: Sequence[object] | None, size: int, prefix: str) -> tuple[object, ...]:
    return tuple(ids) if ids is not None else tuple(f"{prefix}{i}" for i in range(size))


@dataclass(frozen=True)
class Periods:
    """Planning periods (years). ``weight[t]`` multiplies every annual cost of period t (a
    discount factor, or 1); ``capital_weight[t]`` multiplies capital spent opening an option
    in period t (budgets are always on undiscounted capital)."""

    weight: np.ndarray
    capital_weight: np.ndarray

    @classmethod
    def make(cls, count: int = 1, *, weight: ArrayLike = None, capital_weight: ArrayLike = None) -> Periods:
        w = _array(weight, float, count, 1.0)
        cw = _array(capital_weight, float, count, 1.0)
        _frozen(w, cw)
        return cls(w, cw)

    @classmethod
    def discounted(cls, count: int, rate: float, *, capital: bool = True) -> Periods:
        """Green Book style: period t weighted by 1 / (1 + rate)**t."""
        w = 1.0 / (1.0 + rate) ** np.arange(count)
        return cls.make(count, weight=w, capital_weight=w if capital else None)

    @property
    def count(self) -> int:
        return len(self.weight)

    @property
    def remaining_weight(self) -> np.ndarray:
        """sum of w_t' over t' >= t: the weight of an annual cost paid from t to the end."""
        return np.cumsum(self.weight[::-1])[::-1]


@dataclass(frozen=True)
class Groups:
    """Demand groups: period, demand (units, may be fractional) and the cost per unit of
    the fallback (unplaced) placement; ``inf`` forbids the fallback for that group.

    A group is placed in its period and, where ``stays`` says so, stays where it was placed
    in later periods: ``stays[g, t]`` is the share of its units still there in period t (1
    in its own period, 0 before; pupils continue where they are placed). Without
    ``stays`` a group is there in its own period only. A group's flow then fills the
    facility's places in every period it stays, and costs its arc (or fallback) cost in
    each of them."""

    period: np.ndarray
    demand: np.ndarray
    fallback_cost: np.ndarray
    ids: tuple[object, ...]
    stays: np.ndarray | None = None

    @classmethod
    def make(
        cls,
        demand: ArrayLike,
        *,
        period: ArrayLike = None,
        fallback_cost: ArrayLike = None,
        ids: Sequence[object] | None = None,
        stays: ArrayLike = None,
    ) -> Groups:
        d = _array(demand, float)
        p = _array(period, np.int64, len(d), 0)
        fb = _array(fallback_cost, float, len(d), np.inf)
        fb[np.isnan(fb)] = np.inf
        share = None if stays is None else np.asarray(stays, dtype=float).copy()
        _frozen(d, p, fb, *(() if share is None else (share,)))
        return cls(p, d, fb, _ids(ids, len(d), "g"), share)

    def usage(self, periods: int) -> np.ndarray:
        """(G, T): the share of each group's units placed in each period."""
        if self.stays is not None:
            return self.stays
        out = np.zeros((self.count, periods))
        out[np.arange(self.count), self.period] = 1.0
        return out

    def weight(self, periods: Periods) -> np.ndarray:
        """(G,): the weight of a unit's annual cost over every period the group stays."""
        if self.stays is None:
            return periods.weight[self.period]
        return self.stays @ periods.weight

    @property
    def count(self) -> int:
        return len(self.demand)

    @property
    def fallback_allowed(self) -> np.ndarray:
        return np.isfinite(self.fallback_cost)


@dataclass(frozen=True)
class Existing:
    """Existing facilities, always open: ``capacity[e, t]`` units in period t (``inf`` for
    no limit)."""

    capacity: np.ndarray
    ids: tuple[object, ...]

    @classmethod
    def make(cls, capacity: ArrayLike = None, *, periods: int = 1, ids: Sequence[object] | None = None) -> Existing:
        cap = np.zeros((0, periods)) if capacity is None else np.asarray(capacity, dtype=float)
        if cap.ndim == 1:
            cap = np.repeat(cap[:, None], periods, axis=1)
        cap = cap.copy()
        _frozen(cap)
        return cls(cap, _ids(ids, cap.shape[0], "e"))

    @property
    def count(self) -> int:
        return self.capacity.shape[0]


@dataclass(frozen=True)
class Options:
    """Candidate facilities: open or not, when (no earlier than ``earliest``; once open,
    open to the end) and at what size: ``min_size + step * k`` for integer ``k`` up to
    ``max_size`` (``step`` 0: any size in between). ``max_size`` ``inf`` makes an
    uncapacitated option (size not chosen; no per-place costs allowed).

    Costs: ``fixed_cost`` when opened, ``cost_per_place`` (capital) per place,
    ``annual_cost_per_place`` per place per period open, and ``annual_fixed_cost`` per
    period open whatever the size (running the option: weighted like every annual cost, from
    the opening period to the last). ``forced`` options must open,
    ``excluded`` ones may not; ``min_occupancy`` is the share of an opened option's places
    that must be filled in every period it is open.

    ``intake[o, j]`` is the share of o's places it has in its ``j``-th period open (0: the
    opening period), for a provision that opens with some of its places and grows (a phased
    intake); from the last column on, and for every option when ``intake`` has no columns,
    all of them. The places an option has in a period are what it can hold, what its
    minimum occupancy is a share of, and what its per-place annual cost is paid on.
    """

    min_size: np.ndarray
    max_size: np.ndarray
    step: np.ndarray
    earliest: np.ndarray
    fixed_cost: np.ndarray
    cost_per_place: np.ndarray
    annual_cost_per_place: np.ndarray
    forced: np.ndarray
    excluded: np.ndarray
    min_occupancy: np.ndarray
    annual_fixed_cost: np.ndarray
    ids: tuple[object, ...]
    intake: np.ndarray

    @classmethod
    def make(
        cls,
        max_size: ArrayLike = None,
        *,
        min_size: ArrayLike = None,
        step: ArrayLike = None,
        earliest: ArrayLike = None,
        fixed_cost: ArrayLike = None,
        cost_per_place: ArrayLike = None,
        annual_cost_per_place: ArrayLike = None,
        forced: ArrayLike = None,
        excluded: ArrayLike = None,
        min_occupancy: ArrayLike = None,
        ids: Sequence[object] | None = None,
        count: int | None = None,
        annual_fixed_cost: ArrayLike = None,
        intake: ArrayLike = None,
    ) -> Options:
        """Options with defaults: fixed size (``min_size = max_size``, step 0), open from
        period 0, no costs, not forced or excluded, no minimum occupancy, every place from
        the opening period. ``max_size`` None gives ``count`` uncapacitated options."""
        mx = _array(max_size, float, count, np.inf) if max_size is not None else np.full(count or 0, np.inf)
        n = len(mx)
        mn = _array(min_size, float, n, np.nan)
        mn = np.where(np.isnan(mn), np.where(np.isfinite(mx), mx, 0.0), mn)
        arrays = {
            "min_size": mn,
            "max_size": mx,
            "step": _array(step, float, n, 0.0),
            "earliest": _array(earliest, np.int64, n, 0),
            "fixed_cost": _array(fixed_cost, float, n, 0.0),
            "cost_per_place": _array(cost_per_place, float, n, 0.0),
            "annual_cost_per_place": _array(annual_cost_per_place, float, n, 0.0),
            "forced": _array(forced, bool, n, False),
            "excluded": _array(excluded, bool, n, False),
            "min_occupancy": _array(min_occupancy, float, n, 0.0),
            "annual_fixed_cost": _array(annual_fixed_cost, float, n, 0.0),
            "intake": _intake(intake, n),
        }
        _frozen(*arrays.values())
        return cls(**arrays, ids=_ids(ids, n, "o"))

    @property
    def count(self) -> int:
        return len(self.max_size)

    @property
    def capacitated(self) -> np.ndarray:
        return np.isfinite(self.max_size)

    def fixed_cost_total(self, capital_weight: np.ndarray | float, remaining_weight: np.ndarray | float) -> np.ndarray:
        """What opening each option costs whatever its size, with capital weighted by
        ``capital_weight`` and the annual fixed cost by ``remaining_weight`` (the weight of
        an annual cost from the opening period to the end): the fixed cost the one-period
        stages (Lagrangian, branch and bound, interchange) work with."""
        return capital_weight * self.fixed_cost + remaining_weight * self.annual_fixed_cost

    def usable_share(self, option: ArrayLike, years_open: ArrayLike) -> np.ndarray:
        """The share of each ``option``'s places it has in its ``years_open``-th period open
        (0 before it opens)."""
        option, years_open = np.broadcast_arrays(np.asarray(option, np.int64), np.asarray(years_open, np.int64))
        full = np.concatenate([self.intake, np.ones((self.count, 1))], axis=1)
        column = np.clip(years_open, 0, self.intake.shape[1])
        return np.where(years_open >= 0, full[option, column], 0.0)

    def place_weight(self, periods: Periods) -> np.ndarray:
        """options x periods: the weight of a per-place annual cost of one place of o opened
        in period t, paid on the places it has from t to the end (``remaining_weight`` for
        an option with all its places from opening)."""
        T = periods.count
        years_open = np.arange(T)[None, :] - np.arange(T)[:, None]  # opening t x period t'
        share = self.usable_share(np.arange(self.count)[:, None, None], years_open[None, :, :])
        return (share * periods.weight[None, None, :]).sum(axis=2)

    @property
    def size_steps(self) -> np.ndarray:
        """How many steps above the minimum size each option may take (0: fixed size;
        for step 0 with min < max, the continuous range max - min)."""
        span = np.where(self.capacitated, self.max_size - self.min_size, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            steps = np.where(self.step > 0, np.floor(span / np.where(self.step > 0, self.step, 1) + 1e-9), span)
        return np.maximum(steps, 0.0)


@dataclass(frozen=True)
class Arcs:
    """Sparse arcs: ``group[a]`` may be served by ``facility[a]`` (0..E-1 existing, E..E+O-1
    options) at ``cost[a]`` per unit per period (weighted by the period's weight).

    ``stays[a, t]`` is the share of the arc's units still at its facility in period t, where
    that is less than the group's own ``stays`` (pupils who reach an age the facility does
    not admit leave it, and :class:`Rejoins` places them again); None: the group's."""

    group: np.ndarray
    facility: np.ndarray
    cost: np.ndarray
    stays: np.ndarray | None = None

    @classmethod
    def make(cls, group: ArrayLike, facility: ArrayLike, cost: ArrayLike = None, *, stays: ArrayLike = None) -> Arcs:
        g = _array(group, np.int64)
        f = _array(facility, np.int64)
        c = _array(cost, float, len(g), 0.0)
        share = None if stays is None else np.asarray(stays, dtype=float).copy()
        _frozen(g, f, c, *(() if share is None else (share,)))
        return cls(g, f, c, share)

    @classmethod
    def dense(cls, cost: ArrayLike, *, allowed: ArrayLike = None) -> Arcs:
        """Every (group, facility) pair of a groups x facilities cost matrix, optionally
        only where ``allowed`` (and the cost is finite)."""
        matrix = np.asarray(cost, dtype=float)
        keep = np.isfinite(matrix) if allowed is None else (np.asarray(allowed, bool) & np.isfinite(matrix))
        g, f = np.nonzero(keep)
        return cls.make(g, f, matrix[g, f])

    @property
    def count(self) -> int:
        return len(self.group)


@dataclass(frozen=True)
class Rules:
    """Side constraints. ``capital_budget``: total capital (fixed + per place) of options
    opened; ``capital_budget_per_period[t]``: capital of options opened in period t;
    ``max_options`` / ``exact_options``: how many options open in all (forced ones
    included: p-median's p).

    ``exclusive_groups``: sets of option indices of which at most one opens (over all
    periods): for example the options hosted by one site.

    ``different_from``: sets of option indices, each the options an earlier plan opened:
    the plan must open another set (one more or one fewer will do), so that the next best
    plan can be found (alternatives).

    ``same_plan``: sets of option indices that open together, in the same period at the
    same size, or not at all: the copies of one option in a problem that stacks several
    demand futures (:func:`placeplan.optimise.stack`), so that one plan is chosen for all.

    ``annual_budget_per_period[t]``: the most the options open in period t may cost to run
    that period, undiscounted: per place ``annual_budget_cost_per_place[o]`` (default the
    options' ``annual_cost_per_place``) times the places open, plus ``annual_fixed_cost``
    (``inf`` in a period: no limit)."""

    capital_budget: float = np.inf
    capital_budget_per_period: tuple[float, ...] | None = None
    max_options: int | None = None
    exact_options: int | None = None
    exclusive_groups: tuple[tuple[int, ...], ...] = ()
    annual_budget_per_period: tuple[float, ...] | None = None
    annual_budget_cost_per_place: tuple[float, ...] | None = None
    different_from: tuple[tuple[int, ...], ...] = ()
    same_plan: tuple[tuple[int, ...], ...] = ()

    def binding_groups(self, options: Options) -> list[np.ndarray]:
        """The exclusive groups with at least two options that may open (the others say
        nothing an option's own 'opens at most once' does not)."""
        out = []
        for group in self.exclusive_groups:
            members = np.unique(np.asarray(group, np.int64))
            members = members[~options.excluded[members]]
            if len(members) > 1:
                out.append(members)
        return out

    def annual_per_place(self, options: Options) -> np.ndarray:
        """What a place of each option counts against ``annual_budget_per_period``."""
        if self.annual_budget_cost_per_place is None:
            return options.annual_cost_per_place
        return np.asarray(self.annual_budget_cost_per_place, float)


@dataclass(frozen=True)
class Rejoins:
    """Units placed along an arc that must be placed again later: ``share[k]`` of the units
    along ``arc[k]`` join the demand of ``group[k]`` (a group of a later period), as pupils
    who reach a year group their facility does not admit move on to another school. A
    group's demand is then its own plus what rejoins it, which depends on the plan."""

    arc: np.ndarray
    group: np.ndarray
    share: np.ndarray

    @classmethod
    def make(cls, arc: ArrayLike = None, group: ArrayLike = None, share: ArrayLike = None) -> Rejoins:
        a = _array(arc, np.int64) if arc is not None else np.zeros(0, np.int64)
        g = _array(group, np.int64, len(a)) if group is not None else np.zeros(0, np.int64)
        s = _array(share, float, len(a), 1.0) if share is not None else np.ones(len(a))
        _frozen(a, g, s)
        return cls(a, g, s)

    @property
    def count(self) -> int:
        return len(self.arc)


@dataclass(frozen=True)
class Problem:
    """Everything the core optimises over. Make it with :meth:`make`, which checks it."""

    periods: Periods
    groups: Groups
    existing: Existing
    options: Options
    arcs: Arcs
    rules: Rules = field(default_factory=Rules)
    rejoins: Rejoins = field(default_factory=Rejoins.make)

    @classmethod
    def make(
        cls,
        *,
        groups: Groups,
        arcs: Arcs,
        periods: Periods | None = None,
        existing: Existing | None = None,
        options: Options | None = None,
        rules: Rules | None = None,
        rejoins: Rejoins | None = None,
    ) -> Problem:
        count = int(groups.period.max()) + 1 if periods is None and groups.count else 1
        periods = periods or Periods.make(count)
        problem = cls(
            periods,
            groups,
            existing or Existing.make(periods=periods.count),
            options or Options.make(count=0),
            arcs,
            rules or Rules(),
            rejoins or Rejoins.make(),
        )
        problems = problem.check()
        if problems:
            raise ProblemError(problems)
        return problem

    @property
    def facility_count(self) -> int:
        return self.existing.count + self.options.count

    @property
    def facility_ids(self) -> tuple[object, ...]:
        return self.existing.ids + self.options.ids

    def arc_usage(self, arcs: np.ndarray | None = None) -> np.ndarray:
        """(A, T): the share of each arc's units (or of ``arcs``' only) at its facility in
        each period."""
        pick: slice | np.ndarray = slice(None) if arcs is None else arcs
        if self.arcs.stays is not None:
            return self.arcs.stays[pick]
        return self.groups.usage(self.periods.count)[self.arcs.group[pick]]

    def arc_weight(self) -> np.ndarray:
        """(A,): the weight of a unit's annual cost over every period it is at the arc's facility."""
        if self.arcs.stays is None:
            return self.groups.weight(self.periods)[self.arcs.group]
        return self.arcs.stays @ self.periods.weight

    @functools.cached_property
    def most_demand(self) -> np.ndarray:
        """(G,): the most units each group can hold: its own demand and, where units rejoin
        it, the most that can (every rejoining arc carrying all its group's units). Worked
        out once: the model's build reads it for bounds, arcs and rows (the arrays are frozen)."""
        most = self.groups.demand.astype(float).copy()
        r = self.rejoins
        source = self.arcs.group[r.arc]
        for t in range(self.periods.count):  # rejoins go to later periods: earlier ones are final
            arrive = self.groups.period[r.group] == t
            if arrive.any():
                np.add.at(most, r.group[arrive], r.share[arrive] * most[source[arrive]])
        _frozen(most)
        return most

    def differing(self, opened: Sequence[Sequence[int]]) -> Problem:
        """The same problem, its plan to open a set of options other than each of ``opened``."""
        sets = tuple(tuple(sorted({int(o) for o in members})) for members in opened)
        return dataclasses.replace(
            self, rules=dataclasses.replace(self.rules, different_from=self.rules.different_from + sets)
        )

    def closing(self, options: ArrayLike) -> Problem:
        """The same problem with ``options`` (indices, or a mask over the options) closed:
        excluded and not forced. Every option closed is the status quo."""
        shut = np.zeros(self.options.count, dtype=bool)
        shut[np.asarray(options)] = True
        return dataclasses.replace(
            self,
            options=dataclasses.replace(
                self.options, excluded=self.options.excluded | shut, forced=self.options.forced & ~shut
            ),
        )

    def check(self) -> list[str]:
        """Every inconsistency in the arrays, as readable lines (empty when all is well)."""
        out: list[str] = []
        T, G, E, O = self.periods.count, self.groups.count, self.existing.count, self.options.count
        p, g, e, o, a = self.periods, self.groups, self.existing, self.options, self.arcs
        if T < 1:
            out.append("there must be at least one period")
        for name, arr in (("periods.weight", p.weight), ("periods.capital_weight", p.capital_weight)):
            if arr.shape != (T,) or not np.all(np.isfinite(arr)) or np.any(arr < 0):
                out.append(f"{name} must be {T} finite values >= 0")
        _bad(out, "groups.period", (g.period < 0) | (g.period >= T), f"must be a period 0..{T - 1}")
        _bad(out, "groups.demand", ~np.isfinite(g.demand) | (g.demand < 0), "must be finite and >= 0")
        _bad(out, "groups.fallback_cost", g.fallback_cost < 0, "must be >= 0 (inf forbids fallback)")
        for name, arr in (("groups.period", g.period), ("groups.fallback_cost", g.fallback_cost)):
            if len(arr) != G:
                out.append(f"{name} has {len(arr)} values for {G} groups")
        if len(g.ids) != G:
            out.append(f"groups.ids has {len(g.ids)} ids for {G} groups")
        if g.stays is not None:
            out += _stays_problems(g, T)
        if e.capacity.ndim != 2 or e.capacity.shape[1] != T:
            out.append(f"existing.capacity must be facilities x {T} periods, not {e.capacity.shape}")
        else:
            _bad(
                out,
                "existing.capacity",
                np.isnan(e.capacity).any(axis=1) | (e.capacity < 0).any(axis=1),
                "must be >= 0",
            )
        option_lengths = len(out)
        for name in (
            "min_size",
            "step",
            "earliest",
            "fixed_cost",
            "cost_per_place",
            "annual_cost_per_place",
            "forced",
            "excluded",
            "min_occupancy",
            "annual_fixed_cost",
        ):
            if len(getattr(o, name)) != O:
                out.append(f"options.{name} has {len(getattr(o, name))} values for {O} options")
        if len(out) == option_lengths:
            cap = o.capacitated
            _bad(out, "options.max_size", np.isnan(o.max_size) | (o.max_size < 0), "must be >= 0 (inf: uncapacitated)")
            _bad(
                out,
                "options.min_size",
                cap & ~((o.min_size >= 0) & (o.min_size <= o.max_size)),
                "must be between 0 and max_size",
            )
            _bad(out, "options.step", ~np.isfinite(o.step) | (o.step < 0), "must be finite and >= 0")
            _bad(out, "options.earliest", (o.earliest < 0) | (o.earliest >= T), f"must be a period 0..{T - 1}")
            for name in ("fixed_cost", "cost_per_place", "annual_cost_per_place", "annual_fixed_cost"):
                _bad(
                    out,
                    f"options.{name}",
                    ~np.isfinite(getattr(o, name)) | (getattr(o, name) < 0),
                    "must be finite and >= 0",
                )
            _bad(
                out,
                "options.cost_per_place",
                ~cap & ((o.cost_per_place > 0) | (o.annual_cost_per_place > 0)),
                "per-place costs need a finite max_size",
            )
            _bad(
                out,
                "options.min_occupancy",
                ~cap & (o.min_occupancy > 0),
                "a minimum occupancy needs a finite max_size",
            )
            _bad(out, "options.min_occupancy", (o.min_occupancy < 0) | (o.min_occupancy > 1), "must be a share 0..1")
            _bad(out, "options.forced", o.forced & o.excluded, "an option cannot be both forced and excluded")
            out += _intake_problems(o)
        if not (len(a.facility) == len(a.group) == len(a.cost)):
            out.append("arcs.group, arcs.facility and arcs.cost must have the same length")
        else:
            _bad(out, "arcs.group", (a.group < 0) | (a.group >= G), f"must be a group 0..{G - 1}")
            _bad(out, "arcs.facility", (a.facility < 0) | (a.facility >= E + O), f"must be a facility 0..{E + O - 1}")
            _bad(out, "arcs.cost", ~np.isfinite(a.cost), "must be finite")
            if (
                len(a.group)
                and np.all((a.group >= 0) & (a.group < G))
                and np.all((a.facility >= 0) & (a.facility < E + O))
            ):
                key = a.group * (E + O) + a.facility
                if len(np.unique(key)) != len(key):
                    out.append("arcs: a (group, facility) pair appears more than once")
            if a.stays is not None:
                out += _arc_stays_problems(self, T)
        out += _rejoin_problems(self)
        r = self.rules
        if r.capital_budget_per_period is not None and len(r.capital_budget_per_period) != T:
            out.append(f"rules.capital_budget_per_period needs {T} values")
        out.extend(_rule_problems(r, o, T, O))
        for name in ("max_options", "exact_options"):
            value = getattr(r, name)
            if value is not None and not 0 <= value <= O:
                out.append(f"rules.{name} = {value} must be between 0 and the {O} options")
        if r.exact_options is not None and len(o.forced) == O == len(o.excluded):
            if int(o.forced.sum()) > r.exact_options or int((~o.excluded).sum()) < r.exact_options:
                out.append(
                    f"rules.exact_options = {r.exact_options} cannot be met: {int(o.forced.sum())} forced, "
                    f"{int((~o.excluded).sum())} not excluded"
                )
        return out


def _intake_problems(o: Options) -> list[str]:
    """An intake gives each option shares above 0 and up to 1 that never fall."""
    if o.intake.ndim != 2 or o.intake.shape[0] != o.count:
        return [f"options.intake must be options x years open, not {o.intake.shape}"]
    out: list[str] = []
    share = o.intake
    _bad(
        out,
        "options.intake",
        ~np.isfinite(share).all(axis=1) | (share <= 0).any(axis=1) | (share > 1).any(axis=1),
        "must be shares above 0 and at most 1",
    )
    _bad(out, "options.intake", (np.diff(share, axis=1) < 0).any(axis=1), "must not fall from one year to the next")
    return out


def _rule_problems(r: Rules, o: Options, T: int, O: int) -> list[str]:
    """Problems with the exclusive groups, the plans to differ from and the annual budget."""
    out: list[str] = []
    for i, group in enumerate(r.exclusive_groups):
        members = np.asarray(group, dtype=float)
        if members.ndim != 1 or not np.all((members == np.round(members)) & (members >= 0) & (members < O)):
            out.append(f"rules.exclusive_groups[{i}] must list option indices 0..{O - 1}")
        elif len(o.forced) == O and len(o.excluded) == O:
            forced = o.forced[members.astype(np.int64)] & ~o.excluded[members.astype(np.int64)]
            if int(forced.sum()) > 1:
                out.append(
                    f"rules.exclusive_groups[{i}]: at most one of its options may open, but "
                    f"{int(forced.sum())} are forced open"
                )
    for i, opened in enumerate(r.different_from):
        if not all(isinstance(m, (int, np.integer)) and 0 <= m < O for m in opened):
            out.append(f"rules.different_from[{i}] must list option indices 0..{O - 1}")
    out += _same_plan_problems(r, o, O)
    if r.annual_budget_per_period is not None:
        limits = np.asarray(r.annual_budget_per_period, float)
        if limits.shape != (T,) or np.any(np.isnan(limits)) or np.any(limits < 0):
            out.append(f"rules.annual_budget_per_period needs {T} values >= 0 (inf: no limit)")
    if r.annual_budget_cost_per_place is not None:
        per_place = np.asarray(r.annual_budget_cost_per_place, float)
        if per_place.shape != (O,) or not np.all(np.isfinite(per_place)) or np.any(per_place < 0):
            out.append(f"rules.annual_budget_cost_per_place needs {O} finite values >= 0")
    return out


def _same_plan_problems(r: Rules, o: Options, O: int) -> list[str]:
    """Options that open together must be able to: the same periods, sizes and rules."""
    out: list[str] = []
    alike = ("earliest", "min_size", "max_size", "step", "forced", "excluded")
    for i, members in enumerate(r.same_plan):
        if not all(isinstance(m, (int, np.integer)) and 0 <= m < O for m in members):
            out.append(f"rules.same_plan[{i}] must list option indices 0..{O - 1}")
            continue
        index = np.asarray(members, np.int64)
        if len(index) and len(o.forced) == O and len(o.excluded) == O:
            differ = [name for name in alike if len(np.unique(getattr(o, name)[index])) > 1]
            if differ:
                out.append(f"rules.same_plan[{i}]: options that open together must share {', '.join(differ)}")
    return out


def _stays_problems(g: Groups, T: int) -> list[str]:
    assert g.stays is not None  # called only for groups with stays
    if g.stays.shape != (g.count, T):
        return [f"groups.stays must be {g.count} groups x {T} periods, not {g.stays.shape}"]
    out: list[str] = []
    s = g.stays
    own = s[np.arange(g.count), np.clip(g.period, 0, T - 1)]
    before = np.arange(T)[None, :] < g.period[:, None]
    _bad(
        out,
        "groups.stays",
        ~np.isfinite(s).all(axis=1) | (s < 0).any(axis=1) | (s > 1 + 1e-9).any(axis=1),
        "must be shares from 0 to 1",
    )
    _bad(out, "groups.stays", np.abs(own - 1.0) > 1e-9, "must be 1 in the group's own period")
    _bad(out, "groups.stays", (before & (s > 0)).any(axis=1), "must be 0 before the group's period")
    return out


def _arc_stays_problems(problem: Problem, T: int) -> list[str]:
    a, g = problem.arcs, problem.groups
    assert a.stays is not None  # called only for arcs with stays
    if a.stays.shape != (len(a.group), T):
        return [f"arcs.stays must be {len(a.group)} arcs x {T} periods, not {a.stays.shape}"]
    out: list[str] = []
    s = a.stays
    own = s[np.arange(len(a.group)), np.clip(g.period[a.group], 0, T - 1)]
    _bad(out, "arcs.stays", ~np.isfinite(s).all(axis=1) | (s < 0).any(axis=1), "must be shares from 0")
    _bad(out, "arcs.stays", np.abs(own - 1.0) > 1e-9, "must be 1 in the group's own period")
    _bad(
        out,
        "arcs.stays",
        (s > g.usage(T)[a.group] + 1e-9).any(axis=1),
        "must be at most the group's own share in every period",
    )
    return out


def _rejoin_problems(problem: Problem) -> list[str]:
    r, A, G = problem.rejoins, len(problem.arcs.group), problem.groups.count
    if not (len(r.arc) == len(r.group) == len(r.share)):
        return ["rejoins.arc, rejoins.group and rejoins.share must have the same length"]
    out: list[str] = []
    _bad(out, "rejoins.arc", (r.arc < 0) | (r.arc >= A), f"must be an arc 0..{A - 1}")
    _bad(out, "rejoins.group", (r.group < 0) | (r.group >= G), f"must be a group 0..{G - 1}")
    _bad(
        out,
        "rejoins.share",
        ~np.isfinite(r.share) | (r.share <= 0) | (r.share > 1),
        "must be a share above 0 and at most 1",
    )
    if not out and r.count:
        periods = problem.groups.period
        _bad(
            out,
            "rejoins.group",
            periods[r.group] <= periods[problem.arcs.group[r.arc]],
            "must be a group of a later period than the arc's",
        )
        total = np.bincount(r.arc, weights=r.share, minlength=A)
        _bad(out, "rejoins.share", total > 1 + 1e-9, "must add up to at most 1 for each arc")
    return out


def _bad(out: list[str], name: str, mask: np.ndarray | np.bool_, expected: str, shown: int = 5) -> None:
    where = np.flatnonzero(mask)
    if len(where):
        rows = ", ".join(str(i) for i in where[:shown]) + (" ..." if len(where) > shown else "")
        out.append(f"{name} {expected} (at {rows}: {len(where)} in all)")
