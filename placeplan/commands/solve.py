"""placeplan solve: the plan of least cost within the scenario's rules."""

from __future__ import annotations

from pathlib import Path

import click

from ..solvers import PLAN_SOLVERS
from . import SET_HELP, Seconds


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=True, path_type=str))
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output folder (default: the scenario's output.folder).",
)
@click.option("--set", "overrides", multiple=True, metavar="SECTION.KEY=VALUE", help=SET_HELP)
@click.option(
    "--time-limit",
    type=Seconds(),
    default=None,
    help="Seconds for the main solve (default: solve.time_limit_s); the best plan found is returned with its gap.",
)
@click.option("--solver", type=click.Choice(PLAN_SOLVERS), default=None, help="MIP solver (default: solve.solver).")
@click.option("--no-explain", is_flag=True, help="Skip the counterfactual re-solves behind explain.csv.")
@click.option(
    "--no-outputs",
    is_flag=True,
    help="Skip the documents for people (map, shortlist, plan.xlsx, report); "
    "placeplan map and placeplan report make them later.",
)
def solve(
    scenario: str,
    out: Path | None,
    overrides: tuple[str, ...],
    time_limit: float | None,
    solver: str | None,
    no_explain: bool,
    no_outputs: bool,
) -> None:
    """Choose which options to open, when and at what size, and where every pupil is
    placed, at least total cost within the scenario's rules.

    Writes summary.json (status, cost terms, gap, places added, pupils placed and
    unplaced, travel), options.csv (every candidate, and why those not chosen were not),
    allocation.csv (internal: pupils by home zone and placement) and explain.csv (what
    each chosen option is worth); then the documents for people: map.html (also copied
    to maps/<scenario>.html when the repository has a maps/ folder and --out is not
    given), shortlist.csv,
    shortlist.html, plan.xlsx and report.html. Exit code 0 when a plan is found, 3 when
    there is none, 2 for bad input.

    \b
    Example:
      placeplan solve scenarios/kingston-richmond.toml
      placeplan solve scenarios/essex.toml --set rules.capital_budget=10_000_000 --time-limit 300
    """
    from ..pipeline import load_inputs
    from ..runs import solve_run

    inputs = load_inputs(scenario, overrides)
    folder = out or inputs.scenario.output_folder
    solved, written = solve_run(
        inputs,
        folder,
        solver=solver,
        time_limit=time_limit,
        with_explain=False if no_explain else None,
        documents=not no_outputs,
    )
    summary = solved.summary
    click.echo(
        f"{summary.scenario}: {summary.status}, total cost £{summary.objective:,.0f} over "
        f"{len(summary.years)} years (gap {100 * summary.gap:.3f}%), {summary.options_opened} "
        f"options opened for £{summary.capital_spent:,.0f} of capital"
    )
    saving = (summary.saving or {}).get("total")
    if saving:
        payback = summary.payback_year
        click.echo(
            f"against the status quo (no new provision): £{saving['undiscounted']:,.0f} saved over the plan "
            f"(£{saving['net_of_capital_undiscounted']:,.0f} net of capital), "
            + (f"paying back in {payback}" if payback else "not paying back within the plan")
        )
    files = [*written.files, *([written.map_copy] if written.map_copy else [])]
    click.echo(f"wrote {', '.join(str(p) for p in files)}")
