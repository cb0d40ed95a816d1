"""The report (report.html): one page for a committee. Headline figures; sufficiency charts
by phase and by need over the plan years (images inside the file); a link to the map; year
by year, the pupils continuing in their placements and those newly placed, locally or out
of area, and how each new provision fills; the shortlist; the model's formulation rendered
from the code's own definition; every assumption and data source; the glossary. Every
count of pupils is protected.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from ..optimise import FORMULATION
from .assumptions import SOFTWARE, settings_table, sources_table
from .charts import by_need, by_phase, filling_chart, hidden_panels, need_panels, phase_panels, placements_chart
from .disclosure import SECONDARY, Cells
from .facts import LOCAL_KINDS, Facts, reference_minutes
from .glossary import KINDS, academic_year, glossary_for
from .maths import formulation_html
from .page import glossary, page, render, safe, table
from .shortlist import Shortlist, chosen_html, not_chosen_html
from .sufficiency import Sufficiency
from .words import capital, date_words, money

log = logging.getLogger(__name__)

MAP_FILE = "map.html"
SOLVERS = {"scip": "SCIP", "highs": "HiGHS", "cp-sat": "CP-SAT"}

HEAD: Final = """
<h1>{{ title }}</h1>
<p class="subtitle">Plan of {{ day }}. {{ dataset }}. Years {{ first }} to {{ last }}.</p>
{% if description %}<p>{{ description }}</p>{% endif %}
<p class="note">{{ rule }}</p>
<h2 id="headlines">Headline figures</h2>
<div class="figures">
{% for value, what in figures %}<div class="figure"><div class="value">{{ value }}</div>
<div class="what">{{ what }}</div></div>
{% endfor %}</div>
<p>{{ status }}
Costs are totals over the plan years at today's prices, discounted at {{ discount }} a year.
"Without the plan" is the same pupils placed with no new places: existing places first, then
independent or out-of-area schools.{% if status_quo_note %} {{ status_quo_note }}{% endif %}</p>
<h2 id="map">The map</h2>
<p><a href="{{ map_file }}">Open the councillors' map</a> (a file beside this report; it works without
an internet connection): demand by area, existing and new provision, candidates not chosen and why, where
pupils travel, and how far each new provision reaches.</p>
"""

CHARTS: Final = """
<h2 id="sufficiency">Sufficiency: pupils against places</h2>
<p>Pupils needing a specialist place (red) against local places before the plan (grey, dashed) and after
it (blue), each year. Places at a school that takes several needs or ages are shared out in proportion
to the pupils in each (an estimate). Small numbers are not drawn.</p>
<h3>By phase, all needs</h3>
<p class="chart"><img alt="Pupils and local places by phase, {{ first }} to {{ last }}" src="{{ phase_chart }}"></p>
{% if phase_hidden %}<p>Not drawn, as every year's number is too small to show: {{ phase_hidden }}.</p>{% endif %}
<h3>By need, all phases</h3>
<p class="chart"><img alt="Pupils and local places by need, {{ first }} to {{ last }}" src="{{ need_chart }}"></p>
{% if need_hidden %}<p>Not drawn, as every year's number is too small to show: {{ need_hidden }}.</p>{% endif %}
<h3>The figures</h3>
{{ table }}
"""

BY_YEAR: Final = """
<h2 id="by-year">Year by year: pupils placed, and new provision filling</h2>
<p>Pupils stay where they are placed. Each year the pupils already in a placement continue there, and only
pupils joining (new plans, arrivals, and everyone at a transfer point, such as the start of Year 7 or
Year 12) are placed afresh: locally where there is a place, otherwise at an independent or out-of-area
school. So independent and out-of-area placements made before new places open run off only slowly, as those
pupils move on, and new provision fills as each year's joiners take its places.</p>
<h3>Pupils continuing and newly placed</h3>
{% if placements %}
<p class="chart" role="img" aria-label="Pupils continuing and newly placed, and pupils placed independent or
out of area with and without the plan, {{ first }} to {{ last }}">{{ placements_chart }}</p>
{{ placements }}
{% else %}<p>{{ no_placements }}</p>{% endif %}
<h3>How each new provision fills</h3>
{% if filling %}
<p>Pupils the plan places at each new provision or expansion each year, against its places ("not open":
before its opening year). Small numbers are not drawn.</p>
<p class="chart" role="img" aria-label="Pupils placed at each new provision against its places, {{ first }} to
{{ last }}">{{ filling_chart }}</p>
{{ filling }}
{% else %}<p>The plan opens no new provision.</p>{% endif %}
"""

TAIL: Final = """
<h2 id="model">How the plan is chosen: the model</h2>
<p>The plan is the one of least total cost to the public purse that meets every rule of the scenario:
capital for new places, the annual cost of every place used, home-to-school transport, and independent or
out-of-area placements for pupils not placed locally. It is a mixed-integer programme (MIP) solved with
{{ solver }} through OR-Tools. Written out in full, as the code builds it:</p>
{{ formulation }}
<h2 id="assumptions">Assumptions</h2>
<p>Every setting the plan used (the merged scenario). Journeys to an independent or out-of-area place are
counted at {{ reference }} minutes (the transport reference distance at the scenario's speed).</p>
{{ settings }}
<h2 id="sources">Data sources</h2>
{{ sources }}
<h3>Software</h3>
{{ software }}
<h2 id="glossary">What the words mean</h2>
"""


def headline_figures(facts: Facts, suff: Sufficiency) -> list[tuple[str, str]]:
    s = facts.plan.summary
    last = s["years"][-1]
    places = int(round(float(facts.facilities.loc[facts.facilities["chosen"], "places"].sum())))
    figures = [
        (money(float(s["objective"])), f"total cost of the plan over {len(s['years'])} years"),
        (money(float(s["capital_spent"])), "capital for new places" + (
            f" (budget {money(float(s['capital_budget']))})" if s.get("capital_budget") is not None else "")),
        (f"{int(s['options_opened'])}", "new provisions or expansions opened"),
        (f"{places:,}", "places they add"),
        (suff.headline("pupils"), f"pupils needing a specialist place in {last}"),
        (suff.headline("local_after"), f"of them placed locally in {last} with the plan"),
    ]
    if suff.has_status_quo:
        figures.append((suff.headline("local_before"), f"placed locally in {last} without it"))
    figures.append((suff.headline("away_after"), f"placed independent or out of area in {last} with the plan"))
    if suff.has_status_quo:
        figures.append((suff.headline("away_before"), f"placed independent or out of area in {last} without it"))
    return figures


def status_words(status: str, gap: float) -> str:
    """The solver's outcome as a committee would want it said."""
    if status == "optimal":
        return "No cheaper plan meets the rules: the solver proved this plan the best."
    if gap <= 1.0:
        return (f"The best plan the solver found in the time allowed ({status.replace('_', ' ')}); a better one, "
                f"if there is one, costs at most {100 * gap:.1f}% less.")
    return (f"The best plan the solver found in the time allowed ({status.replace('_', ' ')}); it could not yet "
            "prove how close this is to the best possible plan: a longer run may find a cheaper one.")


def report_html(facts: Facts, shortlist: Shortlist, suff: Sufficiency) -> str:
    plan = facts.plan
    s = plan.summary
    gap = float(s.get("gap") or 0.0)
    head = render(HEAD, title=plan.title, day=date_words(plan.solved_on), dataset=plan.dataset.meta.name,
                  first=s["years"][0], last=s["years"][-1], description=plan.scenario.description,
                  rule=plan.rule.describe(), figures=headline_figures(facts, suff),
                  status=status_words(str(s["status"]), gap),
                  discount=f"{100 * plan.scenario.costs.discount_rate:g}%",
                  status_quo_note=facts.status_quo_note, map_file=MAP_FILE)
    charts = render(CHARTS, first=academic_year(plan.years[0]), last=academic_year(plan.final_year),
                    phase_chart=by_phase(suff), need_chart=by_need(suff),
                    phase_hidden=", ".join(hidden_panels(suff, phase_panels(suff))).replace("\n", " "),
                    need_hidden=", ".join(hidden_panels(suff, need_panels(suff))).replace("\n", " "),
                    table=safe(table(_all_needs_rows(suff))))
    years = by_year(facts, shortlist, suff)
    placements = "" if years.placements is None else table(years.placements, numbers=tuple(years.placements.columns[1:]))
    filling = table(years.filling.drop(columns="option_id"), numbers=tuple(years.filling.columns[3:])) \
        if len(years.filling) else ""
    by_year_html = render(
        BY_YEAR, first=academic_year(plan.years[0]), last=academic_year(plan.final_year),
        placements=safe(placements), filling=safe(filling), no_placements=NO_PLACEMENTS,
        placements_chart=safe(years.placements_chart()) if years.placements is not None else "",
        filling_chart=safe(years.filling_chart()) if len(years.filling) else "")
    short = (render("<h2 id=\"shortlist\">The shortlist</h2>") + chosen_html(facts, shortlist)
             + not_chosen_html(shortlist))
    tail = render(TAIL, solver=SOLVERS.get(str(s.get("solver", "")), str(s.get("solver", ""))), formulation=safe(formulation_html(FORMULATION)),
                  reference=f"{reference_minutes(plan):.0f}",
                  settings=safe(table(settings_table(plan.scenario))),
                  sources=safe(table(sources_table(plan.dataset))), software=safe(table(SOFTWARE)))
    body = head + charts + by_year_html + short + tail
    body += glossary(glossary_for(_visible_text(body)))
    return page(f"{plan.title}: report", body)


def _all_needs_rows(suff: Sufficiency) -> pd.DataFrame:
    """The sufficiency figures for all needs, by phase and year (the full table is in plan.xlsx)."""
    frame = suff.table()
    return frame[frame["need"] == "All needs"].drop(columns="need")


def _visible_text(body: str) -> str:
    """The report's words without its images and maths (which hold no acronyms)."""
    body = re.sub(r'src="data:[^"]+"', "", body)
    body = re.sub(r"<svg.*?</svg>", " ", body, flags=re.S)
    return re.sub(r"<math.*?</math>", " ", body, flags=re.S)


# --- year by year ------------------------------------------------------------------------------

#: summary.json's placements_by_year: column -> heading in the report and the workbook.
PLACEMENTS: Final = {
    "continuing": "Pupils continuing in their placement",
    "new_local": "Pupils newly placed locally",
    "new_away": "Pupils newly placed independent or out of area",
}
TOTAL = "Pupils needing a specialist place"
AWAY_WITH = "Pupils placed independent or out of area with the plan"
AWAY_WITHOUT = "Pupils placed independent or out of area without the plan"
NO_PLACEMENTS = ("Not recorded: this plan was solved before placeplan recorded pupils continuing and newly placed "
                 "by year; run placeplan solve again to see them.")
NOT_OPEN = "not open"
_PRINTED_NUMBER = re.compile(r"^-?[\d,]+(\.\d+)?$")


@dataclass(frozen=True)
class ByYear:
    """The year-by-year tables as printed (labels), and the years they cover."""

    years: list[str]
    placements: pd.DataFrame | None  # Year, PLACEMENTS headings, TOTAL, AWAY_WITH[, AWAY_WITHOUT]
    filling: pd.DataFrame            # option_id, Option, Kind, Places, Opens, "Pupils placed YYYY/YY" each year
    places: np.ndarray               # option x year: its places that year (0 before it opens)

    def placements_chart(self) -> str:
        frame = self.placements
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
    text = str(label)
    return float(text.replace(",", "")) if _PRINTED_NUMBER.match(text) else math.nan


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
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v >= 0
                   for v in values):
            log.warning("summary.json: placements_by_year %s does not hold three counts; not shown", row["year"])
            return None
        found[row["year"]] = [float(v) for v in values]
    if set(found) != set(years):
        log.warning("summary.json: placements_by_year covers %s, not the plan's years; not shown",
                    ", ".join(sorted(found)) or "no year")
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
    printed = {m: np.array([cells.add([v], published=bool(k), total=True)[0] for v, k in zip(values, known[m])])
               for m, values in (("pupils", total), ("local_after", local), ("away_after", away))}
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
    for k in np.flatnonzero(withheld):
        labels[k] = [rule.small if rule.is_small(v) else "0" if v <= 1e-9 else SECONDARY for v in parts[k]]
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
    pupils = allocation[allocation["facility_id"].isin(options["option_id"])].groupby(
        ["facility_id", "year"])["pupils"].sum()
    final = f"pupils_placed_{academic_year(plan.final_year).replace('/', '_')}"
    last = (shortlist.chosen.set_index("option_id")[final] if len(shortlist.chosen) and final in shortlist.chosen
            else pd.Series(dtype=object))
    rows, places = [], []
    for _, option in options.iterrows():
        row = {"option_id": option["option_id"], "Option": option["name"],
               "Kind": capital(KINDS.get(option["kind"], option["kind"])),
               "Places": f"{float(option['places']):,.0f}", "Opens": academic_year(int(option["opens"]))}
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
        places.append([float(option["places"]) if year >= option["opens"] else 0.0 for year in years])
    columns = ["option_id", "Option", "Kind", "Places", "Opens", *[f"Pupils placed {academic_year(y)}" for y in years]]
    return pd.DataFrame(rows, columns=columns), np.array(places, dtype=float).reshape(len(rows), len(years))


def by_year(facts: Facts, shortlist: Shortlist, suff: Sufficiency) -> ByYear:
    """The report's and the workbook's year-by-year tables, protected."""
    filling, places = filling_table(facts, shortlist)
    return ByYear([academic_year(y) for y in facts.plan.years], placements_table(facts, suff), filling, places)
