"""The SEND adapter: projected demand, facilities and travel as the optimiser core's arrays.

Demand groups are (zone, eligibility class, NCY band, year). Needs that exactly the same
facilities admit, at the same fallback cost, form one eligibility class, and year groups
that every facility admits or refuses together form one band (:func:`phase_band_edges`), so
grouping loses nothing: any plan for the groups is a plan for the pupils, and back. The
pupils behind each group (``members``) are kept to report by need and year group.

Per pupil and year, an arc into an existing site costs its annual place cost; into an
option, nothing (its places are paid for whether filled or not, in the core's annual places
term); both add transport, ``transport_per_pupil x km / transport_reference_km``, and the
optional travel-minute weight. A pupil not placed costs the fallback (an independent or
out-of-area place) plus transport at the reference distance.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..codes import NCY_MAX, NEEDS, PHASES, phase_of
from ..demand_settings import settings_allowed
from ..optimise import Arcs, Existing, Groups, Options, Periods, Problem, Rejoins, Rules
from ..scenario.model import Scenario
from ..scenario.settings import ANY, SETTINGS
from . import continuity, moves
from .cohorts import TRANSFER_POINTS, staying_from
from .facilities import Facilities, intake_shares, phase_band_edges
from .zones import cluster_zones

log = logging.getLogger(__name__)
NEED_CODES = list(NEEDS)


@dataclass(frozen=True)
class SendProblem:
    """The core's problem and the tables that map its indices back to real ids."""

    problem: Problem
    years: list[int]
    groups: pd.DataFrame  # one row per core group: zone_id, band, phase, year, period, pupils, fallback_cost
    members: pd.DataFrame  # group, home_zone, need, ncy, pupils: who is in each group
    arcs: pd.DataFrame  # one row per core arc: group, facility, minutes, km, placement, transport, minutes_cost
    facilities: Facilities
    zone_of: pd.Series  # zone_id -> the zone that represents it in the model
    moved: pd.DataFrame | None = None  # the groups pupils who move on join: moves.MOVED key, group


#: What decides which facilities may take a demand row.
ELIGIBILITY = ["need", "band", "setting", "stepdown"]


def _classes(demand: pd.DataFrame, eligible_for, fallback_for) -> dict[tuple, int]:
    """An eligibility class id per (need, band, setting, stepdown): the same facilities
    admit, at the same fallback cost."""
    firsts = demand.drop_duplicates(ELIGIBILITY).sort_values(ELIGIBILITY, kind="stable")
    signature = {
        tuple(key): (eligible_for(*key).tobytes(), fallback_for(key[0], phase))
        for key, phase in zip(firsts[ELIGIBILITY].itertuples(index=False, name=None), firsts["phase"])
    }
    ids: dict[tuple, int] = {}
    return {key: ids.setdefault(sig, len(ids)) for key, sig in signature.items()}


@dataclass(frozen=True)
class Entries:
    """Who the model places: each plan year's joiners (placed afresh, then staying in the
    shares of their ``y<year>`` columns) and the pupils already placed before the plan
    (``continuing``, counted in its first year), over the year-group ``bands``."""

    demand: pd.DataFrame
    prior: pd.DataFrame | None
    bands: list[tuple[int, int]]
    joiners: pd.DataFrame
    continuing: pd.DataFrame
    cells: pd.DataFrame | None


def pupil_entries(demand: pd.DataFrame, before: pd.DataFrame | None, table: pd.DataFrame, years: list[int]) -> Entries:
    """Joiners and continuing pupils for projected ``demand`` and the year ``before`` it
    (None: everyone placed afresh every year), given the facilities' ``table`` (its age
    ranges are where pupils may have to move: transfer points)."""
    demand = _with_settings(demand[demand["pupils"] > 0])
    # every year group a pupil may be in: those projected, and those the pupils of the year
    # before reach as they move up
    seen = demand["ncy"] if before is None else pd.concat([demand["ncy"], before["ncy"]])
    youngest, oldest = int(seen.min()), min(NCY_MAX, int(seen.max()) + (0 if before is None else len(years)))
    bands = phase_band_edges(table, np.arange(youngest, oldest + 1) if before is not None else seen.to_numpy())
    prior = None if before is None else _with_settings(before[before["pupils"] > 0]).assign(year=years[0] - 1)
    joiners, continuing, cells = continuity.entries(demand, prior, years)
    return Entries(demand, prior, bands, joiners, continuing, cells)


