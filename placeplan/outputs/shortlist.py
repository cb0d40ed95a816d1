"""The consultation shortlist: the chosen options, ranked by what the plan would lose
without them, each with a two-sentence reason in plain English; then every candidate not
chosen, with its reason. Written as shortlist.csv (for a spreadsheet) and shortlist.html
(for publication); every count of pupils is protected (:mod:`placeplan.outputs.public`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..outputs_io import csv_text
from ..travel import facility_limits
from .caveats import caveats_html
from .disclosure import SECONDARY, Rule
from .facts import Facts, reference_minutes
from .glossary import (
    KINDS,
    PHASE_WORDS,
    academic_year,
    ages_words,
    glossary_for,
    needs_phrase,
    needs_words,
    phases_of_range,
)
from .page import glossary, page, render, safe, table
from .public import Public
from .robustness import alternatives_html
from .sweeps import Sweeps
from .words import capital, date_words, minutes, money, ratio

WHOLE = (
    "rank",
    "places",
    "capital_cost",
    "capital_cost_per_place",
    "travel_limit_minutes",
    "journey_minutes",
    "journey_minutes_status_quo",
    "minutes_saved_per_journey",
    "plan_cost_without_it",
    "extra_cost_without_it",
)


@dataclass(frozen=True)
class Shortlist:
    chosen: pd.DataFrame  # columns of CHOSEN, printable
    not_chosen: pd.DataFrame  # columns of NOT_CHOSEN

    def table(self) -> pd.DataFrame:
        """Chosen options then the rest, whole numbers kept whole where cells are blank."""
        both = pd.concat([self.chosen.assign(chosen="yes"), self.not_chosen.assign(chosen="no")], ignore_index=True)
        for column in WHOLE:
            if column in both:
                both[column] = both[column].astype("Int64")
        return both[["chosen", *[c for c in both.columns if c != "chosen"]]]

    def csv(self, marking: str = "") -> str:
        """The table; with a marking (disclosure control off) on every row, so that no
        extract of the file can lose it."""
        table = self.table()
        if marking:
            table = table.assign(marking=marking)[["marking", *table.columns]]
        return csv_text(table)


def travel_limits(frame: pd.DataFrame, facts: Facts) -> np.ndarray:
    limits = facts.plan.scenario.phase_limits
    return facility_limits(frame["ncy_min"], frame["ncy_max"], limits)


#: Where an option's pupils go without it: explain.csv's columns, and the words for each.
MOVES = (
    ("to_existing_sites", "to existing local schools"),
    ("to_new_options", "to the plan's other new provision"),
    ("to_independent_or_out_of_area", "to independent or out-of-area schools"),
)


def moved_labels(row: pd.Series, rule: Rule, *, withheld: bool = False) -> dict[str, str]:
    """The counts of an option's pupils going elsewhere without it, protected: each on its
    own (rule.count), and every one withheld when one is small (they add up to the pupils it
    takes, which the shortlist prints) or when the option's own pupils are withheld
    (``withheld``: these are mostly the same pupils)."""
    values = {column: row.get(column, math.nan) for column, _ in MOVES}
    values["destination_1_pupils"] = row.get("destination_1_pupils", math.nan)
    labels = {column: rule.count(value) if _finite(value) else "" for column, value in values.items()}
    any_small = any(label == rule.small for label in labels.values())
    if withheld or any_small:
        labels = {column: label if label in ("", "0", rule.small) else SECONDARY for column, label in labels.items()}
    return labels


def _finite(value) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _main_destination_kind(row: pd.Series) -> str:
    """Which of MOVES the school taking most of the option's pupils belongs to ('' when none)."""
    if not str(row.get("destination_1_id", "")) or not _finite(row.get("destination_1_pupils")):
        return ""
    if bool(row.get("destination_1_is_option", False)):
        return "to_new_options"
    return "to_existing_sites" if bool(row.get("destination_1_is_local", True)) else "to_independent_or_out_of_area"


