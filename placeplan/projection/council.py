"""The council a dataset covers and its growth: DfE codes, its history, and the pooled
growth model (:mod:`.trend`) that every estimated method shares for its level and range."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..databuild.opendata import OpenDataError
from ..dataset import Dataset
from ..errors import PlacePlanError
from ..scenario.model import Demand
from . import dfe
from .trend import AreaGrowth, area_growth, fit_pool, log_growth, persistence


class ProjectionError(PlacePlanError, ValueError):
    """The projection cannot run as the scenario asks (a method lacks the data it needs)."""

    exit_code = 2


def council_codes(dataset: Dataset) -> tuple[str, ...]:
    zones = dataset["zones"]
    if "la_code" not in zones:
        return ()
    return tuple(sorted({str(c) for c in zones["la_code"].dropna()}))


def history_totals(dataset: Dataset) -> pd.Series:
    """Pupils by year from the dataset's history: its total rows, else the sum of its
    detailed rows."""
    if not dataset.has("history"):
        return pd.Series(dtype=float)
    history = dataset["history"]
    totals = history[history["need"].isna() & history["ncy"].isna()]
    rows = totals if len(totals) else history
    return rows.groupby(rows["year"].astype(int))["pupils"].sum().astype(float).sort_index()


def _consecutive_growth(series: pd.Series) -> pd.Series:
    years = range(int(series.index.min()), int(series.index.max()) + 1) if len(series) else []
    return log_growth(series.reindex(years).to_frame().T).iloc[0] if len(series) >= 2 else pd.Series(dtype=float)


def level_model(dataset: Dataset, settings: Demand, codes: tuple[str, ...], folder: Path | None,
                notes: list[str]) -> AreaGrowth:
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
    growth = _consecutive_growth(own)
    if settings.pool and series is not None:
        wide = series.pivot_table(index="area", columns="year", values="pupils")
        groups = series.drop_duplicates("area").set_index("area")["region"]
        regions = {groups.get(c) for c in codes}
        region = regions.pop() if len(regions) == 1 else None
        fit = fit_pool(wide, groups)
        model = area_growth(fit, growth, region)
        region_text = f", the {region} region's lasting difference (weight {fit.group_weight:.2f})" if region else ""
        notes.append(
            f"growth: {100 * np.expm1(model.growth):.1f}% a year: England's typical council "
            f"{100 * np.expm1(fit.growth):.1f}% ({fit.areas} councils, DfE){region_text}, and the council's own "
            f"difference in {source} ({len(growth.dropna())} years) with weight {fit.area_weight:.2f}, the share "
            "of councils' differences that has persisted")
        return model
    usable = growth.dropna()
    if len(usable) == 0:
        notes.append("growth: no history and no DfE series; demand is held at the base year with no range")
        return AreaGrowth(growth=0.0, persistent_variance=0.0, annual_variance=0.0)
    spread = float(usable.var(ddof=1)) if len(usable) >= 2 else 0.0
    notes.append(f"growth: {100 * np.expm1(usable.mean()):.1f}% a year, the council's own history alone "
                 f"({len(usable)} years of growth)")
    return AreaGrowth(growth=float(usable.mean()), persistent_variance=spread / len(usable), annual_variance=spread)


def need_adjustments(dataset: Dataset, needs: list[str]) -> np.ndarray:
    """Annual log growth of each need relative to the council's, shrunk by how much such
    differences persisted across the council's needs (0 without a history by need)."""
    if not dataset.has("history"):
        return np.zeros(len(needs))
    history = dataset["history"]
    rows = history[history["need"].notna() & history["ncy"].isna()]
    if rows.empty:
        detailed = history[history["need"].notna()]
        rows = detailed.groupby(["year", "need"], as_index=False)["pupils"].sum()
    if rows.empty:
        return np.zeros(len(needs))
    wide = rows.pivot_table(index="need", columns="year", values="pupils", aggfunc="sum")
    wide = wide.reindex(columns=range(int(wide.columns.min()), int(wide.columns.max()) + 1))
    growth = log_growth(wide)
    total = log_growth(wide.sum(axis=0, min_count=1).to_frame().T).iloc[0]
    deviation = growth - total
    weight = persistence(deviation)
    adjust = (weight * deviation.mean(axis=1)).reindex(needs).fillna(0.0)
    return adjust.to_numpy(dtype=float)
