"""placeplan validate: check a scenario and its dataset, then print the sufficiency summary."""

from __future__ import annotations

import json

import click
import pandas as pd

from ..outputs_io import csv_text
from ..pipeline import load_inputs
from ..summary import Summary, summarise
from . import SET_HELP

TITLES = {
    "overview": "Overview",
    "pupils": "Pupils needing a specialist place, by need and phase",
    "places": "Existing places by kind and phase",
    "sufficiency": "Surplus (+) or shortfall (-) of local places, by need and phase",
    "options": "Candidate options and the places they could add",
}


def render_table(summary: Summary) -> str:
    out = [f"{summary.name} — base year {summary.base_year}", ""]
    for key, frame in summary.tables().items():
        out += [TITLES[key], "-" * len(TITLES[key])]
        out.append(frame.to_string(index=False) if not frame.empty else "(none)")
        out.append("")
    return "\n".join(out)


def render_csv(summary: Summary) -> str:
    """One tidy table: section, then the section's own columns as key=value pairs melted."""
    frames = []
    for key, frame in summary.tables().items():
        frames.append(frame.assign(section=key))
    table = pd.concat(frames, ignore_index=True)
    return csv_text(table[["section", *[c for c in table.columns if c != "section"]]])


def render_json(summary: Summary) -> str:
    payload = {"name": summary.name, "base_year": summary.base_year}
    payload.update({key: json.loads(frame.to_json(orient="records")) for key, frame in summary.tables().items()})
    return json.dumps(payload, indent=2)


RENDERERS = {"table": render_table, "csv": render_csv, "json": render_json}


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=True, path_type=str))
@click.option("--set", "overrides", multiple=True, metavar="SECTION.KEY=VALUE", help=SET_HELP)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(RENDERERS)),
    default="table",
    show_default=True,
    help="How to print the summary.",
)
def validate(scenario: str, overrides: tuple[str, ...], fmt: str) -> None:
    """Check a scenario and its dataset; print the sufficiency summary.

    Every problem in every file is reported at once, each with the file, row, column,
    the value found and what was expected. Exit code 2 when anything is wrong.

    \b
    Example:
      placeplan validate scenarios/kingston-richmond.toml
      placeplan validate scenarios/essex.toml --format json
      placeplan validate data/kingston-richmond --set travel.speed_kmh=25
    """
    inputs = load_inputs(scenario, overrides)
    click.echo(RENDERERS[fmt](summarise(inputs.dataset)))