def instead_words(row: pd.Series, rule: Rule, *, withheld: bool = False) -> str:
    """Where the option's pupils go without it, in words, every count protected: '12 to
    existing schools (most to Oak School); <5 to independent or out-of-area schools'."""
    labels = moved_labels(row, rule, withheld=withheld)
    parts = []
    for column, words in MOVES:
        if labels[column] in ("", "0"):
            continue
        part = f"{labels[column]} {words}"
        if column == _main_destination_kind(row):
            part += f" (most to {row['destination_1_name']})"
        parts.append(part)
    return "; ".join(parts)


def reason_chosen(row: pd.Series, labels: pd.Series, *, limit: float, years: int, rule: Rule) -> str:
    """Two sentences: what it adds and for whom, then what the plan loses without it."""
    host = f" at {row['host_name']}" if row["host_name"] and row["host_name"] != row["name"] else ""
    demand = ratio(row["host_ratio"]) if row["kind"] in ("srp", "esta", "unit") else ""
    host_words = f"{host} ({demand})" if host and demand and math.isfinite(row["host_ratio"]) else host
    first = (
        f"Adds {int(row['places'])} places for pupils with {needs_phrase(row['needs'])} in "
        f"{ages_words(row['ncy_min'], row['ncy_max'])}{host_words} "
        f"from {academic_year(int(row['opening_year']))}, "
        f"where {labels['in_reach']} pupils of these needs and ages live within {limit:.0f} minutes."
    )
    return f"{first} {without_words(row, labels, years=years, rule=rule)}"


def without_words(row: pd.Series, labels: pd.Series, *, years: int, rule: Rule) -> str:
    """What the plan loses without the option, as explain.csv proved it."""
    status = str(row.get("explain_status", ""))
    rise = row["cost_increase"]
    if status == "forced open":
        return "It was forced open by the scenario (a decision already taken), so it has no counterfactual."
    if status == "infeasible" or (not _finite(rise) and str(row.get("instead", "")).startswith("no plan")):
        return "Without it, and the rest of the plan as it is, the places left cannot take every pupil."
    if status != "optimal" or not _finite(rise):
        return (
            "Its value to the plan was not proven (the run skipped the counterfactuals, or the folder was "
            "solved by an earlier placeplan whose re-solves were cut off by a clock)."
        )
    cost = (
        f"costs {money(rise)} more over {years} years"
        if rise >= 0.5
        else f"costs {money(-rise)} less over {years} years"
        if rise <= -0.5
        else "costs the same"
    )
    instead = instead_words(row, rule, withheld=labels["placed"] in (SECONDARY, rule.small))
    where = f", and its pupils go instead: {instead}" if instead else ""
    return f"If it does not open and the rest of the plan goes ahead, the plan {cost}{where}."


def proven_rise(row: pd.Series) -> float:
    """The rise in the plan's cost without the option where it is proven (NaN otherwise)."""
    if str(row.get("explain_status", "")) == "optimal" and _finite(row["cost_increase"]):
        return float(row["cost_increase"])
    return math.nan


def rank_order(chosen: pd.DataFrame) -> pd.DataFrame:
    """Options the plan cannot do without first, then by their proven value, largest first;
    then those forced open; then those with no proven value. Ties: more places, then name."""
    rise = chosen.apply(proven_rise, axis=1) if len(chosen) else pd.Series(dtype=float)
    indispensable = chosen["explain_status"].astype(str) == "infeasible"
    forced = chosen["explain_status"].astype(str) == "forced open"
    tier = np.select([indispensable, rise.notna(), forced], [0, 1, 2], 3)
    keyed = chosen.assign(_tier=tier, _value=-rise.fillna(0.0))
    return keyed.sort_values(["_tier", "_value", "places", "name"], ascending=[True, True, False, True]).drop(
        columns=["_tier", "_value"]
    )


def reason_not_chosen(row: pd.Series) -> str:
    text = str(row["reason_not_chosen"]) or "not chosen"
    return capital(text.replace(" x places offered", " for each place offered")) + "."


def _kind(kind: str) -> str:
    return capital(KINDS.get(kind, kind))


def _phases(row: pd.Series) -> str:
    return ", ".join(PHASE_WORDS[p] for p in phases_of_range(row["ncy_min"], row["ncy_max"]))


