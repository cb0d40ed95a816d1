"""The council a dataset covers and its growth: DfE codes, its history, and the pooled
growth model (:mod:`.trend`) that every estimated method shares for its level and range."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..codes import academic_year
from ..dataset import Dataset
from ..errors import OpenDataError
from ..scenario.model import Demand
from . import dfe
from .trend import AreaGrowth, PoolFit, area_growth, fit_pool, log_growth, persistence, steps


def council_codes(dataset: Dataset) -> tuple[str, ...]:
    zones = dataset["zones"]
    if "la_code" not in zones:
        return ()
    return tuple(sorted({str(c) for c in zones["la_code"].dropna()}))


#: The columns a dataset's history may break its counts down by.
DETAIL = ("setting", "need", "ncy")


def history_rows(dataset: Dataset, by: tuple[str, ...] = ()) -> pd.DataFrame:
    """year, the ``by`` columns and pupils from the dataset's history, at the least detail
    that gives ``by``: of the rows with every ``by`` column filled, those broken down by the
    fewest other columns, summed over them (a history may hold totals and breakdowns
    side by side; each pupil is counted once). Empty without a history or such rows."""
    columns = ["year", *by, "pupils"]
    if not dataset.has("history"):
        return pd.DataFrame(columns=columns)
    history = dataset["history"]
    history = history.assign(**{c: np.nan for c in DETAIL if c not in history})
    rows = history[history[list(by)].notna().all(axis=1)] if by else history
    if rows.empty:
        return pd.DataFrame(columns=columns)
    others = [c for c in DETAIL if c not in by]
    given = rows[others].notna()
    detail = given.sum(axis=1)
    pattern = given.apply(tuple, axis=1)
    chosen = min(pattern[detail == detail.min()].unique())
    picked = rows[pattern == chosen].assign(year=lambda f: f["year"].astype(int))
    return picked.groupby(["year", *by], as_index=False)["pupils"].sum()[columns]


def history_totals(dataset: Dataset) -> pd.Series:
    """Pupils by year from the dataset's history: its total rows, else the sum of its
    least detailed rows."""
    rows = history_rows(dataset)
    if rows.empty:
        return pd.Series(dtype=float)
    return rows.set_index("year")["pupils"].astype(float).sort_index()


def level_model(
    dataset: Dataset, settings: Demand, codes: tuple[str, ...], folder: Path | None, notes: list[str]
) -> AreaGrowth:
    """The council's growth: its own history pooled toward its region's and England's."""
    own = history_totals(dataset)
    source = "the dataset's history"
    series = None
    if settings.pool or not len(own):
        try:
            series = dfe.council_series(folder, measure="specialist")
        except OpenDataError as exc:
            notes.append(f"no DfE series to pool with ({exc}); the council's own history alone is used")
    if not len(own) and series is not None and codes and set(codes) <= set(series["area"]):
        mine = series[series["area"].isin(codes)].pivot_table(index="year", columns="area", values="pupils")
        own = mine.dropna().sum(axis=1)
        source = "the DfE's series for the council"
    found = steps(own.to_frame("own").T)
    growth = found.per_year.iloc[0] if len(own) else pd.Series(dtype=float)
    if settings.pool and series is not None:
        population = _children(folder)
        fit, region = _pooled(series, codes, population)
        mine = _council_children(population, codes)
        model = area_growth(fit, own, region, mine)
        region_text = f", the {region} region's lasting difference (weight {fit.group_weight:.2f})" if region else ""
        level_text = f", {_per_child_words(fit, own, mine)}" if fit.level_slope and mine is not None else ""
        notes.append(
            f"growth: {100 * np.expm1(model.growth):.1f}% a year: England's typical council "
            f"{100 * np.expm1(fit.growth):.1f}% ({fit.areas} councils, DfE){region_text}{level_text}, and the "
            f"council's own difference in {source} ({len(growth.dropna())} years) with weight "
            f"{fit.area_weight:.2f}, the share of councils' differences that has persisted"
        )
        return model
    if not len(own) or not found.rate.notna().to_numpy().any():
        notes.append("growth: no history and no DfE series; demand is held at the base year with no range")
        return AreaGrowth(growth=0.0, persistent_variance=0.0, annual_variance=0.0)
    fit = fit_pool(own.to_frame("own").T)
    model = area_growth(fit, own)
    notes.append(
        f"growth: {100 * np.expm1(model.growth):.1f}% a year, the council's own history alone "
        f"({len(growth.dropna())} years of growth, its range partly England's)"
    )
    return model


