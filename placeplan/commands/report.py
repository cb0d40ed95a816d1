"""placeplan report: rebuild the shortlist, the Excel plan and the report from a solved folder."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("outdir", type=click.Path(path_type=Path))
@click.option(
    "--sweep",
    "sweeps",
    multiple=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="A folder placeplan sweep wrote for this plan (--draws, with or without --robust, or "
    "--alternatives); repeatable. Its findings are added to the documents.",
)
def report(outdir: Path, sweeps: tuple[Path, ...]) -> None:
    """Rebuild shortlist.csv, shortlist.html, plan.xlsx and report.html from a folder
    written by placeplan solve.

    The shortlist ranks the options the plan chooses by what the plan would lose without
    them, each with a two-sentence reason, then lists every candidate not chosen and why.
    plan.xlsx has Summary, Options, Sufficiency, Allocation (internal: delete before
    publishing), Assumptions and Sources sheets. report.html is one page for a committee:
    headline figures, sufficiency charts, the shortlist, the model, assumptions, sources and
    a glossary. Counts of pupils from 1 to below output.suppression_threshold (5) are shown as <5.

    With --sweep: the report gains "How the plan stands up to other demand" (how often
    each option is chosen over the demand draws, and the robust plan against the plan)
    and "Other plans nearly as good" (also in the shortlist), and plan.xlsx a Robustness
    sheet. A sweep is taken only for the plan it was run for (the same scenario settings
    and dataset).

    \b
    Example:
      placeplan report out/kingston-richmond
      placeplan report out/kingston-richmond --sweep out/kingston-richmond-sweep \
        --sweep out/kingston-richmond-alternatives
    """
    from ..outputs import REPORT
    from ..runs import rebuild_run

    written = rebuild_run(outdir, REPORT, copy_map=False, sweeps=sweeps)
    click.echo("wrote " + ", ".join(f"{path} ({path.stat().st_size / 1e6:.2f} MB)" for path in written.files))