def build_send_problem(
    *,
    demand: pd.DataFrame,
    pairs: pd.DataFrame,
    zones: pd.DataFrame,
    facilities: Facilities,
    scenario: Scenario,
    years: list[int],
    before: pd.DataFrame | None = None,
) -> SendProblem:
    """The core problem for projected ``demand`` (zone_id, need, ncy, phase, year, setting,
    stepdown, pupils) and travel ``pairs`` (zone_id, facility_id, minutes, km) within reach.

    With ``before`` (the same columns for the year before the plan) pupils stay where
    they are placed (:mod:`.continuity`): the pupils of that year keep their status-quo
    placements, and each plan year's joiners are placed and stay until a transfer point.
    Without it every pupil is placed afresh every year."""
    start = time.perf_counter()
    table = facilities.table
    entries = pupil_entries(demand, before, table, years)
    demand, prior, bands, joiners, continuing = (
        entries.demand,
        entries.prior,
        entries.bands,
        entries.joiners,
        entries.continuing,
    )
    band_of_ncy = {ncy: b for b, (low, high) in enumerate(bands) for ncy in range(low, high + 1)}

    ncy_min, ncy_max = table["ncy_min"].to_numpy(), table["ncy_max"].to_numpy()
    usable = (table["ruled_out"] == "").to_numpy() | ~table["is_option"].to_numpy()

    serves = _serves(table, scenario)

    def eligible_for(need: str, band: int, setting: str, stepdown: bool) -> np.ndarray:
        low, high = bands[band]
        served = np.logical_or.reduce([serves[s] for s in settings_allowed(setting, stepdown)])
        return facilities.admits[:, NEED_CODES.index(need)] & (ncy_min <= low) & (ncy_max >= high) & usable & served

    costs = scenario.costs
    fallback_extra = costs.transport_per_pupil  # transport to an out-of-area place, at the reference distance

    def fallback_cost(need: str, phase: str) -> float:
        return costs.fallback(need, phase) + fallback_extra

    def fallback_for(need: str, phase: str) -> float:
        return fallback_cost(need, phase) if scenario.rules.allow_fallback else float("inf")

    zone_of = cluster_zones(zones, demand, max_zones=scenario.solve.max_zones, seed=scenario.demand.seed)
    rows = [frame for frame in (joiners, continuing, prior) if frame is not None]
    # year groups where a pupil may have to move on: a band starts there, and it is no transfer point
    moving_at = {low for low, _ in bands} - set(TRANSFER_POINTS) if prior is not None else set()
    described = pd.concat(
        [_described(f, band_of_ncy) for f in rows] + [_movers(rows, moving_at, band_of_ncy)], ignore_index=True
    )
    classes = _classes(described, eligible_for, fallback_for)
    keyed = [_keyed(f, band_of_ncy, zone_of, classes) for f in rows]
    joiners, continuing = keyed[0], keyed[1]
    eligibility = _class_eligibility(
        described.assign(cls=[classes[k] for k in described[ELIGIBILITY].itertuples(index=False, name=None)]),
        eligible_for,
    )

    parts = [joiners.assign(placed_before=False, moving_on=False, facility=continuity.PLACED_BY_PLAN)]
    if prior is not None and len(continuing):
        # the year before the plan happened: its pupils were placed out of area where there
        # was no room, whatever the scenario allows new placements to do
        placement = _placed_the_year_before(keyed[2], pairs, facilities, bands, scenario, fallback_cost, eligibility)
        parts += _placed_before(continuing, placement, band_of_ncy, classes, ncy_max)
    groups, members = _joined(parts, fallback_for, fallback_cost, years)

    def arcs_of(frame: pd.DataFrame) -> pd.DataFrame:
        found = _arcs(
            frame.reset_index(drop=True), pairs, facilities, bands, eligible_for_class=eligibility, scenario=scenario
        )
        return found.assign(group=frame.index.to_numpy()[found["group"].to_numpy()])

    arcs = _only_where_placed(arcs_of(groups), groups)
    rejoins = None
    if prior is None:
        arcs, arc_stays = _without_dominated(arcs, groups, facilities), None
    else:

        def mover_groups(keys: pd.DataFrame) -> pd.DataFrame:
            return _mover_groups(keys, band_of_ncy, classes, fallback_for, years)

        moved = moves.with_moves(
            groups,
            members,
            arcs,
            years=years,
            tops=ncy_max,
            moving_at=moving_at,
            new_groups=mover_groups,
            new_arcs=arcs_of,
            dominated=lambda frame, found: _dominated(found, frame, facilities),
            profile=lambda keys: staying_from(entries.cells, keys, years),
        )
        groups, members, arcs, arc_stays = (
            moved.groups.reset_index(drop=True),
            moved.members,
            moved.arcs,
            moved.arc_stays,
        )
        rejoins = Rejoins.make(moved.rejoin_arc, moved.rejoin_group, moved.rejoin_share)
        if rejoins.count:
            log.info(
                "pupils who reach a year group their school does not admit (at %s) move on: %s groups they "
                "may join, from %s of the places the plan may give",
                ", ".join(f"NCY {n}" for n in sorted(moving_at)),
                f"{int(groups['moved'].sum()):,}",
                f"{len(np.unique(rejoins.arc)):,}",
            )
    stay_share = groups[continuity.year_columns(years)].to_numpy()
    problem = _core_problem(
        groups,
        arcs,
        facilities,
        scenario,
        years,
        stays=stay_share if prior is not None else None,
        arc_stays=arc_stays,
        rejoins=rejoins,
    )
    log.info(
        "model input: %s pupils placed afresh and %s already placed, in %s groups (%d eligibility classes, "
        "%d year-group bands, %d zones), %s arcs, %d sites, %d options (%d free) in %.2f s",
        f"{joiners['pupils'].sum():,.0f}",
        f"{continuing['pupils'].sum():,.0f}",
        f"{len(groups):,}",
        len(set(classes.values())),
        len(bands),
        groups["zone_id"].nunique(),
        f"{len(arcs):,}",
        facilities.site_count,
        len(facilities.options),
        int((facilities.options["ruled_out"] == "").sum()),
        time.perf_counter() - start,
    )
    if "moved" not in groups:
        groups = groups.assign(moved=False)
    keep = [
        "zone_id",
        "cls",
        "band",
        "year",
        "pupils",
        "phase",
        "period",
        "fallback_cost",
        "placed_before",
        "facility",
        "moving_on",
        "moved",
    ]
    moved_groups = groups[groups["moved"]]
    moved_keys = moved_groups[moves.MOVED].assign(group=moved_groups.index.to_numpy()) if len(moved_groups) else None
    return SendProblem(problem, years, groups[keep], members, arcs, facilities, zone_of, moved_keys)


