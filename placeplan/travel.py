"""Travel minutes and km from every zone to every site or option within reach.

Two sources, chosen by the scenario's ``[travel]`` section:

* straight line: distance in British National Grid metres times a circuity factor, at an
  average speed, plus a fixed door-to-door (terminal) time for each journey
  (docs/travel.md gives the calibration against real car journeys). A KD-tree finds, for
  each facility, only the zones within the straight-line radius its longest phase limit
  allows once the terminal time is taken off, so the work grows with the pairs within
  reach and not with zones x facilities.
* a travel table from any routing engine, with an unreachable marker and a policy for
  missing pairs. Its minutes are used as given (no terminal time is added); pairs it
  leaves out and fills by straight line get the terminal time like any estimate.

A pair is kept when its minutes are within the limit of at least one phase the facility
admits; the model later applies each phase's own limit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from .codes import PHASES
from .coordinates import to_bng
from .errors import Problems
from .scenario.model import Scenario, Travel

log = logging.getLogger(__name__)

PAIR_COLUMNS = ["zone_id", "facility_id", "minutes", "km"]


@dataclass(frozen=True)
class Points:
    """Zones or facilities as ids and BNG coordinates (metres)."""

    ids: np.ndarray
    x: np.ndarray
    y: np.ndarray

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, id_column: str, crs: str) -> Points:
        x, y = to_bng(frame["x"].astype(float), frame["y"].astype(float), crs)
        return cls(frame[id_column].to_numpy(dtype=object), x, y)


def facility_limits(ncy_min: pd.Series, ncy_max: pd.Series, limits: dict[str, float]) -> np.ndarray:
    """The longest phase limit over the phases each facility's NCY range touches."""
    out = np.zeros(len(ncy_min))
    low, high = ncy_min.to_numpy(dtype=int), ncy_max.to_numpy(dtype=int)
    for phase, (first, last) in PHASES.items():
        touches = (low <= last) & (high >= first)
        out = np.where(touches, np.maximum(out, limits[phase]), out)
    return out


def estimated_minutes(road_km: np.ndarray | float, *, speed_kmh: float, terminal_minutes: float) -> np.ndarray | float:
    """Minutes of an estimated journey: the fixed door-to-door time plus the road distance
    at the average speed."""
    return terminal_minutes + road_km / speed_kmh * 60.0


def reference_minutes(scenario: Scenario) -> float:
    """The journey counted for an independent or out-of-area place: the transport
    reference distance (road km, the cost model's own assumption) estimated as any other."""
    travel = scenario.travel
    return float(
        estimated_minutes(
            scenario.costs.transport_reference_km, speed_kmh=travel.speed_kmh, terminal_minutes=travel.terminal_minutes
        )
    )


def reach_km(
    max_minutes: np.ndarray | float, *, circuity: float, speed_kmh: float, terminal_minutes: float
) -> np.ndarray | float:
    """Straight-line km an estimated journey of ``max_minutes`` covers: the inverse of
    :func:`estimated_minutes` over straight km, negative when the terminal time alone is
    longer than the limit (nothing is within reach)."""
    return (np.asarray(max_minutes, dtype=float) - terminal_minutes) / 60.0 * speed_kmh / circuity


def straight_line_pairs(
    zones: Points,
    facilities: Points,
    max_minutes: np.ndarray,
    *,
    circuity: float,
    speed_kmh: float,
    terminal_minutes: float,
) -> pd.DataFrame:
    """Pairs within each facility's limit, by straight line x circuity at a speed, plus the
    terminal minutes.

    Facilities are grouped by their limit (there are only a few: one per phase limit), and
    each group's KD-tree is joined to the zones' KD-tree inside that radius (the limit less
    the terminal minutes, at the speed, over the circuity), so every pair is found and
    measured in compiled code.
    """
    reach = reach_km(max_minutes, circuity=circuity, speed_kmh=speed_kmh, terminal_minutes=terminal_minutes)
    radius_m = 1000.0 * np.asarray(reach)  # an array, as max_minutes is
    zone_tree = cKDTree(np.column_stack([zones.x, zones.y]))
    zone_index, facility_index, metres = [], [], []
    for radius in np.unique(radius_m[radius_m >= 0]):
        members = np.flatnonzero(radius_m == radius)
        group_tree = cKDTree(np.column_stack([facilities.x[members], facilities.y[members]]))
        found = group_tree.sparse_distance_matrix(zone_tree, max_distance=radius, output_type="ndarray")
        facility_index.append(members[found["i"]])
        zone_index.append(found["j"])
        metres.append(found["v"])
    facility_at = np.concatenate(facility_index) if facility_index else np.empty(0, dtype=np.int64)
    zone_at = np.concatenate(zone_index) if zone_index else np.empty(0, dtype=np.int64)
    km = (np.concatenate(metres) if metres else np.empty(0)) / 1000.0 * circuity
    # Ids as categoricals over the original id lists: no per-pair strings are made, which
    # is most of the cost when a county has millions of pairs. The order is the KD-trees'
    # and so repeats exactly for the same inputs.
    return pd.DataFrame(
        {
            "zone_id": pd.Categorical.from_codes(zone_at, categories=pd.Index(zones.ids)),
            "facility_id": pd.Categorical.from_codes(facility_at, categories=pd.Index(facilities.ids)),
            "minutes": estimated_minutes(km, speed_kmh=speed_kmh, terminal_minutes=terminal_minutes),
            "km": km,
        }
    )


