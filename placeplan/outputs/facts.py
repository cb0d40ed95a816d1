"""What the outputs for people say about a plan, read from a solved folder (what ``placeplan
solve`` worked out and recorded there: nothing is projected, built or solved again).

* the **status quo**: the same pupils placed with no new option open (existing places,
  then independent or out-of-area places), as ``placeplan solve`` solved it on the plan's own
  model and recorded it in summary.json (never solved again here);
* for every site and option: pupils the plan places there in the last year, pupils of its
  needs and ages living within its travel limit, journeys against the status quo, and what
  the plan would cost without it (explain.csv);
* demand by zone, and flows from zones to placements, in the last year.

These are unprotected figures: :mod:`placeplan.outputs.public` decides what may be shown.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..codes import LOCAL_KINDS, phase_of
from ..solved import EXPLAIN_NUMBERS, EXPLAIN_TEXTS
from ..travel import reference_minutes as travel_reference_minutes
from .folder import PlanFolder

log = logging.getLogger(__name__)

HOSTED_SUFFIXES = (" SRP", " ESTA", " SEN unit", " unit")


@dataclass(frozen=True)
class Facts:
    plan: PlanFolder
    facilities: pd.DataFrame  # one row per site and option: see facility_facts
    zone_demand: pd.DataFrame  # zone_id, need, phase, pupils (last year, placed or not)
    flows: pd.DataFrame  # zone_id, facility_id, pupils (last year, placed pupils only)
    unplaced: pd.DataFrame  # zone_id, pupils (last year, independent or out of area)
    demand: pd.DataFrame  # zone_id, need, ncy, phase, year, pupils: the projection the plan used
    base_demand: pd.DataFrame  # zone_id, need, phase, pupils: the base-year counts it projects
    pairs: pd.DataFrame  # zone_id, facility_id, minutes, km: the zones within reach of each option opened
    status_quo: pd.DataFrame | None  # need, phase, year, local, away (pupils) without new options
    status_quo_note: str


@dataclass(frozen=True)
class StatusQuo:
    """The status quo as solve recorded it: pupils placed locally or not, and journeys."""

    by_need: pd.DataFrame  # need, phase, year, local, away (pupils)
    minutes: pd.Series  # facility_id -> average status-quo journey of the plan's last-year pupils there


NO_STATUS_QUO = (
    "No status quo: without new places the scenario's rules admit no plan (existing places cannot "
    "take every pupil and out-of-area placements are not allowed)."
)
NOT_RECORDED = (
    "No status quo: this plan was solved before placeplan recorded the status quo; run placeplan "
    "solve again to compare with it."
)


def read_status_quo(plan: PlanFolder) -> StatusQuo | None:
    """Pupils placed with every option closed, the model's own answer to 'what if we build
    nothing', as ``placeplan solve`` solved it once and recorded it (summary.json's
    ``status_quo``: its pupils rows, and its journeys by site and option). None when the
    rules admit no such plan (no fallback and too few places), or the folder predates it."""
    recorded = plan.summary.get("status_quo")
    if not isinstance(recorded, dict):
        return None
    rows = pd.DataFrame(recorded["pupils"], columns=["need", "phase", "year", "local", "independent", "unplaced"])
    rows = rows.assign(year=rows["year"].astype(int), away=rows["independent"] + rows["unplaced"])
    by_need = rows.groupby(["need", "phase", "year"], as_index=False)[["local", "away"]].sum()
    journeys = pd.DataFrame(recorded["journeys"], columns=["facility_id", "minutes"])
    minutes = pd.Series(journeys["minutes"].astype(float).to_numpy(), index=journeys["facility_id"].astype(str))
    log.info("status quo (no new options): as solved, from summary.json")
    return StatusQuo(by_need, minutes)


def reference_minutes(plan: PlanFolder) -> float:
    """The journey counted for an independent or out-of-area place: the transport
    reference distance at the scenario's speed (the cost model's own assumption)."""
    return travel_reference_minutes(plan.scenario)


def _last(frame: pd.DataFrame, plan: PlanFolder) -> pd.DataFrame:
    return frame[frame["year"] == plan.final_year]


def _host_name(name: str, host_id: str, site_names: dict[str, str]) -> str:
    if host_id in site_names:
        return site_names[host_id]
    for suffix in HOSTED_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _journeys(allocation: pd.DataFrame, status: StatusQuo | None) -> pd.DataFrame:
    """Average journey of each facility's last-year pupils in the plan, and of the same
    pupils (home zone, need, phase) in the status quo (as solve recorded it, the reference
    journey counted for an independent or out-of-area place)."""
    placed = allocation[allocation["facility_id"] != ""]
    weight = placed["pupils"]
    plan_minutes = (placed["minutes"] * weight).groupby(placed["facility_id"]).sum() / weight.groupby(
        placed["facility_id"]
    ).sum()
    out = pd.DataFrame({"minutes": plan_minutes})
    out["minutes_status_quo"] = np.nan if status is None else out.index.map(status.minutes).astype(float)
    return out


def facility_facts(plan: PlanFolder, status: StatusQuo | None) -> pd.DataFrame:
    """Sites and options with everything a popup or the shortlist says about them."""
    dataset = plan.dataset
    sites = dataset["sites"]
    candidates = dataset.tables.get("candidates")
    site_rows = pd.DataFrame(
        {
            "facility_id": sites["site_id"].astype(str),
            "name": sites["name"].astype(str),
            "kind": sites["kind"],
            "is_option": False,
            "x": sites["x"].astype(float),
            "y": sites["y"].astype(float),
            "needs": sites["needs"],
            "ncy_min": sites["ncy_min"].astype(int),
            "ncy_max": sites["ncy_max"].astype(int),
            "capacity": sites["capacity"].astype(float),
            "on_roll": sites["on_roll"].astype(float) if "on_roll" in sites else np.nan,
            "capacity_source": sites["capacity_source"].fillna("").astype(str) if "capacity_source" in sites else "",
        }
    )
    frames = [site_rows]
    if candidates is not None and len(candidates):
        names = dict(zip(site_rows["facility_id"], site_rows["name"]))
        option_rows = pd.DataFrame(
            {
                "facility_id": candidates["option_id"].astype(str),
                "name": candidates["name"].astype(str),
                "kind": candidates["kind"],
                "is_option": True,
                "x": candidates["x"].astype(float),
                "y": candidates["y"].astype(float),
                "needs": candidates["needs"],
                "ncy_min": candidates["ncy_min"].astype(int),
                "ncy_max": candidates["ncy_max"].astype(int),
                "host_id": candidates["site_id"].fillna("").astype(str),
                "host_ratio": candidates["host_first_preference_ratio"].astype(float),
            }
        )
        option_rows["host_name"] = [
            _host_name(n, h, names) for n, h in zip(option_rows["name"], option_rows["host_id"])
        ]
        frames.append(option_rows)
    table = pd.concat(frames, ignore_index=True)
    options = plan.options.set_index("option_id")
    columns = {
        "chosen": "chosen",
        "places": "places",
        "opening_year": "opening_year",
        "capital": "capital",
        "reason_not_chosen": "reason_not_chosen",
    }
    for out, column in columns.items():
        table[out] = table["facility_id"].map(options[column])
    table["intake"] = [v if isinstance(v, tuple) else () for v in table["facility_id"].map(options["intake"])]
    table["chosen"] = table["chosen"].fillna(False).astype(bool)
    table["reason_not_chosen"] = table["reason_not_chosen"].fillna("")
    last = _last(plan.allocation, plan)
    placed = last[last["facility_id"] != ""].groupby("facility_id")["pupils"].sum()
    table["placed"] = table["facility_id"].map(placed).fillna(0.0)
    reach = plan.record["in_reach.csv"]
    table["in_reach"] = (
        table["facility_id"]
        .map(pd.Series(reach["pupils"].astype(float).to_numpy(), index=reach["facility_id"].astype(str)))
        .fillna(0.0)
    )
    journeys = _journeys(last, status)
    table["minutes"] = table["facility_id"].map(journeys["minutes"])
    table["minutes_status_quo"] = table["facility_id"].map(journeys["minutes_status_quo"])
    table["capital_per_place"] = table["capital"] / table["places"].where(table["places"] > 0)
    explain = plan.explain
    if explain is not None:
        explain = explain.assign(option_id=explain["option_id"].astype(str)).set_index("option_id")
        table["explain_status"] = table["facility_id"].map(explain["status"]).astype(object).fillna("")
    else:
        table["explain_status"] = ""
    for column in EXPLAIN_NUMBERS:
        if explain is not None and column in explain:
            table[column] = table["facility_id"].map(explain[column].astype(float))
        else:
            table[column] = np.nan
    for column in EXPLAIN_TEXTS:
        if explain is not None and column in explain:
            table[column] = table["facility_id"].map(explain[column]).astype(object).fillna("")
        else:
            table[column] = ""
    options_ids = set(table.loc[table["is_option"], "facility_id"])
    table["destination_1_is_option"] = table["destination_1_id"].isin(options_ids)
    local_ids = set(table.loc[table["kind"].isin(LOCAL_KINDS), "facility_id"])
    table["destination_1_is_local"] = table["destination_1_id"].isin(local_ids)
    for column in ("host_id", "host_name"):
        if column not in table:
            table[column] = ""
        table[column] = table[column].fillna("")
    if "host_ratio" not in table:
        table["host_ratio"] = np.nan
    return table


def gather(plan: PlanFolder) -> Facts:
    """Every figure the outputs for people use, unprotected."""
    status = read_status_quo(plan)
    note = "" if status is not None else NO_STATUS_QUO if "status_quo" in plan.summary else NOT_RECORDED
    last = _last(plan.allocation, plan)
    zone_demand = last.groupby(["zone_id", "need", "phase"], as_index=False)["pupils"].sum()
    placed = last[last["facility_id"] != ""]
    flows = placed.groupby(["zone_id", "facility_id"], as_index=False)["pupils"].sum()
    unplaced = last[last["facility_id"] == ""].groupby("zone_id", as_index=False)["pupils"].sum()
    base = plan.dataset["demand"].assign(
        zone_id=lambda d: d["zone_id"].astype(str), phase=lambda d: d["ncy"].map(phase_of)
    )
    base = base.groupby(["zone_id", "need", "phase"], as_index=False)["pupils"].sum()
    demand = (
        plan.record["projected_demand.csv"]
        .drop(columns="marking", errors="ignore")
        .assign(zone_id=lambda d: d["zone_id"].astype(str))
    )
    pairs = plan.record["reach_zones.csv"].assign(
        zone_id=lambda d: d["zone_id"].astype(str), facility_id=lambda d: d["facility_id"].astype(str)
    )
    return Facts(
        plan=plan,
        facilities=facility_facts(plan, status),
        zone_demand=zone_demand,
        flows=flows,
        unplaced=unplaced,
        demand=demand,
        base_demand=base,
        pairs=pairs,
        status_quo=None if status is None else status.by_need,
        status_quo_note=note,
    )
