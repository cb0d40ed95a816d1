"""placeplan solve, as a pipeline: demand -> travel -> model build -> solve -> results.

:func:`solve_scenario` returns a :class:`Solved` (tables and summary in memory);
:func:`write_outputs` writes them, each file whole or not at all.
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from ..codes import LOCAL_KINDS
from ..demand import Planned, Record, plan_years, planned_demand
from ..errors import NoPlanError, SolverError
from ..optimise import Result, Status, solve
from ..outputs_io import write_csv_atomic, write_text_atomic
from ..pipeline import Inputs, travel_for
from ..provenance import caveats, caveats_short, dataset_files, files_hash
from ..scenario.model import Scenario
from ..solved import MARKING, SOLVED_FILES, SolvedSummary, summary_json
from ..solvers import PLAN_SOLVERS, SOLVERS, display_name
from ..travel import reference_minutes
from . import continuity
from .explain import explain
from .facilities import Facilities, facilities
from .options import options_table
from .problem import SendProblem, build_send_problem, pupil_entries
from .record import record_tables
from .results import (
    allocation_table,
    capital_by_option,
    cost_terms,
    costs_by_year,
    flows_by_member,
    payback_year,
    status_quo_journeys,
    travel_percentiles,
)

log = logging.getLogger(__name__)


@dataclass
class Solved:
    scenario: Scenario
    send: SendProblem
    result: Result
    options: pd.DataFrame
    allocation: pd.DataFrame
    explain: pd.DataFrame | None
    summary: SolvedSummary  # type: ignore[valid-type]  # a dataclass made from the declaration
    stages: dict[str, float] = field(default_factory=dict)
    record: dict[str, pd.DataFrame] = field(default_factory=dict)  # .record's tables, for the documents


class Progress:
    """Solver progress for the terminal: a line when the incumbent or bound improves,
    at most one a second otherwise."""

    def __init__(self) -> None:
        self.last = 0.0
        self.best: tuple[float | None, float | None] = (None, None)

    def __call__(self, event: dict) -> None:
        if event.get("stage") != "solve":
            return
        incumbent, bound = event.get("incumbent"), event.get("bound")
        improved = (incumbent, bound) != self.best
        now = time.perf_counter()
        if improved and (now - self.last >= 1.0 or incumbent != self.best[0]):
            self.best, self.last = (incumbent, bound), now
            log.info(
                "  %s %5.1f s: best plan £%s, bound £%s",
                event.get("solver", ""),
                event.get("seconds", 0.0),
                _money(incumbent),
                _money(bound),
            )


def _money(value: float | None) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:,.0f}"


def _timed(stages: dict[str, float], name: str, action):
    start = time.perf_counter()
    value = action()
    stages[name] = round(time.perf_counter() - start, 3)
    return value


@dataclass(frozen=True)
class Prepared:
    """Everything before the solve: projected demand, travel pairs and the model's input."""

    demand: pd.DataFrame
    pairs: pd.DataFrame
    send: SendProblem
    record: Record  # the projection's range and growth, for summary.json


def prepare(
    inputs: Inputs,
    stages: dict[str, float] | None = None,
    *,
    planned: Planned | None = None,
    pairs: pd.DataFrame | None = None,
) -> Prepared:
    """Demand -> travel -> model build, for a scenario and its dataset (``stages`` collects
    each stage's seconds). ``planned`` and ``pairs`` are given when already worked out (a
    sweep plans one travel matrix for many demand futures)."""
    stages = {} if stages is None else stages
    scenario, dataset = inputs.scenario.scenario, inputs.dataset
    years = plan_years(scenario, dataset.meta.base_year)
    if planned is None:
        planned = _timed(stages, "demand", lambda: planned_demand(dataset, scenario))
    if pairs is None:
        pairs = _timed(stages, "travel", lambda: travel_for(inputs))
    table = facilities_for(inputs, years)
    before = planned.before if scenario.rules.pupils_stay else None
    send = _timed(
        stages,
        "build",
        lambda: build_send_problem(
            demand=planned.demand,
            pairs=pairs,
            zones=dataset["zones"],
            facilities=table,
            scenario=scenario,
            years=years,
            before=before,
        ),
    )
    return Prepared(planned.demand, pairs, send, planned.record)


