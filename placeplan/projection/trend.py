"""Trend with pooling: each area's growth, shrunk toward the growth of the typical area.

The model, on the log scale, for area ``a`` in year ``t``::

    r[a, t] = log y[a, t] - log y[a, t-1] = m[t] + e[g(a), t] + c[a, t]

``m[t]`` is the typical area's growth that year (the median over the pool), ``e`` the
effect of the area's group (a region, when groups are given) and ``c`` what is left to the
area itself. The forecast growth is::

    g[a] = mean(m) + w_g * mean(e[g(a)]) + w_c * mean(c[a])

where the weights are *persistence*: across areas, how much of their above- or
below-typical growth in the earlier half of the years carried on into the later half (the
slope of the later mean on the earlier mean, kept within 0 and 1). Growth that did not
persist in the past earns no weight: pooling is the point. With one step of growth there
is nothing to measure persistence on and the weights are 0.

**Pupils per child.** Given each area's child population (and at least MIN_LEVEL_AREAS
areas), growth also depends on how many pupils per child the area has against the typical
area: ``r[a, t] = m[t] + b x[a, t-1] + e + c``, with ``x`` the area's log pupils per child
less the typical area's that year and ``b <= 0`` (:func:`_level_slope`). Areas with more
pupils per child than typical have grown more slowly; everything else (``e``, ``c``,
persistence and the variance parts) is measured net of it, and the forecast adds
``b x[a, T]`` at the last year counted.

**Any spacing of years.** Counts need not be a year apart: an area counted in 2011, 2013
and 2015 has two *steps*, each of two years, and each step's growth is annualised (its log
growth over its years). Every year a step spans takes that annual rate, so ``m[t]`` is the
median over the areas counted either side of ``t``; areas may start, stop or skip years.
A step of ``k`` years averages ``k`` years of passing noise, and the variance parts below
allow for it.

Uncertainty is in the same terms. The spread of areas' deviations ``d = e + c`` in each
step (matched to their 10th-90th percentiles, see :func:`variance_parts`) is split into a
lasting part (``tau2``: the share of it that keeps its rank from step to step) and a
passing part (``sigma2``, the rest, per year); the typical growth itself varies from year
to year (``s2``). Over ``h`` years, the log forecast error has variance::

    h^2 [(1 - w)^2 tau2 + w^2 sigma2 / n] + h sigma2 + h s2 + h^2 s2 / n_m

(n: the area's years of growth; n_m: the pool's). With one step of growth the split cannot
be measured and half of each is assumed. ``s2`` is estimated from the pool's few steps
(``C`` of them), so the error is drawn from a Student t whose degrees of freedom follow from
how much of the variance rests on those ``C - 1`` (Welch-Satterthwaite): a short history
gets wider ranges, a long one the normal's. :meth:`AreaGrowth.log_paths` draws paths with
exactly these parts, so Monte Carlo percentiles and the formula agree.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, stats

#: Fewest areas with data in both halves of the years for persistence to be measured.
MIN_AREAS = 3
#: Standard normal quantile of 0.9: P10 and P90 lie this many standard deviations out.
Z80 = 1.2815515655446004
#: A council's annual log growth strays from the typical council's by this variance a year
#: (lasting and passing parts together, 0.00008 + 0.00349): England's councils' pupils in
#: special schools, resourced provision and SEN units, January 2019-2025 (DfE, EHC plans
#: 2025; ``fit_pool`` on ``dfe.council_series``, checked by tests/test_backtest.py). A pool
#: of fewer than MIN_AREAS areas has no spread of its own to measure, so its year-to-year
#: variance is pooled toward this one, worth PRIOR_STEPS steps of growth.
REFERENCE_VARIANCE = 0.0036
PRIOR_STEPS = 2
#: Above this many degrees of freedom the t is taken as the normal (its P90 is then within
#: 0.7% of the normal's): a pool of England's councils draws no extra noise.
NORMAL_DOF = 100.0
#: Fewest areas with a child population for growth's dependence on pupils per child to be fitted.
MIN_LEVEL_AREAS = 20


def log_growth(wide: pd.DataFrame) -> pd.DataFrame:
    """Annual log growth by area (rows) and year it ends (columns), whatever the spacing of
    the counts: a year inside a step of ``k`` years takes the step's annualised growth;
    NaN where no step spans the year."""
    return steps(wide).per_year


@dataclass(frozen=True)
class Steps:
    """Each area's growth between successive positive counts, annualised.

    ``rate``: areas x steps, the columns ``(start, end)`` years; ``per_year``: areas x years
    (the year each annual step ends), the rate of the step spanning it; ``counted``: how many
    areas have a positive count each year."""

    rate: pd.DataFrame
    per_year: pd.DataFrame
    counted: pd.Series

    @property
    def lengths(self) -> np.ndarray:
        return np.array([end - start for start, end in self.rate.columns], dtype=float)

    def boundaries(self) -> list[int]:
        """The years most areas are counted in (at least half as many as the best-counted
        year): where the pool's own steps start and end."""
        if not len(self.counted) or self.counted.max() <= 0:
            return []
        return [int(y) for y, n in self.counted.items() if n >= 0.5 * self.counted.max() and n > 0]