def _estimated_km(pairs: pd.DataFrame, zones: Points, facilities: Points, circuity: float) -> np.ndarray:
    zone_pos = pd.Index(zones.ids).get_indexer(pairs["zone_id"])
    facility_pos = pd.Index(facilities.ids).get_indexer(pairs["facility_id"])
    metres = np.hypot(zones.x[zone_pos] - facilities.x[facility_pos], zones.y[zone_pos] - facilities.y[facility_pos])
    return metres / 1000.0 * circuity


def _known_rows(table: pd.DataFrame, zone_ids: np.ndarray, facility_ids: np.ndarray) -> pd.DataFrame:
    rows = table.rename(columns={"site_id": "facility_id"})[["zone_id", "facility_id", "minutes", "km"]]
    return rows[rows["facility_id"].isin(facility_ids) & rows["zone_id"].isin(zone_ids)]


def _missing(rows: pd.DataFrame, zone_ids: np.ndarray, facility_ids: np.ndarray) -> pd.MultiIndex:
    full = pd.MultiIndex.from_product([zone_ids, facility_ids], names=["zone_id", "facility_id"])
    have = pd.MultiIndex.from_frame(rows[["zone_id", "facility_id"]].astype(object))
    return full.difference(have)


def missing_pairs(table: pd.DataFrame, zone_ids: np.ndarray, facility_ids: np.ndarray) -> pd.MultiIndex:
    """The (zone_id, facility_id) pairs a travel table has no row for."""
    return _missing(_known_rows(table, zone_ids, facility_ids), zone_ids, facility_ids)


def table_pairs(
    table: pd.DataFrame,
    zones: Points,
    facilities: Points,
    max_minutes: np.ndarray,
    settings: Travel,
    *,
    label: str = "travel table",
) -> pd.DataFrame:
    """Pairs from a routing engine's table, applying the unreachable marker and the policy
    for zone-facility pairs the table leaves out."""
    rows = _known_rows(table, zones.ids, facilities.ids)
    missing = _missing(rows, zones.ids, facilities.ids)
    if len(missing):
        _handle_missing(missing, settings, label)
    if len(missing) and settings.missing_pairs == "straight_line":
        extra = pd.DataFrame(missing.to_list(), columns=["zone_id", "facility_id"])
        extra["km"] = _estimated_km(extra, zones, facilities, settings.circuity)
        extra["minutes"] = estimated_minutes(
            extra["km"], speed_kmh=settings.speed_kmh, terminal_minutes=settings.terminal_minutes
        )
        rows = pd.concat([rows, extra[rows.columns]], ignore_index=True)
    rows = rows.astype({"minutes": float, "km": float})
    reachable = rows["minutes"] < settings.unreachable_minutes
    unreachable = int((~reachable).sum())
    rows = rows[reachable].copy()
    if rows["km"].isna().any():
        gaps = rows["km"].isna().to_numpy()
        rows.loc[gaps, "km"] = _estimated_km(rows[gaps], zones, facilities, settings.circuity)
        log.info("%s: estimated km for %d pairs without a distance", label, int(gaps.sum()))
    limit = pd.Series(max_minutes, index=facilities.ids)
    rows = rows[rows["minutes"].to_numpy() <= limit.loc[rows["facility_id"]].to_numpy()]
    log.info("%s: %d pairs within reach, %d marked unreachable", label, len(rows), unreachable)
    return rows.reset_index(drop=True)


def _handle_missing(missing: pd.MultiIndex, settings: Travel, label: str) -> None:
    if settings.missing_pairs != "error":
        log.info(
            "%s: %d zone-facility pairs missing, treated as %s",
            label,
            len(missing),
            settings.missing_pairs.replace("_", " "),
        )
        return
    missing_pair_problems(missing, settings, label=label).raise_if_errors("travel")


