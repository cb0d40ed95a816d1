"""options.csv: every candidate, chosen or not, with size, year, capital, pupils served,
and for those not chosen the first reason, in the order a consultation would ask:

1. a rule of the scenario rules it out (excluded, ineligible host, deliverability, too late);
2. out of reach of demand: no pupil it would admit lives within the travel limit;
3. over budget: its smallest size costs more capital than the plan leaves unspent;
4. the most options the scenario allows are already open;
5. not worth its cost: the plan is cheaper without it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..optimise import Result
from .problem import SendProblem
from .results import capital_by_option


def _reachable(send: SendProblem) -> np.ndarray:
    """Options some group with pupils has an arc to."""
    E = send.facilities.site_count
    demand = send.problem.groups.demand[send.arcs["group"].to_numpy()] > 0
    facility = send.arcs["facility"].to_numpy()[demand]
    out = np.zeros(len(send.facilities.options), dtype=bool)
    out[np.unique(facility[facility >= E]) - E] = True
    return out


def options_table(send: SendProblem, result: Result, scenario) -> pd.DataFrame:
    options = send.facilities.options.reset_index(drop=True)
    E = send.facilities.site_count
    load = result.load()[E:] if result.has_plan else np.zeros((len(options), len(send.years)))
    capital = capital_by_option(send, result)
    opened = result.option_open
    min_capital = (options["capital_fixed"].astype(float).fillna(0)
                   + options["capital_per_place"].astype(float).fillna(0) * options["min_places"].astype(float))
    left = (scenario.rules.capital_budget - capital.sum()) if scenario.rules.capital_budget is not None else np.inf
    at_most = scenario.rules.max_new_options
    reach = _reachable(send)
    reasons = []
    for i, row in options.iterrows():
        if opened[i]:
            reasons.append("")
        elif row["ruled_out"]:
            reasons.append(row["ruled_out"])
        elif not reach[i]:
            reasons.append("out of reach of demand: no pupil it would admit lives within the travel limit")
        elif min_capital[i] > left + 1e-6:
            reasons.append(f"over budget: needs at least £{min_capital[i]:,.0f} of capital, "
                           f"£{max(left, 0):,.0f} is left")
        elif at_most is not None and opened.sum() >= at_most:
            reasons.append(f"the most options the scenario allows ({at_most}) are already open")
        else:
            reasons.append("not worth its cost: the plan is cheaper without it")
    years = np.array(send.years)
    period = result.option_period
    return pd.DataFrame({
        "option_id": options["facility_id"], "name": options["name"], "kind": options["kind"],
        "host": options["site_id"], "needs": [";".join(n) for n in options["needs"]],
        "ncy_min": options["ncy_min"], "ncy_max": options["ncy_max"],
        "chosen": opened, "places": np.where(opened, np.nan_to_num(result.option_size), 0).astype(int),
        "opening_year": np.where(opened, years[np.maximum(period, 0)], pd.NA),
        "capital": capital.round(0), "pupils_served_final_year": load[:, -1].round(2),
        "host_first_preference_ratio": options["host_first_preference_ratio"],
        "reason_not_chosen": reasons,
    })