def steps(wide: pd.DataFrame) -> Steps:
    """The steps of every area (rows) of counts by year (columns, in order)."""
    years = np.asarray(wide.columns, dtype=int)
    values = wide.to_numpy(dtype=float)
    positive = values > 0
    logs = np.log(np.where(positive, values, np.nan))
    count, width = values.shape
    seen = np.where(positive, np.arange(width), -1)
    latest = np.maximum.accumulate(seen, axis=1) if width else seen
    previous = np.concatenate([np.full((count, 1), -1), latest[:, :-1]], axis=1) if width else seen
    rows, ends = np.nonzero(positive & (previous >= 0))
    starts = previous[rows, ends]
    start_year, end_year = years[starts], years[ends]
    rate = (logs[rows, ends] - logs[rows, starts]) / (end_year - start_year)
    spans = sorted({(int(s), int(e)) for s, e in zip(start_year, end_year)}, key=lambda p: (p[1], p[0]))
    table = np.full((count, len(spans)), np.nan)
    column = {span: i for i, span in enumerate(spans)}
    if len(rows):
        table[rows, [column[(int(s), int(e))] for s, e in zip(start_year, end_year)]] = rate
    by_step = pd.DataFrame(
        table,
        index=wide.index,
        columns=pd.MultiIndex.from_tuples(spans, names=["start", "end"])
        if spans
        else pd.MultiIndex.from_arrays([[], []], names=["start", "end"]),
    )
    growth_years = list(range(int(years.min()) + 1, int(years.max()) + 1)) if width else []
    counted = pd.Series(positive.sum(axis=0), index=years)
    return Steps(rate=by_step, per_year=_per_year(by_step, growth_years), counted=counted)


def _per_year(rate: pd.DataFrame, growth_years: list[int]) -> pd.DataFrame:
    """Areas x years: each year takes the rate of the step spanning it."""
    table = rate.to_numpy(dtype=float)
    annual = np.full((len(rate), len(growth_years)), np.nan)
    first = growth_years[0] if growth_years else 0
    for i, (start, end) in enumerate(rate.columns):
        filled = np.isfinite(table[:, i])
        annual[np.ix_(filled, range(start - first + 1, end - first + 1))] = table[filled, i, None]
    return pd.DataFrame(annual, index=rate.index, columns=growth_years)


def net_of(found: Steps, shift: pd.DataFrame) -> Steps:
    """The steps with ``shift`` (areas x steps, annual log growth) taken off each rate."""
    rate = found.rate - shift.reindex_like(found.rate).fillna(0.0)
    return Steps(rate=rate, per_year=_per_year(rate, list(found.per_year.columns)), counted=found.counted)


def span_mean(per_year: pd.Series, spans: Sequence[tuple[int, int]]) -> np.ndarray:
    """The mean of a by-year series over each step's years."""
    return np.array([per_year.reindex(range(start + 1, end + 1)).mean() for start, end in spans], dtype=float)


