import click


@click.group()
def data() -> None:
    """Build datasets from open data."""