def need_adjustments(dataset: Dataset, needs: list[str]) -> np.ndarray:
    """Annual log growth of each need relative to the council's, shrunk by how much such
    differences persisted across the council's needs (0 without a history by need)."""
    rows = history_rows(dataset, ("need",))
    if rows.empty:
        return np.zeros(len(needs))
    wide = rows.pivot_table(index="need", columns="year", values="pupils", aggfunc="sum")
    wide = wide.reindex(columns=range(int(wide.columns.min()), int(wide.columns.max()) + 1))
    found = steps(wide)
    total = log_growth(wide.sum(axis=0, min_count=1).to_frame().T).iloc[0]
    deviation = found.per_year - total
    weight = persistence(deviation, found.boundaries())
    adjust = (weight * deviation.mean(axis=1)).reindex(needs).fillna(0.0)
    return adjust.to_numpy(dtype=float)


#: The settings of a dataset's demand whose mix follows the DfE's placement series.
MIX_SETTINGS: tuple[dfe.Measure, ...] = ("special", "resourced")


def setting_mix(
    codes: tuple[str, ...], folder: Path | None, notes: list[str], own: pd.DataFrame | None = None, *, pool: bool = True
) -> dict[str, float]:
    """Each setting's annual log growth less that of all specialist settings together.

    With ``own`` (the dataset's history by setting: year, setting, pupils) the council's
    own counts come first: each setting's growth is its own history's, pooled (trend with
    pooling, toward the region) on England's councils' DfE placement series of that
    setting where the DfE publishes one, else its own history alone; the total is the
    settings' sum, pooled the same way on the DfE's specialist series. Without it, each is
    the council's DfE series pooled on every council's. Applied to the base year's split of
    each cell's pupils and renormalised, the mix moves while the total stays the
    projection's. Empty when neither the dataset nor the DfE has the council by setting."""
    own_series = _own_settings(own)
    if not own_series and not (codes and pool):
        return {}
    series = None
    if pool:
        try:
            series = dfe.setting_series(folder, ("specialist", *MIX_SETTINGS))
        except OpenDataError:
            if not own_series:
                return {}
    population = _children(folder) if pool else None
    if own_series:
        return _own_mix(own_series, series, codes, population, notes)
    assert series is not None
    found = {measure: _council_growth(rows, codes, population) for measure, rows in series.groupby("setting")}
    growth = {measure: g for measure, g in found.items() if g is not None}
    if len(growth) < len(found):
        notes.append(
            "settings: the council's placements by setting are not all published, so each "
            "setting keeps its base-year share"
        )
        return {}
    total = growth.pop("specialist")
    mix = {setting: g - total for setting, g in growth.items()}
    words = ", ".join(f"{setting} {100 * np.expm1(growth[setting]):.1f}%" for setting in MIX_SETTINGS)
    notes.append(
        f"settings: {words} a year against {100 * np.expm1(total):.1f}% for every specialist setting "
        "(each trend with pooling on England's councils' DfE placement series, January 2019-2025): "
        "the mix of settings moves with them, the total does not"
    )
    return mix


def _own_settings(own: pd.DataFrame | None) -> dict[str, pd.Series]:
    """Setting -> pupils by year, for the settings the history counts in two or more years."""
    if own is None or own.empty:
        return {}
    found = {
        str(setting): rows.set_index("year")["pupils"].astype(float).sort_index()
        for setting, rows in own.groupby("setting")
    }
    return {setting: counts for setting, counts in found.items() if int((counts > 0).sum()) >= 2}


