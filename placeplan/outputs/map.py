"""The councillors' map: one HTML file that works with no network.

Layers a councillor can switch (Leaflet's layer control):

* demand by zone in the plan's last year (radio buttons): all needs, each need, each
  phase, or none; zone areas are real boundaries or approximate cells (see geometry);
* existing provision by kind, sized by places, with places and pupils on roll;
* the options the plan chooses, sized by places and coloured by kind, with opening year;
* candidates not chosen, greyed, with the reason;
* where pupils travel: flows from home zones to placements;
* the travel-time reach of each chosen option;
* a street map background, off by default (it needs a network);
* given a sweep of demand draws (``placeplan map --sweep``), how often each option is
  chosen by the draws' own plans, off by default.

Under its title, a box that opens: what the plan assumes (:mod:`placeplan.outputs.caveats`).

Leaflet's script and styles are inside the file (:mod:`placeplan.outputs.assets`). This
module gathers what the map shows as data (GeoJSON and HTML texts, every name escaped once);
:mod:`placeplan.outputs.leaflet` writes it into a fixed page whose fixed script draws it, so
no name is ever read as a template or as code. Every count of pupils is a protected label
(:mod:`placeplan.outputs.public`).
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import shapely

from .caveats import TITLE as ASSUMES_TITLE
from .caveats import plan_caveats
from .facts import Facts
from .geometry import ZoneShapes, geojson_geometry, lonlat, outlines
from .glossary import KIND_SHORT, academic_year, glossary_for
from .leaflet import map_page
from .popups import candidate_popup, option_popup, site_popup
from .public import Public, ZoneView
from .shortlist import travel_limits
from .sweeps import Sweeps
from .words import capital, date_words, esc, printed_number

#: Okabe-Ito colours, distinguishable with the common colour-vision deficiencies.
KIND_COLOURS = {
    "special": "#0072B2",
    "srp": "#E69F00",
    "esta": "#009E73",
    "unit": "#CC79A7",
    "independent": "#D55E00",
    "special_expansion": "#56B4E9",
    "new_special": "#6A3D9A",
}
NOT_CHOSEN = "#8C8C8C"
SHARE_COLOUR = "#6A3D9A"  # how often an option is chosen over demand draws
ZERO, SMALL, WITHHELD = "#F7F7F7", "#DEEBF7", "#BDBDBD"
RAMP = ("#9ECAE1", "#4292C6", "#08519C", "#08306B")


def demand_breaks(values: np.ndarray, largest_suppressed: int) -> list[int]:
    """Lower edges of the colour classes above the suppressed counts: nice numbers at thirds."""
    shown = values[np.isfinite(values) & (values > largest_suppressed)]
    first = largest_suppressed + 1
    if not len(shown):
        return [first]
    edges = [first]
    for q in (0.4, 0.75, 0.95):
        edge = _nice(float(np.quantile(shown, q)))
        if edge > edges[-1]:
            edges.append(edge)
    return edges[: len(RAMP)]


def _nice(value: float) -> int:
    if value <= 10:
        return int(math.ceil(value))
    step = 10 ** int(math.floor(math.log10(value)))
    for multiple in (1, 2, 2.5, 5, 10):
        if value <= multiple * step:
            return int(multiple * step)
    return int(10 * step)


def _classes(view: ZoneView, breaks: list[int]) -> list[int]:
    """0 zero, 1 suppressed, 2 withheld, 3.. the ramp."""
    out = []
    for label, value in zip(view.labels, view.shown):
        if label == "c":
            out.append(2)
        elif not np.isfinite(value):
            out.append(1)
        elif value <= 0:
            out.append(0)
        else:
            out.append(3 + max(i for i, edge in enumerate(breaks) if value >= edge or i == 0))
    return out


def _class_names(breaks: list[int], rule_small: str) -> list[str]:
    names = ["0", f"{rule_small} (between 1 and {breaks[0] - 1})", "c (withheld)"]
    for i, edge in enumerate(breaks):
        if i == len(breaks) - 1:
            names.append(f"{edge} or more")
        else:
            names.append(f"{edge}" if breaks[i + 1] - 1 == edge else f"{edge} to {breaks[i + 1] - 1}")
    return names


def _point(lon: float, lat: float, properties: dict) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [float(lon), float(lat)]},
        "properties": properties,
    }


def _collection(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}


def _radius(shown: float | None, *, scale: float) -> float:
    """Circle radius in pixels from a printed number: a hidden one gets the smallest."""
    if shown is None or not np.isfinite(shown) or shown <= 0:
        return 4.0
    return round(3.0 + scale * math.sqrt(shown), 1)


def _zone_names(facts: Facts) -> np.ndarray:
    zones = facts.plan.dataset["zones"]
    names = zones["name"].fillna(zones["zone_id"]) if "name" in zones else zones["zone_id"]
    return names.astype(str).to_numpy()


def _council_names(facts: Facts) -> dict[str, str]:
    """Council code -> name, from zone names written the ONS way ('Kingston upon Thames 014A')."""
    zones = facts.plan.dataset["zones"]
    if "la_code" not in zones:
        return {}
    out = {}
    for code, names in pd.Series(_zone_names(facts)).groupby(zones["la_code"].astype(str).to_numpy()):
        stems = {re.sub(r"\s+\d{3}[A-Z]$", "", n) for n in names}
        out[str(code)] = stems.pop() if len(stems) == 1 else f"Council area {code}"
    return out


class MapBuilder:
    """Gathers the map's data from a plan's protected figures, one layer at a time: base
    layers (the demand views, one shown) and overlays, each in the layer list's order."""

    def __init__(self, facts: Facts, public: Public, shapes: ZoneShapes, sweeps: Sweeps | None = None):
        self.facts, self.public, self.shapes, self.sweeps = facts, public, shapes, sweeps
        self.plan = facts.plan
        self.final = academic_year(self.plan.final_year)
        table = facts.facilities.copy()
        table["lon"], table["lat"] = lonlat(table["x"], table["y"], self.plan.dataset.meta.crs)
        self.table = table.set_index("facility_id", drop=False)
        self.zone_lon, self.zone_lat = lonlat(shapes.points[:, 0], shapes.points[:, 1], "EPSG:27700")
        self.zone_names = _zone_names(facts)
        self.texts: list[str] = []  # every text shown, for the glossary
        self.base: list[dict] = []  # the demand views (radio buttons)
        self.overlays: list[dict] = []  # the layers that can be switched on and off
        self.zones: dict = {}  # the zones' shapes, shared by every demand view
        self.colours: list[str] = []  # colour of each demand class

    def view(self) -> dict:
        """Where the map opens: the zones' bounds (map.js fits them, leaving room for the panels)."""
        x0, y0, x1, y1 = shapely.total_bounds(self.shapes.shapes)
        (west, east), (south, north) = lonlat(np.array([x0, x1]), np.array([y0, y1]), "EPSG:27700")
        west, east, south, north = float(west), float(east), float(south), float(north)
        return {
            "center": [(south + north) / 2, (west + east) / 2],
            "zoom": 11,
            "bounds": [[south, west], [north, east]],
        }

    def build(self) -> str:
        self.add_background()
        self.add_demand()
        self.add_outlines()
        self.add_reach()
        self.add_flows()
        self.add_candidates()
        self.add_existing()
        self.add_chosen()
        self.add_chosen_share()
        data = {
            "view": self.view(),
            "colours": self.colours,
            "zones": self.zones,
            "base": self.base,
            "overlays": self.overlays,
        }
        return map_page(title=f"{self.plan.title}: map", css=PANEL_CSS, panels=self.panels(), data=data)

    # --- layers ------------------------------------------------------------------------

    def _overlay(self, name: str, features: list[dict], *, show: bool) -> None:
        """An overlay of features, each styled by its properties' ``style`` and bound to its
        ``tip`` and ``popup`` (HTML, escaped)."""
        self.overlays.append({"name": esc(name), "show": show, "features": _collection(features)})

    def add_background(self) -> None:
        self.overlays.append(
            {"name": esc("Street map background (needs an internet connection)"), "show": False, "tiles": True}
        )

    def add_demand(self) -> None:
        features = []
        for i, (zone, shape) in enumerate(zip(self.zone_names, self.shapes.shapes)):
            geometry = geojson_geometry(shape)
            if geometry is not None:
                features.append({"type": "Feature", "geometry": geometry, "properties": {"i": i, "name": esc(zone)}})
        self.zones = _collection(features)
        views = self.public.views
        self.breaks = demand_breaks(views[0].shown, self.plan.rule.largest)
        self.colours = [ZERO, SMALL, WITHHELD, *RAMP[: len(self.breaks)]]
        approx = " (approximate areas)" if self.shapes.approximate else ""
        for number, view in enumerate(views):
            name = view.title
            title = view.title.lower() if view.key == "all" else view.title
            caption = f" pupils needing a specialist place in {self.final} ({title}){approx}"
            self.base.append(
                {
                    "name": esc(name),
                    "show": number == 0,
                    "classes": _classes(view, self.breaks),
                    "labels": [esc(label) for label in view.labels],
                    "caption": esc(caption),
                }
            )
            self.texts.append(name)
        self.base.append({"name": esc("No demand shading"), "show": False})

    def add_outlines(self) -> None:
        zones = self.plan.dataset["zones"]
        if "la_code" not in zones:
            return
        names = _council_names(self.facts)
        shapes = outlines(self.shapes, zones["la_code"].astype(str).to_numpy())
        features = [
            {
                "type": "Feature",
                "geometry": geojson_geometry(shape, simplify=40.0),
                "properties": {
                    "tip": esc(names.get(code, code)),
                    "style": {"color": "#222222", "weight": 2.5, "fill": False},
                },
            }
            for code, shape in shapes.items()
            if not shape.is_empty
        ]
        approx = " (approximate)" if self.shapes.approximate else ""
        self._overlay(f"Council areas{approx}", features, show=True)
        self.texts += list(names.values())

    def add_reach(self) -> None:
        """Each chosen option's reach: the zones within its travel limit, drawn as one
        outline (simplified in proportion to the area's size: a guide, not a survey)."""
        chosen = self.table[self.table["is_option"] & self.table["chosen"]]
        if chosen.empty:
            return
        limits = dict(zip(chosen.index, travel_limits(chosen, self.facts)))
        pairs = self.facts.pairs
        pairs = pairs[pairs["facility_id"].astype(str).isin(chosen.index)]
        position = pd.Series(np.arange(len(self.shapes.zone_ids)), index=self.shapes.zone_ids)
        zone_of = position.reindex(pairs["zone_id"].astype(str)).to_numpy()
        by_option = dict(list(pd.Series(zone_of).groupby(pairs["facility_id"].astype(str).to_numpy())))
        x0, y0, x1, y1 = shapely.total_bounds(self.shapes.shapes)
        tolerance = max(60.0, max(x1 - x0, y1 - y0) / 400)
        features = []
        for option, row in chosen.iterrows():
            zones = by_option.get(option, pd.Series(dtype=float)).dropna().astype(int).to_numpy()
            if not len(zones):
                continue
            mask = np.zeros(len(self.shapes.zone_ids), dtype=bool)
            mask[zones] = True
            tip = f"Zones within {limits[option]:.0f} minutes of {row['name']}"
            features.append(
                {
                    "type": "Feature",
                    "geometry": geojson_geometry(self.shapes.union(mask), simplify=tolerance),
                    "properties": {
                        "tip": esc(tip),
                        "style": {
                            "color": KIND_COLOURS.get(row["kind"], "#333333"),
                            "weight": 1.5,
                            "dashArray": "5 4",
                            "fillOpacity": 0.04,
                        },
                    },
                }
            )
        self._overlay("Travel-time reach of chosen options", features, show=False)

    def add_flows(self) -> None:
        flows = self.public.flows
        position = {z: i for i, z in enumerate(self.shapes.zone_ids)}
        features = []
        for row in flows.itertuples(index=False):
            if row.zone_id not in position or row.facility_id not in self.table.index:
                continue
            z = position[row.zone_id]
            target = self.table.loc[row.facility_id]
            shown = None if row.hidden else printed_number(row.label)
            tip = f"{self.zone_names[z]} to {target['name']}: {row.label} pupils in {self.final}"
            features.append(
                {
                    "type": "Feature",
                    "geometry": {
                        "type": "LineString",
                        "coordinates": [
                            [float(self.zone_lon[z]), float(self.zone_lat[z])],
                            [float(target["lon"]), float(target["lat"])],
                        ],
                    },
                    "properties": {
                        "tip": esc(tip),
                        "style": {
                            "color": KIND_COLOURS.get(target["kind"], "#333333"),
                            "opacity": 0.55,
                            "weight": 1.0 if shown is None else round(min(8.0, 1.0 + math.sqrt(shown) / 1.5), 1),
                        },
                    },
                }
            )
        self._overlay(f"Where pupils travel, {self.final}", features, show=False)

    def _points(self, rows: pd.DataFrame, name: str, *, show: bool, popup, style) -> None:
        features = [
            _point(row["lon"], row["lat"], {"popup": popup(row), "tip": esc(row["name"]), "style": style(row)})
            for _, row in rows.iterrows()
        ]
        self._overlay(name, features, show=show)
        self.texts += [name, *(f["properties"]["popup"] for f in features)]

    def add_candidates(self) -> None:
        rows = self.table[self.table["is_option"] & ~self.table["chosen"]]
        if rows.empty:
            return
        self._points(
            rows,
            "Candidates not chosen",
            show=False,
            popup=candidate_popup,
            style=lambda row: {
                "radius": 4,
                "color": "#666666",
                "weight": 1,
                "fillColor": NOT_CHOSEN,
                "fillOpacity": 0.45,
            },
        )

    def add_existing(self) -> None:
        sites = self.table[~self.table["is_option"]]
        labels = self.public.facilities
        for kind in KIND_COLOURS:
            rows = sites[sites["kind"] == kind]
            if rows.empty:
                continue

            def style(row, colour=KIND_COLOURS[kind]):
                shown = printed_number(labels.at[row["facility_id"], "capacity"])
                return {
                    "radius": _radius(shown, scale=1.1),
                    "color": "#333333",
                    "weight": 1,
                    "fillColor": colour,
                    "fillOpacity": 0.8,
                }

            self._points(
                rows,
                f"Existing: {KIND_SHORT[kind]}",
                show=True,
                popup=lambda row: site_popup(row, labels.loc[row["facility_id"]], self.final),
                style=style,
            )

    def add_chosen(self) -> None:
        rows = self.table[self.table["is_option"] & self.table["chosen"]].sort_values("places", ascending=False)
        if rows.empty:
            return
        labels = self.public.facilities
        limits = dict(zip(rows.index, travel_limits(rows, self.facts)))
        self._points(
            rows,
            "New places the plan chooses",
            show=True,
            popup=lambda row: option_popup(
                row, labels.loc[row["facility_id"]], self.facts, self.final, limits[row["facility_id"]]
            ),
            style=lambda row: {
                "radius": _radius(float(row["places"]), scale=2.2),
                "color": "#000000",
                "weight": 2,
                "fillColor": KIND_COLOURS.get(row["kind"], "#333333"),
                "fillOpacity": 0.95,
            },
        )

    def add_chosen_share(self) -> None:
        """How often each option is chosen when demand comes in otherwise: every option a
        draw's plan opens, or the plan does, sized by the share of draws that open it."""
        sweeps = self.sweeps
        if sweeps is None or sweeps.robustness is None:
            return
        frame = sweeps.robustness.set_index("option_id")
        ids = [
            i
            for i in frame.index
            if i in self.table.index and (frame.at[i, "chosen_share"] > 0 or frame.at[i, "in_plan"] == "yes")
        ]
        rows = self.table.loc[ids].assign(
            share=[float(frame.at[i, "chosen_share"]) for i in ids],
            chosen_in=[int(frame.at[i, "draws_chosen"]) for i in ids],
        )
        # smallest last, so a large circle never covers a small one's click
        rows = rows.iloc[np.lexsort((rows.index.to_numpy(), -rows["share"].to_numpy()))]
        draws = sweeps.draws

        def popup(row) -> str:
            in_plan = (
                f"In the plan: {float(row['places']):,.0f} places from {int(row['opening_year'])}."
                if row["chosen"]
                else "Not in the plan."
            )
            return (
                f"<b>{esc(row['name'])}</b><br>Chosen by the plans of {row['chosen_in']} of {draws} demand "
                f"futures ({100 * row['share']:.0f}%).<br>{in_plan}"
            )

        self._points(
            rows,
            f"How often each option is chosen ({draws} demand futures)",
            show=False,
            popup=popup,
            style=lambda row: {
                "radius": round(4.0 + 14.0 * row["share"], 1),
                "color": "#000000",
                "weight": 2 if row["chosen"] else 1,
                "fillColor": SHARE_COLOUR,
                "fillOpacity": round(0.25 + 0.6 * row["share"], 2),
            },
        )

    # --- title, legend, glossary ------------------------------------------------------------

    def _share_key(self) -> str:
        """The legend's line for how often each option is chosen, when the map has that layer."""
        if self.sweeps is None or self.sweeps.robustness is None:
            return ""
        return (
            f'<div><span class="pp-dot" style="background:{SHARE_COLOUR}"></span>how often an option is chosen '
            f"over {self.sweeps.draws} demand futures (larger: more often)</div>"
        )

    def panels(self) -> str:
        """The title, legend and glossary panels as HTML (every name escaped)."""
        plan = self.plan
        class_names = _class_names(self.breaks, plan.rule.small)
        colours = [ZERO, SMALL, WITHHELD, *RAMP[: len(self.breaks)]]
        swatches = "".join(
            f'<div><span class="pp-swatch" style="background:{c}"></span>{esc(n)}</div>'
            for c, n in zip(colours, class_names)
        )
        shown = self.table[~self.table["is_option"] | self.table["chosen"]]
        kinds_present = [k for k in KIND_COLOURS if (shown["kind"] == k).any()]
        circles = "".join(
            f'<div><span class="pp-dot" style="background:{KIND_COLOURS[k]}"></span>{esc(capital(KIND_SHORT[k]))}</div>'
            for k in kinds_present
        )
        approx = (
            "Zone areas are approximate: cells drawn round each zone's centre (the dataset gives "
            "points, not boundaries)."
            if self.shapes.approximate
            else ""
        )
        legend = (
            f'<div class="pp-panel pp-legend"><b>Pupils needing a specialist place, {self.final}</b>'
            f"{swatches}<b>Provision</b>{circles}"
            f'<div><span class="pp-dot pp-new"></span>new places (thick outline)</div>'
            f'<div><span class="pp-dot" style="background:{NOT_CHOSEN}"></span>candidate not chosen</div>'
            f"{self._share_key()}"
            f'<div class="pp-small">Circles are sized by places. {esc(plan.rule.describe())} '
            f"{esc(approx)}</div></div>"
        )
        assumes = "".join(f"<li>{esc(line)}</li>" for line in plan_caveats(plan))
        title = (
            f'<div class="pp-panel pp-title"><div class="pp-h">{esc(plan.title)}</div>'
            f"<div>Plan of {esc(date_words(plan.solved_on))}; {esc(plan.dataset.meta.name)}. "
            f"Click a circle for details; switch layers on the right.</div>"
            f'<details class="pp-assumes"><summary><b>{esc(ASSUMES_TITLE)}</b></summary>'
            f"<ul>{assumes}</ul></details></div>"
        )
        text = " ".join(self.texts) + legend + title + " SEND EHCP SRP ESTA NCY"
        terms = glossary_for(text)
        entries = "".join(f"<dt>{esc(t)}</dt><dd>{esc(m)}</dd>" for t, m in terms.items())
        glossary = (
            f'<details class="pp-panel pp-glossary" open><summary><b>What the words mean</b></summary>'
            f"<dl>{entries}</dl></details>"
        )
        return title + legend + glossary


