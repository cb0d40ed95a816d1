"""What a solve records for the documents, beside the plan's own tables, so that
``placeplan map`` and ``placeplan report`` only read the solved folder (no projection, no
model build, no solve):

* ``projected_demand.csv``: the pupils the plan was solved for, by home zone, need, year
  group and plan year (unsuppressed: every row carries the internal marking);
* ``in_reach.csv``: for every site and option, the pupils in the last plan year of the
  needs and ages it admits living within its travel limit for their phase (the model's
  own arcs; pupils placed before the plan count only where they are);
* ``reach_zones.csv``: the zones within reach of each option the plan opens, with the
  journey in minutes and km (the map draws each option's reach from it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..optimise import Result
from ..solved import MARKING, RECORD_COLUMNS
from .problem import SendProblem


def projected_demand(demand: pd.DataFrame) -> pd.DataFrame:
    """The plan's demand summed over settings, rounded to a thousandth of a pupil."""
    keys = ["zone_id", "need", "ncy", "phase", "year"]
    table = demand.assign(zone_id=demand["zone_id"].astype(str)).groupby(keys, as_index=False)["pupils"].sum()
    table = table.sort_values(keys, kind="stable").reset_index(drop=True)
    table = table.assign(pupils=table["pupils"].round(3), marking=MARKING)
    return table[list(RECORD_COLUMNS["projected_demand.csv"])]


def in_reach(send: SendProblem) -> pd.DataFrame:
    """Pupils in the last year within reach of each site and option (see the module)."""
    pupils = send.groups["pupils"].to_numpy()[send.arcs["group"].to_numpy()] * send.problem.arc_usage()[:, -1]
    keep = pupils > 0
    ids = send.facilities.table["facility_id"].astype(str).to_numpy()
    sums = pd.Series(pupils[keep]).groupby(ids[send.arcs["facility"].to_numpy()[keep]]).sum()
    table = pd.DataFrame({"facility_id": ids})
    table["pupils"] = table["facility_id"].map(sums).fillna(0.0).round(3)
    return table


def reach_zones(send: SendProblem, result: Result, pairs: pd.DataFrame) -> pd.DataFrame:
    """The travel pairs of the options the plan opens."""
    ids = send.facilities.options["facility_id"].astype(str).to_numpy()
    chosen = set(ids[np.flatnonzero(result.option_open)])
    table = pairs.assign(facility_id=pairs["facility_id"].astype(str), zone_id=pairs["zone_id"].astype(str))
    table = table[table["facility_id"].isin(chosen)]
    table = table.sort_values(["facility_id", "zone_id"], kind="stable").reset_index(drop=True)
    return table.assign(minutes=table["minutes"].round(2), km=table["km"].round(3))[
        list(RECORD_COLUMNS["reach_zones.csv"])
    ]


def record_tables(
    send: SendProblem, result: Result, demand: pd.DataFrame, pairs: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    return {
        "projected_demand.csv": projected_demand(demand),
        "in_reach.csv": in_reach(send),
        "reach_zones.csv": reach_zones(send, result, pairs),
    }
