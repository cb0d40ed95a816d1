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
persist in the past earns no weight: pooling is the point. With one year of growth there
is nothing to measure persistence on and the weights are 0.

Uncertainty is in the same terms. The spread of areas' deviations ``d = e + c`` (matched to
their 10th-90th percentiles, see :func:`variance_parts`) is split into a lasting part
(``tau2``: the share of it that keeps its rank from year to year) and a passing part
(``sigma2``, the rest); the typical growth itself varies from year to year (``s2``). Over ``h`` years, the log forecast error has variance::

    h^2 [(1 - w)^2 tau2 + w^2 sigma2 / n] + h sigma2 + h s2 + h^2 s2 / n_m

(n: the area's years of growth; n_m: the pool's). With one year of growth the split cannot
be measured and half of each is assumed. :meth:`AreaGrowth.log_paths` draws paths with
exactly these parts, so Monte Carlo percentiles and the formula agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Fewest areas with data in both halves of the years for persistence to be measured.
MIN_AREAS = 3
#: Standard normal quantile of 0.9: P10 and P90 lie this many standard deviations out.
Z80 = 1.2815515655446004


def log_growth(wide: pd.DataFrame) -> pd.DataFrame:
    """Annual log growth by area (rows) and year it ends (columns); NaN where either
    year is missing or not positive."""
    values = wide.where(wide > 0)
    logged = np.log(values.astype(float))
    growth = logged.diff(axis=1)
    return growth.iloc[:, 1:] if growth.shape[1] else growth


def persistence(deviation: pd.DataFrame) -> float:
    """Slope of the later half's mean deviation on the earlier half's, across areas, in [0, 1]."""
    years = deviation.shape[1]
    if years < 2:
        return 0.0
    late = years // 2
    early_mean = deviation.iloc[:, : years - late].mean(axis=1)
    late_mean = deviation.iloc[:, years - late:].mean(axis=1)
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


def variance_parts(deviation: pd.DataFrame) -> tuple[float, float]:
    """(lasting, passing) variance of areas' deviations from the typical growth.

    The total is matched to the 10th-90th percentile spread of the deviations each year
    (the spread an 80% range must cover; a few areas' data breaks do not widen every
    area's range as a variance would). The lasting share is the mean rank correlation of
    areas' deviations across pairs of years (kept within 0 and 1; one half with one year)."""
    quantiles = deviation.quantile([0.1, 0.9], axis=0)
    per_year = ((quantiles.loc[0.9] - quantiles.loc[0.1]) / (2 * Z80)) ** 2
    total = float(per_year.dropna().mean()) if per_year.notna().any() else 0.0
    columns = list(deviation.columns)
    correlations = []
    for i, first in enumerate(columns):
        for second in columns[i + 1:]:
            pair = deviation[[first, second]].dropna()
            if len(pair) >= MIN_AREAS and pair[first].nunique() > 1 and pair[second].nunique() > 1:
                correlations.append(float(pair[first].rank().corr(pair[second].rank())))
    share = float(np.clip(np.mean(correlations), 0.0, 1.0)) if correlations else 0.5
    return share * total, (1 - share) * total


@dataclass(frozen=True)
class PoolFit:
    """What the pool of areas says about growth: typical growth by year, group effects,
    persistence weights and the variance parts."""

    center: pd.Series            # typical annual log growth, by year
    group_effects: pd.DataFrame  # group x year: the group's median deviation
    group_weight: float
    area_weight: float
    lasting: float
    passing: float
    year_to_year: float          # variance of the typical growth across years
    areas: int

    @property
    def growth(self) -> float:
        """The typical area's mean annual log growth over the pool's years."""
        return float(self.center.mean()) if len(self.center) else 0.0


def fit_pool(wide: pd.DataFrame, groups: pd.Series | None = None) -> PoolFit:
    """Fit the pooled trend to ``wide`` (areas x years, pupils) with optional groups
    (area -> group name, e.g. region)."""
    growth = log_growth(wide)
    center = growth.median(axis=0, skipna=True).dropna()
    growth = growth[center.index]
    deviation = growth - center
    if groups is not None:
        group_of = groups.reindex(deviation.index)
        effects = deviation.groupby(group_of).median()
        own = deviation - effects.reindex(group_of.to_numpy()).set_axis(deviation.index).fillna(0.0)
        group_weight = persistence(effects)
    else:
        effects = pd.DataFrame(columns=deviation.columns, dtype=float)
        own = deviation
        group_weight = 0.0
    lasting, passing = variance_parts(deviation)
    year_to_year = float(center.var(ddof=1)) if len(center) >= 2 else 0.0
    return PoolFit(center=center, group_effects=effects, group_weight=group_weight,
                   area_weight=persistence(own), lasting=lasting, passing=passing,
                   year_to_year=year_to_year, areas=int(growth.notna().any(axis=1).sum()))


@dataclass(frozen=True)
class AreaGrowth:
    """One area's forecast annual log growth and the parts of its uncertainty."""

    growth: float
    persistent_variance: float   # of the growth rate itself (lasting, and the typical growth's mean)
    annual_variance: float       # fresh each year (passing, and the typical growth's year-to-year)

    def variance(self, horizon: int) -> float:
        """Variance of the log forecast error ``horizon`` years ahead."""
        return horizon * horizon * self.persistent_variance + horizon * self.annual_variance

    def log_paths(self, *, years: int, draws: int, rng: np.random.Generator,
                  with_growth: bool = True) -> np.ndarray:
        """Cumulative log multipliers, draws x years (year 1 first). Without growth the
        paths are the noise alone, centred on 0."""
        persistent = rng.normal(0.0, np.sqrt(self.persistent_variance), size=(draws, 1))
        annual = rng.normal(0.0, np.sqrt(self.annual_variance), size=(draws, years))
        steps = persistent + annual + (self.growth if with_growth else 0.0)
        return np.cumsum(steps, axis=1)


def area_growths(fit: PoolFit, own: pd.DataFrame, groups: pd.Series | None = None) -> pd.DataFrame:
    """Forecast growth for many areas at once: ``own`` is areas x years of annual log
    growth (years outside the pool's are measured against the mean typical growth),
    ``groups`` each area's group. Returns growth, persistent and annual variance by area."""
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
    growth = fit.growth + fit.group_weight * group_mean + weight * area_mean
    persistent = (1 - weight) ** 2 * fit.lasting + np.divide(weight ** 2 * fit.passing, years,
                                                             out=np.zeros(len(years)), where=years > 0)
    persistent = persistent + fit.year_to_year / max(len(fit.center), 1)
    annual = np.full(len(years), fit.passing + fit.year_to_year)
    return pd.DataFrame({"growth": growth, "persistent": persistent, "annual": annual}, index=own.index)


def area_growth(fit: PoolFit, own: pd.Series, group: str | None = None) -> AreaGrowth:
    """Forecast growth for one area with annual log growth ``own`` (by year; may be empty)."""
    frame = own.dropna().to_frame("area").T
    groups = pd.Series({"area": group}, dtype=object) if group is not None else None
    row = area_growths(fit, frame, groups).iloc[0]
    return AreaGrowth(growth=float(row["growth"]), persistent_variance=float(row["persistent"]),
                      annual_variance=float(row["annual"]))
