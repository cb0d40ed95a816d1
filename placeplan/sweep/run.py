"""A sweep of demand draws, start to finish: context, jobs, cluster, tables, folder."""

from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..demand import plan_years
from ..errors import InputError, Problems
from ..outputs_io import RunFolder, write_bytes_atomic, write_csv_atomic, write_text_atomic
from ..pipeline import Inputs, load_inputs
from ..plan.run import facilities_for
from ..provenance import dataset_hash, planning_hash
from ..swept import ALTERNATIVES_FILES, GRID_FILES, NATIONAL_FILES, ROBUST_FILES, SWEEP_FILES
from .chart import grid_chart
from .compare import Compared, compare
from .engine import Cluster, cluster, map_in_order, run
from .grid import check_points, combinations, grid_table, parse_axes
from .jobs import Context, Job, Outcome, alternatives_job, solve_job
from .national import dataset_folders, national_tables, plan_council
from .robust import PriceJob, candidates, choose, price_job
from .tables import alternatives_table, draws_table, robustness_table, summary

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Swept:
    robustness: pd.DataFrame
    draws: pd.DataFrame
    summary: dict
    robust: Compared | None = None


def _progress(done: int, total: int) -> None:
    log.info("sweep: %d of %d plans solved", done, total)


def _priced(done: int, total: int) -> None:
    log.info("sweep: plans priced in %d of %d draws", done, total)


def made_from(inputs: Inputs) -> dict:
    """What the sweep was run on, so the documents of a solved plan take only a sweep of
    the same plan: the scenario's name, its settings that decide the plan, the dataset."""
    return {
        "scenario": inputs.scenario.scenario.name,
        "planning_hash": planning_hash(inputs.scenario.scenario.model_dump(mode="json")),
        "dataset_hash": dataset_hash(inputs.dataset.path),
    }


def check_draws(count: int, available: int, robust: int | None = None) -> None:
    """An InputError unless 1 <= count <= the projection's draws, and the robust plan's
    draws (if any) are at most ``count``."""
    problems = Problems()
    if not 1 <= count <= available:
        problems.error(
            "--draws",
            f"asks for {count} demand draws; expected 1 to {available}, the projection's "
            "draws (raise demand.draws for more)",
            value=str(count),
        )
    if robust is not None and not 1 <= robust <= count:
        problems.error(
            "--robust",
            f"asks for a plan chosen against {robust} draws; expected 1 to the {count} "
            "draws of --draws (the robust plan is priced in all of them)",
            value=str(robust),
        )
    problems.raise_if_errors("placeplan sweep")


def sweep_draws(
    inputs: Inputs, count: int, *, workers: int = 2, scheduler: str | None = None, robust: int | None = None
) -> Swept:
    """The scenario's own plan and the plans of its projection's first ``count`` demand
    draws (the draws are the projection's, from demand.seed: the same on any cluster).
    With ``robust``, also the one plan chosen against the first ``robust`` draws together,
    and both plans priced in every draw."""
    context = Context.of(inputs)
    check_draws(count, context.futures.draws, robust)
    jobs = [Job(None), *(Job(d) for d in range(count))]
    log.info(
        "sweep: the scenario's plan and %d demand draws on %s",
        count,
        f"the Dask scheduler at {scheduler}"
        if scheduler
        else f"{workers} local worker process{'es' if workers != 1 else ''}"
        if workers
        else "this process",
    )
    percentile = inputs.scenario.scenario.demand.percentile
    options = _options(context)
    with cluster(workers, scheduler) as where:
        outcomes = where.run(solve_job, [(context, job) for job in jobs], _progress)
        plan, draws = outcomes[0], outcomes[1:]
        compared = None
        if robust is not None:
            compared = _robust(where, context, plan, draws, robust, f"P{percentile}", options)
    figures = {**summary(draws, plan, percentile), "made_from": made_from(inputs)}
    if compared is not None:
        figures["robust"] = compared.summary
    return Swept(robustness_table(options, draws, plan), draws_table(draws), figures, compared)


def _robust(
    where: Cluster,
    context: Context,
    plan: Outcome,
    draws: list[Outcome],
    count: int,
    plan_name: str,
    options: pd.DataFrame,
) -> Compared:
    """The robust plan over the first ``count`` draws (:mod:`.robust`'s decomposition), and
    it and the scenario's plan priced in every draw."""
    chosen_against = draws[:count]
    offered = candidates(plan, chosen_against)
    log.info(
        "sweep: the robust plan over %d draws: %d candidate plans, each priced in the %d draws",
        count,
        len(offered),
        len(draws),
    )
    pricing = []
    for o in draws:
        assert o.draw is not None  # only the scenario's own plan has no draw
        pricing.append((context, PriceJob(int(o.draw), tuple(offered))))
    priced = where.run(price_job, pricing, _priced)
    chosen = choose(offered, list(priced[:count]), chosen_against)
    log.info("sweep: robust plan %s, gap %.4f%% to the draws' own bounds", chosen.status, 100 * chosen.gap)
    pairs = [
        (
            row[0] if plan.has_plan else dataclasses.replace(plan, draw=draw.draw),
            row[chosen.candidate] if chosen.candidate >= 0 else dataclasses.replace(plan, draw=draw.draw),
        )
        for row, draw in zip(priced, draws)
    ]
    return compare(plan_name, plan, chosen, draws, pairs, options)