def shortlist(facts: Facts, public: Public) -> Shortlist:
    plan = facts.plan
    table_ = facts.facilities
    options = table_[table_["is_option"]].copy()
    options["limit"] = travel_limits(options, facts)
    chosen = options[options["chosen"]].copy()
    chosen = rank_order(chosen)
    labels = public.facilities
    years = len(plan.years)
    rows = []
    for rank, (_, row) in enumerate(chosen.iterrows(), start=1):
        own = labels.loc[row["facility_id"]]
        saved = row["minutes_status_quo"] - row["minutes"]
        rows.append(
            {
                "rank": rank,
                "option_id": row["facility_id"],
                "name": row["name"],
                "kind": _kind(row["kind"]),
                "host": row["host_name"],
                "host_id": row["host_id"],
                "needs": ";".join(row["needs"]),
                "phases": _phases(row),
                "ages": ages_words(row["ncy_min"], row["ncy_max"]),
                "places": int(row["places"]),
                "opening_year": academic_year(int(row["opening_year"])),
                "capital_cost": round(float(row["capital"])),
                "capital_cost_per_place": _round(row["capital_per_place"]),
                f"pupils_placed_{academic_year(plan.final_year).replace('/', '_')}": own["placed"],
                "pupils_within_travel_limit": own["in_reach"],
                "travel_limit_minutes": round(float(row["limit"])),
                "journey_minutes": _round(row["minutes"]),
                "journey_minutes_status_quo": _round(row["minutes_status_quo"]),
                "minutes_saved_per_journey": _round(saved),
                "host_first_preference_ratio": _round(row["host_ratio"], 2),
                "plan_cost_without_it": _round(row["objective_without"], 0) if _finite(proven_rise(row)) else None,
                "extra_cost_without_it": _round(proven_rise(row), 0),
                **_moved_columns(row, own, plan.rule),
                "reason": reason_chosen(row, own, limit=row["limit"], years=years, rule=plan.rule),
            }
        )
    others = options[~options["chosen"]].sort_values(["kind", "name"])
    rest = pd.DataFrame(
        {
            "option_id": others["facility_id"],
            "name": others["name"],
            "kind": others["kind"].map(_kind),
            "host": others["host_name"],
            "host_id": others["host_id"],
            "needs": [";".join(n) for n in others["needs"]],
            "phases": [_phases(r) for _, r in others.iterrows()],
            "ages": [ages_words(a, b) for a, b in zip(others["ncy_min"], others["ncy_max"])],
            "host_first_preference_ratio": [_round(v, 2) for v in others["host_ratio"]],
            "reason": [reason_not_chosen(r) for _, r in others.iterrows()],
        }
    )
    return Shortlist(pd.DataFrame(rows), rest.reset_index(drop=True))


def _moved_columns(row: pd.Series, own: pd.Series, rule: Rule) -> dict[str, str]:
    """Where its pupils go without it, protected, as the shortlist's columns."""
    if not _finite(proven_rise(row)):
        return {f"pupils_{column}_without_it": "" for column, _ in MOVES} | {"main_other_school": ""}
    labels = moved_labels(row, rule, withheld=own["placed"] in (SECONDARY, rule.small))
    kind = _main_destination_kind(row)
    main = str(row["destination_1_name"]) if kind and labels[kind] not in ("", "0") else ""
    return {f"pupils_{column}_without_it": labels[column] for column, _ in MOVES} | {"main_other_school": main}


def _round(value: float, digits: int = 0):
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), digits) if digits else int(round(float(value)))


