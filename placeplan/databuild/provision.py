"""The types of SEN provision GIAS records (its SEN1..SEN13 fields, about March 2025).

* For a special school they are its designation: the needs it admits.
* For a state mainstream school GIAS asks for them when the school has resourced provision
  or an SEN unit, so they are the best open marker of where such provision is. GIAS says
  neither which of the two it is nor how many places it has: the builder writes each as an
  ``srp`` site serving the needs listed, and shares the council's published pupils in
  resourced provision and SEN units (January 2025) over them by year group: each year
  group's pupils are shared equally over the listed schools that teach it (a pupil of an
  age none of them teaches is shared with the rest in proportion). The provision is taken
  to be full (on roll = places); ``capacity_source`` and ``notes`` say all this is estimated.

GIAS's SEN fields are known to be incomplete (notably for academies), so a school without
them may still have provision; a council replaces these rows with its own list.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import opendata
from ..caseload import specialist_by_ncy
from ..codes import NEEDS
from ..opendata import Council
from ..rounding import largest_remainder
from ..scenario.builder import Defaults

SOURCE = (
    "estimated: the council's published pupils in resourced provision and SEN units "
    "(January 2025) shared by year group over the schools GIAS lists with SEN provision"
)


def parse(cell: str) -> tuple[str, ...]:
    """'ASD - Autistic Spectrum Disorder; SpLD - Specific ...' -> ('ASD', 'SPLD'), in the
    order of the need codes; names that do not start with a need code are left out."""
    found = {part.strip().split(" - ", 1)[0].strip().upper() for part in str(cell).split(";")}
    return tuple(code for code in NEEDS if code in found)


def designations(folder) -> pd.Series:
    """URN -> needs cell ('ASD;SLCN') for every establishment GIAS lists provision types for."""
    frame = opendata.read(folder, "gias_sen_provision_types.csv.gz")
    codes = frame["sen_provision_types"].fillna("").map(parse)
    keep = codes.map(len) > 0
    return pd.Series([";".join(c) for c in codes[keep]], index=frame.loc[keep, "urn"].to_numpy())


def share_places(places: int, ranges: pd.DataFrame, profile: pd.Series) -> np.ndarray:
    """``places`` over schools with NCY ``ranges`` (ncy_min, ncy_max): each NCY's pupils in
    ``profile`` equally over the schools teaching it, then scaled to ``places`` exactly."""
    low = ranges["ncy_min"].to_numpy()
    high = ranges["ncy_max"].to_numpy()
    weight = np.zeros(len(ranges))
    for ncy, pupils in profile.items():
        teaches = (low <= ncy) & (ncy <= high)
        if teaches.any() and pupils > 0:
            weight += np.where(teaches, float(pupils) / teaches.sum(), 0.0)
    return largest_remainder(weight, places)


def resourced_sites(listed: pd.DataFrame, *, places: int, profile: pd.Series, defaults: Defaults) -> pd.DataFrame:
    """``srp`` sites at one council's ``listed`` hosts (the host table with a ``needs``
    column); only schools given at least one place are kept."""
    capacity = share_places(places, listed, profile) if len(listed) else np.zeros(0, dtype=np.int64)
    notes = [
        f"GIAS lists SEN provision here ({needs.replace(';', ', ')}); whether it is resourced "
        "provision or an SEN unit, and its places, are not in open data: places estimated, "
        "taken as full"
        for needs in listed["needs"]
    ]
    sites = pd.DataFrame(
        {
            "site_id": listed["urn"].to_numpy(),
            "name": [f"{n} (resourced provision)" for n in listed["name"]],
            "kind": "srp",
            "x": listed["x"].to_numpy(),
            "y": listed["y"].to_numpy(),
            "needs": listed["needs"].to_numpy(),
            "ncy_min": listed["ncy_min"].to_numpy(),
            "ncy_max": listed["ncy_max"].to_numpy(),
            "capacity": capacity.astype(np.int64),
            "on_roll": capacity.astype(np.int64),
            "capacity_source": SOURCE,
            "annual_cost_per_place": defaults.annual_cost_per_place["srp"],
            "la_code": listed["la_code"].to_numpy(),
            "urn": listed["urn"].to_numpy(),
            "notes": notes,
        }
    )
    return sites[sites["capacity"] > 0].reset_index(drop=True)


def council_sites(
    council: Council,
    *,
    hosts: pd.DataFrame,
    designated: pd.Series,
    places: int,
    placement: pd.DataFrame,
    defaults: Defaults,
) -> tuple[pd.DataFrame, str | None]:
    """One council's resourced sites from its ``places`` (its published pupils in resourced
    provision and SEN units), and a note when they cannot all be placed at listed schools."""
    own = hosts[hosts["la_code"] == council.code]
    listed = own[own["urn"].isin(designated.index)].copy()
    listed["needs"] = designated.reindex(listed["urn"]).to_numpy()
    if places > 0 and listed.empty:
        return resourced_sites(listed, places=0, profile=pd.Series(dtype=float), defaults=defaults), (
            f"{council.name}: {places:,} pupils are in resourced provision or SEN units, but GIAS lists no "
            "SEN provision at its mainstream schools, so sites.csv has none of their places: add them"
        )
    if places == 0:
        note = (
            (
                f"{council.name}: GIAS lists SEN provision at {len(listed)} mainstream school(s), but the "
                "council has no pupils in resourced provision or SEN units in the published figures, so "
                "no resourced places are written"
            )
            if len(listed)
            else None
        )
        return resourced_sites(listed.iloc[:0], places=0, profile=pd.Series(dtype=float), defaults=defaults), note
    profile, _ = specialist_by_ncy(placement, council, opendata.SETTING_COLUMNS["resourced"])
    return resourced_sites(listed, places=places, profile=profile, defaults=defaults), None
