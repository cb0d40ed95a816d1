"""Every council planned with its default scenario, as one sweep (``placeplan sweep
--datasets DIR``): one job per dataset folder, each worker loading its council and
building its own model (the folders must be readable by the workers), and the national
table of what each plan does.

For each council: its pupils in the plan's last year; its shortfall, the pupils the
status quo (no new provision) leaves to independent or out-of-area places in the last
year, by setting and phase; the options the plan opens, their capital, and the saving
against the status quo over the plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import PlacePlanError, Problems
from ..solved import MARKING
from ..swept import NATIONAL_COLUMNS, SHORTFALL_COLUMNS


@dataclass(frozen=True)
class CouncilPlan:
    """What one council's plan comes to, in plain data."""

    folder: str
    name: str
    la_codes: str
    status: str
    pupils: float
    shortfall: tuple[tuple[str, str, float], ...]  # (setting, phase, pupils), the last year
    options_opened: int
    capital: float
    total_cost: float
    status_quo_cost: float
    gap: float


def dataset_folders(root: Path) -> list[Path]:
    """The dataset folders under ``root`` (each with a dataset.toml), in name order; an
    InputError when there are none."""
    root = Path(root)
    found = sorted(p for p in root.iterdir() if (p / "dataset.toml").is_file()) if root.is_dir() else []
    if not found:
        problems = Problems()
        problems.error(
            "--datasets",
            "holds no dataset folders (each with a dataset.toml); expected the folder "
            "placeplan data build --la ALL --out wrote",
            value=str(root),
        )
        problems.raise_if_errors("placeplan sweep")
    return found


#: Every council's default scenario, planned without the search after the first plan: each
#: council's figures are the dive's plan with its proven gap, decided by no clock (with the
#: search, 87 of 152 councils stopped at the 120 s time limit, and a busier machine would
#: have published other plans). The time limit is only a safety, so it is generous: the
#: largest council's LPs (Birmingham, 547,000 variables) take about 70 s alone and more with
#: the other worker busy, and at the default 120 s the clock ended its rounding early.
NATIONAL_SETTINGS = ("solve.search=false", "solve.time_limit_s=600")


def plan_council(folder: str) -> CouncilPlan:
    """Load one council's dataset with default settings, plan it and its status quo. A
    council that cannot be planned (its data, or a fault in placeplan on it) is a row
    saying why, so that one council never stops the others."""
    try:
        return _plan_council(folder)
    except PlacePlanError as error:
        text = error.report() if hasattr(error, "report") else str(error)
        message = " ".join(text.split())
        return CouncilPlan(
            folder=Path(folder).name,
            name=Path(folder).name,
            la_codes="",
            status=f"error: {message}",
            pupils=float("nan"),
            shortfall=(),
            options_opened=0,
            capital=0.0,
            total_cost=float("nan"),
            status_quo_cost=float("nan"),
            gap=float("nan"),
        )


def _plan_council(folder: str) -> CouncilPlan:
    from ..pipeline import load_inputs
    from ..plan.results import capital_by_option
    from ..plan.run import prepare, solve_status_quo
    from .jobs import Context, placed_away, solve_plan

    inputs = load_inputs(folder, NATIONAL_SETTINGS)
    context = Context.of(inputs)
    scenario = inputs.scenario.scenario
    planned = context.futures.planned(None)
    send = prepare(inputs, planned=planned, pairs=context.pairs).send
    result = solve_plan(context, send.problem)
    before = solve_status_quo(send, scenario, solver=scenario.solve.solver, time_limit=scenario.solve.time_limit_s)
    last = send.years[-1]
    shortfall: tuple[tuple[str, str, float], ...] = ()
    if before.has_plan:
        by = placed_away(send, before, last).groupby(["setting", "phase"])["pupils"].sum()
        shortfall = tuple((str(s), str(p), float(v)) for (s, p), v in by.items() if v > 0)
    # every pupil of the last year, those placed in earlier years as well as its joiners (the
    # model's groups of that year are its joiners only): the pupils the shortfall is out of
    pupils = float(planned.demand.loc[planned.demand["year"] == last, "pupils"].sum())
    codes = ";".join(sorted({str(c) for c in inputs.dataset["zones"].get("la_code", pd.Series(dtype=str)).dropna()}))
    return CouncilPlan(
        folder=Path(folder).name,
        name=inputs.dataset.meta.name,
        la_codes=codes,
        status=str(result.status),
        pupils=pupils,
        shortfall=shortfall,
        options_opened=int(result.option_open.sum()) if result.has_plan else 0,
        capital=float(capital_by_option(send, result).sum()) if result.has_plan else 0.0,
        total_cost=float(result.objective) if result.has_plan else float("nan"),
        status_quo_cost=float(before.objective) if before.has_plan else float("nan"),
        gap=float(result.gap) if result.has_plan else float("nan"),
    )


def national_tables(plans: list[CouncilPlan]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """national.csv (one row per council) and national_shortfall.csv (council, setting,
    phase, pupils); every row marked internal (counts are not suppressed)."""
    rows, long = [], []
    for plan in plans:
        short = sum(v for _, _, v in plan.shortfall)
        rows.append(
            {
                "marking": MARKING,
                "folder": plan.folder,
                "name": plan.name,
                "la_codes": plan.la_codes,
                "status": plan.status,
                "pupils": round(plan.pupils, 1),
                "shortfall": round(short, 1),
                "options_opened": plan.options_opened,
                "capital": round(plan.capital, 2),
                "total_cost": round(plan.total_cost, 2),
                "saving": round(plan.status_quo_cost - plan.total_cost, 2),
                "gap": round(plan.gap, 6),
            }
        )
        long += [
            {"marking": MARKING, "folder": plan.folder, "setting": s, "phase": p, "pupils": round(v, 1)}
            for s, p, v in plan.shortfall
        ]
    return pd.DataFrame(rows, columns=list(NATIONAL_COLUMNS)), pd.DataFrame(long, columns=list(SHORTFALL_COLUMNS))
