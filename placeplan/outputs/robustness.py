"""What the documents say of a plan's sweeps (:mod:`.sweeps`): how often each option is
chosen when demand comes in otherwise, the robust plan against the plan, and the other
plans nearly as good. The report and the shortlist print these tables, the workbook has
them on its Robustness sheet. Names are escaped where they land (:func:`.page.table`);
counts of pupils are protected like every other count.
"""

from __future__ import annotations

import math
from typing import Final

import pandas as pd

from .facts import Facts
from .page import render, safe, table
from .sweeps import Sweeps
from .words import money

#: Options not in the plan are listed when at least this share of the draws' plans open them.
OFTEN = 0.25


def _names(facts: Facts) -> dict[str, str]:
    table_ = facts.facilities
    return dict(zip(table_["facility_id"].astype(str), table_["name"].astype(str)))


def _share(value: float) -> str:
    return "" if not math.isfinite(value) else f"{100 * value:.0f}%"


def chosen_share_rows(facts: Facts, sweeps: Sweeps) -> pd.DataFrame:
    """The plan's options, then any other option the draws' plans open often: the share of
    draws whose own plan opens each, and its mean places and opening year there."""
    frame = sweeps.robustness
    if frame is None:
        return pd.DataFrame()
    names = _names(facts)
    shown = frame[(frame["in_plan"] == "yes") | (frame["chosen_share"] >= OFTEN)]
    shown = shown.assign(order=(shown["in_plan"] != "yes").astype(int)).sort_values(
        ["order", "chosen_share", "option_id"], ascending=[True, False, True], kind="stable"
    )
    return pd.DataFrame(
        {
            "option": [names.get(str(i), str(i)) for i in shown["option_id"]],
            "in the plan": [
                f"{p:,.0f} places from {y:.0f}" if r == "yes" else "no"
                for r, p, y in zip(shown["in_plan"], shown["plan_places"], shown["plan_opening_year"])
            ],
            "chosen in": [
                f"{_share(s)} ({d:.0f} of {sweeps.draws})" for s, d in zip(shown["chosen_share"], shown["draws_chosen"])
            ],
            "mean places when chosen": [f"{p:,.1f}" if math.isfinite(p) else "" for p in shown["mean_places"]],
        }
    )


def robust_rows(facts: Facts, sweeps: Sweeps) -> pd.DataFrame:
    """The plan and the robust plan side by side, priced in every draw."""
    frame = sweeps.robust
    if frame is None or len(frame) < 2:
        return pd.DataFrame()
    rule = facts.plan.rule
    mine, robust = frame.iloc[0], frame.iloc[1]
    measures = [
        ("mean cost over the demand futures", lambda r: money(r["expected_cost"])),
        ("cost in the dearest tenth (P90)", lambda r: money(r["p90_cost"])),
        ("cost when demand comes in high", lambda r: money(r["high_demand_cost"])),
        ("largest regret (above the best plan for that future)", lambda r: money(r["max_regret"])),
        ("capital", lambda r: money(r["capital"])),
        ("new provisions opened", lambda r: f"{r['options_opened']:.0f}"),
        ("places they add", lambda r: f"{r['places_opened']:,.0f}"),
        ("pupils placed away in the last year, on average", lambda r: rule.count(r["mean_out_of_area_pupils"])),
        ("futures in which it meets no plan's rules", lambda r: f"{r['draws_without_a_plan']:.0f}"),
    ]
    return pd.DataFrame(
        {
            "measure": [m for m, _ in measures],
            f"the plan ({mine['plan']})": [f(mine) for _, f in measures],
            "the robust plan": [f(robust) for _, f in measures],
        }
    )


def robust_change_rows(facts: Facts, sweeps: Sweeps) -> pd.DataFrame:
    """Each option whose opening differs between the plan and the robust plan."""
    frame = sweeps.robust_options
    if frame is None or sweeps.robust is None:
        return pd.DataFrame()
    names = _names(facts)
    plans = list(sweeps.robust["plan"])
    by_plan = {p: {str(r.option_id): r for r in frame[frame["plan"] == p].itertuples()} for p in plans}
    mine, robust = by_plan.get(plans[0], {}), by_plan.get(plans[-1], {})

    def said(row) -> str:
        return "" if row is None else f"{row.places:,.0f} places from {row.opening_year:.0f}"

    rows = [
        {
            "option": names.get(i, i),
            f"the plan ({plans[0]})": said(mine.get(i)) or "not opened",
            "the robust plan": said(robust.get(i)) or "not opened",
        }
        for i in sorted(mine.keys() | robust.keys())
        if said(mine.get(i)) != said(robust.get(i))
    ]
    return pd.DataFrame(rows, columns=["option", f"the plan ({plans[0]})", "the robust plan"])


