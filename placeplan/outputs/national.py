"""national.html: every council of a national sweep on one map, read from the sweep's
national.csv and the datasets it planned. Each council is an area shaded, at the reader's
choice, by its shortfall (pupils the status quo leaves to independent or out-of-area places
in the last plan year) or by what the plan saves. The pack has no council boundaries, so
each area is the union of the Voronoi cells of the council's zone points (the residents'
LSOAs), all councils' points taken together so that neighbours meet: approximate, and
said so on the page. Counts below the suppression threshold are printed as such; names are
escaped once and only ever data (the script is a fixed file of this package)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
import shapely.geometry

from .disclosure import Rule, protect_counts
from .geometry import geojson_geometry, voronoi_cells
from .leaflet import map_page
from .words import esc

DEFAULT_RULE = Rule()

#: Saving over the plan (£m) at which each colour starts, lowest first.
SAVING_CLASSES = (
    (-np.inf, "#d4351c", "no saving"),
    (1e-6, "#f6d7d2", "up to £5m"),
    (5.0, "#85b4e0", "£5m to £20m"),
    (20.0, "#1d70b8", "over £20m"),
)
CSS = """
.pp-panel { position: absolute; z-index: 1000; background: white; padding: 0.5rem 0.75rem; left: 0.5rem;
            bottom: 1.5rem; max-width: 22rem; font: 0.9rem/1.3 sans-serif; box-shadow: 0 1px 4px #0004; }
.pp-panel h1 { font-size: 1.05rem; margin: 0 0 0.3rem; }
.pp-key { display: inline-block; width: 0.8rem; height: 0.8rem; margin-right: 0.3rem;
          border: 1px solid #0b0c0c; }
.pp-view { margin-top: 0.4rem; }
"""


@lru_cache(maxsize=1)
def _script() -> str:
    return (resources.files(__package__) / "national.js").read_text(encoding="utf-8")


#: Pupils short of local places at which each shade starts, lowest first.
SHORTFALL_CLASSES = (
    (0.0, "#f3f2f1", "none"),
    (0.5, "#fde0c5", "1 to 249"),
    (249.5, "#f9a66c", "250 to 499"),
    (499.5, "#e2592b", "500 to 999"),
    (999.5, "#b8321a", "1,000 to 1,999"),
    (1999.5, "#6b1206", "2,000 or more"),
)
#: Simplification of the council areas (metres): the page stays a few MB for all of England.
AREA_SIMPLIFY_M = 250.0
#: Every zone's cell reaches at least this far (metres), so rural councils have no holes.
AREA_REACH_M = 5000.0
#: Cells are grown by this much (metres) before they are joined, and the council shrunk back:
#: neighbouring cells' shared edges then leave no slivers.
AREA_SEAM_M = 5.0


def _zones(datasets: Path, folder: str) -> pd.DataFrame:
    return pd.read_csv(Path(datasets) / folder / "zones.csv", usecols=lambda c: c in {"x", "y"})


def council_areas(national: pd.DataFrame, datasets: Path) -> list[dict | None]:
    """Each council's approximate area as a GeoJSON geometry (longitude, latitude): the
    union of its zones' Voronoi cells, every council's zones in one diagram."""
    zones = [_zones(datasets, folder) for folder in national["folder"]]
    if not zones:
        return []
    points = np.concatenate([z[["x", "y"]].to_numpy(float) for z in zones])
    owner = np.repeat(np.arange(len(zones)), [len(z) for z in zones])
    cells = shapely.buffer(voronoi_cells(points, reach=AREA_REACH_M), AREA_SEAM_M)
    return [
        geojson_geometry(shapely.buffer(shapely.union_all(cells[owner == i]), -AREA_SEAM_M), simplify=AREA_SIMPLIFY_M)
        for i in range(len(zones))
    ]


def _class(value: float, classes) -> str:
    return [colour for start, colour, _ in classes if value >= start][-1]


def _colour(saving: float) -> str:
    return _class(saving / 1e6 if np.isfinite(saving) else -np.inf, SAVING_CLASSES)


def _keys(classes) -> str:
    return "".join(
        f'<div><span class="pp-key" style="background:{colour}"></span>{esc(words)}</div>'
        for _, colour, words in classes
    )


def national_page(national: pd.DataFrame, datasets: Path, rule: Rule = DEFAULT_RULE) -> str:
    features: list[dict[str, Any]] = []  # GeoJSON features
    shortfall_labels = protect_counts(national["shortfall"].to_numpy(), rule)
    for row, shortfall, area in zip(
        national.itertuples(index=False), shortfall_labels, council_areas(national, datasets)
    ):
        popup = (
            f"<strong>{esc(row.name)}</strong><br>pupils needing a specialist place short of local places "
            f"without new provision: {esc(shortfall)}<br>options the plan opens: {int(row.options_opened)}"
            f"<br>capital: £{row.capital:,.0f}<br>saved against the status quo over the plan: "
            f"£{row.saving:,.0f}"
        )
        shown = float(row.shortfall) if np.isfinite(row.shortfall) else 0.0
        features.append(
            {
                "type": "Feature",
                "geometry": area,
                "properties": {
                    "name": esc(row.name),
                    "popup": popup,
                    "fill": {"shortfall": _class(shown, SHORTFALL_CLASSES), "saving": _colour(float(row.saving))},
                },
            }
        )
    bounds = _bounds([f["geometry"] for f in features if f["geometry"] is not None])
    panel = (
        f'<div class="pp-panel"><h1>Specialist places: every council</h1>'
        f"<p>Each council's area is approximate (drawn around where its residents live). Shade it by "
        f"the pupils its places could not take without new provision in the plan's last year, or by "
        f"what the plan saves against that (choose on the right).</p>"
        f'<div class="pp-view" data-view="shortfall"><strong>Short of local places</strong>'
        f"{_keys(SHORTFALL_CLASSES)}</div>"
        f'<div class="pp-view" data-view="saving"><strong>Saved over the plan</strong>'
        f"{_keys(SAVING_CLASSES)}</div></div>"
    )
    data = {
        "councils": {"type": "FeatureCollection", "features": features},
        "bounds": bounds,
        "views": {"shortfall": "Shade by pupils short of local places", "saving": "Shade by the plan's saving"},
    }
    return map_page(title="Specialist places: every council", css=CSS, panels=panel, data=data, script=_script())


def _bounds(geometries: list[dict]) -> list[list[float]]:
    coords = (
        np.concatenate([np.asarray(shapely.get_coordinates(shapely.geometry.shape(g))) for g in geometries])
        if geometries
        else np.array([[-6.0, 49.9], [1.8, 55.8]])
    )
    (west, south), (east, north) = coords.min(axis=0), coords.max(axis=0)
    return [[float(south), float(west)], [float(north), float(east)]]
