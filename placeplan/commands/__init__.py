"""One module per CLI command; each only parses options and calls the pipeline."""

from __future__ import annotations

import math

import click

from ..scenario.model import MAX_SECONDS, MAX_SEED

SET_HELP = "Override a scenario value, e.g. --set travel.speed_kmh=25 (repeatable)."


class Seconds(click.ParamType):
    """A time limit: a finite number of seconds above 0 and at most a week."""

    name = "seconds"

    def convert(self, value, param, ctx) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number of seconds; expected for example 120", param, ctx)
        if not math.isfinite(number) or number <= 0 or number > MAX_SECONDS:
            self.fail(
                f"{value!r} is not a time limit; expected seconds above 0 and at most {MAX_SECONDS:,.0f} (a week)",
                param,
                ctx,
            )
        return number


SEED = click.IntRange(0, MAX_SEED)
