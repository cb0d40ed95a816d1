"""placeplan travel: the zone-to-site travel pairs a scenario would use."""

from __future__ import annotations

from pathlib import Path

import click

from ..codes import PHASES
from ..pipeline import load_inputs, travel_for
from . import SET_HELP


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=True, path_type=str))
@click.option("--set", "overrides", multiple=True, metavar="SECTION.KEY=VALUE", help=SET_HELP)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write every pair to this CSV (zone_id, facility_id, minutes, km).",
)
def travel(scenario: str, overrides: tuple[str, ...], out: Path | None) -> None:
    """Work out travel minutes and km from zones to sites and options within reach.

    Uses the dataset's travel table when it has one (or travel.source = "table"), else
    straight-line distance times travel.circuity at travel.speed_kmh. Pairs beyond every
    phase limit the site admits are left out.

    \b
    Example:
      placeplan travel scenarios/kingston-richmond.toml --out travel.csv
      placeplan travel scenarios/essex.toml --set travel.max_minutes.primary=30
    """
    inputs = load_inputs(scenario, overrides)
    pairs = travel_for(inputs)
    limits = inputs.scenario.scenario.phase_limits
    click.echo(f"{len(pairs):,} zone-facility pairs within reach")
    click.echo(f"minutes: median {pairs['minutes'].median():.1f}, max {pairs['minutes'].max():.1f}")
    click.echo("phase limits: " + ", ".join(f"{p} {limits[p]:g} min" for p in PHASES))
    if out is not None:
        from ..outputs_io import write_csv_atomic

        write_csv_atomic(
            out,
            pairs.astype({"zone_id": str, "facility_id": str}).sort_values(["facility_id", "zone_id"], kind="stable"),
        )
        click.echo(f"wrote {out}")
