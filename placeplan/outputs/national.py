"""national.html: every council of a national sweep on one map, read from the sweep's
national.csv and the datasets it planned (each council's zones give where its residents
live). A circle per council: its area by the shortfall (pupils the status quo leaves to
independent or out-of-area places in the last plan year), its colour by the plan's
saving. Counts below the suppression threshold are printed as such; names are escaped
once and only ever data (the script is a fixed file of this package)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import Transformer

from .disclosure import Rule, protect_counts
from .leaflet import map_page
from .words import esc

#: Saving over the plan (£m) at which each colour starts, lowest first.
SAVING_CLASSES = ((-np.inf, "#d4351c", "no saving"), (1e-6, "#f6d7d2", "up to £5m"), (5.0, "#85b4e0", "£5m to £20m"),
                  (20.0, "#1d70b8", "over £20m"))
CSS = """
.pp-panel { position: absolute; z-index: 1000; background: white; padding: 0.5rem 0.75rem; left: 0.5rem;
            bottom: 1.5rem; max-width: 22rem; font: 0.9rem/1.3 sans-serif; box-shadow: 0 1px 4px #0004; }
.pp-panel h1 { font-size: 1.05rem; margin: 0 0 0.3rem; }
.pp-key { display: inline-block; width: 0.8rem; height: 0.8rem; border-radius: 50%; margin-right: 0.3rem;
          border: 1px solid #0b0c0c; }
"""


@lru_cache(maxsize=1)
def _script() -> str:
    return (resources.files(__package__) / "national.js").read_text(encoding="utf-8")


def _centre(zones: pd.DataFrame) -> tuple[float, float]:
    """Longitude and latitude of the council's residents' centre (zones in British National Grid)."""
    weight = zones["population_total"].astype(float) if "population_total" in zones else np.ones(len(zones))
    x = float(np.average(zones["x"].astype(float), weights=weight))
    y = float(np.average(zones["y"].astype(float), weights=weight))
    lon, lat = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True).transform(x, y)
    return float(lon), float(lat)


def _colour(saving: float) -> str:
    millions = saving / 1e6 if np.isfinite(saving) else -np.inf
    return [colour for start, colour, _ in SAVING_CLASSES if millions >= start][-1]


def national_page(national: pd.DataFrame, datasets: Path, rule: Rule = Rule()) -> str:
    rows = []
    shortfall_labels = protect_counts(national["shortfall"].to_numpy(), rule)
    largest = max(float(national["shortfall"].max()), 1.0)
    for row, shortfall in zip(national.itertuples(index=False), shortfall_labels):
        zones = pd.read_csv(Path(datasets) / row.folder / "zones.csv", usecols=lambda c: c in
                            {"x", "y", "population_total"})
        lon, lat = _centre(zones)
        popup = (f"<strong>{esc(row.name)}</strong><br>pupils needing a specialist place short of local places "
                 f"without new provision: {esc(shortfall)}<br>options the plan opens: {int(row.options_opened)}"
                 f"<br>capital: £{row.capital:,.0f}<br>saved against the status quo over the plan: "
                 f"£{row.saving:,.0f}")
        rows.append({"lat": round(lat, 5), "lon": round(lon, 5), "name": esc(row.name), "popup": popup,
                     "radius": round(4 + 16 * float(np.sqrt(max(row.shortfall, 0.0) / largest)), 2),
                     "colour": _colour(float(row.saving))})
    lats = [r["lat"] for r in rows]
    lons = [r["lon"] for r in rows]
    keys = "".join(f'<div><span class="pp-key" style="background:{colour}"></span>{esc(words)}</div>'
                   for _, colour, words in SAVING_CLASSES)
    panel = (f'<div class="pp-panel"><h1>Specialist places: every council</h1>'
             f"<p>Each circle is a council, its size the pupils its places could not take without new "
             f"provision in the plan's last year, its colour what the plan saves against that:</p>{keys}</div>")
    data = {"councils": rows, "bounds": [[min(lats), min(lons)], [max(lats), max(lons)]]}
    return map_page(title="Specialist places: every council", css=CSS, panels=panel, data=data, script=_script())
