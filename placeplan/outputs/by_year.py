"""Year by year: the pupils continuing in their placements and those newly placed, locally
or independent or out of area (summary.json's ``placements_by_year``, beside the status
quo's), and how each new provision fills (allocation.csv against options.csv), as the
report and the workbook print them, every count protected."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from ..codes import LOCAL_KINDS
from ..intake import share_in_year
from .charts import filling_chart, placements_chart
from .disclosure import SECONDARY, Cells
from .facts import Facts
from .glossary import KINDS, academic_year
from .shortlist import Shortlist
from .sufficiency import Sufficiency
from .words import capital, printed_number

log = logging.getLogger(__name__)

#: summary.json's placements_by_year: column -> heading in the report and the workbook.
PLACEMENTS: Final = {
    "continuing": "Pupils continuing in their placement",
    "new_local": "Pupils newly placed locally",
    "new_away": "Pupils newly placed independent or out of area",
}
TOTAL = "Pupils needing a specialist place"
AWAY_WITH = "Pupils placed independent or out of area with the plan"
AWAY_WITHOUT = "Pupils placed independent or out of area without the plan"
NO_PLACEMENTS = (
    "Not recorded: this plan was solved before placeplan recorded pupils continuing and newly placed "
    "by year; run placeplan solve again to see them."
)
NOT_OPEN = "not open"


@dataclass(frozen=True)
class ByYear:
    """The year-by-year tables as printed (labels), and the years they cover."""

    years: list[str]
    placements: pd.DataFrame | None  # Year, PLACEMENTS headings, TOTAL, AWAY_WITH[, AWAY_WITHOUT]
    filling: pd.DataFrame  # option_id, Option, Kind, Places, Opens, "Pupils placed YYYY/YY" each year
    places: np.ndarray  # option x year: its places that year (0 before it opens)

    def placements_chart(self) -> str:
        frame = self.placements
        assert frame is not None  # drawn only for a folder that records placements
        parts = {key: _printed(frame[heading]) for key, heading in PLACEMENTS.items()}
        without = _printed(frame[AWAY_WITHOUT]) if AWAY_WITHOUT in frame else None
        return placements_chart(self.years, parts, _printed(frame[AWAY_WITH]), without)

    def filling_chart(self) -> str:
        columns = [f"Pupils placed {y}" for y in self.years]
        panels = []
        for i, (_, row) in enumerate(self.filling.iterrows()):
            pupils = np.array([0.0 if row[c] == NOT_OPEN else _number(row[c]) for c in columns])
            panels.append((row["Option"], pupils, self.places[i]))
        return filling_chart(self.years, panels)


def _number(label: object) -> float:
    """A printed count back to its number; NaN for a suppressed or withheld one."""
    number = printed_number(label)
    return math.nan if number is None else number


def _printed(labels: pd.Series) -> np.ndarray:
    return np.array([_number(v) for v in labels], dtype=float)


def recorded_placements(facts: Facts) -> pd.DataFrame | None:
    """summary.json's placements_by_year, one row per plan year in order (year as printed,
    continuing, new_local, new_away); None when the folder predates it or it does not
    hold a finite number for each of the plan's years."""
    rows = facts.plan.summary.get("placements_by_year")
    years = [academic_year(y) for y in facts.plan.years]
    if not isinstance(rows, list):
        return None
    found: dict[str, list[float]] = {}
    for row in rows:
        if not isinstance(row, dict) or not isinstance(row.get("year"), str):
            log.warning("summary.json: placements_by_year holds a row that is not a year's figures; not shown")
            return None
        values = [row.get(key) for key in PLACEMENTS]
        counts = [
            v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v >= 0
        ]
        if len(counts) != len(values):
            log.warning("summary.json: placements_by_year %s does not hold three counts; not shown", row["year"])
            return None
        found[row["year"]] = [float(v) for v in counts]
    if set(found) != set(years):
        log.warning(
            "summary.json: placements_by_year covers %s, not the plan's years; not shown",
            ", ".join(sorted(found)) or "no year",
        )
        return None
    return pd.DataFrame([[y, *found[y]] for y in years], columns=["year", *PLACEMENTS])