def sweep_alternatives(inputs: Inputs, count: int) -> pd.DataFrame:
    """The scenario's plan and its ``count`` next best distinct plans (alternatives.csv).
    Each is found after the ones before it, so they are solved in this process, in turn."""
    log.info("sweep: the scenario's plan and the %d next best distinct plans, one after another", count)
    return alternatives_table(alternatives_job(Context.of(inputs), count))


def write_alternatives(table: pd.DataFrame, folder: Path, inputs: Inputs) -> list[Path]:
    said = {"alternatives": len(table) - 1, "made_from": made_from(inputs)}
    with RunFolder.begin(folder, names=ALTERNATIVES_FILES, inputs=inputs.files()) as run_folder:
        write_csv_atomic(run_folder.path / "alternatives.csv", table)
        write_text_atomic(run_folder.path / "sweep.json", json.dumps(said, indent=2) + "\n")
    return [folder / name for name in ALTERNATIVES_FILES]


def sweep_national(root: Path, *, workers: int = 2, scheduler: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every dataset under ``root`` planned with its default scenario: national.csv and
    national_shortfall.csv."""
    folders = [str(p.resolve()) for p in dataset_folders(root)]
    log.info("sweep: %d councils' datasets under %s, each with its default scenario", len(folders), root)
    plans = map_in_order(plan_council, folders, workers=workers, scheduler=scheduler, progress=_progress)
    return national_tables(plans)


def write_national(tables: tuple[pd.DataFrame, pd.DataFrame], folder: Path, root: Path, *, page: str) -> list[Path]:
    """national.csv, national_shortfall.csv and ``page`` as national.html into ``folder``,
    whole or not at all. The page is made by the caller (the documents are above the sweep)."""
    inputs = [p / "dataset.toml" for p in dataset_folders(root)]
    with RunFolder.begin(folder, names=NATIONAL_FILES, inputs=inputs) as run_folder:
        for name, table in zip(NATIONAL_FILES, tables):
            write_csv_atomic(run_folder.path / name, table)
        write_text_atomic(run_folder.path / "national.html", page)
    return [folder / name for name in NATIONAL_FILES]


@dataclass(frozen=True)
class Gridded:
    table: pd.DataFrame
    chart: bytes


def sweep_grid(
    scenario: str, overrides: tuple[str, ...], specs: tuple[str, ...], *, workers: int = 2, scheduler: str | None = None
) -> tuple[Gridded, Inputs]:
    """Every combination of the grid's values planned at the scenario's own percentile;
    also the inputs of the first combination (whose files the folder records)."""
    axes = parse_axes(specs)
    points = combinations(axes)
    loaded, errors = [], []
    for point in points:
        try:
            loaded.append(load_inputs(scenario, (*overrides, *point)))
        except InputError as error:
            errors.append(error)
    check_points(errors)
    log.info("sweep: %d combinations of %s", len(points), ", ".join(a.key for a in axes))
    contexts = [Context.of(inputs) for inputs in loaded]
    outcomes = run(
        [(context, Job(None)) for context in contexts], workers=workers, scheduler=scheduler, progress=_progress
    )
    table = grid_table(axes, points, outcomes)
    return Gridded(table, grid_chart(table, [a.key for a in axes])), loaded[0]


def write_grid(gridded: Gridded, folder: Path, inputs: Inputs) -> list[Path]:
    with RunFolder.begin(folder, names=GRID_FILES, inputs=inputs.files()) as run_folder:
        write_csv_atomic(run_folder.path / "grid.csv", gridded.table)
        write_bytes_atomic(run_folder.path / "grid.png", gridded.chart)
    return [folder / name for name in GRID_FILES]


def _options(context: Context) -> pd.DataFrame:
    """option_id, name, kind of every candidate option, in the dataset's order."""
    inputs = context.inputs
    table = facilities_for(inputs, plan_years(inputs.scenario.scenario, inputs.dataset.meta.base_year)).table
    options = table[table["is_option"]]
    return options.rename(columns={"facility_id": "option_id"})[["option_id", "name", "kind"]].reset_index(drop=True)


def write_sweep(swept: Swept, folder: Path, inputs: Inputs) -> list[Path]:
    """The sweep's files into ``folder``, whole or not at all."""
    names = SWEEP_FILES + (ROBUST_FILES if swept.robust is not None else ())
    with RunFolder.begin(folder, names=names, inputs=inputs.files()) as run:
        write_csv_atomic(run.path / "robustness.csv", swept.robustness)
        write_csv_atomic(run.path / "draws.csv", swept.draws)
        write_text_atomic(run.path / "sweep.json", json.dumps(swept.summary, indent=2) + "\n")
        if swept.robust is not None:
            for name, table in zip(ROBUST_FILES, (swept.robust.table, swept.robust.draws, swept.robust.options)):
                write_csv_atomic(run.path / name, table)
    return [folder / name for name in names]
