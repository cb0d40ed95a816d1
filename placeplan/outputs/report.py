"""The report (report.html): one page for a committee. Headline figures (with the saving
against no new provision, the payback year and the range of demand the plan may meet); what
the plan assumes, in short lines (:mod:`.caveats`); sufficiency charts
by phase and by need over the plan years (images inside the file); a link to the map; year
by year, the pupils continuing in their placements and those newly placed, locally or out
of area, and how each new provision fills; the shortlist; the model's formulation rendered
from the code's own definition; every assumption and data source; the glossary. Every
count of pupils is protected.
"""

from __future__ import annotations

import re
from typing import Final

import pandas as pd

from ..model_maths import FORMULATION
from ..solvers import display_name
from .assumptions import SOFTWARE, settings_table, sources_table
from .by_year import NO_PLACEMENTS, by_year
from .caveats import caveats_html, growth_words
from .charts import by_need, by_phase, hidden_panels, need_panels, phase_panels
from .facts import Facts, reference_minutes
from .folder import finite_number
from .glossary import academic_year, glossary_for
from .maths import formulation_html
from .page import glossary, page, render, safe, table
from .robustness import alternatives_html, robustness_html
from .shortlist import Shortlist, chosen_html, not_chosen_html
from .sufficiency import Sufficiency
from .sweeps import Sweeps
from .words import date_words, money