def facilities_for(inputs: Inputs, years: list[int]) -> Facilities:
    scenario, dataset = inputs.scenario.scenario, inputs.dataset
    return facilities(
        dataset["sites"], dataset.tables.get("candidates"), scenario, first_year=years[0], years=len(years)
    )


def pupil_flows(inputs: Inputs) -> pd.DataFrame:
    """The pupils the solve plans for, by home zone, need, setting, year group and plan
    year: those continuing in specialist provision and those joining (placed afresh), as
    :func:`prepare` gives them to the model (:func:`.continuity.pupil_flows`). Of those
    continuing, the ones who reach a year group their school does not admit are placed
    again by the plan (:mod:`.moves`): who they are depends on where it places them, so
    summary.json's placements_by_year counts them as newly placed."""
    scenario, dataset = inputs.scenario.scenario, inputs.dataset
    years = plan_years(scenario, dataset.meta.base_year)
    planned = planned_demand(dataset, scenario)
    before = planned.before if scenario.rules.pupils_stay else None
    entries = pupil_entries(planned.demand, before, facilities_for(inputs, years).table, years)
    return continuity.pupil_flows(entries.joiners, entries.continuing, years)


def solve_scenario(
    inputs: Inputs, *, solver: str | None = None, time_limit: float | None = None, with_explain: bool | None = None
) -> Solved:
    started = time.perf_counter()
    scenario = inputs.scenario.scenario
    settings = scenario.solve
    solver = solver or settings.solver
    time_limit = time_limit or settings.time_limit_s
    stages: dict[str, float] = {}
    prepared = prepare(inputs, stages)
    send = prepared.send
    units = send.problem.groups.demand
    if SOLVERS[solver].whole_data_only and not np.allclose(units, np.round(units)):
        others = " or ".join(s for s in PLAN_SOLVERS if not SOLVERS[s].whole_data_only)
        raise SolverError(
            f"{display_name(solver)} makes every variable an integer, but projected pupils are fractional, so it "
            f"cannot solve this plan; expected --solver {others}"
        )
    log.info("solving with %s (time limit %g s)", solver, time_limit)
    result = _timed(
        stages,
        "solve",
        lambda: solve(
            send.problem,
            solver=solver,
            time_limit=time_limit,
            relative_gap=settings.relative_gap,
            threads=settings.threads,
            progress=Progress(),
            seed=scenario.demand.seed,
            search=settings.search,
        ),
    )
    if result.status == Status.ERROR:
        raise SolverError(f"the solver failed: {result.message}")
    if not result.has_plan:
        raise NoPlanError(_no_plan_message(send, result), result.shortfalls)
    split = flows_by_member(send, result)
    allocation = allocation_table(send, split)
    before = _timed(
        stages, "status_quo", lambda: solve_status_quo(send, scenario, solver=solver, time_limit=time_limit)
    )
    before_split = flows_by_member(send, before) if before.has_plan else None
    explained = None
    if settings.explain if with_explain is None else with_explain:
        explained = _timed(stages, "explain", lambda: explain(send, result, workers=settings.explain_workers))
    options = options_table(send, result, scenario, explained)
    stages["total"] = round(time.perf_counter() - started, 3)
    summary = summarise(
        inputs, send, result, split, status_quo=before, status_quo_split=before_split, demand_record=prepared.record
    )
    record = record_tables(send, result, prepared.demand, prepared.pairs)
    return Solved(scenario, send, result, options, allocation, explained, summary, stages, record)


def solve_status_quo(send: SendProblem, scenario: Scenario, *, solver: str, time_limit: float) -> Result:
    """The same pupils with no new provision (every option closed, none forced): existing
    places, then independent or out-of-area places; the plan the council's decision is
    measured against. Without options the model is a transportation problem, solved to its
    optimum well within any time limit. No plan when the rules need new places (no fallback
    and too few existing places)."""
    problem = send.problem.closing(np.ones(send.problem.options.count, dtype=bool))
    settings = scenario.solve
    result = solve(
        problem,
        solver=solver,
        time_limit=time_limit,
        relative_gap=settings.relative_gap,
        threads=settings.threads,
        seed=scenario.demand.seed,
    )
    log.info(
        "status quo (no new provision): %s, £%s over the plan",
        result.status,
        _money(result.objective) if result.has_plan else "-",
    )
    return result


