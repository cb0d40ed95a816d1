"""Who is placed afresh each year, and how long they then stay: pupils continue where they
are placed.

Each year's pupils of a year group (by zone, need, setting) are those of the year group
below the year before who stay, and those who join: new plans, arrivals, and everyone at a
**transfer point**, where every pupil is placed afresh: the start of each phase (school
at Reception, secondary at Year 7, post-16 at Year 12, post-19 at Year 15). Between them a
pupil stays where placed as long as the provision admits their year group; one who reaches a
year group it does not admit (an infant school's pupil at Year 3) moves on, and is placed
again by the plan (:mod:`.moves`).

How many stay is worked out over the whole area, where a year group's pupils are many
enough to follow: between transfer points

    continuing[t, n] = min(pupils[t, n], pupils[t - 1, n - 1])     (the area's)

so a year group that grows takes the growth as joiners and one that shrinks loses leavers
(plans ceasing, moves away) in proportion. Every zone keeps that share of its own pupils
of the year group below (pupils stay in their home zone as they move up a year), and the
area's joiners go to the zones whose projected pupils exceed what stays there, in
proportion to the excess. (A zone's pupils of one year group are a handful, spread over
year groups by the projection's fixed pattern; followed zone by zone, almost nobody would
seem to stay.) The area's pupils of every year group are then exactly the projection's.

A pupil who joins in year t at year group n is still there in year t + k with the product
of the stay ratios ``continuing[t + j, n + j] / pupils[t + j - 1, n + j - 1]``, until the
next transfer point.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..codes import NCY_MAX, PHASES

#: Year groups where every pupil is placed afresh: the first of each phase.
TRANSFER_POINTS = frozenset(first for first, _ in PHASES.values())
#: The columns that identify a stream of pupils moving up the years.
STREAM = ["zone_id", "need", "setting", "stepdown"]
#: The stream without its zone: where stay ratios are worked out.
AREA = ["need", "setting", "stepdown"]
KEY = [*STREAM, "ncy", "year"]


def continuing_and_joining(demand: pd.DataFrame, before: pd.DataFrame, transfer: set[int]) -> pd.DataFrame:
    """One row per (STREAM, ncy, year) of the plan's years with pupils projected or staying:
    ``pupils`` (projected), ``below`` (last year's pupils of the year group below, as
    placed), ``continuing``, ``joining`` and ``stay`` (the area's share of ``below`` still
    here). ``before`` holds the pupils of the year before the plan, who are where they were
    placed; ``transfer``: year groups where everyone is placed afresh. Worked year by year:
    each year's pupils as placed (continuing and joining) are the next year's ``below``."""
    years = sorted(int(y) for y in demand["year"].unique())
    placed = before.groupby([*STREAM, "ncy"], as_index=False)["pupils"].sum()
    frames = []
    for year in years:
        below = placed.assign(ncy=placed["ncy"] + 1).rename(columns={"pupils": "below"})
        below = below[below["ncy"] <= NCY_MAX]  # past the last year group pupils leave
        projected = demand[demand["year"] == year].groupby([*STREAM, "ncy"], as_index=False)["pupils"].sum()
        cells = projected.merge(below, on=[*STREAM, "ncy"], how="outer")
        cells[["pupils", "below"]] = cells[["pupils", "below"]].fillna(0.0)
        cells = cells.sort_values([*STREAM, "ncy"], kind="stable").reset_index(drop=True)
        cells = _split(cells, transfer).assign(year=year)
        frames.append(cells)
        placed = cells.assign(pupils=cells["continuing"] + cells["joining"])[[*STREAM, "ncy", "pupils"]]
        placed = placed[placed["pupils"] > 0]
    return pd.concat(frames, ignore_index=True)[[*KEY, "pupils", "below", "stay", "continuing", "joining"]]


def _split(cells: pd.DataFrame, transfer: set[int]) -> pd.DataFrame:
    """One year's cells: the area's stay ratio, each zone's continuing pupils, and the
    area's joiners shared over the zones whose projection exceeds what stays."""
    keys = [cells[c] for c in [*AREA, "ncy"]]
    area_pupils = cells["pupils"].groupby(keys).transform("sum").to_numpy()
    area_below = cells["below"].groupby(keys).transform("sum").to_numpy()
    at_transfer = cells["ncy"].isin(transfer).to_numpy()
    staying = np.where(at_transfer, 0.0, np.minimum(area_pupils, area_below))
    stay = np.where(area_below > 0, staying / np.where(area_below > 0, area_below, 1.0), 0.0)
    continuing = stay * cells["below"].to_numpy()
    excess = np.maximum(0.0, cells["pupils"].to_numpy() - continuing)
    excess_area = pd.Series(excess).groupby(keys).transform("sum").to_numpy()
    joiners_area = np.maximum(0.0, area_pupils - staying)
    joining = np.where(excess_area > 0, excess * joiners_area / np.where(excess_area > 0, excess_area, 1.0), 0.0)
    return cells.assign(stay=stay, continuing=continuing, joining=joining)


def stays(cells: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """For every cell of joiners (STREAM, ncy, year): the share of them still placed in
    each plan year (1 in the year they join, 0 before), as columns ``y<year>``. ``cells``
    is :func:`continuing_and_joining`'s table."""
    stay = cells[[*STREAM, "ncy", "year", "stay"]]
    out = cells[[*STREAM, "ncy", "year"]].reset_index(drop=True)
    remaining = np.ones(len(out))
    for year in years:
        share = np.where(out["year"].to_numpy() == year, 1.0, 0.0)
        later = (out["year"] < year).to_numpy()
        if later.any():
            probe = out.loc[later, STREAM].assign(
                ncy=out.loc[later, "ncy"] + (year - out.loc[later, "year"]), year=year
            )
            ratio = probe.merge(stay, on=[*STREAM, "ncy", "year"], how="left")["stay"].fillna(0.0).to_numpy()
            remaining[later] *= ratio
            share[later] = remaining[later]
        out[f"y{year}"] = share
    return out


def staying_from(cells: pd.DataFrame, start: pd.DataFrame, years: list[int]) -> np.ndarray:
    """(rows of ``start``, years): the share still placed in each plan year of pupils who are
    at year group ``ncy`` in ``year`` (rows of AREA, ncy, year), by the area's stay ratios
    (1 in that year, 0 before). ``cells`` is :func:`continuing_and_joining`'s table."""
    ratio = cells.groupby([*AREA, "ncy", "year"], observed=True)["stay"].first()
    out = np.zeros((len(start), len(years)))
    remaining = np.ones(len(start))
    for t, year in enumerate(years):
        begun = (start["year"] == year).to_numpy()
        out[begun, t] = 1.0
        later = (start["year"] < year).to_numpy()
        if later.any():
            probe = pd.MultiIndex.from_arrays(
                [start.loc[later, c] for c in AREA]
                + [start.loc[later, "ncy"] + (year - start.loc[later, "year"]), np.full(int(later.sum()), year)]
            )
            remaining[later] *= ratio.reindex(probe).fillna(0.0).to_numpy()
            out[later, t] = remaining[later]
    return out
