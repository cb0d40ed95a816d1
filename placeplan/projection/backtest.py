"""Backtests: fit on the years up to an origin, forecast ``horizon`` years on, compare.

Every series of a history (an area, or an area's need or year group) whose count is known
and positive at the origin, in an earlier year and ``horizon`` years on is forecast by
each method and baseline from the years up to the origin only. For each method and
origin the report gives:

* ``mape``: mean absolute percentage error of the central forecast (P50), in %;
* ``bias``: mean signed percentage error (positive: forecasts too high), in %;
* ``coverage80``: the share of actual values inside the forecast's P10-P90 range, in %
  (80 if the range is honest).

Baselines: ``last`` (no change; the range of a random walk with the pool's year-to-year
variance), ``own`` (the series' own compound growth since its first year; a random walk
with that drift and the series' own variance) and ``pooled`` (the growth of all series of
the file added together; a random walk with that drift, the variance of series around it
and of the drift itself). Methods: ``trend`` (:mod:`.trend`, the default) and ``cohort`` (:mod:`.cohort`, for
histories by NCY), both with Monte Carlo ranges.
"""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ..codes import academic_year
from ..errors import BacktestError
from . import cohort as cohorts
from .history import ALL_NCY, History
from .trend import MIN_AREAS, MIN_LEVEL_AREAS, Z80, area_growth, area_growths, fit_pool, satterthwaite, span_mean, steps

METHODS = ("trend", "cohort")
DEFAULT_METHOD = "trend"
BASELINES = ("last", "own", "pooled")
#: Methods of ``placeplan project`` that a history of counts cannot test, and why.
NOT_TESTABLE = {
    "prevalence": "it needs the child population by zone and year, which a backtest history does not hold",
    "growth": "it applies the scenario's own growth rates; there is nothing estimated to test",
}
KEY = ["area", "setting", "need", "ncy"]
#: What a cohort block of year groups belongs to.
BLOCK = ["area", "setting", "need"]


@dataclass(frozen=True)
class Settings:
    horizon: int = 3
    draws: int = 1000
    seed: int = 20250101
    prior_pupils: float = 20.0


@dataclass(frozen=True)
class Backtest:
    """Every forecast compared (``errors``: one row per method, origin and series) and the
    scores by method and origin (``scores``), the default method first."""

    errors: pd.DataFrame
    scores: pd.DataFrame
    horizon: int
    label: str
    evidence: str = ""  # what the forecasts were pooled over, in words

    def by(self, column: str) -> pd.DataFrame:
        """Scores over every origin by method and ``column`` (setting, need or ncy)."""
        rows = [
            (method, value, *_score(frame))
            for (method, value), frame in self.errors.groupby(["method", column], sort=False)
        ]
        table = pd.DataFrame(rows, columns=["method", column, *SCORES, "n"])
        return table.sort_values(["method", column], key=_method_order_key, kind="stable")


def wide_series(history: History) -> tuple[pd.DataFrame, Known]:
    """Series (area, setting, need, ncy) x years of pupils, and each series' region and
    child population (each None when the file has none; the population also when the file
    is by need or year group)."""
    frame = history.frame
    wide = frame.pivot_table(index=KEY, columns="year", values="pupils", aggfunc="sum")
    wide = wide.reindex(columns=range(min(history.years), max(history.years) + 1))
    first = frame.drop_duplicates(KEY).set_index(KEY)
    regions = first["region"].reindex(wide.index)
    groups = regions.where(regions != "") if history.has_region else None
    # pupils per child compares areas; a need's or year group's count per child of its area
    # is another thing (rare needs are few per child everywhere), so only totals use it
    by_area = history.has_children and not (history.has_need or history.has_ncy)
    children = first["children"].reindex(wide.index) if by_area else None
    return wide, Known(groups=groups, children=children)


def possible_origins(wide: pd.DataFrame, horizon: int) -> list[int]:
    """Years from which at least one series can be forecast and checked."""
    return [year for year in wide.columns if _eligible(wide, year, horizon).any()]


def _eligible(wide: pd.DataFrame, origin: int, horizon: int) -> pd.Series:
    target = origin + horizon
    if target not in wide.columns or origin not in wide.columns:
        return pd.Series(False, index=wide.index)
    earlier = wide.loc[:, [y for y in wide.columns if y < origin]]
    return (wide[origin] > 0) & (wide[target] > 0) & (earlier > 0).any(axis=1)


