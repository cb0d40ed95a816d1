"""placeplan sweep: the plan solved against many demand futures, or over a grid of
settings, on a Dask cluster."""

from __future__ import annotations

import time
from pathlib import Path

import click

from ..errors import printable
from . import SET_HELP


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=True, path_type=str), required=False)
@click.option(
    "--draws",
    type=click.IntRange(min=1),
    default=None,
    help="Demand futures to plan for: the projection's first N Monte Carlo draws (demand.seed).",
)
@click.option(
    "--robust",
    type=click.IntRange(min=1),
    default=None,
    metavar="M",
    help="With --draws: also choose one plan against the first M draws together (the robust plan) and "
    "price it and the scenario's plan in every draw.",
)
@click.option(
    "--grid",
    "grid",
    multiple=True,
    metavar="KEY=V1,V2,...",
    help="Plan every combination of these values of scenario settings (repeatable), e.g. "
    "--grid rules.capital_budget=1000000,2000000.",
)
@click.option(
    "--alternatives",
    type=click.IntRange(min=1),
    default=None,
    metavar="K",
    help="The K next best plans, each opening a set of options other than every better one.",
)
@click.option(
    "--datasets",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Plan every dataset folder under DIR with its default scenario (placeplan data build --la ALL "
    "writes one per council); needs --out and no SCENARIO.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=2,
    show_default=True,
    help="Local worker processes, one solver thread each; 0 solves in this process.",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    default=None,
    help="A running Dask scheduler to use instead, e.g. tcp://127.0.0.1:8786 (its workers need placeplan installed).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output folder (default: the scenario's output folder with -sweep, or -grid, after its name).",
)
@click.option("--set", "overrides", multiple=True, metavar="SECTION.KEY=VALUE", help=SET_HELP)
def sweep(
    scenario: str | None,
    draws: int | None,
    robust: int | None,
    grid: tuple[str, ...],
    alternatives: int | None,
    datasets: Path | None,
    workers: int,
    scheduler: str | None,
    out: Path | None,
    overrides: tuple[str, ...],
) -> None:
    """Solve the scenario's plan against N futures of its demand, drawn from the
    projection's own uncertainty, and show how often each option is chosen; or, with
    --grid, plan every combination of some settings' values side by side; or, with
    --alternatives, find the next best distinct plans; or, with --datasets DIR and no
    SCENARIO, plan every council's dataset under DIR as one sweep.

    Writes robustness.csv (every option: the share of draws whose plan opens it, its
    mean places and opening year there, and whether the scenario's own plan opens it),
    draws.csv (internal: each draw's total cost, gap, capital and pupils left to
    independent or out-of-area places in the last plan year) and sweep.json (the
    scenario's plan and the spread of the draws' costs). With --grid: grid.csv
    (internal: each combination's cost, capital, out-of-area pupils and options) and
    grid.png (cost and out-of-area pupils against capital). With --alternatives:
    alternatives.csv (internal: the scenario's plan and the K next best plans, each with
    its cost above the best and the options it adds and drops; solved in turn in this
    process, each within the scenario's gap). With --datasets: national.csv (internal:
    each council's pupils, shortfall without new provision, options opened, capital and
    saving), national_shortfall.csv (the shortfall by setting and phase) and
    national.html (a map of the councils, by shortfall and saving). The same
    seed gives the same files on any number of workers or any cluster.

    \b
    Example:
      placeplan sweep scenarios/kingston-richmond.toml --draws 20
      placeplan sweep scenarios/kingston-richmond.toml --draws 20 --robust 5
      placeplan sweep scenarios/kingston-richmond.toml --draws 100 --scheduler tcp://127.0.0.1:8786
      placeplan sweep scenarios/kingston-richmond.toml --grid rules.capital_budget=1000000,3400000 \\
        --grid travel.speed_kmh=15,20
      placeplan sweep scenarios/kingston-richmond.toml --alternatives 3
      placeplan data build --la ALL --out datasets && placeplan sweep --datasets datasets --out out/national
    """
    from ..errors import InputError, Problems

    problems = Problems()
    if sum([draws is not None, bool(grid), alternatives is not None, datasets is not None]) != 1:
        problems.error(
            "--draws",
            "--grid, --alternatives and --datasets are each a sweep of their own; expected "
            "one of them, e.g. --draws 20, --grid rules.capital_budget=1000000,2000000, "
            "--alternatives 3 or --datasets DIR",
        )
    elif datasets is not None and (scenario or overrides or out is None):
        problems.error(
            "--datasets",
            "plans each dataset with its default scenario into --out; expected no "
            "SCENARIO and no --set, and an --out folder",
            value=str(datasets),
        )
    elif robust is not None and draws is None:
        problems.error(
            "--robust",
            "chooses a plan against demand draws; expected --draws N beside it, e.g. --draws 20 --robust 5",
            value=str(robust),
        )
    elif datasets is None and not scenario:
        problems.error("SCENARIO", "is missing; expected a scenario file, e.g. scenarios/kingston-richmond.toml")
    if problems.errors:
        raise InputError("placeplan sweep", problems.errors)
    if datasets is not None:
        assert out is not None
        _national(datasets, workers, scheduler, out)
        return
    assert scenario is not None
    if grid:
        _grid(scenario, grid, workers, scheduler, out, overrides)
    elif alternatives is not None:
        _alternatives(scenario, alternatives, out, overrides)
    else:
        assert draws is not None
        _draws(scenario, draws, robust, workers, scheduler, out, overrides)


def _draws(
    scenario: str,
    draws: int,
    robust: int | None,
    workers: int,
    scheduler: str | None,
    out: Path | None,
    overrides: tuple[str, ...],
) -> None:
    from ..pipeline import load_inputs
    from ..sweep.run import sweep_draws, write_sweep

    inputs = load_inputs(scenario, overrides)
    own = inputs.scenario.output_folder
    folder = out or own.with_name(f"{own.name}-sweep")
    started = time.perf_counter()
    swept = sweep_draws(inputs, draws, workers=workers, scheduler=scheduler, robust=robust)
    seconds = time.perf_counter() - started
    files = write_sweep(swept, folder, inputs)
    figures = swept.summary
    cost = figures["total_cost"]
    plan = figures["plan"]
    click.echo(
        f"{figures['draws_with_a_plan']} of {figures['draws']} demand draws planned in {seconds:.0f} s: "
        f"total cost P10 £{cost.get('p10', float('nan')):,.0f}, P50 £{cost.get('p50', float('nan')):,.0f}, "
        f"P90 £{cost.get('p90', float('nan')):,.0f}; the scenario's plan (P{plan['percentile']}) "
        f"£{plan['total_cost']:,.0f} with {len(plan['options'])} options"
    )
    table = swept.robustness
    always = table[table["chosen_share"] >= 0.9]
    click.echo(
        f"options chosen in at least 90% of draws: {len(always)}; in the scenario's plan: "
        f"{int((table['in_plan'] == 'yes').sum())}"
    )
    if swept.robust is not None:
        said = swept.robust.summary
        click.echo(
            f"robust plan ({said['chosen_against_draws']} draws at once, the best of {said['candidates']} "
            f"candidates): {said['status']}, within {100 * said['gap']:.3f}% of the best any plan could do"
        )
        click.echo(printable(said["sentence"]))
    click.echo(f"wrote {', '.join(str(p) for p in files)}")


def _grid(
    scenario: str,
    grid: tuple[str, ...],
    workers: int,
    scheduler: str | None,
    out: Path | None,
    overrides: tuple[str, ...],
) -> None:
    from ..sweep.run import sweep_grid, write_grid

    started = time.perf_counter()
    gridded, first = sweep_grid(scenario, overrides, grid, workers=workers, scheduler=scheduler)
    own = first.scenario.output_folder
    files = write_grid(gridded, out or own.with_name(f"{own.name}-grid"), first)
    table = gridded.table
    click.echo(
        f"{len(table)} combinations planned in {time.perf_counter() - started:.0f} s: total cost "
        f"£{table['total_cost'].min():,.0f} to £{table['total_cost'].max():,.0f}, capital "
        f"£{table['capital'].min():,.0f} to £{table['capital'].max():,.0f}"
    )
    click.echo(f"wrote {', '.join(str(p) for p in files)}")


def _alternatives(scenario: str, count: int, out: Path | None, overrides: tuple[str, ...]) -> None:
    from ..pipeline import load_inputs
    from ..sweep.run import sweep_alternatives, write_alternatives

    inputs = load_inputs(scenario, overrides)
    own = inputs.scenario.output_folder
    started = time.perf_counter()
    table = sweep_alternatives(inputs, count)
    files = write_alternatives(table, out or own.with_name(f"{own.name}-alternatives"), inputs)
    changes = "".join(
        f"; #{r.rank} £{abs(r.cost_difference):,.0f} {'less' if r.cost_difference < 0 else 'more'} "
        f"(+{r.added or 'nothing'} / -{r.dropped or 'nothing'})"
        for r in table.iloc[1:].itertuples()
    )
    click.echo(
        printable(
            f"{len(table) - 1} of {count} next best distinct plans found in "
            f"{time.perf_counter() - started:.0f} s{changes}"
        )
    )
    unproven = int((table["proven_dearer"] == "no").sum())
    if unproven:
        click.echo(
            f"{unproven} of them cost more than the best by less than the solver's gap: they are plans nearly "
            "as good, not proven dearer (lower solve.relative_gap to rank them)"
        )
    click.echo(f"wrote {', '.join(str(p) for p in files)}")


def _national(datasets: Path, workers: int, scheduler: str | None, out: Path) -> None:
    from ..outputs.national import national_page
    from ..sweep.run import sweep_national, write_national

    started = time.perf_counter()
    tables = sweep_national(datasets, workers=workers, scheduler=scheduler)
    files = write_national(tables, out, datasets, page=national_page(tables[0], datasets))
    table = tables[0]
    click.echo(
        f"{len(table)} councils planned in {time.perf_counter() - started:.0f} s: "
        f"{int(table['options_opened'].sum())} options opened for £{table['capital'].sum():,.0f} of capital, "
        f"£{table['saving'].sum():,.0f} saved against their status quo"
    )
    click.echo(f"wrote {', '.join(str(p) for p in files)}")