def protect_placements(facts: Facts, suff: Sufficiency, recorded: pd.DataFrame) -> np.ndarray:
    """The labels (year x continuing, new_local, new_away) of the plan's placements by year.

    They are protected with the sums that link them to figures the sufficiency table
    prints for all needs and phases: the three add up to the year's pupils, the pupils
    newly placed locally plus those continuing locally (never printed) to the pupils placed
    locally, and likewise away. The three are scaled to the sufficiency table's pupils, so
    that the sums hold exactly (summary.json rounds to 0.01 of a pupil, allocation.csv to
    0.001). A figure the sufficiency table prints cannot be withheld here: where this
    protection would need to, or where the year's pupils are not printed there (so that
    the three would give them away), each of the year's three is withheld instead."""
    rule = facts.plan.rule
    total, local, away = (suff.values[m][-1, -1, :] for m in ("pupils", "local_after", "away_after"))
    known = {m: np.isfinite(suff.shown[m][-1, -1, :]) for m in ("pupils", "local_after", "away_after")}
    raw = recorded[list(PLACEMENTS)].to_numpy(dtype=float)
    sums = raw.sum(axis=1)
    parts = raw * np.divide(total, sums, out=np.ones_like(total), where=sums > 0)[:, None]
    cells = Cells(rule)
    ids = cells.add(parts.ravel()).reshape(parts.shape)
    printed = {
        m: np.array([cells.add([v], published=bool(k), total=True)[0] for v, k in zip(values, known[m])])
        for m, values in (("pupils", total), ("local_after", local), ("away_after", away))
    }
    continuing_local = cells.add(np.clip(local - parts[:, 1], 0.0, None), published=False)
    continuing_away = cells.add(np.clip(away - parts[:, 2], 0.0, None), published=False)
    for k in range(len(parts)):
        cells.line(ids[k], printed["pupils"][k])
        cells.line([continuing_local[k], continuing_away[k]], ids[k, 0])
        cells.line([continuing_local[k], ids[k, 1]], printed["local_after"][k])
        cells.line([continuing_away[k], ids[k, 2]], printed["away_after"][k])
    protected = cells.protect()
    labels = np.array([[protected.label(int(i)) for i in row] for row in ids], dtype=object)
    withheld = ~known["pupils"]
    for m, cell in printed.items():
        withheld |= known[m] & protected.hidden(cell)
    for y in np.flatnonzero(withheld):
        labels[y] = [rule.small if rule.is_small(v) else "0" if v <= 1e-9 else SECONDARY for v in parts[y]]
    return labels


def placements_table(facts: Facts, suff: Sufficiency) -> pd.DataFrame | None:
    """Year by year: pupils continuing, newly placed locally and newly placed away (the
    plan's), with all pupils and those placed away with and without the plan as the
    sufficiency table prints them."""
    recorded = recorded_placements(facts)
    if recorded is None:
        return None
    labels = protect_placements(facts, suff, recorded)
    frame = pd.DataFrame(labels, columns=list(PLACEMENTS.values()))
    frame.insert(0, "Year", recorded["year"])
    frame[TOTAL] = suff.labels["pupils"][-1, -1, :]
    frame[AWAY_WITH] = suff.labels["away_after"][-1, -1, :]
    if suff.has_status_quo:
        frame[AWAY_WITHOUT] = suff.labels["away_before"][-1, -1, :]
    return frame


def filling_table(facts: Facts, shortlist: Shortlist) -> tuple[pd.DataFrame, np.ndarray]:
    """Each new provision the plan opens, in order of opening (then the shortlist's rank),
    with the pupils placed there each year (allocation.csv) and its places (options.csv).
    The last year's count is the one the shortlist and the map print (protected with the
    sums of the last year); no sum links earlier years' counts to another printed figure,
    so each is suppressed on its own when small."""
    plan = facts.plan
    rule = plan.rule
    years = plan.years
    options = plan.options[plan.options["chosen"] & plan.options["kind"].isin(LOCAL_KINDS)].copy()
    rank = {option: i for i, option in enumerate(shortlist.chosen.get("option_id", pd.Series(dtype=str)))}
    options["rank"] = options["option_id"].map(rank).fillna(len(rank))
    options["opens"] = options["opening_year"].fillna(years[0]).astype(int)
    options = options.sort_values(["opens", "rank", "name"], kind="stable")
    allocation = plan.allocation
    pupils = (
        allocation[allocation["facility_id"].isin(options["option_id"])]
        .groupby(["facility_id", "year"])["pupils"]
        .sum()
    )
    final = f"pupils_placed_{academic_year(plan.final_year).replace('/', '_')}"
    last = (
        shortlist.chosen.set_index("option_id")[final]
        if len(shortlist.chosen) and final in shortlist.chosen
        else pd.Series(dtype=object)
    )
    rows, places = [], []
    for _, option in options.iterrows():
        row = {
            "option_id": option["option_id"],
            "Option": option["name"],
            "Kind": capital(KINDS.get(option["kind"], option["kind"])),
            "Places": f"{float(option['places']):,.0f}",
            "Opens": academic_year(int(option["opens"])),
        }
        for year in years:
            count = float(pupils.get((option["option_id"], year), 0.0))
            if year < option["opens"]:
                label = NOT_OPEN if count <= 1e-9 else rule.count(count)
            elif year == plan.final_year and option["option_id"] in last.index:
                label = str(last[option["option_id"]])
            else:
                label = rule.count(count)
            row[f"Pupils placed {academic_year(year)}"] = label
        rows.append(row)
        # whole places, rounded as the pupils are printed, so that a full provision's bar meets its line
        places.append(
            [
                math.floor(float(option["places"]) * share_in_year(option["intake"], year - option["opens"]) + 0.5)
                for year in years
            ]
        )
    columns = ["option_id", "Option", "Kind", "Places", "Opens", *[f"Pupils placed {academic_year(y)}" for y in years]]
    return pd.DataFrame(rows, columns=columns), np.array(places, dtype=float).reshape(len(rows), len(years))


def by_year(facts: Facts, shortlist: Shortlist, suff: Sufficiency) -> ByYear:
    """The report's and the workbook's year-by-year tables, protected."""
    filling, places = filling_table(facts, shortlist)
    return ByYear([academic_year(y) for y in facts.plan.years], placements_table(facts, suff), filling, places)
