"""placeplan data: build a dataset for any English council from open data (``build``), or
write an empty one to fill in (``template``)."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import click

from ..databuild.build import TABLE_FORMATS
from . import SEED


@click.group()
def data() -> None:
    """Build datasets from open data, or write a workbook to fill in.

    \b
    Examples:
      placeplan data build --la Essex --out data/essex
      placeplan data template --out my-area/my-data.xlsx
    """


@data.command()
@click.option(
    "--la",
    "names",
    multiple=True,
    metavar="NAME",
    help="A council by name, DfE code or ONS code (repeat for several planned together); ALL: a "
    "dataset for every council, each in its own folder under --out.",
)
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Folder to write the dataset to."
)
@click.option(
    "--open-data",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="The open-data folder (default: the repository's data/open).",
)
@click.option(
    "--seed",
    type=SEED,
    default=2025,
    show_default=True,
    help="Seed for spreading counts over zones: the same seed gives the same dataset.",
)
@click.option("--force", is_flag=True, help="Replace a dataset already in --out.")
@click.option(
    "--format",
    "table_format",
    type=click.Choice(list(TABLE_FORMATS)),
    default="csv",
    show_default=True,
    help="How the tables are written: a CSV file each, or xlsx: the sheets of one workbook, dataset.xlsx "
    "(laid out as placeplan data template's).",
)
def build(names: tuple[str, ...], out: Path, open_data: Path | None, seed: int, force: bool, table_format: str) -> None:
    """Build a dataset for one or more councils from published open data.

    Zones are the councils' LSOAs; demand spreads the councils' published January 2025
    EHC plans in specialist settings over LSOAs and year groups, by the setting each is
    in (special school, or resourced provision and SEN units); sites are special schools
    in and within reach of the councils, with their GIAS designations, and the resourced
    provision GIAS lists at their mainstream schools; candidates are SRPs and ESTAs in
    their mainstream schools, with each host's roll, selectivity and age range, and
    expansions of their special schools. The dataset is checked with the same validation
    as any other before it is written.

    \b
    Example:
      placeplan data build --la "Kingston upon Thames" --la "Richmond upon Thames" --out data/kingston-richmond
      placeplan data build --la Essex --out data/essex --force
      placeplan data build --la Rutland --out data/rutland --format xlsx
      placeplan data build --la ALL --out datasets
    """
    from ..databuild import build_dataset
    from ..databuild.every import EVERY, build_every

    if [n.upper() for n in names] == [EVERY]:
        every = build_every(out, folder=open_data, seed=seed, force=force, table_format=table_format)
        table = every.table
        click.echo(
            f"wrote {every.built} datasets to {every.path} ({len(table) - every.built} councils not built, "
            f"each with the reason in {every.path / 'councils.csv'})"
        )
        return
    if EVERY in [n.upper() for n in names]:
        from ..errors import InputError, Problems

        problems = Problems()
        problems.error(
            "--la",
            "ALL builds every council, each on its own; expected ALL alone or council names",
            value=" ".join(names),
        )
        raise InputError("data build", problems.errors)

    command = (
        "placeplan data build " + " ".join(shlex.quote(a) for a in sys.argv[3:])
        if sys.argv[1:3] == ["data", "build"]
        else ""
    )
    report = build_dataset(
        list(names), out, folder=open_data, seed=seed, force=force, command=command, table_format=table_format
    )
    click.echo(
        f"wrote {report.path}: {', '.join(report.councils)}; {report.zones:,} zones, "
        f"{report.pupils:,} pupils, {report.sites:,} sites, {report.options:,} options "
        f"in {report.seconds:.1f} s"
    )
    for note in report.notes:
        click.echo(f"note: {note}")
    click.echo(f"check it with: placeplan validate {report.path}")


@data.command()
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    metavar="FILE.xlsx",
    help="The workbook to write (a new .xlsx file).",
)
def template(out: Path) -> None:
    """Write an empty dataset, as an Excel workbook, to fill in with your own data.

    The first sheet, About, says how to fill it in. Then one sheet per table of the standard
    (zones, demand, sites, candidates; travel, population and history are optional), in its
    order, with the columns as the header row: point at a header cell for what the column
    holds (type, unit, whether required, default, allowed values). Coded columns (kind, need,
    setting, host_selective) have drop-down lists. Each sheet has an example row (travel
    two: to the site and to the option); the rows refer to each other, so the template as
    written is a valid dataset.

    Replace the example rows with your own (keep the header row; an optional table may be
    left with only its header, or deleted), save the dataset.toml whose lines are on the
    About sheet beside the workbook, in the same folder, and check the folder with placeplan
    validate.

    \b
    Example:
      placeplan data template --out my-area/my-data.xlsx
      (fill it in, save my-area/dataset.toml from the About sheet)
      placeplan validate my-area
    """
    from ..dataset_workbook import write_template

    path = write_template(out)
    click.echo(f"wrote {path}: fill it in, save the dataset.toml from its About sheet beside it")
    click.echo(f"check it with: placeplan validate {path.parent}")