def run_backtest(
    history: History,
    *,
    origins: list[int] | None = None,
    methods: list[str] | None = None,
    settings: Settings = Settings(),
) -> Backtest:
    """Backtest ``methods`` (default: trend, and cohort when the history is by NCY) and
    the baselines at every origin (default: every possible one)."""
    methods = list(methods or ([DEFAULT_METHOD, "cohort"] if history.has_ncy else [DEFAULT_METHOD]))
    for method in methods:
        if method in NOT_TESTABLE:
            raise BacktestError(f"method {method} cannot be backtested: {NOT_TESTABLE[method]}")
        if method == "cohort" and not history.has_ncy:
            raise BacktestError(
                f"method cohort needs pupils by year group: {history.label} has no ncy column with values"
            )
    wide, known = wide_series(history)
    available = possible_origins(wide, settings.horizon)
    chosen = sorted(origins) if origins else available
    missing = [o for o in chosen if o not in available]
    if missing or not chosen:
        raise BacktestError(
            f"no series in {history.label} can be checked {settings.horizon} years after origin "
            f"{', '.join(map(str, missing)) or '(none)'}; possible origins: "
            f"{', '.join(map(str, available)) or 'none (too few years)'}"
        )
    blocks = []
    for origin in chosen:
        rng = np.random.default_rng([settings.seed, origin])
        for pool in _pools(wide):
            train = pool.loc[:, [y for y in pool.columns if y <= origin]]
            eligible = _eligible(pool, origin, settings.horizon)
            if not eligible.any():
                continue
            actual = pool.loc[eligible, origin + settings.horizon]
            for method in [*methods, *BASELINES]:
                forecast = FORECASTERS[method](train, known, eligible, settings, rng)
                blocks.append(forecast.assign(method=method, origin=origin, actual=actual).reset_index())
    errors = pd.concat(blocks, ignore_index=True)
    errors = errors.sort_values(["method", "origin"], key=_method_order_key, kind="stable").reset_index(drop=True)
    order = [*methods, *BASELINES]
    return Backtest(
        errors=errors,
        scores=_scores(errors, order, settings.horizon),
        horizon=settings.horizon,
        label=history.label,
        evidence=evidence(history),
    )


def _pools(wide: pd.DataFrame) -> list[pd.DataFrame]:
    """The series forecast together: each setting's (a special school's pupils grow apart
    from a resourced provision's, and every method, baselines too, pools within one)."""
    return [rows for _, rows in wide.groupby(level="setting", sort=True)]


def evidence(history: History) -> str:
    """What a backtest's forecasts rest on: the areas pooled, their regions, the spacing of
    the years counted."""
    areas = history.frame["area"].nunique()
    years = history.years
    gaps = sorted({b - a for a, b in itertools.pairwise(years)})
    spacing = (
        "every year" if gaps == [1] else f"years {', '.join(map(str, gaps))} apart, growth annualised over each gap"
    )
    settings = sorted(set(history.frame["setting"]) - {""})
    each = f", each setting pooled on its own ({', '.join(settings)})" if settings else ""
    if areas < MIN_AREAS:
        pool = (
            f"{areas} area{'s' if areas > 1 else ''}: too few to pool, so each is forecast from its own "
            "growth, with a range partly England's (how far councils' growth strays, DfE 2019-2025)"
        )
    elif history.has_region:
        pool = f"{areas} areas pooled, first with their region (the file's region column)"
    else:
        pool = (
            f"{areas} areas pooled over what the file holds: no region column, so each area's growth is "
            "shrunk toward the file's typical area only"
        )
    with_children = history.frame.loc[history.frame["children"].notna(), "area"].nunique()
    per_child = ""
    if with_children and not (history.has_need or history.has_ncy):
        per_child = (
            "; growth also fitted on pupils per child (the children column)"
            if with_children >= MIN_LEVEL_AREAS
            else f"; the children column is not used: {with_children} areas give it, "
            f"fewer than the {MIN_LEVEL_AREAS} a slope needs"
        )
    return f"{pool}{each}{per_child}; counted {academic_year(years[0])} to {academic_year(years[-1])}, {spacing}"


