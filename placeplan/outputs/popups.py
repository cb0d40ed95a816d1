"""What a click on the map says about a school or an option, in plain English. Every name is
escaped here; every count of pupils arrives as a protected label."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .facts import Facts
from .glossary import KINDS, academic_year, ages_words, needs_phrase
from .shortlist import reason_chosen, reason_not_chosen
from .words import capital, esc, money


def site_popup(row: pd.Series, labels: pd.Series, final: str) -> str:
    estimated = " (estimated from pupils on roll)" if "on roll" in str(row["capacity_source"]) else ""
    lines = [
        f"<b>{esc(row['name'])}</b>",
        esc(capital(KINDS.get(row["kind"], row["kind"]))),
        f"Serves pupils with {esc(needs_phrase(row['needs']))}; {esc(ages_words(row['ncy_min'], row['ncy_max']))}",
        f"Places: {esc(labels['capacity'])}{esc(estimated)}",
    ]
    if labels["on_roll"]:
        lines.append(f"Pupils on roll: {esc(labels['on_roll'])}")
    lines.append(f"Pupils the plan places here in {final}: {esc(labels['placed'])}")
    return "<br>".join(lines)


def option_popup(row: pd.Series, labels: pd.Series, facts: Facts, final: str, limit: float) -> str:
    host = f", hosted by {esc(row['host_name'])}" if row["host_name"] and row["host_name"] != row["name"] else ""
    per_place = f" ({money(row['capital_per_place'])} a place)" if np.isfinite(row["capital_per_place"]) else ""
    reason = reason_chosen(row, labels, limit=limit, years=len(facts.plan.years), rule=facts.plan.rule)
    return "<br>".join(
        [
            f"<b>{esc(row['name'])}</b>",
            f"New: {esc(KINDS.get(row['kind'], row['kind']))}{host}",
            f"Serves pupils with {esc(needs_phrase(row['needs']))}; {esc(ages_words(row['ncy_min'], row['ncy_max']))}",
            f"{int(row['places'])} places, opening in September {int(row['opening_year'])} "
            f"({academic_year(int(row['opening_year']))})",
            f"Capital cost: {esc(money(row['capital']))}{esc(per_place)}",
            f"Pupils it takes in {final}: {esc(labels['placed'])}",
            f"<i>Why chosen:</i> {esc(reason)}",
        ]
    )


def candidate_popup(row: pd.Series) -> str:
    host = f", hosted by {esc(row['host_name'])}" if row["host_name"] and row["host_name"] != row["name"] else ""
    return "<br>".join(
        [
            f"<b>{esc(row['name'])}</b>",
            f"Candidate: {esc(KINDS.get(row['kind'], row['kind']))}{host}",
            f"Would serve pupils with {esc(needs_phrase(row['needs']))}; {esc(ages_words(row['ncy_min'], row['ncy_max']))}",
            f"<i>Not chosen:</i> {esc(reason_not_chosen(row))}",
        ]
    )
