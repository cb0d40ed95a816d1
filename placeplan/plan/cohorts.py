"""Who is placed afresh each year, and how long they then stay: pupils continue where they
are placed.

Each year's pupils of a year group (by zone, need, setting) are those of the year group
below the year before who stay, and those who join: new plans, arrivals, and everyone at a
**transfer point**, where every pupil is placed afresh. Transfer points are the first year
of each year-group band the model uses: the start of secondary (Year 7), of post-16 (Year
12) and of post-19 (Year 15) always, and wherever some provision's age range starts, where
a pupil may have to move (an infant school's Year 3). Between transfer points

    continuing[t, n] = min(pupils[t, n], pupils[t - 1, n - 1])
    joining[t, n]    = pupils[t, n] - continuing[t, n]

so a year group that grows takes the growth as joiners and one that shrinks loses leavers
(plans ceasing, moves away) in proportion. A pupil who joins in year t at year group n is
still there in year t + k with the product of the stay ratios
``continuing[t + j, n + j] / pupils[t + j - 1, n + j - 1]``, until the next transfer point.
Every year's pupils are exactly the continuing and the joining: nothing is lost or made.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: The columns that identify a stream of pupils moving up the years.
STREAM = ["zone_id", "need", "setting", "stepdown"]


def _previous(frame: pd.DataFrame) -> pd.DataFrame:
    """The same streams one year up: the year group below, the year before."""
    return frame.assign(year=frame["year"] + 1, ncy=frame["ncy"] + 1)[[*STREAM, "ncy", "year", "pupils"]]


def continuing_and_joining(demand: pd.DataFrame, before: pd.DataFrame, transfer: set[int]) -> pd.DataFrame:
    """``demand`` (STREAM, ncy, year, pupils, for the plan's years) with ``continuing``,
    ``joining`` and ``stay`` (the share of last year's pupils of the year group below who
    are still here); ``before`` holds the pupils of the year before the plan, who are
    where they were placed. ``transfer``: year groups where everyone is placed afresh."""
    first = int(demand["year"].min())
    earlier = pd.concat([before.assign(year=first - 1), demand], ignore_index=True)
    below = _previous(earlier).groupby([*STREAM, "ncy", "year"], as_index=False)["pupils"].sum()
    below = below.rename(columns={"pupils": "below"})
    out = demand.merge(below, on=[*STREAM, "ncy", "year"], how="left")
    out["below"] = out["below"].fillna(0.0)
    at_transfer = out["ncy"].isin(transfer).to_numpy()
    continuing = np.where(at_transfer, 0.0, np.minimum(out["pupils"], out["below"]))
    out["continuing"] = continuing
    out["joining"] = out["pupils"] - continuing
    out["stay"] = np.where(out["below"] > 0, continuing / np.where(out["below"] > 0, out["below"], 1.0), 0.0)
    return out


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
            probe = out.loc[later, STREAM].assign(ncy=out.loc[later, "ncy"] + (year - out.loc[later, "year"]),
                                                  year=year)
            ratio = probe.merge(stay, on=[*STREAM, "ncy", "year"], how="left")["stay"].fillna(0.0).to_numpy()
            remaining[later] *= ratio
            share[later] = remaining[later]
        out[f"y{year}"] = share
    return out