def _no_plan_message(send: SendProblem, result: Result) -> str:
    if result.status != Status.INFEASIBLE:
        return (
            f"no plan found ({result.status}{': ' + result.message if result.message else ''}); "
            "allow a longer --time-limit or relax the rules"
        )
    if not result.shortfalls:
        return result.message or "the rules admit no plan"
    lines = ["the rules admit no plan: these pupils cannot be placed and may not go out of area"]
    lines += [f"  - {_shortfall_text(send, shortfall)}" for shortfall in result.shortfalls]
    return "\n".join(lines)


def _shortfall_text(send: SendProblem, shortfall) -> str:
    """One shortfall in words: year, who (need, phase, zones) and what they could reach."""
    members = send.members[send.members["group"].isin(shortfall.groups)]
    groups = send.groups.iloc[list(shortfall.groups)]
    year = send.years[shortfall.period]
    who = members.assign(phase=send.groups["phase"].to_numpy()[members["group"].to_numpy()])
    kinds = sorted({f"{need} {phase}" for need, phase in zip(who["need"], who["phase"])})
    zones = sorted(set(who["home_zone"]))
    zone_text = ", ".join(zones[:6]) + (f" and {len(zones) - 6} more zones" if len(zones) > 6 else "")
    pupils = float(groups["pupils"].sum())
    head = f"{year}/{(year + 1) % 100:02d}: {pupils:.1f} pupils ({'; '.join(kinds)}) living in {zone_text}"
    if not shortfall.facilities:
        return f"{head}: no provision that admits them is within their travel limit"
    names = send.facilities.table["name"].to_numpy()
    reach = ", ".join(names[f] for f in shortfall.facilities[:5])
    more = f" and {len(shortfall.facilities) - 5} more" if len(shortfall.facilities) > 5 else ""
    return (
        f"{head}: the provision they can reach ({reach}{more}) holds at most {shortfall.capacity:.0f} "
        "of them, even with every option open at its largest"
    )


def _nested(frame: pd.DataFrame, keys: list[str], value: str) -> list[dict]:
    return json.loads(frame.groupby(keys, observed=True)[value].sum().round(2).reset_index().to_json(orient="records"))


def placement_where(send: SendProblem, split: pd.DataFrame) -> pd.Series:
    """Each flow's kind of place: ``local`` (the council's own schools and new provision),
    ``independent`` (an independent school in the dataset) or ``unplaced`` (an independent
    or out-of-area place beyond it)."""
    table = send.facilities.table
    kinds = np.where(split["facility"] >= 0, table["kind"].to_numpy()[np.maximum(split["facility"], 0)], "unplaced")
    return pd.Series(
        np.where(np.isin(kinds, LOCAL_KINDS), "local", np.where(kinds == "independent", "independent", "unplaced")),
        index=split.index,
    )


def _pupils(send: SendProblem, split: pd.DataFrame) -> list[dict]:
    """summary's pupils rows: need, phase, setting, year and pupils placed locally, in
    independent schools, or unplaced (out of area)."""
    placed = split.assign(where=placement_where(send, split))
    by_year = placed.pivot_table(
        index=["need", "phase", "setting", "year"], columns="where", values="pupils", aggfunc="sum", fill_value=0.0
    ).reset_index()
    for column in ("local", "independent", "unplaced"):
        if column not in by_year:
            by_year[column] = 0.0
    by_year = by_year[["need", "phase", "setting", "year", "local", "independent", "unplaced"]]
    return json.loads(by_year.round(2).to_json(orient="records"))


def _label(year: int) -> str:
    return f"{year}/{(year + 1) % 100:02d}"


#: What summary.json's saving counts, in its own words.
SAVING_BASIS = (
    "status quo minus plan, in pounds: the money each spends in a plan year on placements at "
    "existing sites, transport, out-of-area placements, new places and new options' running "
    "costs (capital apart, and the optional weights, which are not money); 'undiscounted' as "
    "spent, 'discounted' at costs.discount_rate as the objective weighs it"
)


