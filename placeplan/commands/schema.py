"""placeplan schema: print the data standard, generated from the schema tables."""

from __future__ import annotations

from pathlib import Path

import click

from ..docs import data_standard_markdown


@click.command()
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the document to this file instead of printing it.")
def schema(out: Path | None) -> None:
    """Print the data standard (every table and column) as Markdown.

    \b
    Example:
      placeplan schema --out docs/data-standard.md
    """
    text = data_standard_markdown()
    if out is None:
        click.echo(text, nl=False)
        return
    from ..outputs_io import write_text_atomic

    write_text_atomic(out, text)
    click.echo(f"wrote {out}")
