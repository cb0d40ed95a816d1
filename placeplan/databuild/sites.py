"""Existing provision from the register of schools (GIAS, May 2025).

* State special schools in the councils: capacity is their pupils on roll, because open
  data has no commissioned places (flagged in ``capacity_source``).
* State special schools across the border, and independent and non-maintained special
  schools anywhere in reach: only the places the councils' own pupils use there count.
  The published number of the councils' pupils in such schools (less, for state schools,
  what their own schools hold) is shared over the schools in reach by size times
  ``exp(-distance / decay)`` from the councils' child-population centre.
* A special school admits the needs GIAS lists as its types of SEN provision
  (:mod:`.provision`); where GIAS lists none, every need unless its name says otherwise
  (``notes`` says it is a guess). Age ranges of special schools are not in open data: ages
  4-19 unless the name says primary or secondary.
* Resourced provision and SEN units at the councils' mainstream schools that GIAS lists
  with SEN provision (:func:`.provision.resourced_sites`), passed in ready-made.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from .. import opendata
from ..codes import ALL_NEEDS
from ..opendata import Council
from ..rounding import largest_remainder
from ..scenario.builder import Defaults
from ..scenario.model import PhaseMinutes, Travel
from ..travel import reach_km

STATE_SPECIAL = ("special_la_maintained", "special_academy_free")
INDEPENDENT_SPECIAL = ("special_independent", "special_non_maintained")
#: NCY ranges read from a special school's name; otherwise reception to Year 14 (age 4-19).
ALL_AGES = (0, 14)
_PRIMARY = re.compile(r"\b(primary|infant|junior)\b", re.IGNORECASE)
_SECONDARY = re.compile(r"\b(secondary|high school|upper school)\b", re.IGNORECASE)


@dataclass(frozen=True)
class SiteBuild:
    sites: pd.DataFrame
    notes: tuple[str, ...]
    own_special_places: int
    out_of_area_places: int
    independent_places: int


def default_reach_km() -> float:
    """Straight-line reach of the longest default journey, estimated as placeplan.travel
    estimates journeys (door-to-door time, then road km at the speed)."""
    # Worked out here rather than among the builder's defaults: those sit with the scenario,
    # below placeplan.travel.
    travel = Travel()
    longest = max(PhaseMinutes().model_dump().values())
    return float(
        reach_km(
            longest, circuity=travel.circuity, speed_kmh=travel.speed_kmh, terminal_minutes=travel.terminal_minutes
        )
    )


def schools(folder) -> pd.DataFrame:
    frame = opendata.read(folder, "schools.csv.gz").copy()
    numbers = opendata.counts(frame, ["number_of_pupils", "easting", "northing"])
    frame[["number_of_pupils", "easting", "northing"]] = numbers
    return frame[frame["easting"].notna()].reset_index(drop=True)


def designation(name: str, defaults: Defaults, listed: str | None = None) -> tuple[str, str]:
    """(needs cell, note): the needs GIAS lists for the school, or a guess from its name."""
    if listed:
        return listed, "needs as GIAS lists its types of SEN provision"
    lowered = name.lower()
    for words, needs in defaults.needs_by_name:
        if any(re.search(rf"\b{re.escape(w)}", lowered) for w in words):
            return ";".join(needs), (
                f"needs guessed from the school's name ({', '.join(needs)}): GIAS lists no types of SEN provision"
            )
    return ALL_NEEDS, "admits all needs, a guess: GIAS lists no types of SEN provision"


def age_range(name: str) -> tuple[int, int]:
    if _PRIMARY.search(name):
        return 0, 6
    if _SECONDARY.search(name):
        return 7, 14
    return ALL_AGES


def _distances(frame: pd.DataFrame, zones: pd.DataFrame) -> np.ndarray:
    """Metres from each school to the nearest zone point."""
    tree = cKDTree(zones[["x", "y"]].to_numpy(dtype=float))
    distance, _ = tree.query(frame[["easting", "northing"]].to_numpy(dtype=float))
    return distance


def _rows(
    frame: pd.DataFrame,
    *,
    kind: str,
    capacity: np.ndarray,
    on_roll: np.ndarray,
    source: str,
    defaults: Defaults,
    designated: pd.Series,
) -> pd.DataFrame:
    listed = designated.reindex(frame["urn"]).to_numpy()
    designations = [
        designation(n, defaults, d if isinstance(d, str) else None) for n, d in zip(frame["establishment_name"], listed)
    ]
    ages = [age_range(n) for n in frame["establishment_name"]]
    notes = [d[1] + ("" if a != ALL_AGES else "; ages 4-19 assumed") for d, a in zip(designations, ages)]
    return pd.DataFrame(
        {
            "site_id": frame["urn"].to_numpy(),
            "name": frame["establishment_name"].to_numpy(),
            "kind": kind,
            "x": frame["easting"].to_numpy(),
            "y": frame["northing"].to_numpy(),
            "needs": [d[0] for d in designations],
            "ncy_min": [a[0] for a in ages],
            "ncy_max": [a[1] for a in ages],
            "capacity": capacity.astype(np.int64),
            "on_roll": on_roll.astype(np.int64),
            "capacity_source": source,
            "annual_cost_per_place": defaults.annual_cost_per_place[
                "independent" if kind == "independent" else "special"
            ],
            "la_code": frame["la_code"].to_numpy(),
            "urn": frame["urn"].to_numpy(),
            "notes": notes,
        }
    )


def _roll(frame: pd.DataFrame, everyone: pd.DataFrame) -> tuple[np.ndarray, int]:
    """Pupils on roll, with the national median of the same kind where GIAS has none."""
    roll = frame["number_of_pupils"].to_numpy(dtype=float)
    median = float(everyone["number_of_pupils"].median())
    missing = int(np.isnan(roll).sum())
    return np.where(np.isnan(roll), median, roll), missing


def _share(
    pupils: int,
    frame: pd.DataFrame,
    everyone: pd.DataFrame,
    centre: tuple[float, float],
    decay_km: float,
    min_places: int,
) -> np.ndarray:
    """``pupils`` shared over the schools by size x exp(-distance / decay).

    A school whose share would be below ``min_places`` gets none and the rest is shared
    again: a council that uses a school usually has several pupils there, and a scatter of
    one-place sites would only slow the model down.
    """
    if frame.empty or pupils <= 0:
        return np.zeros(len(frame), dtype=np.int64)
    roll, _ = _roll(frame, everyone)
    km = np.hypot(frame["easting"] - centre[0], frame["northing"] - centre[1]).to_numpy() / 1000
    weight = roll * np.exp(-km / decay_km)
    keep = weight > 0
    shares = largest_remainder(np.where(keep, weight, 0.0), pupils)
    while keep.sum() > 1 and (keep & (shares < min_places)).any():
        small = np.flatnonzero(keep & (shares < min_places))
        keep[small[np.argmin(weight[small])]] = False
        shares = largest_remainder(np.where(keep, weight, 0.0), pupils)
    return shares


def build_sites(
    *,
    councils: list[Council],
    zones: pd.DataFrame,
    register: pd.DataFrame,
    published: dict[str, int],
    centre: tuple[float, float],
    defaults: Defaults,
    designated: pd.Series,
    resourced: pd.DataFrame,
) -> SiteBuild:
    """Sites for the councils. ``published`` holds the councils' pupils in state special
    schools ("state") and in independent or non-maintained special schools ("independent");
    ``designated`` the needs cell GIAS gives by URN; ``resourced`` the councils' resourced
    sites (:func:`.provision.resourced_sites`)."""
    codes = {c.code for c in councils}
    in_reach = _distances(register, zones) <= default_reach_km() * 1000
    ours = register["la_code"].isin(codes).to_numpy()
    state = register[register["send_setting_category"].isin(STATE_SPECIAL)]
    own = state[ours[state.index]]
    roll, missing = _roll(own, state)
    own_sites = _rows(
        own,
        kind="special",
        capacity=np.round(roll),
        on_roll=np.round(roll),
        source="estimated from pupils on roll (GIAS, May 2025)",
        defaults=defaults,
        designated=designated,
    )
    notes = []
    if missing:
        notes.append(
            f"{missing} special school(s) have no pupil count in GIAS: capacity set to the "
            "national median roll of state special schools"
        )

    elsewhere = state[~ours[state.index] & in_reach[state.index]]
    out_of_area = max(0, published["state"] - int(own_sites["capacity"].sum()))
    places = _share(out_of_area, elsewhere, state, centre, defaults.decay_km, defaults.min_shared_places)
    away_sites = _rows(
        elsewhere,
        kind="special",
        capacity=places,
        on_roll=places,
        source="estimated: this area's share of an out-of-area school's places",
        defaults=defaults,
        designated=designated,
    )

    independent = register[register["send_setting_category"].isin(INDEPENDENT_SPECIAL)]
    reachable = independent[in_reach[independent.index] | ours[independent.index]]
    places = _share(
        published["independent"], reachable, independent, centre, defaults.decay_km, defaults.min_shared_places
    )
    independent_sites = _rows(
        reachable,
        kind="independent",
        capacity=places,
        on_roll=places,
        source="estimated: this area's published independent placements, shared by size and distance",
        defaults=defaults,
        designated=designated,
    )

    guessed = int((~own["urn"].isin(designated.index)).sum())
    if guessed:
        notes.append(
            f"Special schools with no types of SEN provision in GIAS, whose needs are guessed from "
            f"their names (see notes): {guessed} of {len(own_sites)}"
        )
    sites = pd.concat(
        [
            own_sites,
            resourced,
            away_sites[away_sites["capacity"] > 0],
            independent_sites[independent_sites["capacity"] > 0],
        ],
        ignore_index=True,
    )
    return SiteBuild(sites, tuple(notes), int(own_sites["capacity"].sum()), out_of_area, published["independent"])
