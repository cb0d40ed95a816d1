"""options.csv: every candidate, chosen or not, with size, year, capital, pupils served,
payback and, for those not chosen, the first reason, in the order a consultation would ask:

1. a rule of the scenario rules it out (excluded, ineligible host, deliverability, a host
   school too small, selective or of the wrong ages, too late);
2. out of reach of demand: no pupil it would admit lives within the travel limit;
3. another option at the same host school opens (at most one per host);
4. over budget: its smallest size costs more capital than the plan leaves unspent;
5. over the revenue limit: it costs more to run at its smallest size than the limit leaves;
6. the most options the scenario allows are already open;
7. not worth its cost: the plan is cheaper without it.

Columns beyond the candidate's own: ``earliest_year`` is the first year the rules let it
open (its own earliest year, and the decision year plus its kind's lead time);
``max_places`` the largest size the rules allow (cut to a share of the host's roll);
``annual_fixed_cost`` its running cost a year whatever its roll; ``payback_year`` (chosen
options) the first plan year by which the plan has spent no more money with the option than
it would without it, counting capital and running costs from the first plan year,
undiscounted and weights apart (blank: not within the horizon). What "without it" means is
``payback_basis``: ``counterfactual``, the plan solved again without the option (explain.csv,
where its re-solve was proven optimal or within the gap), or ``fallback it replaces``: the
same plan with the option's pupils placed out of area instead (their out-of-area cost and
transport at the reference distance, in place of the option's capital, places, running cost
and its pupils' transport).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .. import intake
from ..codes import phase_of
from ..optimise import Result
from .problem import SendProblem
from .results import capital_by_option, costs_by_year, option_shares, payback_year


def _reachable(send: SendProblem) -> np.ndarray:
    """Options some group with pupils has an arc to."""
    E = send.facilities.site_count
    demand = send.problem.groups.demand[send.arcs["group"].to_numpy()] > 0
    facility = send.arcs["facility"].to_numpy()[demand]
    out = np.zeros(len(send.facilities.options), dtype=bool)
    out[np.unique(facility[facility >= E]) - E] = True
    return out


def _out_of_area_cost(send: SendProblem, scenario) -> np.ndarray:
    """Each group's out-of-area cost a pupil a year, with transport at the reference distance
    (the scenario's figures, whether or not the scenario allows such placements)."""
    members = send.members
    costs = scenario.costs
    phases = members["ncy"].map(phase_of)
    each = np.array([costs.fallback(n, p) for n, p in zip(members["need"], phases)]) + costs.transport_per_pupil
    weight = members["pupils"].to_numpy(dtype=float)
    G = len(send.groups)
    total = np.bincount(members["group"], weights=weight * each, minlength=G)
    pupils = np.bincount(members["group"], weights=weight, minlength=G)
    return np.divide(total, pupils, out=np.zeros(G), where=pupils > 0)


def fallback_paybacks(send: SendProblem, result: Result, scenario) -> np.ndarray:
    """Each chosen option's payback year against the out-of-area places it replaces
    (module docstring); -1 where there is none within the horizon or it is not chosen."""
    E, T = send.facilities.site_count, len(send.years)
    out = np.full(len(send.facilities.options), -1)
    if not result.has_plan:
        return out
    arcs = send.arcs
    # the share of each arc's units there in each year (pupils stay where placed)
    there = send.problem.arc_usage()
    away = _out_of_area_cost(send, scenario)[arcs["group"].to_numpy()]
    per_place = send.facilities.options["annual_cost_per_place"].astype(float).fillna(0.0).to_numpy()
    capital = capital_by_option(send, result)
    facility = arcs["facility"].to_numpy()
    transport = arcs["transport"].to_numpy()
    shares = option_shares(send, result)
    for option in np.flatnonzero(result.option_open):
        into = facility == E + option
        flow = result.flow[into]
        t0 = int(result.option_period[option])
        open_in = np.arange(T) >= t0
        spent_with = (
            ((flow * transport[into])[:, None] * there[into]).sum(axis=0)
            + per_place[option] * float(np.nan_to_num(result.option_size[option])) * shares[option]
            + open_in * send.problem.options.annual_fixed_cost[option]
        )
        spent_with[t0] += capital[option]
        spent_without = ((flow * away[into])[:, None] * there[into]).sum(axis=0)
        year = payback_year(spent_with, spent_without, send.years, opened=t0)
        out[option] = -1 if year is None else year
    return out


def _paybacks(send: SendProblem, result: Result, scenario, explained: pd.DataFrame | None) -> tuple[list, list]:
    """payback_year and payback_basis of every option (blank for those not chosen)."""
    fallback = fallback_paybacks(send, result, scenario)
    counter: dict[str, Any] = {}  # pandas cells: a year or NA
    if explained is not None and "payback_year" in explained:
        usable = explained[explained["status"].isin(["optimal", "feasible"])]
        counter = dict(zip(usable["option_id"].astype(str), usable["payback_year"]))
    years, basis = [], []
    ids = send.facilities.options["facility_id"].astype(str).to_numpy()
    for i, option in enumerate(ids):
        if not result.option_open[i]:
            years.append(pd.NA)
            basis.append("")
        elif option in counter:
            value = counter[option]
            years.append(pd.NA if pd.isna(value) else int(value))
            basis.append("counterfactual")
        else:
            years.append(pd.NA if fallback[i] < 0 else int(fallback[i]))
            basis.append("fallback it replaces")
    return years, basis


def options_table(send: SendProblem, result: Result, scenario, explained: pd.DataFrame | None = None) -> pd.DataFrame:
    options = send.facilities.options.reset_index(drop=True)
    E = send.facilities.site_count
    load = result.load()[E:] if result.has_plan else np.zeros((len(options), len(send.years)))
    capital = capital_by_option(send, result)
    opened = result.option_open
    min_capital = options["capital_fixed"].astype(float).fillna(0) + options["capital_per_place"].astype(float).fillna(
        0
    ) * options["min_places"].astype(float)
    left = (scenario.rules.capital_budget - capital.sum()) if scenario.rules.capital_budget is not None else np.inf
    min_running = options["annual_cost_per_place"].astype(float).fillna(0) * options["min_places"].astype(
        float
    ) + options["annual_fixed_cost"].astype(float).fillna(0)
    revenue = scenario.rules.revenue_limit_per_year
    running = costs_by_year(send, result) if result.has_plan else None
    revenue_left = (
        np.inf
        if revenue is None or running is None
        else revenue - float((running["places_new"] + running["annual_fixed"]).max())
    )
    at_most = scenario.rules.max_new_options
    reach = _reachable(send)
    host = options["host_group"].astype(str).to_numpy()
    names = options["name"].to_numpy()
    opened_at = {h: names[i] for i, h in enumerate(host) if h and opened[i]}
    reasons = []
    for i, row in options.iterrows():
        if opened[i]:
            reasons.append("")
        elif row["ruled_out"]:
            reasons.append(row["ruled_out"])
        elif not reach[i]:
            reasons.append("out of reach of demand: no pupil it would admit lives within the travel limit")
        elif host[i] in opened_at:
            reasons.append(f"one option per host school: {opened_at[host[i]]} opens there")
        elif min_capital[i] > left + 1e-6:
            reasons.append(
                f"over budget: needs at least £{min_capital[i]:,.0f} of capital, £{max(left, 0):,.0f} is left"
            )
        elif min_running[i] > revenue_left + 1e-6:
            reasons.append(
                f"over the revenue limit: costs at least £{min_running[i]:,.0f} a year to run, "
                f"£{max(revenue_left, 0):,.0f} a year is left"
            )
        elif at_most is not None and opened.sum() >= at_most:
            reasons.append(f"the most options the scenario allows ({at_most}) are already open")
        else:
            reasons.append("not worth its cost: the plan is cheaper without it")
    years = np.array(send.years)
    period = result.option_period
    payback, basis = _paybacks(send, result, scenario, explained)
    return pd.DataFrame(
        {
            "option_id": options["facility_id"],
            "name": options["name"],
            "kind": options["kind"],
            "host": options["site_id"],
            "needs": [";".join(n) for n in options["needs"]],
            "ncy_min": options["ncy_min"],
            "ncy_max": options["ncy_max"],
            "chosen": opened,
            "places": np.where(opened, np.nan_to_num(result.option_size), 0).astype(int),
            "max_places": options["max_places"].astype(float).round(0).astype("Int64"),
            "opening_year": np.where(opened, years[np.maximum(period, 0)], pd.NA),
            "earliest_year": options["earliest_year"].astype(float).round(0).astype("Int64"),
            "capital": capital.round(0),
            "annual_fixed_cost": options["annual_fixed_cost"].astype(float).round(0),
            "intake": [intake.as_text(shares) for shares in options["intake"]],
            "pupils_served_final_year": load[:, -1].round(2),
            "payback_year": pd.array(payback, dtype="Int64"),
            "payback_basis": basis,
            "host_first_preference_ratio": options["host_first_preference_ratio"],
            "reason_not_chosen": reasons,
        }
    )
