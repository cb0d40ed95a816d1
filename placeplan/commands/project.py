"""placeplan project: demand by zone, need, year group and year, with its range."""

from __future__ import annotations

from pathlib import Path

import click

from . import SET_HELP

FILES = ("demand_projection.csv", "pupil_flows.csv", "council_projection.csv", "scap_send_forecast.csv")


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=True, path_type=str))
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output folder (default: the scenario's output folder with -projection after its name, "
    "beside the plan's, which holds one solved run only).",
)
@click.option("--set", "overrides", multiple=True, metavar="SECTION.KEY=VALUE", help=SET_HELP)
@click.option(
    "--open-data",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of the DfE open data the projection pools with (default: the repository's data/open).",
)
def project(scenario: str, out: Path | None, overrides: tuple[str, ...], open_data: Path | None) -> None:
    """Project pupils needing a specialist place by zone, need, year group and plan year,
    with P10, P50 and P90 from Monte Carlo draws (demand.draws, seeded by demand.seed).

    The method is demand.method: trend (the default: the council's growth pooled toward
    its region's and England's), cohort (pupils move up a year group with joiners and
    leavers), prevalence (pupils per child times population projections) or growth (the
    scenario's own rates). demand.share_change moves the share of pupils with plans who
    need a specialist place, e.g. an inclusion scenario. docs/projection.md explains each.

    Writes demand_projection.csv (zone, need, ncy, phase, year, p10, p50, p90, and the
    planned percentile when it is another), pupil_flows.csv (the pupils placeplan solve
    plans for, at the planned percentile: zone, need, setting, ncy, phase, year, pupils,
    continuing where they were placed, joining: placed afresh as new plans, arrivals and
    pupils at a transfer point), council_projection.csv (year, need, phase,
    p10, p50, p90, share; ALL rows are all needs) and scap_send_forecast.csv (the council's
    forecast of pupils needing specialist provision by year and phase, as the DfE's SCAP
    survey asks for it).

    \b
    Example:
      placeplan project scenarios/kingston-richmond.toml
      placeplan project scenarios/essex.toml --set demand.method=cohort --out out/essex-cohort
      placeplan project scenarios/essex.toml --set 'demand.share_change={default = -0.05}'
    """
    from ..demand import projection
    from ..outputs_io import RunFolder, write_csv_atomic
    from ..pipeline import load_inputs
    from ..plan.run import pupil_flows
    from ..projection.scap import scap_table

    inputs = load_inputs(scenario, overrides)
    settings, dataset = inputs.scenario.scenario, inputs.dataset
    projected = projection(dataset, settings, open_data=open_data)
    cells = projected.cells.copy()
    columns = ["zone", "need", "ncy", "phase", "year", "p10", "p50", "p90"]
    if projected.percentile not in (10, 50, 90):
        cells[f"p{projected.percentile}"] = cells["planned"]
        columns.append(f"p{projected.percentile}")
    tables = {
        "demand_projection.csv": _rounded(cells[columns]),
        "pupil_flows.csv": _flows(pupil_flows(inputs)),
        "council_projection.csv": _rounded(projected.council),
        "scap_send_forecast.csv": scap_table(projected, area=dataset.meta.name),
    }
    own = inputs.scenario.output_folder
    folder = out or own.with_name(f"{own.name}-projection")
    with RunFolder.begin(folder, names=FILES, inputs=inputs.files()) as run:
        for name in FILES:
            write_csv_atomic(run.path / name, tables[name])
    council = projected.council
    totals = council[(council["need"] == "ALL") & (council["phase"] == "all")]
    click.echo(f"{dataset.meta.name}: pupils needing a specialist place ({projected.method}; P10 / P50 / P90)")
    for row in totals.itertuples(index=False):
        click.echo(f"  {row.year}/{(row.year + 1) % 100:02d}  {row.p10:8,.0f} {row.p50:8,.0f} {row.p90:8,.0f}")
    for note in projected.notes:
        click.echo(f"  - {note}")
    click.echo(f"wrote {', '.join(str(folder / name) for name in FILES)}")


def _flows(flows):
    out = flows.rename(columns={"zone_id": "zone"})
    return out.assign(**{c: out[c].round(3) for c in ("pupils", "continuing", "joining")})


def _rounded(frame):
    out = frame.copy()
    for column in ("p10", "p50", "p90", "share", *[c for c in out.columns if c.startswith("p") and c[1:].isdigit()]):
        if column in out:
            out[column] = out[column].round(3 if column != "share" else 4)
    return out
