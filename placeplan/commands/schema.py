"""placeplan schema: print the data standard or the solved folder's contract, generated from
their declarations."""

from __future__ import annotations

from pathlib import Path

import click

from ..docs import data_standard_markdown, solved_folder_markdown


@click.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the document to this file instead of printing it.",
)
@click.option(
    "--solved",
    is_flag=True,
    help="The solved folder instead: every file placeplan solve writes, its columns and summary.json's keys.",
)
def schema(out: Path | None, solved: bool) -> None:
    """Print the data standard (every table and column) as Markdown.

    \b
    Examples:
      placeplan schema --out docs/data-standard.md
      placeplan schema --solved --out docs/solved-folder.md
    """
    text = solved_folder_markdown() if solved else data_standard_markdown()
    if out is None:
        click.echo(text, nl=False)
        return
    from ..outputs_io import write_text_atomic

    write_text_atomic(out, text)
    click.echo(f"wrote {out}")