def _placed_before(
    continuing: pd.DataFrame,
    placement: pd.DataFrame,
    band_of_ncy: dict[int, int],
    classes: dict[tuple, int],
    ncy_max: np.ndarray,
) -> list[pd.DataFrame]:
    """The pupils of the plan's first year placed before it, where the status quo placed
    them the year before (a year group down, in the class and band of that age): those
    whose school still admits their year group stay there; the others move on, placed
    afresh (``moving_on``)."""
    band_before = (continuing["ncy"] - 1).map(band_of_ncy)
    cls_before = [
        classes[(need, band, setting, stepdown)]
        for need, band, setting, stepdown in zip(
            continuing["need"], band_before, continuing["setting"], continuing["stepdown"]
        )
    ]
    split = continuity.placed_before(continuing.assign(band_before=band_before, cls_before=cls_before), placement)
    split = split.assign(pupils=split["pupils"] * split["share"])
    at = split["facility"].to_numpy()
    moving = (at >= 0) & (ncy_max[np.maximum(at, 0)] < split["ncy"].to_numpy())
    return [
        split[~moving].assign(placed_before=True, moving_on=False),
        split[moving].assign(placed_before=False, moving_on=True, facility=continuity.PLACED_BY_PLAN),
    ]


def _mover_groups(
    keys: pd.DataFrame, band_of_ncy: dict[int, int], classes: dict[tuple, int], fallback_for, years: list[int]
) -> pd.DataFrame:
    """The groups pupils who move on join, for their moves.MOVED ``keys``: no pupils of
    their own (what joins them is up to the plan), their class, band, phase and fallback."""
    period = {year: t for t, year in enumerate(years)}
    frame = keys.assign(
        band=keys["ncy"].map(band_of_ncy),
        phase=keys["ncy"].map(phase_of),
        placed_before=False,
        moving_on=True,
        facility=continuity.PLACED_BY_PLAN,
        pupils=0.0,
    )
    frame["cls"] = [classes[k] for k in frame[ELIGIBILITY].itertuples(index=False, name=None)]
    frame["period"] = frame["year"].map(period)
    frame["fallback_cost"] = [fallback_for(n, p) for n, p in zip(frame["need"], frame["phase"])]
    return frame