# --- forecasters: (train, known, eligible, settings, rng) -> p10, p50, p90 by series --------


@dataclass(frozen=True)
class Known:
    """What is known of each series besides its counts: its group (region) and its area's
    child population (None when the file gives none)."""

    groups: pd.Series | None
    children: pd.Series | None


def _normal_range(centre: np.ndarray, sd: np.ndarray, index: pd.Index) -> pd.DataFrame:
    return pd.DataFrame(
        {"p10": centre * np.exp(-Z80 * sd), "p50": centre, "p90": centre * np.exp(Z80 * sd)}, index=index
    )


def forecast_trend(
    train: pd.DataFrame, known: Known, eligible: pd.Series, settings: Settings, rng: np.random.Generator
) -> pd.DataFrame:
    """Pooled trend: each series' forecast growth and its range. Only the horizon's year is
    scored, and its log error is a Student t (the variance the yearly paths add up to, on
    their degrees of freedom), so its percentiles are exact: no draws, no Monte Carlo noise
    in the scores (``placeplan project`` draws the same distribution)."""
    fit = fit_pool(train, known.groups, known.children)
    index = eligible[eligible].index
    models = area_growths(fit, train.loc[index], known.groups, known.children)
    h = settings.horizon
    centre = np.log(train.loc[index, train.columns[-1]].to_numpy(dtype=float)) + h * models["growth"].to_numpy()
    spread = h * h * models["persistent"].to_numpy() + h * models["annual"].to_numpy()
    common = h * h * models["common_persistent"].to_numpy() + h * models["common_annual"].to_numpy()
    sd = np.sqrt(spread + common)
    dof = satterthwaite(spread, fit.spread_dof, common, fit.center_dof)
    scale = np.where(np.isfinite(dof), stats.t.ppf(0.9, np.where(np.isfinite(dof), dof, 1.0)), Z80)
    return pd.DataFrame(
        {"p10": np.exp(centre - scale * sd), "p50": np.exp(centre), "p90": np.exp(centre + scale * sd)}, index=index
    )


def _weighted_variance(values: np.ndarray, lengths: np.ndarray) -> float:
    """Variance per year of annualised steps: a step of ``k`` years counts ``k`` times (its
    annual rate has a ``k``-th of a year's variance), over the steps less one."""
    keep = np.isfinite(values)
    values, lengths = values[keep], np.broadcast_to(lengths, keep.shape)[keep]
    if len(values) < 2:
        return 0.0
    mean = float(np.sum(lengths * values) / lengths.sum())
    return float(np.sum(lengths * (values - mean) ** 2) / (len(values) - 1))


def forecast_last(
    train: pd.DataFrame, known: Known, eligible: pd.Series, settings: Settings, rng: np.random.Generator
) -> pd.DataFrame:
    found = steps(train)
    rates = found.rate.to_numpy()
    spread = _weighted_variance(rates.ravel(), np.broadcast_to(found.lengths, rates.shape).ravel())
    index = eligible[eligible].index
    centre = train.loc[index, train.columns[-1]].to_numpy(dtype=float)
    return _normal_range(centre, np.full(len(index), np.sqrt(settings.horizon * spread)), index)


def forecast_own(
    train: pd.DataFrame, known: Known, eligible: pd.Series, settings: Settings, rng: np.random.Generator
) -> pd.DataFrame:
    """Each series' compound growth from its first positive year to the origin; a random
    walk with that drift and the series' own variance (the pool's with one step)."""
    index = eligible[eligible].index
    rows = train.loc[index]
    origin = train.columns[-1]
    positive = (rows > 0).to_numpy()
    first = np.asarray(rows.columns)[positive.argmax(axis=1)]
    values = rows.to_numpy(dtype=float)
    start = values[np.arange(len(rows)), positive.argmax(axis=1)]
    rate = np.log(values[:, -1] / start) / (origin - first)
    found = steps(train)
    lengths = found.lengths
    every = found.rate.to_numpy()
    pooled_spread = _weighted_variance(every.ravel(), np.broadcast_to(lengths, every.shape).ravel())
    own = found.rate.loc[index].to_numpy()
    counted = np.isfinite(own)
    spread = np.array(
        [_weighted_variance(row, lengths) if n >= 2 else pooled_spread for row, n in zip(own, counted.sum(axis=1))]
    )
    years = np.where(counted, lengths, 0.0).sum(axis=1)
    h = settings.horizon
    sd = np.sqrt(h * spread + h * h * spread / np.maximum(years, 1))
    return _normal_range(values[:, -1] * np.exp(h * rate), sd, index)


