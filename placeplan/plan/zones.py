"""Optional clustering of zones, for large counties: fewer demand points, faster solves.

With ``solve.max_zones = N`` (and more zones than that), zones are grouped into N clusters of
nearby zones (k-means on their coordinates, seeded, so the same inputs give the same
clusters), and each cluster is represented by its member zone nearest the pupil-weighted
centre. Pupils keep their own need, year group and year; only where their journey is
measured from changes. This is the classic demand-point aggregation of location models:
the error is bounded by the clusters' size, which the log reports.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from scipy.cluster.vq import kmeans2

log = logging.getLogger(__name__)


def cluster_zones(zones: pd.DataFrame, demand: pd.DataFrame, *, max_zones: int, seed: int) -> pd.Series:
    """zone_id -> representative zone_id (itself when not clustering)."""
    ids = zones["zone_id"].astype(str)
    if not max_zones or len(zones) <= max_zones:
        return pd.Series(ids.to_numpy(), index=ids.to_numpy())
    points = zones[["x", "y"]].to_numpy(dtype=float)
    _, label = kmeans2(points, max_zones, minit="++", seed=np.random.default_rng(seed), iter=30)
    pupils = demand.groupby(demand["zone_id"].astype(str))["pupils"].sum().reindex(ids, fill_value=0.0).to_numpy()
    representative = np.empty(len(zones), dtype=object)
    moved = np.zeros(len(zones))  # each zone's distance to its representative
    spread = []
    for cluster in np.unique(label):
        members = np.flatnonzero(label == cluster)
        weights = pupils[members] + 1e-9
        centre = np.average(points[members], axis=0, weights=weights)
        distance = np.hypot(*(points[members] - centre).T)
        chosen = members[np.argmin(distance)]
        representative[members] = ids.iloc[chosen]
        moved[members] = np.hypot(*(points[members] - points[chosen]).T)
        spread.append(moved[members].max())
    mean_moved = float(np.average(moved, weights=pupils)) if pupils.sum() > 0 else float(moved.mean())
    log.info(
        "zones: %d clustered into %d (largest distance from a representative zone %.1f km, median %.1f km; "
        "pupils' mean distance from their own zone to its representative %.2f km)",
        len(zones),
        len(spread),
        max(spread) / 1000,
        float(np.median(spread)) / 1000,
        mean_moved / 1000,
    )
    return pd.Series(representative, index=ids.to_numpy())
