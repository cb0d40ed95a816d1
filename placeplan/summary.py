"""The first look a place-planning officer wants at a dataset: who needs places, what
places exist, and where the shortfall is, by need and phase.

A site that admits several needs or phases has its places shared out in proportion to
the pupils in each need and year group it admits (evenly when none of them has pupils).
That makes the surplus or shortfall a transparent first estimate; the optimiser, which
respects travel and designations pupil by pupil, gives the real answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .codes import LOCAL_KINDS, NEEDS, PHASES, phase_of
from .dataset import Dataset


@dataclass(frozen=True)
class Summary:
    name: str
    base_year: str
    overview: pd.DataFrame  # metric, value
    pupils: pd.DataFrame  # need x phase, with totals
    places: pd.DataFrame  # kind x phase
    sufficiency: pd.DataFrame  # need, phase, pupils, local_places, surplus, independent_places
    options: pd.DataFrame  # kind, options, min_places, max_places

    def tables(self) -> dict[str, pd.DataFrame]:
        return {
            "overview": self.overview,
            "pupils": self.pupils,
            "places": self.places,
            "sufficiency": self.sufficiency,
            "options": self.options,
        }


def _cells(demand: pd.DataFrame) -> pd.Series:
    """Pupils by (need, ncy) across all zones."""
    return demand.groupby(["need", "ncy"])["pupils"].sum()


def apportion_places(sites: pd.DataFrame, cells: pd.Series) -> pd.DataFrame:
    """Each site's capacity shared over the (need, ncy) cells it admits, by pupils there."""
    rows = []
    for site in sites.itertuples(index=False):
        ncys = range(int(site.ncy_min), int(site.ncy_max) + 1)
        keys = [(need, ncy) for need in site.needs for ncy in ncys]
        demand = np.array([cells.get(key, 0) for key in keys], dtype=float)
        weights = demand / demand.sum() if demand.sum() > 0 else np.full(len(keys), 1 / len(keys))
        for (need, ncy), weight in zip(keys, weights):
            if weight > 0:
                rows.append((site.kind, need, ncy, site.capacity * weight))
    places = pd.DataFrame(rows, columns=["kind", "need", "ncy", "places"])
    places["phase"] = places["ncy"].map(phase_of)
    return places


def _ordered(frame: pd.DataFrame, column: str, order: list[str]) -> pd.DataFrame:
    rank = {v: i for i, v in enumerate(order)}
    return frame.sort_values(column, key=lambda s: s.map(rank).fillna(len(rank)), kind="stable")


def summarise(dataset: Dataset) -> Summary:
    demand, sites = dataset["demand"], dataset["sites"]
    options = dataset.tables.get("candidates")
    demand = demand.assign(phase=demand["ncy"].map(phase_of))
    phases = [p for p in PHASES if p in set(demand["phase"]) | _site_phases(sites)]
    needs = [n for n in NEEDS if n in set(demand["need"])]

    pupils = demand.pivot_table(index="need", columns="phase", values="pupils", aggfunc="sum", fill_value=0).reindex(
        index=needs, columns=phases, fill_value=0
    )
    pupils["total"] = pupils.sum(axis=1)
    pupils.loc["total"] = pupils.sum()

    places = apportion_places(sites, _cells(demand))
    by_kind = places.pivot_table(index="kind", columns="phase", values="places", aggfunc="sum", fill_value=0.0).reindex(
        columns=phases, fill_value=0.0
    )
    by_kind["total"] = by_kind.sum(axis=1)
    by_kind = by_kind.round().astype(int)

    local = places[places["kind"].isin(LOCAL_KINDS)].groupby(["need", "phase"])["places"].sum()
    independent = places[places["kind"] == "independent"].groupby(["need", "phase"])["places"].sum()
    need_phase = demand.groupby(["need", "phase"])["pupils"].sum()
    index = need_phase.index.union(local.index).union(independent.index)
    sufficiency = pd.DataFrame(
        {
            "pupils": need_phase.reindex(index, fill_value=0),
            "local_places": local.reindex(index, fill_value=0.0).round().astype(int),
            "independent_places": independent.reindex(index, fill_value=0.0).round().astype(int),
        }
    ).reset_index()
    sufficiency["surplus"] = sufficiency["local_places"] - sufficiency["pupils"]
    sufficiency = _ordered(_ordered(sufficiency, "phase", phases), "need", needs)
    sufficiency = sufficiency[["need", "phase", "pupils", "local_places", "surplus", "independent_places"]]

    option_table = _options(options)
    overview = pd.DataFrame(
        [
            ("zones", len(dataset["zones"])),
            ("pupils needing a specialist place", int(demand["pupils"].sum())),
            ("existing sites", len(sites)),
            (
                "existing local places (special, SRP, unit, ESTA)",
                int(sites.loc[sites["kind"].isin(LOCAL_KINDS), "capacity"].sum()),
            ),
            ("independent special school places", int(sites.loc[sites["kind"] == "independent", "capacity"].sum())),
            (
                "shortfall of local places (sum over needs and phases)",
                int(-sufficiency.loc[sufficiency["surplus"] < 0, "surplus"].sum()),
            ),
            ("candidate options", 0 if options is None else len(options)),
            (
                "places candidate options could add (at most)",
                0 if options is None else int(options["max_places"].sum()),
            ),
        ],
        columns=["metric", "value"],
    )
    return Summary(
        dataset.meta.name,
        dataset.meta.base_year_label,
        overview,
        pupils.reset_index(),
        by_kind.reset_index(),
        sufficiency.reset_index(drop=True),
        option_table,
    )


def _site_phases(sites: pd.DataFrame) -> set[str]:
    found = set()
    for phase, (first, last) in PHASES.items():
        if ((sites["ncy_min"] <= last) & (sites["ncy_max"] >= first)).any():
            found.add(phase)
    return found


def _options(options: pd.DataFrame | None) -> pd.DataFrame:
    columns = ["kind", "options", "min_places", "max_places", "with_oversubscribed_host"]
    if options is None or options.empty:
        return pd.DataFrame(columns=columns)
    oversubscribed = options["host_first_preference_ratio"].fillna(0) >= 1.0
    table = (
        options.assign(oversubscribed=oversubscribed)
        .groupby("kind")
        .agg(
            options=("option_id", "size"),
            min_places=("min_places", "sum"),
            max_places=("max_places", "sum"),
            with_oversubscribed_host=("oversubscribed", "sum"),
        )
    )
    return table.reset_index()[columns]
