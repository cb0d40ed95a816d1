"""The robust plan against the scenario's plan: robust.csv, robust_draws.csv,
robust_options.csv and the sentence a councillor reads.

Each plan is priced in every draw with its openings fixed (:func:`.robust.price_job`). Its
regret in a draw is what it costs there above the plan that draw would have chosen for
itself (draws.csv's cost, solved to the scenario's gap: a regret can be below 0 by up to
that gap). "Demand comes in high" means the draws whose pupils are at or above the 90th
percentile of the draws' pupils, in the plan's last year.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..solved import MARKING
from ..swept import ROBUST_COLUMNS, ROBUST_DRAWS_COLUMNS, ROBUST_OPTIONS_COLUMNS
from .jobs import Opened, Outcome
from .robust import Robust


@dataclass(frozen=True)
class Compared:
    table: pd.DataFrame  # robust.csv
    draws: pd.DataFrame  # robust_draws.csv
    options: pd.DataFrame  # robust_options.csv
    summary: dict  # sweep.json's "robust"


def compare(
    plan_name: str,
    plan: Outcome,
    robust: Robust,
    own: list[Outcome],
    priced: list[tuple[Outcome, Outcome]],
    options: pd.DataFrame,
) -> Compared:
    """``plan`` (the scenario's, named ``plan_name``) and ``robust``, priced in each draw of
    ``own`` (``priced[i]``: the two plans in draw ``own[i].draw``)."""
    names = (plan_name, "robust")
    openings = (plan.opened, robust.opened)
    statuses = (plan.status, robust.status)
    high = _high_demand(own)
    rows, summaries = [], []
    for which, name in enumerate(names):
        drawn = [pair[which] for pair in priced]
        rows += [_draw_row(name, mine, theirs) for mine, theirs in zip(drawn, own)]
        summaries.append(
            _plan_row(name, statuses[which], openings[which], drawn, own, high, robust.draws if which else 0)
        )
    table = pd.DataFrame(summaries, columns=list(ROBUST_COLUMNS))
    return Compared(
        table,
        pd.DataFrame(rows, columns=list(ROBUST_DRAWS_COLUMNS)),
        _options_rows(names, openings, options),
        _summary(names, table, openings, robust, high, options),
    )


def _high_demand(own: list[Outcome]) -> np.ndarray:
    pupils = np.array([o.pupils_planned for o in own])
    return pupils >= np.percentile(pupils, 90) if len(pupils) else np.zeros(0, bool)


def _draw_row(name: str, mine: Outcome, theirs: Outcome) -> dict:
    regret = mine.total_cost - theirs.total_cost if mine.has_plan and theirs.has_plan else np.nan
    return {
        "marking": MARKING,
        "draw": mine.draw,
        "plan": name,
        "status": mine.status,
        "total_cost": round(mine.total_cost, 2),
        "own_plan_cost": round(theirs.total_cost, 2),
        "regret": round(regret, 2),
        "out_of_area_pupils": round(mine.out_of_area_pupils, 2),
        "pupils_planned": round(mine.pupils_planned, 2),
    }


def _plan_row(
    name: str,
    status: str,
    opened: tuple[Opened, ...],
    drawn: list[Outcome],
    own: list[Outcome],
    high: np.ndarray,
    chosen_against: int,
) -> dict:
    ok = np.array([d.has_plan and o.has_plan for d, o in zip(drawn, own)], bool)
    cost = np.array([d.total_cost for d in drawn])[ok] if len(drawn) else np.zeros(0)
    regret = cost - np.array([o.total_cost for o in own])[ok] if len(drawn) else np.zeros(0)
    away = np.array([d.out_of_area_pupils for d in drawn])[ok] if len(drawn) else np.zeros(0)
    in_high = np.array([d.total_cost for d, h, k in zip(drawn, high, ok) if h and k])

    def stat(values: np.ndarray, how) -> float:
        return round(float(how(values)), 2) if len(values) else np.nan

    return {
        "marking": MARKING,
        "plan": name,
        "status": status,
        "chosen_against_draws": chosen_against or "",
        "priced_in_draws": len(drawn),
        "draws_without_a_plan": int((~ok).sum()),
        "expected_cost": stat(cost, np.mean),
        "p90_cost": stat(cost, lambda v: np.percentile(v, 90)),
        "worst_cost": stat(cost, np.max),
        "mean_regret": stat(regret, np.mean),
        "p90_regret": stat(regret, lambda v: np.percentile(v, 90)),
        "max_regret": stat(regret, np.max),
        "high_demand_cost": stat(in_high, np.mean),
        "capital": round(drawn[0].capital, 2) if drawn else np.nan,
        "options_opened": len(opened),
        "places_opened": round(sum(o.places for o in opened), 2),
        "mean_out_of_area_pupils": stat(away, np.mean),
        "p90_out_of_area_pupils": stat(away, lambda v: np.percentile(v, 90)),
    }


def _options_rows(
    names: tuple[str, str], openings: tuple[tuple[Opened, ...], ...], options: pd.DataFrame
) -> pd.DataFrame:
    about = options.set_index("option_id")
    rows = [
        {
            "plan": name,
            "option_id": o.option_id,
            "name": about.at[o.option_id, "name"],
            "kind": about.at[o.option_id, "kind"],
            "places": o.places,
            "opening_year": o.opening_year,
        }
        for name, opened in zip(names, openings)
        for o in sorted(opened, key=lambda o: o.option_id)
    ]
    return pd.DataFrame(rows, columns=list(ROBUST_OPTIONS_COLUMNS))


def changes(plan: tuple[Opened, ...], robust: tuple[Opened, ...]) -> dict[str, list[str]]:
    """What the robust plan does differently: options it adds, drops, enlarges, shrinks or
    opens in another year (option ids, in order)."""
    mine = {o.option_id: o for o in plan}
    theirs = {o.option_id: o for o in robust}
    both = sorted(mine.keys() & theirs.keys())
    return {
        "adds": sorted(theirs.keys() - mine.keys()),
        "drops": sorted(mine.keys() - theirs.keys()),
        "enlarges": [i for i in both if theirs[i].places > mine[i].places + 1e-9],
        "shrinks": [i for i in both if theirs[i].places < mine[i].places - 1e-9],
        "moves_year": [i for i in both if theirs[i].opening_year != mine[i].opening_year],
    }


def _summary(
    names: tuple[str, str],
    table: pd.DataFrame,
    openings: tuple[tuple[Opened, ...], ...],
    robust: Robust,
    high: np.ndarray,
    options: pd.DataFrame,
) -> dict:
    changed = changes(*openings)
    return {
        "plans": list(names),
        "chosen_against_draws": robust.draws,
        "status": robust.status,
        "expected_cost": round(robust.expected_cost, 2),
        "bound": round(robust.bound, 2),
        "gap": round(robust.gap, 6),
        "candidates": robust.candidates,
        "method": robust.method,
        "high_demand_draws": int(high.sum()),
        "changes": changed,
        "sentence": sentence(names[0], table, changed, options, int(high.sum()), len(high)),
    }


def _money(value: float) -> str:
    return f"£{value / 1e6:,.1f}m" if abs(value) >= 1e6 else f"£{value:,.0f}"


def sentence(
    plan_name: str, table: pd.DataFrame, changed: dict[str, list[str]], options: pd.DataFrame, high: int, draws: int
) -> str:
    """How the scenario's plan does when demand comes in high, and what the robust plan
    changes, in words."""
    mine, robust = table.iloc[0], table.iloc[1]
    name_of = dict(zip(options["option_id"], options["name"]))
    if np.isnan(mine["high_demand_cost"]) or np.isnan(robust["high_demand_cost"]):
        return (
            f"The {plan_name} plan or the robust plan could not be priced in the futures with the most "
            "demand, so they are not compared there."
        )
    said = (
        f"If demand comes in high (the {high} of {draws} demand futures with the most pupils), the "
        f"{plan_name} plan costs {_money(mine['high_demand_cost'])} over the plan's years, against "
        f"{_money(mine['expected_cost'])} on average; the robust plan, chosen against "
        f"{int(robust['chosen_against_draws'])} futures at once, costs {_money(robust['high_demand_cost'])} "
        f"there and {_money(robust['expected_cost'])} on average."
    )
    parts = []
    for key, verb in (
        ("enlarges", "makes bigger"),
        ("adds", "adds"),
        ("moves_year", "opens in another year"),
        ("shrinks", "makes smaller"),
        ("drops", "leaves out"),
    ):
        if changed[key]:
            shown = ", ".join(str(name_of.get(i, i)) for i in changed[key][:3])
            more = f" and {len(changed[key]) - 3} more" if len(changed[key]) > 3 else ""
            parts.append(f"{verb} {shown}{more}")
    if not parts:
        return said + f" It opens the same options as the {plan_name} plan."
    places = robust["places_opened"] - mine["places_opened"]
    capital = robust["capital"] - mine["capital"]
    return (
        said + " It " + "; ".join(parts) + f" ({places:+,.0f} places in all, {_money(abs(capital))} "
        f"{'more' if capital >= 0 else 'less'} capital)."
    )
