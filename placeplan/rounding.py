"""Whole pupils from fractional shares, adding up exactly to the published totals."""

from __future__ import annotations

import numpy as np


def largest_remainder(values: np.ndarray, total: int) -> np.ndarray:
    """Integers close to ``values`` (scaled to ``total``) that sum to ``total`` exactly.

    Each value gets its floor, and the units left go to the largest fractional parts;
    ties go to the earlier value, so the result is deterministic.
    """
    values = np.asarray(values, dtype=float)
    if total < 0 or not np.isfinite(values).all() or (values < 0).any():
        raise ValueError("largest_remainder needs non-negative finite values and total")
    if total == 0 or values.sum() == 0:
        if total and values.size == 0:
            raise ValueError("cannot share a positive total over no values")
        out = np.zeros(values.size, dtype=np.int64)
        if total:
            out[: total % values.size] += 1
            out += total // values.size
        return out
    # Dividing by the largest value first keeps tiny (subnormal) inputs from overflowing.
    shares = values / values.max()
    scaled = shares / shares.sum() * total
    out = np.floor(scaled).astype(np.int64)
    left = int(total - out.sum())
    order = np.argsort(-(scaled - out), kind="stable")
    out[order[:left]] += 1
    return out


def systematic_spread(total: int, weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``total`` units shared over ``weights`` by systematic sampling from a random start.

    Each weight's expected share is kept (so small counts land across the area in
    proportion to population, not always in the biggest zones, as largest-remainder
    rounding of each small cell would do), and the counts sum to ``total`` exactly.
    """
    weights = np.asarray(weights, dtype=float)
    if total == 0:
        return np.zeros(weights.size, dtype=np.int64)
    if weights.sum() <= 0:
        weights = np.ones(weights.size)
    shares = weights / weights.max()
    cumulative = np.concatenate(([0.0], np.cumsum(shares) / shares.sum() * total))
    cumulative[-1] = total  # no float drift at the end
    start = rng.random()
    marks = np.floor(cumulative + start)
    return np.diff(marks).astype(np.int64)
