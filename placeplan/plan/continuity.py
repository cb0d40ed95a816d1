"""Pupils stay where they are placed: the model places each year's joiners, and keeps the
pupils placed before the plan where they are.

* **Joiners** (:mod:`.cohorts`): new plans, arrivals, moves between settings, and everyone
  at a transfer point (the start of a phase: Reception, Year 7, Year 12, Year 15). A joiner
  is placed in the year they join and stays there, in the share :func:`.cohorts.stays`
  gives, until the next transfer point, or until they reach a year group their provision
  does not admit, when the plan places them again (:mod:`.moves`).
* **Pupils already placed** when the plan starts (those of the year before it) are where
  the status quo put them: existing special schools and resourced provision, independent
  schools, or out of area. Their placements are found once, by the same model with no new
  provision for that year, and then fixed: the plan cannot move them, only serve those who
  join. So independent and out-of-area placements run off as their pupils reach a transfer
  point, as they do in life.

Every year's pupils are exactly the ones continuing plus the ones joining.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from ..codes import phase_of
from .cohorts import STREAM, TRANSFER_POINTS, continuing_and_joining, stays

log = logging.getLogger(__name__)

#: Where a group's pupils are: placed by the plan (joiners), or placed before it out of
#: area; a facility index otherwise.
PLACED_BY_PLAN, OUT_OF_AREA = -2, -1


def year_columns(years: list[int]) -> list[str]:
    return [f"y{year}" for year in years]


def entries(
    demand: pd.DataFrame, before: pd.DataFrame | None, years: list[int]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    """(joiners, continuing, cells): rows (STREAM, ncy, phase, year, pupils) of pupils who
    are placed in their ``year`` (joiners), and of pupils already placed before the plan,
    counted in its first year (continuing), each with the share still there in every plan
    year (``y<year>`` columns), wherever they are; and the cohort table their stay ratios
    come from (:func:`.cohorts.continuing_and_joining`). Without ``before`` every pupil is
    placed afresh every year (no continuity; no cells)."""
    columns = year_columns(years)
    if before is None:
        joiners = demand.copy()
        for year, column in zip(years, columns):
            joiners[column] = (joiners["year"] == year).astype(float)
        return joiners, joiners.iloc[:0].copy(), None
    cells = continuing_and_joining(demand, before, set(TRANSFER_POINTS))
    share = stays(cells, years)
    rows = cells[[*STREAM, "ncy", "year"]].assign(phase=cells["ncy"].map(phase_of))
    rows[columns] = share[columns].to_numpy()
    joiners = rows.assign(pupils=cells["joining"].to_numpy())
    first = (cells["year"] == years[0]).to_numpy()
    continuing = rows[first].assign(pupils=cells.loc[first, "continuing"].to_numpy())
    return (
        joiners[joiners["pupils"] > 1e-9].reset_index(drop=True),
        continuing[continuing["pupils"] > 1e-9].reset_index(drop=True),
        cells,
    )


def placed_before(groups: pd.DataFrame, placement: pd.DataFrame) -> pd.DataFrame:
    """The continuing pupils' groups split by where the status quo placed them the year
    before: ``placement`` holds (zone_id, cls, band, facility, share), facility
    OUT_OF_AREA for pupils placed out of area; ``groups`` name the class and band they were
    in then as ``cls_before`` and ``band_before``."""
    before = placement.rename(columns={"cls": "cls_before", "band": "band_before"})
    split = groups.merge(before, on=["zone_id", "cls_before", "band_before"], how="left")
    missing = split["facility"].isna()
    if missing.any():  # not placed the year before (no such pupils then): out of area
        split.loc[missing, "facility"] = OUT_OF_AREA
        split.loc[missing, "share"] = 1.0
    split["facility"] = split["facility"].astype(int)
    return split


def group_stays(members: pd.DataFrame, keys: list[str], years: list[int]) -> pd.DataFrame:
    """One row per group: its pupils where it is placed (``pupils``) and the share of them
    still there in every plan year, pooled over its members."""
    columns = year_columns(years)
    weighted = members[keys].copy()
    for column in columns:
        weighted[column] = members[column] * members["pupils"]
    weighted["pupils"] = members["pupils"]
    grouped = weighted.groupby(keys, sort=True, observed=True).sum().reset_index()
    for column in columns:
        grouped[column] = np.where(grouped["pupils"] > 0, grouped[column] / grouped["pupils"], 0.0)
    return grouped


def member_years(members: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """Each member in every year they are there: home_zone, need, ncy (that year), setting,
    year and pupils."""
    frames = []
    for year, column in zip(years, year_columns(years)):
        there = members[members[column] > 1e-12]
        frames.append(
            pd.DataFrame(
                {
                    "group": there["group"].to_numpy(),
                    "home_zone": there["home_zone"].to_numpy(),
                    "need": there["need"].to_numpy(),
                    "ncy": (there["ncy"] + (year - there["year"])).to_numpy(),
                    "setting": there["setting"].to_numpy(),
                    "stepdown": there["stepdown"].to_numpy(),
                    "year": year,
                    "pupils": (there["pupils"] * there[column]).to_numpy(),
                    "continuing": (there["year"] < year).to_numpy() | there["placed_before"].to_numpy(),
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["group", "year", "home_zone", "need", "ncy", "setting"], kind="stable").reset_index(
        drop=True
    )


__all__ = [
    "OUT_OF_AREA",
    "PLACED_BY_PLAN",
    "STREAM",
    "entries",
    "group_stays",
    "member_years",
    "placed_before",
    "year_columns",
]


#: Where a pupil is counted in the flows: home zone, need, setting, year group and year.
FLOW_KEY = ["zone_id", "need", "setting", "ncy", "phase", "year"]


def _followed(rows: pd.DataFrame, years: list[int], *, joined: bool) -> pd.DataFrame:
    """``rows`` (placed in their ``year``) in every plan year they are still there, moved up
    a year group a year; ``joining`` in the year they are placed when they ``joined``."""
    frames = []
    for year, column in zip(years, year_columns(years)):
        later = rows[(rows["year"] <= year) & (rows[column] > 0)]
        pupils = later["pupils"] * later[column]
        new = (later["year"] == year) & joined
        frames.append(
            pd.DataFrame(
                {
                    "zone_id": later["zone_id"],
                    "need": later["need"],
                    "setting": later["setting"],
                    "ncy": later["ncy"] + (year - later["year"]),
                    "year": year,
                    "continuing": pupils.where(~new, 0.0),
                    "joining": pupils.where(new, 0.0),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def pupil_flows(joiners: pd.DataFrame, continuing: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """Every plan year's pupils by FLOW_KEY: ``pupils`` = ``continuing`` (placed in an
    earlier year or before the plan, and still there) + ``joining`` (placed afresh this
    year: new plans, arrivals, moves between settings and pupils at a transfer point), from
    the model's own :func:`entries`."""
    frames = [_followed(joiners, years, joined=True)]
    if len(continuing):
        frames.append(_followed(continuing, years, joined=False))
    flows = pd.concat(frames, ignore_index=True)
    flows["phase"] = flows["ncy"].map(phase_of)
    flows = flows.groupby(FLOW_KEY, as_index=False, sort=True)[["continuing", "joining"]].sum()
    flows.insert(len(FLOW_KEY), "pupils", flows["continuing"] + flows["joining"])
    return flows[flows["pupils"] > 1e-9].reset_index(drop=True)