def _split_year(columns: Sequence[int], boundaries: Sequence[int] | None) -> int | None:
    """The last year of the earlier half: half the growth years each side (the later half
    the shorter), moved to the nearest year most areas are counted in, so no step falls in
    both halves; None when no such year lies inside the years."""
    years = list(columns)
    if len(years) < 2:
        return None
    rule = years[len(years) - len(years) // 2 - 1]
    inside = [b for b in (years if boundaries is None else boundaries) if years[0] <= b < years[-1]]
    return min(inside, key=lambda b: (abs(b - rule), b)) if inside else None


def persistence(deviation: pd.DataFrame, boundaries: Sequence[int] | None = None) -> float:
    """Slope of the later half's mean deviation on the earlier half's, across areas, in [0, 1].

    ``deviation`` is by year (a step's years share its value); ``boundaries`` the years the
    halves may be split at (default: any)."""
    split = _split_year(list(deviation.columns), boundaries)
    if split is None:
        return 0.0
    early_mean = deviation.loc[:, [c for c in deviation.columns if c <= split]].mean(axis=1)
    late_mean = deviation.loc[:, [c for c in deviation.columns if c > split]].mean(axis=1)
    both = early_mean.notna() & late_mean.notna()
    if both.sum() < MIN_AREAS:
        return 0.0
    x = early_mean[both].to_numpy()
    y = late_mean[both].to_numpy()
    spread = float(np.var(x, ddof=1))
    if spread <= 0:
        return 0.0
    slope = float(np.cov(x, y, ddof=1)[0, 1]) / spread
    return float(np.clip(slope, 0.0, 1.0))


@dataclass(frozen=True)
class Parts:
    """The variance of areas' deviations, per year: ``lasting`` (of the growth rate) and
    ``passing`` (fresh each year), and the degrees of freedom they rest on."""

    lasting: float
    passing: float
    dof: float


def variance_parts(deviation: pd.DataFrame, lengths: Sequence[float] | np.ndarray | None = None) -> Parts:
    """Lasting and passing variance of areas' deviations from the typical growth.

    ``deviation`` is areas x steps of annualised deviations, ``lengths`` each step's years
    (default 1). Each step's total is matched to the 10th-90th percentile spread of the
    deviations (the spread an 80% range must cover; a few areas' data breaks do not widen
    every area's range as a variance would), over steps with at least MIN_AREAS areas. The
    lasting share is the mean rank correlation of areas' deviations across pairs of steps
    (kept within 0 and 1; one half with one step). A step of ``k`` years holds the lasting
    part whole and a ``k``-th of the passing part, so the passing part per year is the mean
    of ``k`` times each step's total less the lasting part."""
    years = np.ones(deviation.shape[1]) if lengths is None else np.asarray(lengths, dtype=float)
    enough = (deviation.notna().sum(axis=0) >= MIN_AREAS).to_numpy()
    used = deviation.loc[:, enough]
    if not used.shape[1]:
        return Parts(0.0, 0.0, math.inf)
    quantiles = used.quantile([0.1, 0.9], axis=0)
    totals = (((quantiles.loc[0.9] - quantiles.loc[0.1]) / (2 * Z80)) ** 2).to_numpy(dtype=float)
    columns = list(used.columns)
    correlations = []
    for i, first in enumerate(columns):
        for second in columns[i + 1 :]:
            pair = used[[first, second]].dropna()
            if len(pair) >= MIN_AREAS and pair[first].nunique() > 1 and pair[second].nunique() > 1:
                correlations.append(float(pair[first].rank().corr(pair[second].rank())))
    share = float(np.clip(np.mean(correlations), 0.0, 1.0)) if correlations else 0.5
    lasting = share * float(totals.mean())
    passing = max(float(np.mean(years[enough] * (totals - lasting))), 0.0)
    areas = int(used.notna().any(axis=1).sum())
    return Parts(lasting, passing, float(max(areas - 1, 1) * used.shape[1]))


def center_variance(center: pd.Series, boundaries: Sequence[int]) -> tuple[float, int]:
    """Year-to-year variance of the typical growth, from the pool's steps (between the years
    most areas are counted in): a step of ``k`` years has a ``k``-th of it. Returns the
    variance and the steps it rests on."""
    if not len(center):
        return 0.0, 0
    marks = [b for b in boundaries if center.index.min() - 1 <= b <= center.index.max()]
    spans = [(a, b) for a, b in itertools.pairwise(marks)]
    means = span_mean(center, spans)
    keep = np.isfinite(means)
    means, k = means[keep], np.array([b - a for a, b in spans], dtype=float)[keep]
    if len(means) < 2:
        return 0.0, len(means)
    overall = float(np.sum(k * means) / k.sum())
    return float(np.sum(k * (means - overall) ** 2) / (len(means) - 1)), len(means)


@dataclass(frozen=True)
class PoolFit:
    """What the pool of areas says about growth: typical growth by year, group effects,
    persistence weights, the variance parts and the evidence behind them."""

    center: pd.Series  # typical annual log growth, by year
    group_effects: pd.DataFrame  # group x year: the group's median deviation
    group_weight: float
    area_weight: float
    lasting: float
    passing: float
    year_to_year: float  # variance of the typical growth from year to year
    areas: int
    spread_dof: float = math.inf  # degrees of freedom of lasting and passing
    center_dof: float = 0.0  # of year_to_year: the pool's steps less one (and any prior's)
    level_slope: float = 0.0  # growth per unit of log pupils per child above the typical area's
    level_centers: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))  # typical log per child, by year

    @property
    def growth(self) -> float:
        """The typical area's mean annual log growth over the pool's years."""
        return float(self.center.mean()) if len(self.center) else 0.0


