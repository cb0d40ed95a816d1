"""plan.gpkg: the plan as a GeoPackage, in the dataset's coordinate reference system, for
officers who work in QGIS or any GIS that reads OGC GeoPackages.

Layers, each a table a GIS can style and query:

* ``zones``: each home zone's pupils in the plan's last year, in all and by need and by
  phase, protected exactly as the map protects them (the same labels, from the same
  :class:`~placeplan.outputs.public.Public` system): a text column of the printed label
  and a number column that is empty where the label is suppressed;
* ``sites``: existing provision, with its places, pupils on roll, pupils the plan places
  there and pupils within its travel limit, protected as on the map;
* ``options``: every candidate, chosen or not, with its size, opening year, capital and
  the reason it was not chosen;
* ``flows``: lines from each zone to the school the plan places its pupils in, the
  pupils protected (a flow the map hides is not drawn);
* ``zone_shortfall``: internal, marked on every row: each zone's pupils left to
  independent or out-of-area places in the last year, by the setting they need and phase,
  not protected (the map never publishes them).

Zones drawn from points (no boundaries in the dataset) are approximate cells around each
zone's point, as on the map; ``zones.shape`` says which.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from ..solved import MARKING
from .facts import Facts
from .geometry import BNG, ZoneShapes
from .public import Public
from .sufficiency import placed_locally

LAYERS = ("zones", "sites", "options", "flows", "zone_shortfall")


def _zones(facts: Facts) -> pd.DataFrame:
    """The dataset's zones, ids as text (the allocation's and the protected views' ids)."""
    zones = facts.plan.dataset["zones"]
    return zones.assign(zone_id=zones["zone_id"].astype(str))


def _column(key: str) -> str:
    """A view key (all, need:ASD, phase:primary) as a column name GIS tools accept."""
    return "pupils" if key == "all" else "pupils_" + key.split(":", 1)[1].lower()


def zones_layer(facts: Facts, public: Public, shapes: ZoneShapes) -> gpd.GeoDataFrame:
    zones = _zones(facts)
    names = zones.set_index("zone_id")["name"] if "name" in zones else pd.Series(dtype=object)
    frame = pd.DataFrame({"zone_id": public.zone_ids})
    frame["name"] = frame["zone_id"].map(names).fillna("").astype(str)
    for view in public.views:
        column = _column(view.key)
        frame[column] = view.labels
        frame[f"{column}_value"] = np.where(view.hidden, np.nan, view.shown)
    frame["shape"] = "approximate cell around the zone's point" if shapes.approximate else "boundary"
    position = {z: i for i, z in enumerate(shapes.zone_ids)}
    geometry = [shapes.shapes[position[z]] for z in frame["zone_id"]]
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=BNG).to_crs(facts.plan.dataset.meta.crs)


def _points(table: pd.DataFrame, crs: str) -> gpd.GeoSeries:
    return gpd.GeoSeries(shapely.points(table["x"].astype(float), table["y"].astype(float)), crs=crs)


def _ages(table: pd.DataFrame) -> pd.Series:
    return table["ncy_min"].astype(int).astype(str) + " to " + table["ncy_max"].astype(int).astype(str)


def sites_layer(facts: Facts, public: Public) -> gpd.GeoDataFrame:
    table = facts.facilities[~facts.facilities["is_option"]].reset_index(drop=True)
    labels = public.facilities.reindex(table["facility_id"]).fillna("")
    frame = pd.DataFrame(
        {
            "site_id": table["facility_id"].astype(str),
            "name": table["name"].astype(str),
            "kind": table["kind"].astype(str),
            "needs": [";".join(n) for n in table["needs"]],
            "ncy": _ages(table),
            "places": labels["capacity"].to_numpy(),
            "places_source": table["capacity_source"].astype(str),
            "on_roll": labels["on_roll"].to_numpy(),
            "pupils_placed": labels["placed"].to_numpy(),
            "pupils_within_travel_limit": labels["in_reach"].to_numpy(),
        }
    )
    return gpd.GeoDataFrame(frame, geometry=_points(table, facts.plan.dataset.meta.crs))


