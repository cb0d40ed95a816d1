"""Coordinate reference systems and the transforms between them, on the ground floor: a
dataset's points in British National Grid (the England extent check, distances, travel)
and in longitude and latitude (the maps)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
from pyproj import Transformer

BNG = "EPSG:27700"
WGS84 = "EPSG:4326"


def to_bng(x: pd.Series, y: pd.Series, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates in British National Grid, for the England extent check and distances."""
    if crs.upper() == BNG:
        return x.to_numpy(dtype=float), y.to_numpy(dtype=float)
    bx, by = Transformer.from_crs(crs, BNG, always_xy=True).transform(x.to_numpy(dtype=float), y.to_numpy(dtype=float))
    return np.asarray(bx), np.asarray(by)


@lru_cache(maxsize=8)
def to_lonlat_transformer(crs: str = BNG) -> Transformer:
    """From ``crs`` to longitude and latitude (x first)."""
    return Transformer.from_crs(crs, WGS84, always_xy=True)