def _movers(rows: list[pd.DataFrame], moving_at: set[int], band_of_ncy: dict[int, int]) -> pd.DataFrame:
    """Every (need, setting, stepdown) of the rows at every year group where pupils may move
    on: the eligibility keys of the groups they would join."""
    streams = pd.concat([f[["need", "setting", "stepdown"]] for f in rows], ignore_index=True).drop_duplicates()
    frames = [
        streams.assign(ncy=ncy, band=band_of_ncy[ncy], phase=phase_of(ncy))
        for ncy in sorted(moving_at)
        if ncy in band_of_ncy
    ]
    return (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=["need", "setting", "stepdown", "ncy", "band", "phase"])
    )


def _with_settings(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    if "setting" not in frame:
        frame["setting"], frame["stepdown"] = ANY, False
    frame["phase"] = frame["ncy"].map(phase_of)
    return frame


def _described(frame: pd.DataFrame, band_of_ncy: dict[int, int]) -> pd.DataFrame:
    return frame.assign(band=frame["ncy"].map(band_of_ncy))


def _keyed(
    frame: pd.DataFrame, band_of_ncy: dict[int, int], zone_of: pd.Series, classes: dict[tuple, int]
) -> pd.DataFrame:
    """Rows with their band, eligibility class, home zone and modelled zone."""
    out = _described(frame, band_of_ncy)
    out["cls"] = [classes[key] for key in out[ELIGIBILITY].itertuples(index=False, name=None)]
    out["home_zone"] = out["zone_id"].astype(str)
    out["zone_id"] = out["home_zone"].map(zone_of)
    return out


def _joined(
    parts: list[pd.DataFrame], fallback_for, fallback_cost, years: list[int]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Groups (one per zone, class, band, year, and where placed for pupils placed before the
    plan; those placed before it who now move on apart from the year's joiners) with their
    pupils, stay shares, phase and fallback; and their members by year."""
    rows = pd.concat(parts, ignore_index=True)
    keys = ["placed_before", "moving_on", "zone_id", "cls", "band", "year", "facility"]
    grouped = rows.groupby(keys, sort=True, observed=True)
    rows["group"] = grouped.ngroup()
    groups = continuity.group_stays(rows, ["group", *keys], years)
    firsts = rows.drop_duplicates("group").set_index("group")
    groups["phase"] = firsts.loc[groups["group"], "phase"].to_numpy()
    need = firsts.loc[groups["group"], "need"].to_numpy()
    groups["period"] = groups["year"].map({y: t for t, y in enumerate(years)})
    fallback = np.array([fallback_for(n, p) for n, p in zip(need, groups["phase"])])
    away = np.array([fallback_cost(n, p) for n, p in zip(need, groups["phase"])])
    # a pupil already placed at a school stays there: no fallback; one placed out of area
    # stays out of area, at its cost, whether or not new placements there are allowed
    before = groups["placed_before"].to_numpy()
    placed_at = groups["facility"].to_numpy()
    groups["fallback_cost"] = np.where(before & (placed_at >= 0), np.inf, np.where(before, away, fallback))
    members = continuity.member_years(rows, years)
    return groups.drop(columns="group"), members


def _only_where_placed(arcs: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    """Pupils placed before the plan keep their placement: their groups' only arc is to it
    (out of area: none)."""
    facility = groups["facility"].to_numpy()[arcs["group"].to_numpy()]
    fixed = groups["placed_before"].to_numpy()[arcs["group"].to_numpy()]
    return arcs[~fixed | (arcs["facility"].to_numpy() == facility)].reset_index(drop=True)


def _placed_the_year_before(
    prior: pd.DataFrame,
    pairs: pd.DataFrame,
    facilities: Facilities,
    bands,
    scenario: Scenario,
    fallback_for,
    eligibility: dict,
) -> pd.DataFrame:
    """Where the status quo placed the pupils of the year before the plan: the same model,
    for that year alone, with no new provision. Returns (zone_id, cls, band, facility,
    share) with facility OUT_OF_AREA for those placed out of area."""
    from ..optimise import solve

    keys = ["zone_id", "cls", "band"]
    rows = (
        prior.groupby(keys, sort=True, observed=True)
        .agg(pupils=("pupils", "sum"), phase=("phase", "first"), need=("need", "first"))
        .reset_index()
    )
    rows["fallback_cost"] = [fallback_for(n, p) for n, p in zip(rows["need"], rows["phase"])]
    rows["period"], rows["year"] = 0, int(prior["year"].iloc[0])
    arcs = _arcs(rows, pairs, facilities, bands, eligible_for_class=eligibility, scenario=scenario)
    arcs = arcs[arcs["facility"] < facilities.site_count].reset_index(drop=True)
    arcs = _without_dominated(arcs, rows, facilities)
    problem = _core_problem(rows, arcs, facilities, scenario, [rows["year"].iloc[0]])
    closed = problem.closing(np.ones(problem.options.count, dtype=bool))  # no new provision yet
    result = solve(closed, solver=scenario.solve.solver, threads=1, seed=scenario.demand.seed)
    if not result.has_plan:
        log.warning("the year before the plan: no placement found (%s); its pupils count as out of area", result.status)
        return rows[keys].assign(facility=continuity.OUT_OF_AREA, share=1.0)
    placed = arcs.assign(amount=result.flow)
    placed = placed[placed["amount"] > 1e-9]
    shares = pd.DataFrame(
        {
            "group": placed["group"].to_numpy(),
            "facility": placed["facility"].to_numpy(),
            "amount": placed["amount"].to_numpy(),
        }
    )
    away = pd.DataFrame({"group": np.arange(len(rows)), "facility": continuity.OUT_OF_AREA, "amount": result.unplaced})
    shares = pd.concat([shares, away[away["amount"] > 1e-9]], ignore_index=True)
    shares["share"] = shares["amount"] / rows["pupils"].to_numpy()[shares["group"].to_numpy()]
    out = rows[keys].iloc[shares["group"].to_numpy()].reset_index(drop=True)
    log.info(
        "the year before the plan: %s pupils placed as the status quo places them (%s out of area)",
        f"{rows['pupils'].sum():,.0f}",
        f"{result.unplaced.sum():,.0f}",
    )
    return out.assign(facility=shares["facility"].to_numpy(), share=shares["share"].to_numpy())


def _class_eligibility(demand: pd.DataFrame, eligible_for) -> dict[tuple[int, int], np.ndarray]:
    firsts = demand.drop_duplicates(["cls", "band"])
    return {
        (c, b): eligible_for(*key)
        for c, b, key in zip(firsts["cls"], firsts["band"], firsts[ELIGIBILITY].itertuples(index=False, name=None))
    }


def _serves(table: pd.DataFrame, scenario: Scenario) -> dict[str, np.ndarray]:
    """Setting -> which facilities serve it, by kind (the scenario's settings.serves)."""
    serves = scenario.settings.serves
    kinds = table["kind"].to_numpy()
    return {setting: np.array([setting in serves.get(kind, ()) for kind in kinds], dtype=bool) for setting in SETTINGS}


def _arcs(
    groups: pd.DataFrame,
    pairs: pd.DataFrame,
    facilities: Facilities,
    bands,
    *,
    eligible_for_class: dict,
    scenario: Scenario,
) -> pd.DataFrame:
    """Every (group, facility) the group may use: admitted, and within its phase's limit."""
    table = facilities.table
    position = pd.Index(table["facility_id"])
    pairs = pairs.assign(facility=position.get_indexer(pairs["facility_id"].astype(str)))
    pairs = pairs[pairs["facility"] >= 0]
    pairs = pairs.assign(zone_id=pairs["zone_id"].astype(str))
    groups = groups.assign(group=np.arange(len(groups)))
    limits = {phase: getattr(scenario.travel.max_minutes, phase) for phase in PHASES}
    # each group's limit looked up once: mapping the joined rows' phases is most of the time
    limit = groups["phase"].map(limits).to_numpy(dtype=float)
    joined = groups[["group", "zone_id", "cls", "band"]].merge(
        pairs[["zone_id", "facility", "minutes", "km"]], on="zone_id", how="inner"
    )
    within = joined["minutes"].to_numpy() <= limit[joined["group"].to_numpy()]
    joined = joined[within]
    eligible = np.zeros(len(joined), dtype=bool)
    cls, band, facility = joined["cls"].to_numpy(), joined["band"].to_numpy(), joined["facility"].to_numpy()
    for (c, b), mask in eligible_for_class.items():
        rows = (cls == c) & (band == b)
        eligible[rows] = mask[facility[rows]]
    joined = joined[eligible]
    costs = scenario.costs
    placement = np.where(table["is_option"].to_numpy(), 0.0, table["annual_cost_per_place"].to_numpy())
    km = joined["km"].to_numpy(dtype=float)
    arcs = pd.DataFrame(
        {
            "group": joined["group"].to_numpy(),
            "facility": joined["facility"].to_numpy(),
            "minutes": joined["minutes"].to_numpy(dtype=float),
            "km": km,
            "placement": placement[joined["facility"].to_numpy()],
            "transport": costs.transport_per_pupil * km / costs.transport_reference_km,
            "minutes_cost": costs.travel_minute_weight * joined["minutes"].to_numpy(dtype=float),
        }
    )
    return arcs.sort_values(["group", "facility"], kind="stable").reset_index(drop=True)


def _dominated(arcs: pd.DataFrame, groups: pd.DataFrame, facilities: Facilities) -> np.ndarray:
    """Arcs into existing sites that cost at least the group's fallback (groups by index):
    the fallback is always open and has no capacity, so placing such a pupil there never
    costs less. (Arcs into options stay: an option may need pupils to reach its minimum
    occupancy.)"""
    fallback = groups["fallback_cost"].reindex(arcs["group"].to_numpy()).to_numpy(dtype=float)
    cost = (arcs["placement"] + arcs["transport"] + arcs["minutes_cost"]).to_numpy()
    existing = arcs["facility"].to_numpy() < facilities.site_count
    dominated = existing & (cost >= fallback)
    if dominated.any():
        log.info("dropped %s arcs into existing sites that cost no less than the fallback", f"{int(dominated.sum()):,}")
    return dominated


def _without_dominated(arcs: pd.DataFrame, groups: pd.DataFrame, facilities: Facilities) -> pd.DataFrame:
    return arcs[~_dominated(arcs, groups, facilities)].reset_index(drop=True)


def _core_problem(
    groups: pd.DataFrame,
    arcs: pd.DataFrame,
    facilities: Facilities,
    scenario: Scenario,
    years: list[int],
    *,
    stays: np.ndarray | None = None,
    arc_stays: np.ndarray | None = None,
    rejoins: Rejoins | None = None,
) -> Problem:
    T = len(years)
    sites, options = facilities.sites, facilities.options
    periods = Periods.discounted(T, scenario.costs.discount_rate)
    core_groups = Groups.make(
        groups["pupils"].to_numpy(dtype=float),
        period=groups["period"].to_numpy(),
        fallback_cost=groups["fallback_cost"].to_numpy(dtype=float),
        ids=list(zip(groups["zone_id"], groups["band"], groups["year"])),
        stays=stays,
    )
    existing = Existing.make(sites["capacity"].to_numpy(dtype=float), periods=T, ids=list(sites["facility_id"]))
    earliest = options["earliest_year"].astype(float).fillna(years[0]).to_numpy()
    annual = (options["annual_cost_per_place"] + options["host_penalty"] + options["deliverability_penalty"]).to_numpy(
        dtype=float
    )
    core_options = Options.make(
        options["max_places"].to_numpy(dtype=float),
        min_size=options["min_places"].to_numpy(dtype=float),
        step=options["place_step"].astype(float).fillna(1.0).to_numpy(),
        earliest=np.clip(earliest - years[0], 0, T - 1).astype(int),
        fixed_cost=options["capital_fixed"].astype(float).fillna(0.0).to_numpy(),
        cost_per_place=options["capital_per_place"].astype(float).fillna(0.0).to_numpy(),
        annual_cost_per_place=annual,
        forced=options["facility_id"].isin(scenario.rules.force_open).to_numpy(),
        excluded=(options["ruled_out"] != "").to_numpy()
        & ~options["facility_id"].isin(scenario.rules.force_open).to_numpy(),
        min_occupancy=scenario.rules.min_occupancy,
        ids=list(options["facility_id"]),
        annual_fixed_cost=options["annual_fixed_cost"].astype(float).fillna(0.0).to_numpy(),
        intake=intake_shares(options["intake"]),
    )
    revenue = scenario.rules.revenue_limit_per_year
    rules = Rules(
        capital_budget=scenario.rules.capital_budget if scenario.rules.capital_budget is not None else np.inf,
        capital_budget_per_period=None
        if scenario.rules.capital_budget_per_year is None
        else (scenario.rules.capital_budget_per_year,) * T,
        max_options=None
        if scenario.rules.max_new_options is None
        else min(scenario.rules.max_new_options, len(options)),
        exclusive_groups=host_groups(options, core_options.forced),
        # the revenue limit counts places at their cost, without the host and deliverability weights
        annual_budget_per_period=None if revenue is None else (float(revenue),) * T,
        annual_budget_cost_per_place=None
        if revenue is None
        else tuple(options["annual_cost_per_place"].astype(float).fillna(0.0)),
    )
    cost = (arcs["placement"] + arcs["transport"] + arcs["minutes_cost"]).to_numpy()
    core_arcs = Arcs.make(arcs["group"].to_numpy(), arcs["facility"].to_numpy(), cost, stays=arc_stays)
    return Problem.make(
        groups=core_groups,
        arcs=core_arcs,
        periods=periods,
        existing=existing,
        options=core_options,
        rules=rules,
        rejoins=rejoins,
    )


def host_groups(options: pd.DataFrame, forced: np.ndarray) -> tuple[tuple[int, ...], ...]:
    """The options of each host school (``host_group``) as the core's exclusive groups: at
    most one of them opens. A school with two options forced open keeps both (the scenario
    says so), and the log says which."""
    groups = []
    hosts = options["host_group"].fillna("").astype(str).to_numpy()
    for host in sorted(set(hosts) - {""}):
        members = np.flatnonzero(hosts == host)
        if len(members) < 2:
            continue
        if forced[members].sum() > 1:
            log.warning(
                "host %s: %d of its options are forced open, so the one-per-host rule is not applied to it",
                host,
                int(forced[members].sum()),
            )
            continue
        groups.append(tuple(int(i) for i in members))
    return tuple(groups)