PANEL_CSS = """
.pp-panel { position: fixed; z-index: 1000; background: rgba(255,255,255,0.94); border: 1px solid #888;
            border-radius: 4px; padding: 6px 9px; font: 12px/1.35 Arial, Helvetica, sans-serif; color: #111;
            box-shadow: 0 1px 4px rgba(0,0,0,0.25); }
.pp-title { top: 10px; left: 56px; max-width: 44vw; }
.pp-title .pp-h { font-size: 16px; font-weight: bold; }
.pp-assumes { margin-top: 4px; } .pp-assumes summary { cursor: pointer; }
.pp-assumes ul { margin: 3px 0 0; padding-left: 16px; max-height: 40vh; overflow-y: auto; }
.pp-legend { bottom: 24px; right: 10px; max-width: 270px; max-height: 38vh; overflow-y: auto; }
.pp-legend b { display: block; margin-top: 4px; }
.pp-glossary { bottom: 48px; left: 10px; max-width: 300px; max-height: 28vh; overflow-y: auto; }
.pp-glossary dt { font-weight: bold; } .pp-glossary dd { margin: 0 0 3px 8px; }
.pp-swatch { display: inline-block; width: 14px; height: 11px; border: 1px solid #777; margin-right: 5px; }
.pp-dot { display: inline-block; width: 11px; height: 11px; border-radius: 50%; border: 1px solid #333;
          margin-right: 5px; vertical-align: middle; }
.pp-new { border: 3px solid #000; width: 7px; height: 7px; background: #fff; }
.pp-small { margin-top: 5px; color: #444; font-size: 11px; }
.leaflet-control-layers { max-height: 52vh; overflow-y: auto; font-size: 12px; }
.leaflet-popup-pane { z-index: 1050; }
.leaflet-popup-content { font-size: 13px; line-height: 1.4; }
.leaflet-control-layers label { margin: 0; line-height: 1.3; }
.leaflet-control-layers-base { columns: 2; column-gap: 12px; }
.leaflet-control-layers-base::before { content: "Shade zones by pupils needing a place"; font-weight: bold;
                                       display: block; margin-bottom: 2px; column-span: all; }
.leaflet-control-layers-overlays::before { content: "Show"; font-weight: bold; display: block; margin-bottom: 2px; }
"""


def map_html(facts: Facts, public: Public, shapes: ZoneShapes, sweeps: Sweeps | None = None) -> str:
    """The whole map as one HTML document (with a layer of how often each option is
    chosen, given a sweep of demand draws)."""
    return MapBuilder(facts, public, shapes, sweeps).build()