def alternatives_rows(facts: Facts, sweeps: Sweeps) -> pd.DataFrame:
    """The next best distinct plans: their cost above the best and what they change."""
    frame = sweeps.alternatives
    if frame is None or len(frame) < 2:
        return pd.DataFrame()
    names = _names(facts)

    def listed(cell: object) -> str:
        ids = [i for i in str(cell or "").split(";") if i]
        return "; ".join(names.get(i, i) for i in ids) or "nothing"

    rest = frame.iloc[1:]
    return pd.DataFrame(
        {
            "plan": [f"{r:.0f}" for r in rest["rank"]],
            "costs more by": [money(c) for c in rest["cost_difference"]],
            "proven dearer": [
                "yes" if p == "yes" else "not proven (within the solver's gap)" for p in rest["proven_dearer"]
            ],
            "opens as well": [listed(a) for a in rest["added"]],
            "leaves out": [listed(d) for d in rest["dropped"]],
        }
    )


ROBUSTNESS: Final = """
<h2 id="robustness">How the plan stands up to other demand</h2>
{% if shares %}<p>The plan is made for the {{ percentile }} forecast. Over {{ draws }} other futures of demand,
drawn from the forecast's own uncertainty and each planned for itself, these options were chosen this
often (the plan's own first, then any other chosen in at least {{ often }} of them):</p>
{{ shares }}{% endif %}
{% if sentence %}<h3>The robust plan</h3>
<p>{{ sentence }}</p>
<p>The robust plan is the plan of least mean cost over the futures it was chosen against: {{ method }};
it is within {{ gap }} of the best any plan could do.</p>
{{ robust }}
{% if changes %}<h3>What the robust plan opens differently</h3>
{{ changes }}{% else %}<p>It opens the same options, at the same sizes and in the same years.</p>{% endif %}{% endif %}
"""

ALTERNATIVES: Final = """
<h2 id="alternatives">Other plans nearly as good</h2>
<p>The next best plans, each opening a set of options different from every better one, with what each
costs above the plan and what it opens or leaves out. A plan "not proven" dearer costs more by less than
the solver's gap: it may be as good.</p>
{{ alternatives }}
"""


def robustness_html(facts: Facts, sweeps: Sweeps | None) -> str:
    """The report's section on other demand; empty without a sweep of draws."""
    if sweeps is None or sweeps.robustness is None:
        return ""
    summary = sweeps.robust_summary or {}
    shares = chosen_share_rows(facts, sweeps)
    changes = robust_change_rows(facts, sweeps)
    return render(
        ROBUSTNESS,
        percentile=f"P{facts.plan.scenario.demand.percentile}",
        draws=sweeps.draws,
        often=_share(OFTEN),
        shares=safe(table(shares)) if len(shares) else "",
        sentence=summary.get("sentence", ""),
        method=summary.get("method", ""),
        gap=f"{100 * float(summary.get('gap') or 0.0):.2f}%",
        robust=safe(table(robust_rows(facts, sweeps))) if sweeps.robust is not None else "",
        changes=safe(table(changes)) if len(changes) else "",
    )


def alternatives_html(facts: Facts, sweeps: Sweeps | None) -> str:
    """The section "Other plans nearly as good"; empty without a sweep of alternatives."""
    rows = alternatives_rows(facts, sweeps) if sweeps is not None else pd.DataFrame()
    if not len(rows):
        return ""
    return render(ALTERNATIVES, alternatives=safe(table(rows)))


def robustness_sheet(facts: Facts, sweeps: Sweeps) -> list[pd.DataFrame]:
    """The workbook's Robustness sheet, side by side: how often each option is chosen, the
    plan against the robust plan, what the robust plan changes, the other plans."""
    parts = [
        chosen_share_rows(facts, sweeps),
        robust_rows(facts, sweeps),
        robust_change_rows(facts, sweeps),
        alternatives_rows(facts, sweeps),
    ]
    return [p for p in parts if len(p)]
