"""What the builder knows about a state mainstream school as a host of provision.

For every open state mainstream school (GIAS, May 2025) with a phase the builder plans for:

* ``on_roll``: GIAS NumberOfPupils (May 2025); where GIAS has none, the school's pupils on
  roll in the 2022 extract, then its 2022 capacity, then the national median roll of its
  phase (``on_roll_note`` says which).
* ``selective``: ``yes`` where the 2022 extract's admissions policy is 'Selective';
  ``no`` where it is 'Non-selective' or 'Not applicable'; where it is 'Not reported' or
  the school is not in the 2022 extract, ``no`` with a note: the extract marks 163
  secondary schools selective, as many as England has grammar schools, and no new
  selective school may open, so a school it does not mark is taken not to be one.
* ``host_ncy_min``/``host_ncy_max``: the statutory age range (2022) as National Curriculum
  years. The low age is the age on entry (4: reception, NCY 0; 3: nursery, NCY -1), so
  NCY = age - 4; the high age is the age pupils reach in their last year (11: Year 6, NCY 6;
  16: Year 11), so NCY = age - 5. Where the statutory ages are unknown, the phase's range.
* ``ncy_min``/``ncy_max``: what a provision there may admit: the host's years from
  reception (NCY 0) to Year 14.

The statutory ages, admissions policy and 2022 roll are not in the May 2025 register
(``schools.csv.gz``); they come from the 2022 extract joined on the school's 2025 URN, and
the ages and policy of a school that has changed since 2022 may be out of date.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import opendata
from ..codes import NCY_MAX, NCY_MIN

HOST_CATEGORIES = ("mainstream_la_maintained", "mainstream_academy", "mainstream_free_school")
#: NCY range by GIAS phase, where a school's statutory ages are unknown.
PHASE_NCY = {
    "Primary": (0, 6),
    "Secondary": (7, 11),
    "Middle deemed primary": (1, 7),
    "Middle deemed secondary": (4, 8),
    "All-through": (0, 11),
}
#: The years a hosted provision may admit: reception to Year 14 (age 19).
PROVISION_NCY = (0, 14)
#: NCY from which a host counts as secondary (for the size of an SRP there).
SECONDARY_FROM = 7
NOT_SELECTIVE = ("Non-selective", "Not applicable")


def statutory_ncy(folder) -> pd.DataFrame:
    """URN (2025) -> host_ncy_min, host_ncy_max from the 2022 statutory ages (over every
    2022 school that became it: an amalgamation spans its parts)."""
    capacity = opendata.read(folder, "schools_capacity.csv.gz")
    ages = opendata.counts(capacity, ["statutory_low_age", "statutory_high_age"])
    ages["urn"] = capacity["urn_2025"]
    ages = ages.dropna().groupby("urn").agg(low=("statutory_low_age", "min"), high=("statutory_high_age", "max"))
    return pd.DataFrame(
        {
            "host_ncy_min": np.clip(ages["low"] - 4, NCY_MIN, NCY_MAX).astype(int),
            "host_ncy_max": np.clip(ages["high"] - 5, NCY_MIN, NCY_MAX).astype(int),
        },
        index=ages.index,
    )


def _policy(folder) -> pd.Series:
    """URN (2025) -> 'yes', 'no' or '' (not reported) from the 2022 admissions policy."""
    capacity = opendata.read(folder, "schools_capacity.csv.gz")
    policy = capacity["admissions_policy"].fillna("")
    selective = policy.eq("Selective").groupby(capacity["urn_2025"]).any()
    known = policy.isin(NOT_SELECTIVE).groupby(capacity["urn_2025"]).any()
    return pd.Series(np.where(selective, "yes", np.where(known, "no", "")), index=selective.index)


def _roll_2022(folder) -> pd.DataFrame:
    """URN (2025) -> pupils on roll and capacity in 2022 (summed over the 2022 schools that
    became it)."""
    capacity = opendata.read(folder, "schools_capacity.csv.gz")
    numbers = opendata.counts(capacity, ["number_of_pupils_2022", "school_capacity"])
    return numbers.groupby(capacity["urn_2025"]).sum(min_count=1)


def hosts(register: pd.DataFrame, folder) -> pd.DataFrame:
    """The register's state mainstream schools that could host provision, with their roll,
    selectivity and age range, and a note of every proxy used (see the module docstring)."""
    frame = register[
        register["send_setting_category"].isin(HOST_CATEGORIES) & register["education_phase"].isin(PHASE_NCY)
    ].copy()
    urns = frame["urn"]
    notes: list[list[str]] = [[] for _ in range(len(frame))]

    def flag(mask: np.ndarray, text: str) -> None:
        for i in np.flatnonzero(mask):
            notes[i].append(text)

    roll = frame["number_of_pupils"].to_numpy(dtype=float)
    earlier = _roll_2022(folder).reindex(urns)
    for column, text in (
        ("number_of_pupils_2022", "pupils on roll from GIAS 2022 (none in May 2025)"),
        ("school_capacity", "pupils on roll taken as the school's 2022 capacity (no pupil count in GIAS)"),
    ):
        use = np.isnan(roll) & earlier[column].notna().to_numpy()
        roll = np.where(use, earlier[column].to_numpy(dtype=float), roll)
        flag(use, text)
    missing = np.isnan(roll)
    if missing.any():
        median = frame.groupby("education_phase")["number_of_pupils"].median()
        roll = np.where(missing, frame["education_phase"].map(median).to_numpy(dtype=float), roll)
        flag(missing, "pupils on roll unknown: the national median roll of its phase")

    policy = _policy(folder).reindex(urns).fillna("").to_numpy()
    unknown = policy == ""
    flag(
        unknown,
        "admissions policy not reported in GIAS 2022: taken as non-selective (GIAS marks "
        "England's 163 grammar schools selective)",
    )
    selective = np.where(unknown, "no", policy)

    by_phase = pd.DataFrame(
        [PHASE_NCY[p] for p in frame["education_phase"]], columns=["host_ncy_min", "host_ncy_max"], index=frame.index
    )
    ages = statutory_ncy(folder).reindex(urns).set_axis(frame.index)
    flag(ages["host_ncy_min"].isna().to_numpy(), "age range from the school's phase (no statutory ages in GIAS 2022)")
    ages = ages.fillna(by_phase).astype(int)
    out = pd.DataFrame(
        {
            "urn": urns.to_numpy(),
            "name": frame["establishment_name"].to_numpy(),
            "la_code": frame["la_code"].to_numpy(),
            "phase": frame["education_phase"].to_numpy(),
            "x": frame["easting"].to_numpy(),
            "y": frame["northing"].to_numpy(),
            "on_roll": np.round(roll).astype(np.int64),
            "selective": selective,
            "host_ncy_min": ages["host_ncy_min"].to_numpy(),
            "host_ncy_max": ages["host_ncy_max"].to_numpy(),
            "ncy_min": np.maximum(ages["host_ncy_min"].to_numpy(), PROVISION_NCY[0]),
            "ncy_max": np.minimum(ages["host_ncy_max"].to_numpy(), PROVISION_NCY[1]),
            "host_notes": ["; ".join(n) for n in notes],
        }
    )
    return out[out["ncy_min"] <= out["ncy_max"]].reset_index(drop=True)


def secondary(frame: pd.DataFrame) -> np.ndarray:
    """Whether each host teaches secondary years (Year 7 or above)."""
    return frame["ncy_max"].to_numpy() >= SECONDARY_FROM
