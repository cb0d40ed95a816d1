"""Candidate options: resourced provisions (SRPs) and ESTAs hosted by the councils'
mainstream schools, and expansions of their special schools.

A host's oversubscription is its first preferences divided by the places it offered on
national offer day 2022 (DfE *applications and offers*, the latest school-level figures in
open data): above 1 means more families put it first than it has places. Age ranges come
from the schools' statutory ages (GIAS 2022); costs and sizes from ``defaults.toml``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import opendata
from .settings import Defaults

HOST_CATEGORIES = ("mainstream_la_maintained", "mainstream_academy", "mainstream_free_school")
#: NCY range by GIAS phase, where a school's statutory ages are unknown.
PHASE_NCY = {"Primary": (0, 6), "Secondary": (7, 11), "Middle deemed primary": (1, 7),
             "Middle deemed secondary": (4, 8), "All-through": (0, 11)}
HOSTED_KINDS = ("srp", "esta")
LABELS = {"srp": "resourced provision (SRP)", "esta": "enhanced support (ESTA)"}


def first_preference_ratios(folder) -> pd.Series:
    """URN (2025) -> first preferences / places offered, for September 2022 entry."""
    apps = opendata.read(folder, "school_applications.csv.gz")
    numbers = opendata.counts(apps, ["total_number_places_offered", "times_put_as_1st_preference"])
    summed = numbers.groupby(apps["urn_2025"]).sum()
    offered = summed["total_number_places_offered"]
    return (summed["times_put_as_1st_preference"] / offered.where(offered > 0)).dropna().round(3)


def statutory_ncy(folder) -> pd.DataFrame:
    """URN (2025) -> ncy_min, ncy_max from statutory ages (age 4 at entry is reception)."""
    capacity = opendata.read(folder, "schools_capacity.csv.gz")
    ages = opendata.counts(capacity, ["statutory_low_age", "statutory_high_age"])
    ages["urn"] = capacity["urn_2025"]
    ages = ages.dropna().groupby("urn").agg(low=("statutory_low_age", "min"), high=("statutory_high_age", "max"))
    return pd.DataFrame({"ncy_min": np.maximum(0, ages["low"] - 4).astype(int),
                         "ncy_max": np.minimum(14, ages["high"] - 5).astype(int)}, index=ages.index)


def hosted_options(hosts: pd.DataFrame, *, ratios: pd.Series, ncy: pd.DataFrame, base_year: int,
                   defaults: Defaults) -> pd.DataFrame:
    hosts = hosts[hosts["send_setting_category"].isin(HOST_CATEGORIES)
                  & hosts["education_phase"].isin(PHASE_NCY)]
    by_phase = pd.DataFrame([PHASE_NCY[p] for p in hosts["education_phase"]], columns=["ncy_min", "ncy_max"],
                            index=hosts.index)
    known = ncy.reindex(hosts["urn"]).set_axis(hosts.index)
    ranges = known.fillna(by_phase).astype(int)
    ranges = ranges[ranges["ncy_min"] <= ranges["ncy_max"]]
    hosts = hosts.loc[ranges.index]
    blocks = []
    for kind in HOSTED_KINDS:
        size = defaults.sizes[kind]
        blocks.append(pd.DataFrame({
            "option_id": [f"{kind.upper()}-{u}" for u in hosts["urn"]],
            "name": [f"{n} {kind.upper()}" for n in hosts["establishment_name"]],
            "kind": kind, "site_id": hosts["urn"].to_numpy(),
            "x": hosts["easting"].to_numpy(), "y": hosts["northing"].to_numpy(),
            "needs": ";".join(defaults.hosted_needs),
            "ncy_min": ranges["ncy_min"].to_numpy(), "ncy_max": ranges["ncy_max"].to_numpy(),
            "min_places": int(size["min"]), "max_places": int(size["max"]), "place_step": int(size["step"]),
            "capital_fixed": defaults.capital_fixed[kind], "capital_per_place": defaults.capital_per_place[kind],
            "annual_cost_per_place": defaults.annual_cost_per_place[kind],
            "earliest_year": base_year + defaults.lead_years[kind],
            "host_first_preference_ratio": ratios.reindex(hosts["urn"]).to_numpy(),
            "deliverability": 1.0,
            "notes": [f"a {LABELS[kind]} hosted by {n}" + ("" if u in ratios.index else
                      "; no applications data for the host")
                      for n, u in zip(hosts["establishment_name"], hosts["urn"])],
        }))
    return pd.concat(blocks, ignore_index=True)


def expansion_options(own_sites: pd.DataFrame, *, base_year: int, london: bool,
                      defaults: Defaults) -> pd.DataFrame:
    """One expansion per special school of the councils, up to a quarter of its roll."""
    size = defaults.sizes["special_expansion"]
    step, low = int(size["step"]), int(size["min"])
    wanted = np.maximum(size["max_at_least"], own_sites["capacity"].to_numpy() * size["max_share"])
    high = low + step * np.ceil((wanted - low) / step).astype(int)
    per_place = defaults.capital_per_place["special_london" if london else "special"]
    return pd.DataFrame({
        "option_id": [f"EXP-{s}" for s in own_sites["site_id"]],
        "name": [f"{n} expansion" for n in own_sites["name"]],
        "kind": "special_expansion", "site_id": own_sites["site_id"].to_numpy(),
        "x": own_sites["x"].to_numpy(), "y": own_sites["y"].to_numpy(),
        "needs": own_sites["needs"].to_numpy(),
        "ncy_min": own_sites["ncy_min"].to_numpy(), "ncy_max": own_sites["ncy_max"].to_numpy(),
        "min_places": low, "max_places": high, "place_step": step,
        "capital_fixed": defaults.capital_fixed["special_expansion"], "capital_per_place": per_place,
        "annual_cost_per_place": defaults.annual_cost_per_place["special"],
        "earliest_year": base_year + defaults.lead_years["special_expansion"],
        "host_first_preference_ratio": np.nan, "deliverability": 1.0,
        "notes": [f"more places at {n}" for n in own_sites["name"]],
    })
