"""Pupils who reach a year group their provision does not admit move on, between transfer
points, and are placed again.

A pupil stays where placed until the next transfer point (:mod:`.cohorts`) for as long as
the provision admits their year group. A pupil at an infant school's unit reaches Year 3,
one in a school sixth form Year 14: they leave it, and the plan places them again that year
(a primary school's pupil at Year 3 stays where they are). Who moves therefore depends on
where the plan placed them: each arc (a group at a facility) keeps its own share of the
group's pupils there year by year (the members the facility still admits), and the
pupils it loses **rejoin** a group of their own in the year they move: one per modelled
zone, need, setting, step-down, year group and year, so that all its pupils have the same
choices and stay in the same shares afterwards. Its size is whatever the plan sends to
provisions its pupils outgrow, and it may move on again the same way.

Pupils placed out of area stay there until the next transfer point.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .cohorts import AREA
from .continuity import year_columns

#: What identifies the group pupils who move on join: they moved at the same age in the
#: same year, from the same modelled zone and stream.
MOVED = ["zone_id", *AREA, "ncy", "year"]


@dataclass(frozen=True)
class Moves:
    """Every group (the original ones, then those pupils who move on rejoin), their members
    year by year, the arcs of all of them, each arc's share of its group's pupils at its
    facility in every year (``arc_stays``), and the rejoins (arc, group, share)."""

    groups: pd.DataFrame
    members: pd.DataFrame
    arcs: pd.DataFrame
    arc_stays: np.ndarray
    rejoin_arc: np.ndarray
    rejoin_group: np.ndarray
    rejoin_share: np.ndarray

    @property
    def moved_groups(self) -> pd.DataFrame:
        """The groups pupils who move on rejoin, with their MOVED key and group index."""
        moved = self.groups[self.groups["moved"]]
        return moved[MOVED].assign(group=moved.index.to_numpy())


def with_moves(
    groups: pd.DataFrame,
    members: pd.DataFrame,
    arcs: pd.DataFrame,
    *,
    years: list[int],
    tops: np.ndarray,
    moving_at: set[int],
    new_groups: Callable[[pd.DataFrame], pd.DataFrame],
    new_arcs: Callable[[pd.DataFrame], pd.DataFrame],
    dominated: Callable[[pd.DataFrame, pd.DataFrame], np.ndarray],
    profile: Callable[[pd.DataFrame], np.ndarray],
) -> Moves:
    """Arc stays and rejoins for ``groups`` (one row each, with ``pupils``; their index is
    the group number) with ``members`` (member-year rows: group, ncy that year, year,
    pupils there that year, AREA columns) and ``arcs`` (group, facility). ``tops[f]`` is
    the last year group facility f admits; a pupil who reaches ``top + 1`` in ``moving_at``
    (year groups that are not transfer points) moves on. ``new_groups(keys)`` makes the
    groups for MOVED keys (zone_id, AREA, ncy, year: their class, band, phase, period and
    fallback, with ``pupils`` 0), ``new_arcs(groups)`` their arcs (group numbers from their
    index), ``dominated(groups, arcs)`` the arcs never worth more than the fallback (kept
    where pupils move on from them: what they are placed at next may be), and
    ``profile(keys)`` the share of movers still placed each year from their move."""
    groups = groups.assign(moved=False)
    T = len(years)
    columns = year_columns(years)
    all_groups, all_members = [groups], [members]
    all_arcs: list[pd.DataFrame] = []
    all_stays: list[np.ndarray] = []
    rejoins: list[pd.DataFrame] = []
    known: dict[tuple, int] = {}
    batch_groups, batch_members, batch_arcs = groups, members, arcs
    count = len(groups)
    while len(batch_arcs):
        stays, leaving = _batch(batch_groups, batch_members, batch_arcs, years, tops, moving_at)
        keep = ~dominated(batch_groups, batch_arcs)
        keep[leaving["arc"].to_numpy(np.int64)] = True
        position = np.cumsum(keep) - 1 + sum(len(a) for a in all_arcs)
        all_arcs.append(batch_arcs[keep].reset_index(drop=True))
        all_stays.append(stays[keep])
        leaving = leaving.assign(arc=position[leaving["arc"].to_numpy(np.int64)])
        keys = leaving[MOVED].drop_duplicates()
        fresh = keys[[k not in known for k in keys.itertuples(index=False, name=None)]]
        batch_arcs = batch_arcs.iloc[:0]
        if len(fresh):
            made = new_groups(fresh.reset_index(drop=True)).assign(moved=True)
            made.index = np.arange(count, count + len(made))
            count += len(made)
            shares = profile(made[MOVED])
            made[columns] = shares
            for key, index in zip(made[MOVED].itertuples(index=False, name=None), made.index):
                known[key] = int(index)
            batch_groups, batch_members = made, _mover_members(made, shares, years)
            all_groups.append(made)
            all_members.append(batch_members)
            batch_arcs = new_arcs(made)
        leaving["to"] = [known[k] for k in leaving[MOVED].itertuples(index=False, name=None)]
        rejoins.append(leaving[["arc", "to", "share"]])
    out_groups = pd.concat(all_groups)
    arc_table = pd.concat(all_arcs, ignore_index=True) if all_arcs else arcs.iloc[:0]
    stays = np.concatenate(all_stays) if all_stays else np.zeros((0, T))
    joined = pd.concat(rejoins, ignore_index=True) if rejoins else pd.DataFrame(columns=["arc", "to", "share"])
    joined = joined.groupby(["arc", "to"], as_index=False, sort=True)["share"].sum()
    # shares of one group's pupils: added up they can come to 1 + 2e-16 (Birmingham), never more
    share = np.minimum(joined["share"].to_numpy(float), 1.0)
    return Moves(
        out_groups,
        pd.concat(all_members, ignore_index=True),
        arc_table,
        stays,
        joined["arc"].to_numpy(np.int64),
        joined["to"].to_numpy(np.int64),
        share,
    )


def _batch(
    groups: pd.DataFrame,
    members: pd.DataFrame,
    arcs: pd.DataFrame,
    years: list[int],
    tops: np.ndarray,
    moving_at: set[int],
) -> tuple[np.ndarray, pd.DataFrame]:
    """For each arc of a batch: the share of its group's pupils at its facility each year,
    and the rows of those who move on (arc, MOVED key, share of the group's pupils)."""
    T = len(years)
    period = {year: t for t, year in enumerate(years)}
    size = groups["pupils"].astype(float).where(groups["pupils"] > 0, 1.0)  # movers' groups: per unit
    rows = members[members["group"].isin(groups.index)]
    rows = rows.assign(t=rows["year"].map(period), share=rows["pupils"].to_numpy() / size.loc[rows["group"]].to_numpy())
    arc_top = tops[arcs["facility"].to_numpy()]
    stays = np.zeros((len(arcs), T))
    leaving = []
    zone = groups["zone_id"]
    for top in np.unique(arc_top):
        on = np.flatnonzero(arc_top == top)
        there = rows[rows["ncy"] <= top].groupby(["group", "t"])["share"].sum()
        table = there.unstack(fill_value=0.0).reindex(columns=range(T), fill_value=0.0)
        table = table.reindex(arcs["group"].to_numpy()[on], fill_value=0.0)
        stays[on] = table.to_numpy()
        if top + 1 not in moving_at:
            continue
        out = rows[rows["ncy"] == top + 1]
        if out.empty:
            continue
        out = out.groupby(["group", *AREA, "ncy", "year"], as_index=False, observed=True)["share"].sum()
        out["zone_id"] = zone.loc[out["group"]].to_numpy()
        mine = pd.DataFrame({"arc": on, "group": arcs["group"].to_numpy()[on]})
        leaving.append(mine.merge(out, on="group")[["arc", *MOVED, "share"]])
    moved = pd.concat(leaving, ignore_index=True) if leaving else pd.DataFrame(columns=["arc", *MOVED, "share"])
    return stays, moved[moved["share"] > 1e-12].reset_index(drop=True)


def _mover_members(made: pd.DataFrame, shares: np.ndarray, years: list[int]) -> pd.DataFrame:
    """Member-year rows of movers' groups, per unit moved: at ``ncy`` in the year they move,
    a year group up each year after, in the share still placed (their home zones are those
    of the pupils the plan sends, known only once it is solved)."""
    frames = []
    for t, year in enumerate(years):
        there = shares[:, t] > 1e-12
        if not there.any():
            continue
        rows = made[there]
        frames.append(
            pd.DataFrame(
                {
                    "group": rows.index.to_numpy(),
                    "home_zone": "",
                    "need": rows["need"].to_numpy(),
                    "ncy": (rows["ncy"] + (year - rows["year"])).to_numpy(),
                    "setting": rows["setting"].to_numpy(),
                    "stepdown": rows["stepdown"].to_numpy(),
                    "year": year,
                    "pupils": shares[there, t],
                    "continuing": (rows["year"] < year).to_numpy(),
                }
            )
        )
    return (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(
            columns=["group", "home_zone", "need", "ncy", "setting", "stepdown", "year", "pupils", "continuing"]
        )
    )
