"""Candidate options: resourced provisions (SRPs) and ESTAs hosted by the councils'
mainstream schools, and expansions of their special schools.

Every hosted option carries its host's roll, selectivity and age range (:mod:`.hosts`) and
admits the host's years from reception. An SRP candidate at a school where the builder has
written a resourced site (GIAS lists SEN provision there, :mod:`.provision`) is an
expansion of that provision rather than a second base: same id (``SRP-<urn>``), the needs
GIAS lists for it, sizes up to the phase's largest SRP less today's places, and no annual
fixed cost of its own (``[expansion]`` in ``scenario/builder.toml``).

A host's oversubscription is its first preferences divided by the places it offered on
national offer day 2022 (DfE *applications and offers*, the latest school-level figures in
open data): above 1 means more families put it first than it has places. Costs and sizes
come from ``scenario/builder.toml``, each with its source or marked as an assumption.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import opendata
from ..scenario.builder import Defaults
from . import hosts as host_table

#: The kinds the builder offers at every mainstream host. Open data cannot tell a unit from a
#: resourced provision (see :mod:`.provision`), so it offers no units; a council adds its own.
BUILT_AT_HOSTS = ("srp", "esta")
LABELS = {"srp": "resourced provision (SRP)", "esta": "enhanced support (ESTA)"}
#: Column order of the candidates table (the data standard's).
COLUMNS = (
    "option_id",
    "name",
    "kind",
    "site_id",
    "x",
    "y",
    "needs",
    "ncy_min",
    "ncy_max",
    "min_places",
    "max_places",
    "place_step",
    "capital_fixed",
    "capital_per_place",
    "annual_cost_per_place",
    "annual_fixed_cost",
    "host_on_roll",
    "host_selective",
    "host_ncy_min",
    "host_ncy_max",
    "earliest_year",
    "host_first_preference_ratio",
    "deliverability",
    "notes",
)


def first_preference_ratios(folder) -> pd.Series:
    """URN (2025) -> first preferences / places offered, for September 2022 entry."""
    apps = opendata.read(folder, "school_applications.csv.gz")
    numbers = opendata.counts(apps, ["total_number_places_offered", "times_put_as_1st_preference"])
    summed = numbers.groupby(apps["urn_2025"]).sum()
    offered = summed["total_number_places_offered"]
    return (summed["times_put_as_1st_preference"] / offered.where(offered > 0)).dropna().round(3)


def _sizes(kind: str, hosts: pd.DataFrame, defaults: Defaults) -> pd.DataFrame:
    """min, max and step of places for each host: SRPs by the host's phase."""
    if kind != "srp":
        size = defaults.sizes[kind]
        return pd.DataFrame(
            {"min": int(size["min"]), "max": int(size["max"]), "step": int(size["step"])}, index=hosts.index
        )
    primary, secondary = defaults.sizes["srp_primary"], defaults.sizes["srp_secondary"]
    older = host_table.secondary(hosts)
    return pd.DataFrame(
        {key: np.where(older, int(secondary[key]), int(primary[key])) for key in ("min", "max", "step")},
        index=hosts.index,
    )


def _expansion_sizes(hosts: pd.DataFrame, existing: pd.Series, largest: pd.Series, defaults: Defaults) -> pd.DataFrame:
    """Sizes of expansions: from [expansion] min in its steps, up to the phase's largest SRP
    less today's places (at least the minimum)."""
    low, step = int(defaults.expansion["min"]), int(defaults.expansion["step"])
    room = largest.to_numpy() - existing.to_numpy()
    high = low + step * np.maximum(0, np.floor((room - low) / step)).astype(int)
    return pd.DataFrame({"min": low, "max": high, "step": step}, index=hosts.index)