def invest_to_save(send: SendProblem, result: Result, status_quo: Result) -> tuple[dict, str | None]:
    """summary's ``saving`` (total and by year) and ``payback_year``: the first plan year,
    from the first opening, by which the cumulative saving covers the cumulative capital
    (undiscounted); None when no option opens or not within the horizon."""
    plan, before = costs_by_year(send, result), costs_by_year(send, status_quo)
    saving = before["running"] - plan["running"]
    saving_discounted = before["running_discounted"] - plan["running_discounted"]
    rows = pd.DataFrame(
        {
            "year": [_label(y) for y in send.years],
            "status_quo": before["running"].round(2),
            "plan": plan["running"].round(2),
            "saving": saving.round(2),
            "saving_discounted": saving_discounted.round(2),
            "capital": plan["capital"].round(2),
            "capital_discounted": plan["capital_discounted"].round(2),
            "cumulative_saving": saving.cumsum().round(2),
            "cumulative_capital": plan["capital"].cumsum().round(2),
        }
    )
    opened = result.option_period[result.option_open]
    year = None
    if len(opened):
        year = payback_year(
            (plan["running"] + plan["capital"]).to_numpy(),
            before["running"].to_numpy(),
            send.years,
            opened=int(opened.min()),
        )
    capital, capital_discounted = float(plan["capital"].sum()), float(plan["capital_discounted"].sum())
    total = {
        "undiscounted": round(float(saving.sum()), 2),
        "discounted": round(float(saving_discounted.sum()), 2),
        "net_of_capital_undiscounted": round(float(saving.sum()) - capital, 2),
        "net_of_capital_discounted": round(float(saving_discounted.sum()) - capital_discounted, 2),
    }
    return (
        {"basis": SAVING_BASIS, "total": total, "by_year": json.loads(rows.to_json(orient="records"))},
        None if year is None else _label(year),
    )


def summarise(
    inputs: Inputs,
    send: SendProblem,
    result: Result,
    split: pd.DataFrame,
    *,
    status_quo: Result | None = None,
    status_quo_split: pd.DataFrame | None = None,
    demand_record: Record | None = None,
) -> SolvedSummary:  # type: ignore[valid-type]
    """summary.json. With the status quo (the same pupils, no new provision): its objective,
    terms and pupils rows, the average journey it gives the pupils the plan places at each
    site and option in the last year (what the documents compare journeys with), the saving
    by year and the plan's payback year (all null when the rules admit no status quo)."""
    scenario = inputs.scenario.scenario
    capital = capital_by_option(send, result)
    before, saving, payback = None, None, None
    if status_quo is not None and status_quo.has_plan and status_quo_split is not None:
        before = {
            "description": "the same pupils with no new provision: existing places, then independent or "
            "out-of-area places",
            "status": str(status_quo.status),
            "objective": round(status_quo.objective, 2),
            "terms": {k: round(v, 2) for k, v in cost_terms(send, status_quo).items()},
            "pupils": _pupils(send, status_quo_split),
            "journeys": status_quo_journeys(
                send, split, status_quo_split, reference_minutes=reference_minutes(scenario)
            ),
        }
        saving, payback = invest_to_save(send, result, status_quo)
    files = dataset_files(inputs.dataset.path)
    return SolvedSummary(
        **{
            "scenario": scenario.name or inputs.scenario.path.stem,
            "scenario_file": str(inputs.scenario.path.resolve()),
            "dataset": inputs.dataset.meta.name,
            "dataset_path": str(inputs.dataset.path.resolve()),
            "years": [f"{y}/{(y + 1) % 100:02d}" for y in send.years],
            "status": str(result.status),
            "solver": result.solver,
            "objective": round(result.objective, 2),
            "best_bound": round(result.best_bound, 2),
            "gap": result.gap,
            "terms": {k: round(v, 2) for k, v in cost_terms(send, result).items()},
            "discount_rate": scenario.costs.discount_rate,
            "run_date": run_date().isoformat(),
            "model_size": result.model_size,
            "capital_spent": round(float(capital.sum()), 2),
            "capital_budget": scenario.rules.capital_budget,
            "options_opened": int(result.option_open.sum()),
            "places_added": _places_added(send, result, split),
            "pupils": _pupils(send, split),
            "travel": travel_percentiles(split),
            "placements_by_year": placements_by_year(send, split),
            "caveats": caveats(inputs.dataset),
            "caveats_short": caveats_short(inputs.dataset),
            "dataset_hash": files_hash(files),
            "dataset_files": files,
            "status_quo": before,
            "saving": saving,
            "payback_year": payback,
            "revenue_limit_per_year": scenario.rules.revenue_limit_per_year,
            "decision_year": _label(scenario.horizon.decided_in(send.years[0])),
            **_demand_keys(demand_record),
        }
    )


