"""Shapes for the map: zone areas, council outlines, travel-time reach, in longitude and
latitude for the browser.

Zones from a GeoPackage keep their real boundaries. Zones given only as points (x, y) get
approximate areas: the Voronoi cell of each zone's point (every place nearer that point
than any other), cut back to a radius around it set by its neighbours' distance, so the
edge of the area does not run to infinity. The map says which it shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
import shapely.geometry
from scipy.spatial import cKDTree

from ..coordinates import BNG, to_bng, to_lonlat_transformer
from ..dataset import Dataset

#: Simplification of shapes drawn on the map, in metres.
SIMPLIFY_M = 15.0
#: Decimal places of longitude and latitude in the map (5 is about a metre).
DECIMALS = 5


@dataclass(frozen=True)
class ZoneShapes:
    """One shape per zone, in British National Grid metres, in the zones table's order."""

    zone_ids: np.ndarray
    shapes: np.ndarray  # shapely polygons
    points: np.ndarray  # (n, 2) BNG coordinates of each zone's point
    approximate: bool

    def union(self, mask: np.ndarray) -> shapely.Geometry:
        return shapely.union_all(self.shapes[mask])


def zone_shapes(dataset: Dataset) -> ZoneShapes:
    zones = dataset["zones"]
    x, y = to_bng(zones["x"].astype(float), zones["y"].astype(float), dataset.meta.crs)
    points = np.column_stack([x, y])
    ids = zones["zone_id"].astype(str).to_numpy()
    geometry = dataset.geometry
    if geometry is not None and len(geometry) == len(zones):
        series = gpd.GeoSeries(geometry)
        if series.crs is None:
            series = series.set_crs(dataset.meta.crs)
        shapes = np.asarray(series.to_crs(BNG).to_numpy(), dtype=object)
        return ZoneShapes(ids, shapes, points, approximate=False)
    return ZoneShapes(ids, voronoi_cells(points), points, approximate=True)


def voronoi_cells(points: np.ndarray, *, reach: float = 250.0) -> np.ndarray:
    """The Voronoi cell of each point, cut to a circle of the distance to its third
    nearest neighbour (at least ``reach`` metres), so outer cells stay near their points."""
    if len(points) == 1:
        return np.array([shapely.Point(points[0]).buffer(1000.0)], dtype=object)
    unique, inverse = np.unique(points, axis=0, return_inverse=True)
    inverse = np.asarray(inverse).reshape(-1)
    k = min(4, len(unique))
    distance, _ = cKDTree(unique).query(unique, k=k)
    radius = np.maximum(reach, distance[:, -1]) if len(unique) > 1 else np.array([1000.0])
    if len(unique) == 1:
        cells_unique = np.array([shapely.Point(unique[0]).buffer(radius[0])], dtype=object)
    else:
        diagram = shapely.voronoi_polygons(
            shapely.MultiPoint(unique), extend_to=shapely.box(*(unique.min(0) - 1e4), *(unique.max(0) + 1e4))
        )
        cells = np.asarray(shapely.get_parts(diagram), dtype=object)
        # match each cell to the point inside it (GEOS does not promise their order)
        tree = shapely.STRtree(cells)
        point_geoms = shapely.points(unique)
        pairs = tree.query(point_geoms, predicate="within")
        cells_unique = np.empty(len(unique), dtype=object)
        cells_unique[pairs[0]] = cells[pairs[1]]
        circles = shapely.buffer(point_geoms, radius, quad_segs=8)
        cells_unique = shapely.intersection(cells_unique, circles)
    return cells_unique[inverse]


def lonlat(x: np.ndarray, y: np.ndarray, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude of points given in ``crs``."""
    lon, lat = to_lonlat_transformer(crs).transform(np.asarray(x, float), np.asarray(y, float))
    return np.round(np.asarray(lon), DECIMALS), np.round(np.asarray(lat), DECIMALS)


def geojson_geometry(shape: shapely.Geometry, *, simplify: float = SIMPLIFY_M) -> dict | None:
    """A BNG shape as a GeoJSON geometry in longitude and latitude, simplified and rounded."""
    if shape is None or shape.is_empty:
        return None
    shape = shapely.simplify(shape, simplify, preserve_topology=True)
    transformer = to_lonlat_transformer()

    def convert(coords: np.ndarray) -> np.ndarray:
        lon, lat = transformer.transform(coords[:, 0], coords[:, 1])
        return np.round(np.column_stack([lon, lat]), DECIMALS)

    return shapely.geometry.mapping(shapely.transform(shape, convert))


def outlines(shapes: ZoneShapes, groups: np.ndarray) -> dict[str, shapely.Geometry]:
    """The union of the zones of each group (a council's zones, say): its outline."""
    out = {}
    for group in dict.fromkeys(groups):
        out[str(group)] = shapely.union_all(shapes.shapes[groups == group])
    return out