def per_child(wide: pd.DataFrame, children: pd.Series) -> pd.DataFrame:
    """Log pupils per child, areas x years (NaN where either is unknown or not positive)."""
    population = children.reindex(wide.index).to_numpy(dtype=float)[:, None]
    ratio = wide.to_numpy(dtype=float) / np.where(population > 0, population, np.nan)
    return pd.DataFrame(np.log(np.where(ratio > 0, ratio, np.nan)), index=wide.index, columns=wide.columns)


def above_typical(levels: pd.DataFrame, centers: pd.Series) -> pd.DataFrame:
    """Areas x years: log pupils per child less the typical area's that year (the latest
    typical one before it, or the first, where the pool has none that year)."""
    typical = centers.reindex(sorted(set(centers.index) | set(levels.columns))).ffill().bfill()
    return levels - typical.reindex(levels.columns).to_numpy()[None, :]


def level_shift(found: Steps, levels: pd.DataFrame, centers: pd.Series, slope: float) -> pd.DataFrame:
    """Areas x steps: ``slope`` times each area's log pupils per child above the typical
    area's at the step's start (NaN where unknown)."""
    above = above_typical(levels, centers).reindex(found.rate.index)
    table = (
        np.column_stack([above[start].to_numpy(dtype=float) for start, _ in found.rate.columns])
        if found.rate.shape[1]
        else np.empty((len(found.rate), 0))
    )
    return pd.DataFrame(slope * table, index=found.rate.index, columns=found.rate.columns)


def _level_slope(deviation: pd.DataFrame, found: Steps, levels: pd.DataFrame, centers: pd.Series) -> float:
    """How much faster than the typical area an area grows per unit of log pupils per child
    above the typical area's (least absolute deviations over every step, a step of ``k``
    years weighing ``k``), kept at or below 0: areas with more pupils per child than
    typical have grown more slowly (they had less ground to make up), and a slope the other
    way would only push areas further apart. 0 with too few areas to fit it on."""
    x = level_shift(found, levels, centers, 1.0)
    known = x.notna() & deviation.notna()
    if int(known.any(axis=1).sum()) < MIN_LEVEL_AREAS:
        return 0.0
    weight = np.broadcast_to(found.lengths, known.shape)[known.to_numpy()]
    xs, ys = x.to_numpy()[known.to_numpy()], deviation.to_numpy()[known.to_numpy()]
    coefficients = least_absolute_deviations(np.column_stack([np.ones(len(xs)), xs]), ys, weight)
    return float(min(coefficients[1], 0.0))


