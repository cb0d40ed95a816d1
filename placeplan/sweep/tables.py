"""The tables of a sweep of demand draws, from its outcomes (plain data in, frames out)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..solved import MARKING
from ..swept import ALTERNATIVES_COLUMNS, DRAWS_COLUMNS, ROBUSTNESS_COLUMNS
from .jobs import Outcome


def robustness_table(options: pd.DataFrame, draws: list[Outcome], plan: Outcome) -> pd.DataFrame:
    """Every option (``options``: option_id, name, kind, in the scenario's order): the share
    of draws whose plan opens it, and in those its mean places and opening year; beside it
    the choice of the scenario's own plan (for its demand.percentile, P50 by default). Most often chosen first, then by option id."""
    planned = [o for o in draws if o.has_plan]
    rows = []
    chosen_in = {o.option_id: o for o in plan.opened}
    for option in options.itertuples(index=False):
        found = [opened for outcome in planned for opened in outcome.opened if opened.option_id == option.option_id]
        in_plan = chosen_in.get(option.option_id)
        rows.append(
            {
                "option_id": option.option_id,
                "name": option.name,
                "kind": option.kind,
                "chosen_share": round(len(found) / len(planned), 4) if planned else np.nan,
                "draws_chosen": len(found),
                "mean_places": round(float(np.mean([f.places for f in found])), 2) if found else np.nan,
                "mean_opening_year": round(float(np.mean([f.opening_year for f in found])), 2) if found else np.nan,
                "in_plan": "yes" if in_plan else "no",
                "plan_places": in_plan.places if in_plan else np.nan,
                "plan_opening_year": in_plan.opening_year if in_plan else np.nan,
            }
        )
    table = pd.DataFrame(rows, columns=list(ROBUSTNESS_COLUMNS))
    return table.sort_values(
        ["chosen_share", "option_id"], ascending=[False, True], kind="stable", na_position="last"
    ).reset_index(drop=True)


def draws_table(draws: list[Outcome]) -> pd.DataFrame:
    """One row per draw, in draw order; every row carries the internal marking (out-of-area
    pupils are not suppressed)."""
    rows = [
        {
            "marking": MARKING,
            "draw": o.draw,
            "status": o.status,
            "total_cost": round(o.total_cost, 2),
            "gap": round(o.gap, 6),
            "capital": round(o.capital, 2),
            "out_of_area_pupils": round(o.out_of_area_pupils, 2),
            "options_opened": len(o.opened),
            "pupils_planned": round(o.pupils_planned, 2),
        }
        for o in draws
    ]
    return pd.DataFrame(rows, columns=list(DRAWS_COLUMNS))


def summary(draws: list[Outcome], plan: Outcome, percentile: int) -> dict:
    """sweep.json's figures: the scenario's own plan, and the draws' costs and out-of-area
    pupils."""
    planned = [o for o in draws if o.has_plan]
    costs = np.array([o.total_cost for o in planned])
    away = np.array([o.out_of_area_pupils for o in planned])

    def spread(values: np.ndarray) -> dict:
        if not len(values):
            return {}
        p10, p50, p90 = np.percentile(values, [10, 50, 90])
        return {
            "mean": round(float(values.mean()), 2),
            "p10": round(float(p10), 2),
            "p50": round(float(p50), 2),
            "p90": round(float(p90), 2),
        }

    return {
        "draws": len(draws),
        "draws_with_a_plan": len(planned),
        "draws_stopped_by_the_time_limit": sum(o.status == "time_limit" for o in draws),
        "plan": {
            "percentile": percentile,
            "status": plan.status,
            "total_cost": round(plan.total_cost, 2),
            "gap": round(plan.gap, 6),
            "capital": round(plan.capital, 2),
            "out_of_area_pupils": round(plan.out_of_area_pupils, 2),
            "options": sorted(o.option_id for o in plan.opened),
        },
        "total_cost": spread(costs),
        "out_of_area_pupils": spread(away),
    }


def alternatives_table(plans: list[Outcome]) -> pd.DataFrame:
    """The best plan first, then each next best distinct plan: its cost above the best,
    whether that is proven (``proven_dearer``: its own lower bound is above the best plan's
    cost; with a gap of 0.5%, a difference of less than about that share of the cost is
    not), and the options it opens that the best does not (added) and those it leaves
    (dropped).

    The next best plans are found one after another, each only to the scenario's gap, so a
    later one can cost less than an earlier one: they are ranked by cost (in the order found
    where two cost the same), the scenario's plan first whatever its cost."""
    if not plans:
        return pd.DataFrame(columns=list(ALTERNATIVES_COLUMNS))
    plans = [plans[0], *sorted(plans[1:], key=lambda plan: plan.total_cost)]
    best = {o.option_id for o in plans[0].opened}
    rows = []
    for rank, plan in enumerate(plans, start=1):
        opened = {o.option_id for o in plan.opened}
        rows.append(
            {
                "marking": MARKING,
                "rank": rank,
                "status": plan.status,
                "total_cost": round(plan.total_cost, 2),
                "cost_difference": round(plan.total_cost - plans[0].total_cost, 2),
                "proven_dearer": ""
                if rank == 1
                else "yes"
                if plan.total_cost * (1 - plan.gap) > plans[0].total_cost
                else "no",
                "gap": round(plan.gap, 6),
                "capital": round(plan.capital, 2),
                "out_of_area_pupils": round(plan.out_of_area_pupils, 2),
                "options_opened": len(opened),
                "options": ";".join(sorted(opened)),
                "added": ";".join(sorted(opened - best)),
                "dropped": ";".join(sorted(best - opened)),
            }
        )
    return pd.DataFrame(rows, columns=list(ALTERNATIVES_COLUMNS))