def missing_pair_problems(missing: pd.MultiIndex, settings: Travel, *, label: str) -> Problems:
    """The pairs a travel table leaves out, as problems when travel.missing_pairs = 'error'
    (at most 25 listed, then a count)."""
    problems = Problems()
    if settings.missing_pairs != "error":
        return problems
    for zone, facility in missing[:25]:
        problems.error(
            label,
            f"has no row for zone {zone} to {facility}; expected every zone to "
            "every site and option (or set travel.missing_pairs to "
            "'unreachable' or 'straight_line')",
            column="minutes",
        )
    if len(missing) > 25:
        problems.error(label, f"{len(missing) - 25} more zone-facility pairs are missing")
    return problems


def resolved_source(settings: Travel, table: pd.DataFrame | None) -> str:
    """'table' or 'straight_line': what travel.source = 'auto' means for this dataset."""
    if settings.source == "auto":
        return "table" if table is not None else "straight_line"
    return settings.source


def travel_problems(
    zones: pd.DataFrame,
    facilities: pd.DataFrame,
    settings: Travel,
    table: pd.DataFrame | None,
    *,
    label: str = "travel table",
    layer: str = "scenario",
) -> Problems:
    """Everything :func:`travel_pairs` would refuse, found without working out a pair: a
    table source without a table, and the pairs a table leaves out. ``layer`` is the file
    (or --set) that set travel.source."""
    problems = Problems()
    if resolved_source(settings, table) != "table":
        return problems
    if table is None:
        problems.error(
            layer,
            "needs the dataset's travel table (travel.csv), which it does not have; "
            "expected 'auto' or 'straight_line', or a travel table in the dataset",
            key="travel.source",
            value=settings.source,
        )
        return problems
    zone_ids = zones["zone_id"].to_numpy(dtype=object)
    facility_ids = facilities["facility_id"].to_numpy(dtype=object)
    problems.extend(missing_pair_problems(missing_pairs(table, zone_ids, facility_ids), settings, label=label))
    return problems


def facilities_frame(sites: pd.DataFrame, options: pd.DataFrame | None) -> pd.DataFrame:
    """Sites and options as one table of places a pupil could travel to."""
    frames = [sites.rename(columns={"site_id": "facility_id"})[["facility_id", "x", "y", "ncy_min", "ncy_max"]]]
    if options is not None and len(options):
        frames.append(
            options.rename(columns={"option_id": "facility_id"})[["facility_id", "x", "y", "ncy_min", "ncy_max"]]
        )
    return pd.concat(frames, ignore_index=True)


def travel_pairs(
    zones: pd.DataFrame,
    facilities: pd.DataFrame,
    *,
    crs: str,
    settings: Travel,
    table: pd.DataFrame | None = None,
    label: str = "travel table",
) -> pd.DataFrame:
    """Zone-to-facility minutes and km for every pair within some phase's limit."""
    zone_points = Points.from_frame(zones, "zone_id", crs)
    facility_points = Points.from_frame(facilities, "facility_id", crs)
    limits = {phase: getattr(settings.max_minutes, phase) for phase in PHASES}
    max_minutes = facility_limits(facilities["ncy_min"], facilities["ncy_max"], limits)
    source = resolved_source(settings, table)
    if source == "table":
        if table is None:
            travel_problems(zones, facilities, settings, table, label=label).raise_if_errors("travel")
        pairs = table_pairs(table, zone_points, facility_points, max_minutes, settings, label=label)
    else:
        pairs = straight_line_pairs(
            zone_points,
            facility_points,
            max_minutes,
            circuity=settings.circuity,
            speed_kmh=settings.speed_kmh,
            terminal_minutes=settings.terminal_minutes,
        )
        log.info(
            "travel by straight line x %.2f at %.0f km/h plus %.0f minutes door to door: %d pairs "
            "within reach of %d zones x %d facilities",
            settings.circuity,
            settings.speed_kmh,
            settings.terminal_minutes,
            len(pairs),
            len(zone_points.ids),
            len(facility_points.ids),
        )
    return pairs[PAIR_COLUMNS]


def melt_matrix(
    wide: pd.DataFrame,
    *,
    origin_column: str,
    origin_ids: dict[str, str] | None = None,
    destination_ids: dict[str, str] | None = None,
) -> pd.DataFrame:
    """A routing engine's wide matrix (one row per origin, one column per destination)
    as the standard's long travel table: zone_id, site_id, minutes.

    Columns are matched by name, never by position, because engines order them
    differently (the Devon public-transport matrix is alphabetical).
    """
    long = wide.melt(id_vars=[origin_column], var_name="site_id", value_name="minutes")
    long = long.rename(columns={origin_column: "zone_id"})
    if origin_ids is not None:
        long["zone_id"] = long["zone_id"].map(origin_ids)
    if destination_ids is not None:
        long["site_id"] = long["site_id"].map(destination_ids)
    return long[["zone_id", "site_id", "minutes"]]