def _own_mix(
    own: dict[str, pd.Series],
    series: pd.DataFrame | None,
    codes: tuple[str, ...],
    population: pd.Series | None,
    notes: list[str],
) -> dict[str, float]:
    """The mix from the dataset's own history by setting (see :func:`setting_mix`)."""
    children = _council_children(population, codes)
    # Not dict(groupby): dict() would take the GroupBy for a mapping and call its keys attribute.
    pools = {measure: rows for measure, rows in series.groupby("setting")} if series is not None else {}  # noqa: C416
    total_counts = pd.DataFrame(own).dropna().sum(axis=1)

    def growth(counts: pd.Series, measure: str) -> tuple[float, str]:
        if measure in pools:
            fit, region = _pooled(pools[measure], codes, population)
            return (
                area_growth(fit, counts, region, children).growth,
                f"pooled on England's councils' DfE series, its own difference with weight {fit.area_weight:.2f}",
            )
        return area_growth(fit_pool(counts.to_frame("own").T), counts).growth, "its own history alone"

    found = {setting: growth(counts, setting) for setting, counts in own.items()}
    total, total_basis = growth(total_counts, "specialist")
    years = sorted({int(y) for counts in own.values() for y in counts.index})
    words = ", ".join(f"{setting} {100 * np.expm1(g):.1f}% ({basis})" for setting, (g, basis) in found.items())
    notes.append(
        f"settings: from the dataset's own history by setting ({academic_year(years[0])} to "
        f"{academic_year(years[-1])}): {words} a year, against {100 * np.expm1(total):.1f}% for all of "
        f"them together ({total_basis}): the mix of settings moves with them, the total does not"
    )
    return {setting: g - total for setting, (g, _) in found.items()}


def _children(folder: Path | None) -> pd.Series | None:
    """Every council's residents aged 0-24, or None when the pack lacks the population."""
    try:
        return dfe.children(folder)
    except OpenDataError:
        return None


def _council_children(population: pd.Series | None, codes: tuple[str, ...]) -> float | None:
    if population is None or not codes or not set(codes) <= set(population.index):
        return None
    return float(population[list(codes)].sum())


def _per_child_words(fit: PoolFit, own: pd.Series, children: float) -> str:
    """The pupils-per-child term of a council's growth, in words."""
    typical = float(np.exp(fit.level_centers.iloc[-1]))
    mine = float(own.dropna().iloc[-1]) / children
    shift = fit.level_slope * float(np.log(mine / typical))
    return (
        f"{1000 * mine:.1f} pupils per 1,000 residents aged 0-24 against the typical council's "
        f"{1000 * typical:.1f} (Census 2021), {100 * shift:+.1f} points a year (councils with twice the "
        f"typical council's pupils per child have grown {100 * -fit.level_slope * np.log(2):.1f} points a "
        "year more slowly)"
    )


def _pooled(
    series: pd.DataFrame, codes: tuple[str, ...], population: pd.Series | None = None
) -> tuple[PoolFit, str | None]:
    """The pooled trend of every council's ``series`` (with their regions and, when given,
    their residents aged 0-24), and the region of the councils ``codes`` when they share one."""
    wide = series.pivot_table(index="area", columns="year", values="pupils")
    groups = series.drop_duplicates("area").set_index("area")["region"]
    regions = {groups.get(c) for c in codes}
    return fit_pool(wide, groups, population), (regions.pop() if len(regions) == 1 else None)


def _council_growth(series: pd.DataFrame, codes: tuple[str, ...], population: pd.Series | None) -> float | None:
    """The councils' summed counts forecast by the pooled trend of ``series``; None when
    the series lacks a council or has fewer than two years for them all."""
    wide = series.pivot_table(index="area", columns="year", values="pupils")
    if not set(codes) <= set(wide.index):
        return None
    own = wide.loc[list(codes)].dropna(axis=1).sum(axis=0)
    if len(own) < 2:
        return None
    fit, region = _pooled(series, codes, population)
    return area_growth(fit, own, region, _council_children(population, codes)).growth