def forecast_pooled(
    train: pd.DataFrame, known: Known, eligible: pd.Series, settings: Settings, rng: np.random.Generator
) -> pd.DataFrame:
    index = eligible[eligible].index
    origin, first = train.columns[-1], train.columns[0]
    both = (train[first] > 0) & (train[origin] > 0)
    if both.any() and origin > first:
        rate = np.log(train.loc[both, origin].sum() / train.loc[both, first].sum()) / (origin - first)
    else:
        rate = 0.0
    totals = train.where(train > 0).sum(axis=0, min_count=1).to_frame("all").T
    aggregate = steps(totals)
    found = steps(train)
    typical = aggregate.per_year.iloc[0]
    deviation = found.rate.to_numpy() - span_mean(typical, list(found.rate.columns))
    spread = _weighted_variance(deviation.ravel(), np.broadcast_to(found.lengths, deviation.shape).ravel())
    drift = _weighted_variance(aggregate.rate.iloc[0].to_numpy(), aggregate.lengths)
    h = settings.horizon
    years = max(int(typical.notna().sum()), 1)
    centre = train.loc[index, origin].to_numpy(dtype=float) * np.exp(h * rate)
    sd = np.full(len(index), np.sqrt(h * (spread + drift) + h * h * drift / years))
    return _normal_range(centre, sd, index)


def forecast_cohort(
    train: pd.DataFrame, known: Known, eligible: pd.Series, settings: Settings, rng: np.random.Generator
) -> pd.DataFrame:
    """Each area's (and need's) year groups aged ``horizon`` years with its own progression
    ratios pooled toward those of every area in the file, times the pooled trend's noise."""
    origin = train.columns[-1]
    detailed = train[train.index.get_level_values("ncy") != ALL_NCY]
    blocks = _ncy_blocks(detailed)
    totals = pd.DataFrame({key: block.sum(axis=1, min_count=1) for key, block in blocks.items()}).T
    totals.index = pd.MultiIndex.from_tuples(totals.index, names=BLOCK)
    total_groups = None
    if known.groups is not None:
        first = known.groups.groupby(level=BLOCK).first()
        total_groups = first.reindex(totals.index)
    fit = fit_pool(totals, total_groups)
    counts = {key: cohorts.count_pairs(block.to_numpy(dtype=float)) for key, block in blocks.items()}
    prior_all = cohorts.estimate(sum(counts.values(), cohorts.empty_counts()))
    prior_need = {
        need: cohorts.estimate(
            sum((c for k, c in counts.items() if k[2] == need), cohorts.empty_counts()),
            prior=prior_all,
            prior_pupils=settings.prior_pupils,
        )
        for need in {key[2] for key in blocks}
    }
    index = eligible[eligible].index
    out = np.full((len(index), 3), np.nan)
    rows_of: dict[tuple[str, str, str], list[int]] = {}
    for row, (area, setting, need, _) in enumerate(index):
        rows_of.setdefault((area, setting, need), []).append(row)
    for key, rows in sorted(rows_of.items()):
        ratios = cohorts.estimate(counts[key], prior=prior_need[key[2]], prior_pupils=settings.prior_pupils)
        drawn = cohorts.draw(ratios, draws=settings.draws, rng=rng)
        base = np.nan_to_num(blocks[key].loc[origin].to_numpy(dtype=float))
        aged = cohorts.age(base, drawn, settings.horizon).total[-1]  # draws x NCY
        group = total_groups[key] if total_groups is not None and isinstance(total_groups[key], str) else None
        noise = area_growth(fit, totals.loc[key], group).log_paths(
            years=settings.horizon, draws=settings.draws, rng=rng, with_growth=False
        )[:, -1]
        values = aged * np.exp(noise)[:, None]
        columns = [index[row][3] - cohorts.NCYS[0] for row in rows]
        out[rows] = np.percentile(values[:, columns], [10, 50, 90], axis=0).T
    return pd.DataFrame(out, index=index, columns=["p10", "p50", "p90"])