def _demand_keys(record: Record | None) -> dict:
    """summary's ``demand_range`` (each plan year's P10, P50 and P90 of all pupils, and the
    pupils planned for) and ``demand_growth`` (the method and the annual growth it gave),
    from the projection the plan was made from; null when none is given (summarise called on
    its own), rather than projecting again."""
    return {
        "demand_range": None if record is None else record.range,
        "demand_growth": None if record is None else record.growth,
    }


def placements_by_year(send: SendProblem, split: pd.DataFrame) -> list[dict]:
    """Each plan year's pupils: continuing where they were placed, newly placed locally
    (existing provision or new), newly placed independent or out of area."""
    kinds = send.facilities.table["kind"].to_numpy()
    facility = split["facility"].to_numpy()
    local = (facility >= 0) & np.isin(kinds[np.maximum(facility, 0)], LOCAL_KINDS)
    frame = split.assign(
        continuing=np.where(split["continuing"], split["pupils"], 0.0),
        new_local=np.where(~split["continuing"] & local, split["pupils"], 0.0),
        new_away=np.where(~split["continuing"] & ~local, split["pupils"], 0.0),
    )
    table = frame.groupby("year", as_index=False)[["continuing", "new_local", "new_away"]].sum()
    table["year"] = [f"{y}/{(y + 1) % 100:02d}" for y in table["year"]]
    return json.loads(table.round(2).to_json(orient="records"))


def _places_added(send: SendProblem, result: Result, split: pd.DataFrame) -> list[dict]:
    """Places opened, shared over need and phase by the pupils they take in the last year."""
    E = send.facilities.site_count
    last = split[(split["year"] == send.years[-1]) & (split["facility"] >= E)]
    rows = []
    for option in np.flatnonzero(result.option_open):
        places = float(result.option_size[option])
        served = last[last["facility"] == E + option].groupby(["need", "phase"])["pupils"].sum()
        total = served.sum()
        for (need, phase), pupils in served.items():
            rows.append((need, phase, places * pupils / total))
        if total == 0:
            rows.append(("(not yet used)", "", places))
    frame = pd.DataFrame(rows, columns=["need", "phase", "places"])
    return _nested(frame, ["need", "phase"], "places") if len(frame) else []


#: The files a solve writes (the declaration's; the documents for people are placeplan.outputs.DOCUMENTS).
TABLES = tuple(name for name, file in SOLVED_FILES.items() if file.by == "solve")


def run_date() -> date:
    """The date a run records and its documents print: today (UTC), or the day
    SOURCE_DATE_EPOCH names (the reproducible-builds convention), so that a run can be
    repeated to the byte on another day."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC).date()
    return datetime.now(tz=UTC).date()


def write_outputs(solved: Solved, folder: Path) -> list[Path]:
    """options.csv, allocation.csv (internal), explain.csv, scenario.json (the merged
    scenario: every assumption the run used), summary.json and timings.json (the only
    file that differs between two runs of the same inputs)."""
    folder = Path(folder)
    written = []
    write_csv_atomic(folder / "options.csv", solved.options[list(SOLVED_FILES["options.csv"].names)])
    written.append(folder / "options.csv")
    # Pupils by home zone, unsuppressed: every row carries the marking, so no extract of
    # the file can lose it.
    marked = solved.allocation.assign(marking=MARKING)
    write_csv_atomic(folder / "allocation.csv", marked[list(SOLVED_FILES["allocation.csv"].names)])
    written.append(folder / "allocation.csv")
    if solved.explain is not None:
        write_csv_atomic(folder / "explain.csv", solved.explain[list(SOLVED_FILES["explain.csv"].names)])
        written.append(folder / "explain.csv")
    for name, table in solved.record.items():
        write_csv_atomic(folder / name, table[list(SOLVED_FILES[name].names)])
        written.append(folder / name)
    write_text_atomic(folder / "scenario.json", json.dumps(solved.scenario.model_dump(mode="json"), indent=2) + "\n")
    written.append(folder / "scenario.json")
    write_text_atomic(
        folder / "summary.json", json.dumps(summary_json(solved.summary), indent=2, default=_json_default) + "\n"
    )
    written.append(folder / "summary.json")
    timings = {"seconds": solved.stages, "solver_stages": solved.result.stages}
    write_text_atomic(folder / "timings.json", json.dumps(timings, indent=2, default=_json_default) + "\n")
    written.append(folder / "timings.json")
    return written


def _json_default(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return None if not math.isfinite(value) else float(value)
    raise TypeError(type(value).__name__)
