"""What a plan assumes, in short plain lines: the box every public document carries (the
report, the map, the shortlist and the workbook), built here once so that they cannot
say different things.

The lines are read from the solved folder only: the dataset's caveats as summary.json
gives them shortly (``caveats_short``; a folder written before it has only the long
``caveats``, shortened the same way), the growth of projected demand (``demand_growth``),
and the scenario's main costs (scenario.json, money as money). A line whose figure the
folder does not hold is left out, never guessed.
"""

from __future__ import annotations

import pandas as pd

from ..provenance import short_caveat
from .folder import PlanFolder, finite_number
from .page import assumes_box
from .words import money

TITLE = "What this plan assumes"
#: How the candidates' kinds are named in a line about their capital.
KIND_WORDS = {
    "srp": "an SRP",
    "esta": "an ESTA",
    "unit": "a SEN unit",
    "special_expansion": "a special school expansion",
    "new_special": "a new special school",
}


def plan_caveats(plan: PlanFolder) -> list[str]:
    """The box's lines, in order: what the data estimates, how demand is projected, then
    what places and journeys cost."""
    lines = [*data_lines(plan.summary), *demand_lines(plan), *cost_lines(plan)]
    return list(dict.fromkeys(lines))


def _texts(value: object) -> list[str] | None:
    """A list of texts as summary.json holds them, or None when it holds something else."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value if v.strip()]
    return None


def data_lines(summary: dict) -> list[str]:
    """The dataset's caveats in a line each (summary.json's caveats_short, else its caveats
    shortened as summarise shortens them)."""
    short = _texts(summary.get("caveats_short"))
    if short is not None:
        return short
    return [short_caveat(text) for text in _texts(summary.get("caveats")) or []]


def growth_words(summary: dict) -> str:
    """'Demand grows 4.9% a year (trend method; ...)' from summary.json's demand_growth, ''
    when the folder does not say."""
    growth = summary.get("demand_growth")
    if not isinstance(growth, dict):
        return ""
    rate = finite_number(growth.get("annual_rate"))
    if rate is None:
        return ""
    verb = "grows" if rate >= 0 else "falls"
    method, basis = growth.get("method"), growth.get("basis")
    how = "; ".join(str(part) for part in (f"{method} method" if method else "", basis) if part)
    return f"Demand {verb} {abs(100 * rate):.1f}% a year" + (f" ({how})" if how else "")


def demand_lines(plan: PlanFolder) -> list[str]:
    """How demand is projected: its growth, and the percentile the plan is made for."""
    lines = [growth_words(plan.summary)]
    percentile = plan.scenario.demand.percentile
    lines.append(
        f"The plan is for P{percentile} of projected demand: "
        + (
            "as likely to be above as below"
            if percentile == 50
            else f"demand has a {100 - percentile}% chance of being higher"
        )
    )
    return [line for line in lines if line]


def cost_lines(plan: PlanFolder) -> list[str]:
    """The scenario's main costs: out of area, transport, capital per place, discounting."""
    costs = plan.scenario.costs
    by_need = sorted(costs.fallback_by_need)
    lines = [
        f"An independent or out-of-area place costs {money(costs.fallback_per_pupil)} a year, plus transport"
        + (f" ({', '.join(by_need)}: their own figures)" if by_need else ""),
        f"Transport costs {money(costs.transport_per_pupil)} a pupil a year for a {costs.transport_reference_km:g} km "
        "journey, more or less with distance",
        *capital_lines(plan),
        f"Future costs are discounted at {100 * costs.discount_rate:g}% a year",
    ]
    return lines


def _span(values: pd.Series) -> str:
    low, high = float(values.min()), float(values.max())
    return money(low) if low == high else f"{money(low)} to {money(high)}"


def capital_lines(plan: PlanFolder) -> list[str]:
    """New places' capital by kind of candidate, from the dataset's candidates (a fixed sum
    for opening and a sum per place): one line, '' parts for kinds it cannot price."""
    candidates = plan.dataset.tables.get("candidates")
    if candidates is None or "kind" not in candidates or "capital_per_place" not in candidates:
        return []
    parts = []
    for kind, rows in candidates.groupby(candidates["kind"].astype(str), sort=True):
        per_place = pd.to_numeric(rows["capital_per_place"], errors="coerce").dropna()
        if per_place.empty:
            continue
        fixed = pd.to_numeric(rows.get("capital_fixed", pd.Series(dtype=float)), errors="coerce").dropna()
        opening = f"{_span(fixed)} plus " if len(fixed) and float(fixed.max()) > 0 else ""
        parts.append(f"{KIND_WORDS.get(kind, kind)} {opening}{_span(per_place)} a place")
    return ["New places' capital: " + "; ".join(parts)] if parts else []


def caveats_html(plan: PlanFolder) -> str:
    """The box as HTML, every line escaped: what the report, the shortlist and the map show."""
    return assumes_box(plan_caveats(plan), heading=TITLE)