MAP_FILE = "map.html"

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
{{ assumes }}
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
Year 12) and pupils who reach a year group their school does not admit (an infant school's pupils at
Year 3) are placed afresh: locally where there is a place, otherwise at an independent or out-of-area
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
<p>Pupils the plan places at each new provision or expansion each year, against the places it has that
year ("not open": before its opening year). A new provision opens with some of its places and grows as
pupils join (the scenario's phased intake), so its line rises over its first years to the places in the
table. Small numbers are not drawn.</p>
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
counted at {{ reference }} minutes (the transport reference distance at the scenario's speed).
Settings the chosen demand method does not read are not listed.</p>
{% if growth %}<p>{{ growth }}.{% if growth_notes %} What the forecast rests on (each need then grows by its own difference from the council's growth):{% endif %}</p>
{% if growth_notes %}<ul>{% for note in growth_notes %}<li>{{ note }}.</li>{% endfor %}</ul>{% endif %}{% endif %}
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
        *saving_figures(s),
        (
            money(float(s["capital_spent"])),
            "capital for new places"
            + (f" (budget {money(float(s['capital_budget']))})" if s.get("capital_budget") is not None else ""),
        ),
        (f"{int(s['options_opened'])}", "new provisions or expansions opened"),
        (f"{places:,}", "places they add"),
        (suff.headline("pupils"), f"pupils needing a specialist place in {last}"),
        *demand_range_figures(facts),
        (suff.headline("local_after"), f"of them placed locally in {last} with the plan"),
    ]
    if suff.has_status_quo:
        figures.append((suff.headline("local_before"), f"placed locally in {last} without it"))
    figures.append((suff.headline("away_after"), f"placed independent or out of area in {last} with the plan"))
    if suff.has_status_quo:
        figures.append((suff.headline("away_before"), f"placed independent or out of area in {last} without it"))
    return figures


def saving_figures(summary: dict) -> list[tuple[str, str]]:
    """The saving against no new provision over the plan (as spent, and net of capital)
    and the year it pays the capital back; none for a folder that does not say."""
    saving = summary.get("saving")
    total = saving.get("total") if isinstance(saving, dict) else None
    spent = finite_number(total.get("undiscounted")) if isinstance(total, dict) else None
    if spent is None or not isinstance(total, dict):
        return []
    net = finite_number(total.get("net_of_capital_undiscounted"))
    years = len(summary["years"])
    what = (
        f"saved over {years} years against no new provision"
        if spent >= 0
        else f"more spent over {years} years than with no new provision"
    )
    what += " (as spent, not discounted)"
    if net is not None:
        what += f"; {money(abs(net))} {'saved' if net >= 0 else 'more spent'} net of the capital"
    figures = [(money(abs(spent)), what)]
    if isinstance(summary.get("payback_year"), str):
        figures.append((summary["payback_year"], "the year by which the savings have paid back the capital"))
    elif int(summary.get("options_opened") or 0) > 0:
        figures.append(("not within the plan", "the savings do not pay back the capital by its last year"))
    return figures


def demand_range_figures(facts: Facts) -> list[tuple[str, str]]:
    """The range of demand in the last plan year (P10 to P90 of all pupils) beside the
    pupils planned for; counts protected, and none for a folder that does not say."""
    plan = facts.plan
    rows = plan.summary.get("demand_range")
    row = rows[-1] if isinstance(rows, list) and rows and isinstance(rows[-1], dict) else None
    read = {k: finite_number(row.get(k)) for k in ("p10", "p90", "planned")} if row else {}
    values = {k: v for k, v in read.items() if v is not None}
    if row is None or len(values) < 3:
        return []
    rule, percentile = plan.rule, plan.scenario.demand.percentile
    year = str(row.get("year", plan.summary["years"][-1]))
    planned = f"the plan is for {rule.count(values['planned'])} (P{percentile})"
    if round(values["p10"]) == round(values["p90"]):
        return [
            (
                rule.count(values["planned"]),
                f"pupils projected for {year}, with no range: the demand method estimates nothing",
            )
        ]
    return [
        (
            f"{rule.count(values['p10'])} to {rule.count(values['p90'])}",
            f"pupils needing a place in {year}, the likely range (P10 to P90); {planned}",
        )
    ]


def growth_notes(summary: dict) -> list[str]:
    """The projection's own words on its growth (summary.json's demand_growth notes)."""
    growth = summary.get("demand_growth")
    notes = growth.get("notes") if isinstance(growth, dict) else None
    return [str(n).rstrip(".") for n in notes] if isinstance(notes, list) else []


def status_words(status: str, gap: float, *, search: bool = True, relative_gap: float = 0.0) -> str:
    """The solver's outcome as a committee would want it said. Without the search
    (``solve.search = false``) a plan outside the scenario's relative gap is the first plan,
    which a count of LPs decided, not the gap or a clock."""
    if status == "optimal":
        return "No cheaper plan meets the rules: the solver proved this plan the best."
    if status == "feasible" and not search and gap > relative_gap and gap <= 1.0:
        return (
            f"The first plan the solver found, proven within {100 * gap:.1f}% of the best possible: a better one, "
            f"if there is one, costs at most {100 * gap:.1f}% less (the scenario asks for no search after the "
            "first plan, solve.search = false, so no clock decided it)."
        )
    if status == "feasible" and gap <= 1.0:
        # the scenario's relative_gap ended the search, not a clock: say so
        return (
            f"A plan proven within {100 * gap:.1f}% of the best possible: a better one, if there is one, "
            f"costs at most {100 * gap:.1f}% less (the scenario stops the search within solve.relative_gap)."
        )
    if gap <= 1.0:
        return (
            f"The best plan the solver found in the time allowed ({status.replace('_', ' ')}); a better one, "
            f"if there is one, costs at most {100 * gap:.1f}% less."
        )
    return (
        f"The best plan the solver found in the time allowed ({status.replace('_', ' ')}); it could not yet "
        "prove how close this is to the best possible plan: a longer run may find a cheaper one."
    )


def report_html(facts: Facts, shortlist: Shortlist, suff: Sufficiency, sweeps: Sweeps | None = None) -> str:
    plan = facts.plan
    s = plan.summary
    gap = float(s.get("gap") or 0.0)
    head = render(
        HEAD,
        title=plan.title,
        day=date_words(plan.solved_on),
        dataset=plan.dataset.meta.name,
        first=s["years"][0],
        last=s["years"][-1],
        description=plan.scenario.description,
        rule=plan.rule.describe(),
        figures=headline_figures(facts, suff),
        status=status_words(
            str(s["status"]), gap, search=plan.scenario.solve.search, relative_gap=plan.scenario.solve.relative_gap
        ),
        discount=f"{100 * plan.scenario.costs.discount_rate:g}%",
        status_quo_note=facts.status_quo_note,
        map_file=MAP_FILE,
        assumes=safe(caveats_html(plan)),
    )
    charts = render(
        CHARTS,
        first=academic_year(plan.years[0]),
        last=academic_year(plan.final_year),
        phase_chart=by_phase(suff),
        need_chart=by_need(suff),
        phase_hidden=", ".join(hidden_panels(suff, phase_panels(suff))).replace("\n", " "),
        need_hidden=", ".join(hidden_panels(suff, need_panels(suff))).replace("\n", " "),
        table=safe(table(_all_needs_rows(suff))),
    )
    years = by_year(facts, shortlist, suff)
    placements = (
        "" if years.placements is None else table(years.placements, numbers=tuple(years.placements.columns[1:]))
    )
    filling = (
        table(years.filling.drop(columns="option_id"), numbers=tuple(years.filling.columns[3:]))
        if len(years.filling)
        else ""
    )
    by_year_html = render(
        BY_YEAR,
        first=academic_year(plan.years[0]),
        last=academic_year(plan.final_year),
        placements=safe(placements),
        filling=safe(filling),
        no_placements=NO_PLACEMENTS,
        placements_chart=safe(years.placements_chart()) if years.placements is not None else "",
        filling_chart=safe(years.filling_chart()) if len(years.filling) else "",
    )
    short = (
        render('<h2 id="shortlist">The shortlist</h2>')
        + chosen_html(facts, shortlist)
        + not_chosen_html(shortlist)
        + alternatives_html(facts, sweeps)
        + robustness_html(facts, sweeps)
    )
    tail = render(
        TAIL,
        solver=display_name(str(s.get("solver", ""))),
        formulation=safe(formulation_html(FORMULATION)),
        reference=f"{reference_minutes(plan):.0f}",
        growth=growth_words(s),
        growth_notes=growth_notes(s),
        settings=safe(table(settings_table(plan.scenario))),
        sources=safe(table(sources_table(plan.dataset))),
        software=safe(table(SOFTWARE)),
    )
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