def hosted_options(
    hosts: pd.DataFrame, *, resourced: pd.DataFrame, ratios: pd.Series, base_year: int, defaults: Defaults
) -> pd.DataFrame:
    """An SRP and an ESTA at every host (:func:`.hosts.hosts` rows of the councils); the SRP
    at a host with a ``resourced`` site is an expansion of it."""
    existing = resourced.set_index("site_id")
    blocks = []
    for kind in BUILT_AT_HOSTS:
        size = _sizes(kind, hosts, defaults)
        expands = hosts["urn"].isin(existing.index).to_numpy() if kind == "srp" else np.zeros(len(hosts), bool)
        places = existing["capacity"].reindex(hosts["urn"]).fillna(0).set_axis(hosts.index)
        grown = _expansion_sizes(hosts, places, size["max"], defaults)
        size = pd.DataFrame({k: np.where(expands, grown[k], size[k]) for k in size}, index=hosts.index)
        needs = np.where(expands, existing["needs"].reindex(hosts["urn"]).to_numpy(), ";".join(defaults.hosted_needs))
        labels = [
            f"more places at the SEN provision GIAS lists at {n} (about {int(p)} places today, estimated)"
            if e
            else f"a {LABELS[kind]} hosted by {n}"
            for n, p, e in zip(hosts["name"], places, expands)
        ]
        notes = [
            "; ".join(
                part for part in (label, h, "" if u in ratios.index else "no applications data for the host") if part
            )
            for label, h, u in zip(labels, hosts["host_notes"], hosts["urn"])
        ]
        fixed = np.where(expands, int(defaults.expansion["annual_fixed_cost"]), int(defaults.annual_fixed_cost[kind]))
        blocks.append(
            pd.DataFrame(
                {
                    "option_id": [f"{kind.upper()}-{u}" for u in hosts["urn"]],
                    "name": [
                        f"{n} {kind.upper()}" + (" expansion" if e else "") for n, e in zip(hosts["name"], expands)
                    ],
                    "kind": kind,
                    "site_id": hosts["urn"].to_numpy(),
                    "x": hosts["x"].to_numpy(),
                    "y": hosts["y"].to_numpy(),
                    "needs": needs,
                    "ncy_min": hosts["ncy_min"].to_numpy(),
                    "ncy_max": hosts["ncy_max"].to_numpy(),
                    "min_places": size["min"].astype(int).to_numpy(),
                    "max_places": size["max"].astype(int).to_numpy(),
                    "place_step": size["step"].astype(int).to_numpy(),
                    "capital_fixed": defaults.capital_fixed[kind],
                    "capital_per_place": defaults.capital_per_place[kind],
                    "annual_cost_per_place": defaults.annual_cost_per_place[kind],
                    "annual_fixed_cost": fixed,
                    "host_on_roll": hosts["on_roll"].to_numpy(),
                    "host_selective": hosts["selective"].to_numpy(),
                    "host_ncy_min": hosts["host_ncy_min"].to_numpy(),
                    "host_ncy_max": hosts["host_ncy_max"].to_numpy(),
                    "earliest_year": base_year + defaults.lead_years[kind],
                    "host_first_preference_ratio": ratios.reindex(hosts["urn"]).to_numpy(),
                    "deliverability": 1.0,
                    "notes": notes,
                }
            )
        )
    return pd.concat(blocks, ignore_index=True)[list(COLUMNS)]


def expansion_options(own_sites: pd.DataFrame, *, base_year: int, london: bool, defaults: Defaults) -> pd.DataFrame:
    """One expansion per special school of the councils, up to a quarter of its roll."""
    size = defaults.sizes["special_expansion"]
    step, low = int(size["step"]), int(size["min"])
    wanted = np.maximum(size["max_at_least"], own_sites["capacity"].to_numpy() * size["max_share"])
    high = low + step * np.ceil((wanted - low) / step).astype(int)
    per_place = defaults.capital_per_place["special_london" if london else "special"]
    return pd.DataFrame(
        {
            "option_id": [f"EXP-{s}" for s in own_sites["site_id"]],
            "name": [f"{n} expansion" for n in own_sites["name"]],
            "kind": "special_expansion",
            "site_id": own_sites["site_id"].to_numpy(),
            "x": own_sites["x"].to_numpy(),
            "y": own_sites["y"].to_numpy(),
            "needs": own_sites["needs"].to_numpy(),
            "ncy_min": own_sites["ncy_min"].to_numpy(),
            "ncy_max": own_sites["ncy_max"].to_numpy(),
            "min_places": low,
            "max_places": high,
            "place_step": step,
            "capital_fixed": defaults.capital_fixed["special_expansion"],
            "capital_per_place": per_place,
            "annual_cost_per_place": defaults.annual_cost_per_place["special"],
            "annual_fixed_cost": int(defaults.annual_fixed_cost["special_expansion"]),
            "host_on_roll": pd.NA,
            "host_selective": "",
            "host_ncy_min": pd.NA,
            "host_ncy_max": pd.NA,
            "earliest_year": base_year + defaults.lead_years["special_expansion"],
            "host_first_preference_ratio": np.nan,
            "deliverability": 1.0,
            "notes": [f"more places at {n}" for n in own_sites["name"]],
        }
    )[list(COLUMNS)]


def candidates(hosted: pd.DataFrame, expansions: pd.DataFrame) -> pd.DataFrame:
    """Both kinds in one table, host columns as nullable whole numbers (blank where none)."""
    frame = pd.concat([hosted, expansions], ignore_index=True)
    for column in ("host_on_roll", "host_ncy_min", "host_ncy_max"):
        frame[column] = frame[column].astype("Int64")
    return frame
