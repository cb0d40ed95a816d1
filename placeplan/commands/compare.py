"""placeplan compare: solved plans side by side, read from their folders."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import printable


@click.command()
@click.argument(
    "outdirs", nargs=-1, required=True, metavar="OUTDIR1 OUTDIR2 [OUTDIR...]", type=click.Path(path_type=Path)
)
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for compare.csv and compare.html (replaced whole; not one of the solved folders).",
)
def compare(outdirs: tuple[Path, ...], out: Path) -> None:
    """Compare plans side by side: two or more folders written by placeplan solve, one
    column each in the order given.

    Writes compare.csv and compare.html (internal: the pupils are not protected, and
    every row is marked): for each plan, the settings that differ, the total cost, its
    terms and the gap, capital spent and budget, the saving against the status quo and
    the payback year, the options opened (each with its places and opening year), the
    places added by setting and phase, and the pupils placed independent or out of area
    in each year, with whether the plans differ in each. It only reads the folders:
    nothing is projected or solved again. Plans solved from different datasets may be
    compared; the page says so.

    \b
    Example:
      placeplan solve scenarios/kingston-richmond.toml --out out/kr
      placeplan solve scenarios/kingston-richmond.toml --set rules.capital_budget=1000000 --out out/kr-1m
      placeplan compare out/kr out/kr-1m --out out/kr-compared
    """
    from ..outputs.compare import compare_plans, plan_inputs, read_plans, refuse_output, write_comparison

    refuse_output(out, outdirs)
    plans = read_plans(outdirs)
    refuse_output(out, plan_inputs(plans))  # the scenarios and datasets they name, too
    compared = compare_plans(plans)
    written = write_comparison(compared, out, plan_inputs(plans))
    for head, plan in zip(compared.headers, plans):
        s = plan.summary
        click.echo(
            printable(
                f"{head}: total cost £{float(s['objective']):,.0f}, {_options(int(s['options_opened']))} opened "
                f"for £{float(s['capital_spent']):,.0f} of capital"
            )
        )
    differ = [row for row in compared.rows if row.differs and row.section != "plan"]
    click.echo(f"the plans differ in {len(differ)} of {sum(r.section != 'plan' for r in compared.rows)} figures")
    click.echo("wrote " + ", ".join(str(path) for path in written))


def _options(count: int) -> str:
    return f"{count} option{'s' if count != 1 else ''}"