def _ncy_blocks(detailed: pd.DataFrame) -> dict[tuple[str, str, str], pd.DataFrame]:
    """(area, setting, need) -> years x NCY counts; a year with any row for the area counts
    0 for the year groups it leaves out, a year with none stays missing."""
    blocks = {}
    for key, rows in detailed.groupby(level=BLOCK, sort=True):
        table = rows.droplevel(BLOCK).T.reindex(columns=cohorts.NCYS)
        seen = table.notna().any(axis=1)
        blocks[key] = table.where(~seen, table.fillna(0.0), axis=0)
    return blocks


FORECASTERS = {
    "trend": forecast_trend,
    "cohort": forecast_cohort,
    "last": forecast_last,
    "own": forecast_own,
    "pooled": forecast_pooled,
}


# --- scores ---------------------------------------------------------------------------------

#: The P10-P90 range leaves this much outside it (the interval score's alpha).
ALPHA = 0.2
SCORES = ["mape", "bias", "coverage80", "interval_score"]


def interval_score(low: pd.Series, high: pd.Series, actual: pd.Series) -> pd.Series:
    """The 80% range's interval score (Gneiting and Raftery 2007): its width, plus 2/alpha
    times how far the actual value falls outside it. Lower is better; a range is rewarded
    for being narrow only while it still covers."""
    below = (low - actual).clip(lower=0.0)
    above = (actual - high).clip(lower=0.0)
    return (high - low) + (2.0 / ALPHA) * (below + above)


def _score(frame: pd.DataFrame) -> tuple[float, float, float, float, int]:
    """MAPE, bias, coverage of P10-P90 and the interval score, each in % of the actual."""
    relative = (frame["p50"] - frame["actual"]) / frame["actual"]
    inside = (frame["actual"] >= frame["p10"]) & (frame["actual"] <= frame["p90"])
    score = interval_score(frame["p10"], frame["p90"], frame["actual"]) / frame["actual"]
    return (
        float(100 * relative.abs().mean()),
        float(100 * relative.mean()),
        float(100 * inside.mean()),
        float(100 * score.mean()),
        len(frame),
    )


def _method_order_key(column: pd.Series) -> pd.Series:
    if column.name != "method":
        return column
    rank = {m: i for i, m in enumerate([*METHODS, *BASELINES])}
    return column.map(lambda m: rank.get(m, len(rank)))


def _scores(errors: pd.DataFrame, order: list[str], horizon: int) -> pd.DataFrame:
    rows = []
    for method in order:
        mine = errors[errors["method"] == method]
        for origin, frame in mine.groupby("origin", sort=True):
            rows.append((method, str(origin), horizon, *_score(frame)))
        rows.append((method, "all", horizon, *_score(mine)))
    return pd.DataFrame(rows, columns=["method", "origin", "horizon", *SCORES, "n"])


def render_csv(result: Backtest) -> str:
    """``method,origin,horizon,mape,bias,coverage80,interval_score``, the default method's
    rows first."""
    table = result.scores[["method", "origin", "horizon", *SCORES]].copy()
    for column in SCORES:
        table[column] = table[column].round(2)
    buffer = io.StringIO()
    table.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


HEADINGS = {
    "mape": "MAPE %",
    "bias": "bias %",
    "coverage80": "in P10-P90 %",
    "interval_score": "interval score %",
    "n": "series",
}


def _one_decimal(value: float) -> str:
    return f"{value:.1f}"


def render_table(result: Backtest, *, by: tuple[str, ...] = ()) -> str:
    """The scores for reading; ``by`` adds a table over every origin for each of setting,
    need or ncy."""
    scores = result.scores.rename(columns=HEADINGS)
    lines = [f"Backtest of {result.label}, {result.horizon} years ahead"]
    if result.evidence:
        lines.append(f"Pool: {result.evidence}.")
    lines += ["", scores.drop(columns="horizon").to_string(index=False, float_format=_one_decimal)]
    for column in by:
        table = result.by(column)
        table = table[table[column] != ("" if column != "ncy" else ALL_NCY)]
        if len(table):
            lines += [
                "",
                f"By {column}, every origin",
                table.rename(columns=HEADINGS).to_string(index=False, float_format=_one_decimal),
            ]
    return "\n".join(lines) + "\n"