def options_layer(facts: Facts, public: Public) -> gpd.GeoDataFrame:
    table = facts.facilities[facts.facilities["is_option"]].reset_index(drop=True)
    labels = public.facilities.reindex(table["facility_id"]).fillna("")
    chosen = table["chosen"].astype(bool)
    frame = pd.DataFrame(
        {
            "option_id": table["facility_id"].astype(str),
            "name": table["name"].astype(str),
            "kind": table["kind"].astype(str),
            "host": table["host_name"].astype(str),
            "host_first_preference_ratio": table["host_ratio"].astype(float),
            "needs": [";".join(n) for n in table["needs"]],
            "ncy": _ages(table),
            "chosen": chosen,
            "places": np.where(chosen, table["places"].astype(float), np.nan),
            "opening_year": np.where(chosen, table["opening_year"].astype(float), np.nan),
            "capital": np.where(chosen, table["capital"].astype(float), np.nan),
            "pupils_placed": np.where(chosen, labels["placed"].to_numpy(), ""),
            "pupils_within_travel_limit": labels["in_reach"].to_numpy(),
            "reason_not_chosen": table["reason_not_chosen"].fillna("").astype(str),
        }
    )
    return gpd.GeoDataFrame(frame, geometry=_points(table, facts.plan.dataset.meta.crs))


def flows_layer(facts: Facts, public: Public) -> gpd.GeoDataFrame:
    crs = facts.plan.dataset.meta.crs
    zones = _zones(facts).set_index("zone_id")
    places = facts.facilities.set_index("facility_id")
    flows = public.flows[~public.flows["hidden"].astype(bool)]
    flows = flows[flows["zone_id"].isin(zones.index) & flows["facility_id"].isin(places.index)].reset_index(drop=True)
    start = zones.loc[flows["zone_id"], ["x", "y"]].to_numpy(dtype=float)
    end = places.loc[flows["facility_id"], ["x", "y"]].to_numpy(dtype=float)
    lines = shapely.linestrings(np.stack([start, end], axis=1)) if len(flows) else []
    frame = pd.DataFrame(
        {
            "zone_id": flows["zone_id"].astype(str),
            "facility_id": flows["facility_id"].astype(str),
            "facility_name": places.loc[flows["facility_id"], "name"].astype(str).to_numpy(),
            "pupils": flows["label"].astype(str),
        }
    )
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(lines, crs=crs))


def shortfall_layer(facts: Facts) -> gpd.GeoDataFrame:
    """Pupils of the last plan year placed away from local provision, by zone, setting
    and phase: the allocation's rows at independent, out-of-area or no place."""
    plan = facts.plan
    allocation = plan.allocation[plan.allocation["year"] == plan.final_year]
    away = allocation[~placed_locally(facts, allocation).to_numpy()]
    setting = away["setting"] if "setting" in away else pd.Series("", index=away.index)
    table = (
        away.assign(setting=setting.fillna("").astype(str))
        .groupby(["zone_id", "setting", "phase"], as_index=False)["pupils"]
        .sum()
        .sort_values(["zone_id", "setting", "phase"], kind="stable")
        .reset_index(drop=True)
    )
    table["pupils"] = table["pupils"].astype(float).round(2)
    at = _zones(facts).set_index("zone_id").reindex(table["zone_id"])
    frame = pd.concat([pd.DataFrame({"marking": [MARKING] * len(table)}), table], axis=1)
    return gpd.GeoDataFrame(frame, geometry=_points(at, plan.dataset.meta.crs).to_numpy(), crs=plan.dataset.meta.crs)


def gpkg_bytes(facts: Facts, public: Public, shapes: ZoneShapes) -> bytes:
    """Every layer in one GeoPackage, the same bytes for the same plan: GDAL stamps each
    layer with the time it was written unless told a date, so it is told the run's."""
    layers = {
        "zones": zones_layer(facts, public, shapes),
        "sites": sites_layer(facts, public),
        "options": options_layer(facts, public),
        "flows": flows_layer(facts, public),
        "zone_shortfall": shortfall_layer(facts),
    }
    stamp = f"{facts.plan.solved_on.isoformat()}T00:00:00.000Z"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "plan.gpkg"
        previous = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": stamp})
        try:
            for name in LAYERS:
                # GeoPackage 1.2: what QGIS and the GDAL of long-term-support systems read
                # without a warning (GDAL writes 1.4 by default, which GDAL 3.6 only partly reads).
                options = {"VERSION": "1.2"} if name == LAYERS[0] else None
                pyogrio.write_dataframe(layers[name], path, layer=name, driver="GPKG", dataset_options=options)
        finally:
            pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": previous})
        return path.read_bytes()