CHOSEN_HTML = """
<h2 id="chosen">Options the plan chooses</h2>
<p>Ranked by what the plan would lose without each: how much more the plan costs if it does
not open and the rest of the plan goes ahead, its pupils placed again as well as the places
left allow (a proven figure, not an estimate cut off by a clock). Journeys are one way, on average, for the pupils it takes in {{ final }};
"today" is where the same pupils would go with no new places (existing places first, then
independent or out-of-area schools, counted at {{ reference }} minutes).</p>
{% for row in rows %}
<h3>{{ row['rank'] }}. {{ row['name'] }}</h3>
<p>{{ row['reason'] }}</p>
<table>
<tr><th>What it is</th><td>{{ row['kind'] }}{% if row['host'] %}, hosted by {{ row['host'] }}{% endif %}</td></tr>
<tr><th>Needs and ages</th><td>{{ row['needs_words'] }}; {{ row['ages'] }}</td></tr>
<tr><th>Places and opening</th><td>{{ row['places'] }} places from {{ row['opening_year'] }}</td></tr>
<tr><th>Capital cost</th><td>{{ row['capital_words'] }}</td></tr>
<tr><th>Pupils it takes in {{ final }}</th><td>{{ row['placed'] }}</td></tr>
<tr><th>Pupils of its needs and ages within {{ row['travel_limit_minutes'] }} minutes</th>
<td>{{ row['pupils_within_travel_limit'] }}</td></tr>
<tr><th>Journey</th><td>{{ row['journey_words'] }}</td></tr>
<tr><th>Host school's popularity</th><td>{{ row['host_words'] }}</td></tr>
<tr><th>Without it</th><td>{{ row['without_words'] }}</td></tr>
</table>
{% endfor %}
"""


def chosen_html(facts: Facts, shortlist_: Shortlist) -> str:
    plan = facts.plan
    final = academic_year(plan.final_year)
    placed = f"pupils_placed_{final.replace('/', '_')}"
    rows = []
    for _, row in shortlist_.chosen.iterrows():
        saved = row["minutes_saved_per_journey"]
        if pd.notna(saved):
            journey = (
                f"{minutes(row['journey_minutes'])}, against {minutes(row['journey_minutes_status_quo'])} "
                f"today ({minutes(abs(saved))} {'shorter' if saved >= 0 else 'longer'})"
            )
        else:
            journey = minutes(row["journey_minutes"]) if pd.notna(row["journey_minutes"]) else "no pupils yet"
        rise = row["extra_cost_without_it"]
        if pd.isna(rise):
            without = "not proven"
        else:
            change = f"{money(rise)} more" if rise >= 0 else f"{money(-rise)} less"
            without = f"the plan costs {money(row['plan_cost_without_it'])}, {change}, the rest of the plan as it is"
        per_place = (
            f" ({money(row['capital_cost_per_place'])} a place)" if pd.notna(row["capital_cost_per_place"]) else ""
        )
        rows.append(
            {
                **row.to_dict(),
                "placed": row[placed],
                "needs_words": capital(needs_words(row["needs"].split(";"))),
                "capital_words": money(row["capital_cost"]) + per_place,
                "journey_words": journey,
                "host_words": capital(ratio(row["host_first_preference_ratio"]))
                if row["host"] and row["host"] != row["name"]
                else "not hosted by a mainstream school",
                "without_words": without,
            }
        )
    return render(CHOSEN_HTML, rows=rows, final=final, reference=f"{reference_minutes(plan):.0f}")


def not_chosen_html(shortlist_: Shortlist) -> str:
    frame = shortlist_.not_chosen[["name", "kind", "needs", "ages", "reason"]].rename(columns=str.capitalize)
    return render(
        '<h2 id="not-chosen">Candidates not chosen</h2><p>Each with the first reason it was not chosen.</p>{{ t }}',
        t=safe(table(frame)),
    )


def shortlist_page(facts: Facts, shortlist_: Shortlist, sweeps: Sweeps | None = None) -> str:
    plan = facts.plan
    head = render(
        '<h1>Consultation shortlist</h1><p class="subtitle">{{ title }}. Plan of {{ day }}.</p>'
        '<p class="note">{{ rule }}</p>',
        title=plan.title,
        day=date_words(plan.solved_on),
        rule=plan.rule.describe(),
    )
    body = head + caveats_html(plan) + chosen_html(facts, shortlist_) + not_chosen_html(shortlist_)
    body += alternatives_html(facts, sweeps)
    body += render("<h2>What the words mean</h2>{{ g }}", g=safe(glossary(glossary_for(body))))
    return page(f"Consultation shortlist: {plan.title}", body)
