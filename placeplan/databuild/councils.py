"""Which councils a dataset covers, and their zones (LSOA 2021) with population."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .. import opendata
from ..codes import suggest
from ..errors import Problems
from ..opendata import Council


def resolve(names: list[str] | tuple[str, ...], folder: Path) -> list[Council]:
    """Councils by name, DfE code or ONS code (any case); every unknown one is reported."""
    lookup = opendata.read(folder, "la_lookup.csv")
    by_key: dict[str, Council] = {}
    for row in lookup.itertuples(index=False):
        council = Council(str(row.la_code), row.la_gss_code, row.la_name, row.region_name)
        for key in (council.code, council.gss_code, council.name):
            by_key[key.lower()] = council
    problems = Problems()
    found: list[Council] = []
    for name in names:
        match = by_key.get(name.strip().lower())
        if match is None:
            guess = suggest(name, list(lookup["la_name"]), cutoff=0.6)
            hint = f"did you mean {guess}?" if guess else "expected a council name as DfE writes it"
            problems.error("--la", f"is not an English local authority; {hint}", value=name)
        elif match not in found:
            found.append(match)
    if not names:
        problems.error("--la", "is missing; expected at least one council, e.g. --la Essex")
    problems.raise_if_errors("data build")
    return found


def zones(councils: list[Council], folder: Path) -> pd.DataFrame:
    """The councils' LSOAs: id, name, BNG point, council and Census 2021 population."""
    lsoas = opendata.read(folder, "lsoa_population.csv.gz")
    codes = {c.code for c in councils}
    picked = lsoas[lsoas["la_code"].isin(codes)].copy()
    numbers = opendata.counts(picked, ["age_0_15", "age_16_24", "total", "easting", "northing"])
    out = pd.DataFrame(
        {
            "zone_id": picked["lsoa21_code"],
            "name": picked["lsoa21_name"],
            "x": numbers["easting"],
            "y": numbers["northing"],
            "la_code": picked["la_code"],
            "population_0_15": numbers["age_0_15"].astype("int64"),
            "population_16_24": numbers["age_16_24"].astype("int64"),
            "population_total": numbers["total"].astype("int64"),
            "centroid_method": picked["centroid_method"],
        }
    )
    return out.sort_values("zone_id", kind="stable").reset_index(drop=True)


def weighted_centre(zones: pd.DataFrame) -> tuple[float, float]:
    """The child-population-weighted centre of the zones (BNG metres)."""
    weights = zones["population_0_15"].to_numpy(dtype=float)
    if weights.sum() <= 0:
        weights = np.ones(len(zones))
    return (float(np.average(zones["x"], weights=weights)), float(np.average(zones["y"], weights=weights)))
