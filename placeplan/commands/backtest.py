"""placeplan backtest: how the projection methods would have done on past data."""

from __future__ import annotations

from pathlib import Path

import click

from ..dataset import parse_base_year
from . import SEED

METHOD_CHOICES = ("trend", "cohort", "prevalence", "growth")


def _origins(values: tuple[str, ...]) -> list[int]:
    years = []
    for value in values:
        for part in filter(None, (p.strip() for p in value.split(","))):
            text = f"{part[:4]}/{part[4:]}" if len(part) == 6 and part.isdigit() else part
            year = parse_base_year(text)
            if year is None:
                raise click.BadParameter(
                    f"'{part}' is not a year; expected for example 2021 or 2021/22", param_hint="--origin"
                )
            years.append(year)
    return sorted(set(years))


@click.command()
@click.option(
    "--history",
    "history_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="CSV with columns area, year, pupils and optionally setting, need, ncy, region.",
)
@click.option(
    "--origin",
    "origins",
    multiple=True,
    metavar="YEAR",
    help="Last year fitted, e.g. 2021 or 2021/22 (repeatable; default: every possible one).",
)
@click.option(
    "--horizon",
    type=click.IntRange(1, 30),
    default=3,
    show_default=True,
    help="Years ahead to forecast from each origin.",
)
@click.option(
    "--method",
    "methods",
    multiple=True,
    type=click.Choice(METHOD_CHOICES),
    help="Method to test (repeatable; default: trend, and cohort when the history is by ncy). "
    "The baselines last, own and pooled are always reported.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv"]),
    default="table",
    show_default=True,
    help="table for reading; csv prints method,origin,horizon,mape,bias,coverage80,interval_score.",
)
@click.option("--seed", type=SEED, default=20250101, show_default=True, help="Seed of the Monte Carlo draws.")
@click.option(
    "--draws",
    type=click.IntRange(100, 100_000),
    default=1000,
    show_default=True,
    help="Monte Carlo draws behind each P10-P90 range.",
)
def backtest(
    history_path: Path,
    origins: tuple[str, ...],
    horizon: int,
    methods: tuple[str, ...],
    fmt: str,
    seed: int,
    draws: int,
) -> None:
    """Fit on the years up to each origin, forecast HORIZON years on, and score every
    method and baseline: MAPE and bias of the P50 (in %), and the share of actual values
    inside the P10-P90 range (coverage80, in %; 80 is honest). The rows with origin
    'all' pool every origin; the default method's rows come first.

    The history may hold several areas (councils, a region, England); a region column
    pools each area first with its region. Baselines: last value, the area's own compound
    growth, and the growth of all areas in the file together.

    \b
    Example:
      placeplan backtest --history data/kingston-richmond/history.csv --horizon 2
      placeplan backtest --history councils.csv --origin 2019 --origin 2021 --horizon 3 --format csv
    """
    from ..projection.backtest import Settings, render_csv, render_table, run_backtest
    from ..projection.history import read_history

    history = read_history(history_path)
    result = run_backtest(
        history,
        origins=_origins(origins) or None,
        methods=list(methods) or None,
        settings=Settings(horizon=horizon, draws=draws, seed=seed),
    )
    click.echo(
        render_csv(result)
        if fmt == "csv"
        else render_table(
            result, by=tuple(c for c, has in (("setting", history.has_setting), ("need", history.has_need)) if has)
        ),
        nl=False,
    )