def least_absolute_deviations(design: np.ndarray, target: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Coefficients minimising the weighted sum of absolute residuals: a linear programme
    (``design @ b - target = v - u`` with u, v >= 0), so a few areas' data breaks do not
    steer the fit as they would a least-squares one."""
    n, p = design.shape
    weights = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    cost = np.concatenate([np.zeros(p), weights, weights])
    equality = np.hstack([design, np.eye(n), -np.eye(n)])
    solved = optimize.linprog(
        cost, A_eq=equality, b_eq=target, bounds=[(None, None)] * p + [(0, None)] * (2 * n), method="highs"
    )
    if solved.status != 0:
        raise RuntimeError(f"least absolute deviations: {solved.message}")
    return np.asarray(solved.x[:p], dtype=float)


def fit_pool(wide: pd.DataFrame, groups: pd.Series | None = None, children: pd.Series | None = None) -> PoolFit:
    """Fit the pooled trend to ``wide`` (areas x years, pupils; any spacing of years) with
    optional groups (area -> group name, e.g. region) and ``children`` (area -> child
    population): with at least MIN_LEVEL_AREAS areas, growth also depends on the area's
    pupils per child (:func:`_level_slope`) and the rest is measured net of it."""
    found = steps(wide)
    boundaries = found.boundaries()
    slope, centers = 0.0, pd.Series(dtype=float)
    if children is not None:
        levels = per_child(wide, children)
        centers = levels.median(axis=0).dropna()
        rough = found.rate - span_mean(found.per_year.median(axis=0, skipna=True), list(found.rate.columns))
        slope = _level_slope(rough, found, levels, centers) if len(centers) else 0.0
        if slope:
            found = net_of(found, level_shift(found, levels, centers, slope).fillna(0.0))
    growth = found.per_year
    center = growth.median(axis=0, skipna=True).dropna()
    growth = growth[center.index]
    deviation = growth - center
    if groups is not None:
        group_of = groups.reindex(deviation.index)
        effects = deviation.groupby(group_of).median()
        own = deviation - effects.reindex(group_of.to_numpy()).set_axis(deviation.index).fillna(0.0)
        group_weight = persistence(effects, boundaries)
    else:
        effects = pd.DataFrame(columns=deviation.columns, dtype=float)
        own = deviation
        group_weight = 0.0
    spans = list(found.rate.columns)
    step_deviation = found.rate - span_mean(center, spans)
    parts = variance_parts(step_deviation, found.lengths)
    year_to_year, center_steps = center_variance(center, boundaries)
    areas = int(growth.notna().any(axis=1).sum())
    dof = float(max(center_steps - 1, 0))
    if areas < MIN_AREAS and areas:
        # no spread between areas to learn from: the typical growth is the areas' own,
        # and how far it strays is partly England's (a conjugate prior on the variance)
        year_to_year = (PRIOR_STEPS * REFERENCE_VARIANCE + dof * year_to_year) / (PRIOR_STEPS + dof)
        dof += PRIOR_STEPS
    return PoolFit(
        center=center,
        group_effects=effects,
        group_weight=group_weight,
        area_weight=persistence(own, boundaries),
        lasting=parts.lasting,
        passing=parts.passing,
        year_to_year=year_to_year,
        areas=areas,
        spread_dof=parts.dof,
        center_dof=dof,
        level_slope=slope,
        level_centers=centers,
    )


@dataclass(frozen=True)
class AreaGrowth:
    """One area's forecast annual log growth and the parts of its uncertainty: the areas'
    spread (``persistent_variance`` of the growth rate, ``annual_variance`` fresh each year)
    and the typical growth's (``common_persistent``, ``common_annual``), which rests on
    ``common_dof`` degrees of freedom (the rest on ``spread_dof``)."""

    growth: float
    persistent_variance: float
    annual_variance: float
    common_persistent: float = 0.0
    common_annual: float = 0.0
    common_dof: float = math.inf
    spread_dof: float = math.inf

    def variance(self, horizon: int) -> float:
        """Variance of the log forecast error ``horizon`` years ahead."""
        return horizon * horizon * (self.persistent_variance + self.common_persistent) + horizon * (
            self.annual_variance + self.common_annual
        )

    def dof(self, horizon: int) -> float:
        """Degrees of freedom of the error ``horizon`` years ahead (infinite: normal)."""
        h = horizon
        spread = np.array([h * h * self.persistent_variance + h * self.annual_variance])
        common = np.array([h * h * self.common_persistent + h * self.common_annual])
        return float(satterthwaite(spread, self.spread_dof, common, self.common_dof)[0])

    def quantile(self, probability: float, horizon: int) -> float:
        """The log error's quantile ``horizon`` years ahead."""
        dof = self.dof(horizon)
        scale = stats.norm.ppf(probability) if math.isinf(dof) else stats.t.ppf(probability, dof)
        return float(scale * math.sqrt(self.variance(horizon)))

    def log_paths(self, *, years: int, draws: int, rng: np.random.Generator, with_growth: bool = True) -> np.ndarray:
        """Cumulative log multipliers, draws x years (year 1 first). Without growth the
        paths are the noise alone, centred on 0. With finite degrees of freedom each draw's
        noise is scaled by one chi-square draw (a multivariate t)."""
        persistent = rng.normal(0.0, np.sqrt(self.persistent_variance + self.common_persistent), size=(draws, 1))
        annual = rng.normal(0.0, np.sqrt(self.annual_variance + self.common_annual), size=(draws, years))
        noise = persistent + annual
        dof = self.dof(years)
        if math.isfinite(dof):
            noise = noise * np.sqrt(dof / rng.chisquare(dof, size=(draws, 1)))
        steps_ = noise + (self.growth if with_growth else 0.0)
        return np.cumsum(steps_, axis=1)


def area_growths(
    fit: PoolFit, counts: pd.DataFrame, groups: pd.Series | None = None, children: pd.Series | None = None
) -> pd.DataFrame:
    """Forecast growth for many areas at once from their counts (areas x years, any
    spacing; years outside the pool's are measured against the mean typical growth),
    ``groups`` each area's group and ``children`` its child population (used when the pool
    was fitted with them). Returns by area: growth, the spread's persistent and annual
    variance, the typical growth's (common_persistent, common_annual) and years (of growth
    seen)."""
    found = steps(counts)
    level = np.zeros(len(counts))
    if fit.level_slope and children is not None:
        levels = per_child(counts, children)
        found = net_of(found, level_shift(found, levels, fit.level_centers, fit.level_slope).fillna(0.0))
        above = above_typical(levels, fit.level_centers).ffill(axis=1)
        level = np.nan_to_num(fit.level_slope * above.iloc[:, -1].to_numpy(dtype=float)) if above.shape[1] else level
    own = found.per_year
    typical = fit.center.reindex(own.columns).fillna(fit.growth)
    deviation = own - typical
    group_of = groups.reindex(own.index) if groups is not None else pd.Series(np.nan, index=own.index, dtype=object)
    effects = fit.group_effects.reindex(group_of.to_numpy())
    group_mean = effects.mean(axis=1).fillna(0.0).to_numpy()
    effects = effects.reindex(columns=own.columns).set_axis(own.index)
    own_part = deviation - effects.fillna(0.0)
    years = deviation.notna().sum(axis=1).to_numpy()
    weight = np.where(years > 0, fit.area_weight, 0.0)
    area_mean = np.nan_to_num(own_part.mean(axis=1).to_numpy())
    growth = fit.growth + fit.group_weight * group_mean + weight * area_mean + level
    persistent = (1 - weight) ** 2 * fit.lasting + np.divide(
        weight**2 * fit.passing, years, out=np.zeros(len(years)), where=years > 0
    )
    return pd.DataFrame(
        {
            "growth": growth,
            "persistent": persistent,
            "annual": np.full(len(years), fit.passing),
            "common_persistent": np.full(len(years), fit.year_to_year / max(len(fit.center), 1)),
            "common_annual": np.full(len(years), fit.year_to_year),
            "years": years,
        },
        index=own.index,
    )


def area_growth(fit: PoolFit, counts: pd.Series, group: str | None = None, children: float | None = None) -> AreaGrowth:
    """Forecast growth for one area with ``counts`` by year (any spacing; may be empty),
    its group and its child population."""
    frame = counts.dropna().to_frame("area").T
    groups = pd.Series({"area": group}, dtype=object) if group is not None else None
    population = pd.Series({"area": children}, dtype=float) if children is not None else None
    row = area_growths(fit, frame, groups, population).iloc[0]
    return AreaGrowth(
        growth=float(row["growth"]),
        persistent_variance=float(row["persistent"]),
        annual_variance=float(row["annual"]),
        common_persistent=float(row["common_persistent"]),
        common_annual=float(row["common_annual"]),
        common_dof=fit.center_dof,
        spread_dof=fit.spread_dof,
    )


def satterthwaite(spread: np.ndarray, spread_dof: float, common: np.ndarray, common_dof: float) -> np.ndarray:
    """Degrees of freedom of each area's error variance, the sum of the areas' spread and
    the typical growth's, each resting on the pool's degrees of freedom for it
    (Welch-Satterthwaite); infinite where the sum rests on no estimate or on more than
    NORMAL_DOF."""
    terms = np.zeros_like(spread, dtype=float)
    if math.isfinite(spread_dof):
        terms = terms + spread**2 / spread_dof
    if common_dof > 0 and math.isfinite(common_dof):
        terms = terms + common**2 / common_dof
    total = spread + common
    dof = np.divide(total**2, terms, out=np.full(len(total), math.inf), where=terms > 0)
    return np.where(dof > NORMAL_DOF, math.inf, dof)
