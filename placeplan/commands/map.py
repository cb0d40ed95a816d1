"""placeplan map: rebuild the councillors' map from a solved output folder."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(name="map")
@click.argument("outdir", type=click.Path(path_type=Path))
@click.option(
    "--maps",
    "maps_folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Also write the map here as <scenario file name>.html (default: the maps/ folder "
    "beside the scenario's folder, when there is one and OUTDIR is the scenario's own "
    "output folder).",
)
@click.option("--no-copy", is_flag=True, help="Write the map only into OUTDIR.")
@click.option(
    "--sweep",
    "sweeps",
    multiple=True,
    type=click.Path(file_okay=False, path_type=Path),
    help='A folder placeplan sweep --draws wrote for this plan: adds the layer "how often each option is chosen".',
)
def map_(outdir: Path, maps_folder: Path | None, no_copy: bool, sweeps: tuple[Path, ...]) -> None:
    """Rebuild map.html, the councillors' map, from a folder written by placeplan solve.

    One self-contained HTML file that works with no network: demand by zone (all needs,
    each need, each phase), existing provision, the new places the plan chooses and the
    candidates it does not (with the reason), where pupils travel and how far each new
    provision reaches; plain-English popups, a legend and a glossary. Counts of pupils
    from 1 to below the scenario's output.suppression_threshold (5) are shown as <5. With
    --sweep (a sweep of demand draws for this plan): a layer of how often each option is
    chosen by the draws' own plans.

    \b
    Example:
      placeplan map out/kingston-richmond
      placeplan map out/essex --maps ~/committee-papers
      placeplan map out/kingston-richmond --sweep out/kingston-richmond-sweep --no-copy
    """
    from ..outputs import MAP
    from ..runs import rebuild_run

    written = rebuild_run(outdir, MAP, maps_folder=maps_folder, copy_map=not no_copy, sweeps=sweeps)
    files = [*written.files, *([written.map_copy] if written.map_copy else [])]
    click.echo("wrote " + ", ".join(f"{path} ({_size(path)})" for path in files))


def _size(path: Path) -> str:
    return f"{path.stat().st_size / 1e6:.2f} MB"


map = map_  # the CLI registers each command module's attribute named after the command
