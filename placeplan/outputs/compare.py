"""Plans side by side (``placeplan compare``): compare.csv and compare.html, for officers
choosing between scenarios, read from solved folders only (nothing is projected, built or
solved again).

One row per figure, one column per solved folder in the order given (headed by its
scenario's name and the folder), and whether the folders differ there: the plan (its
dataset, status and day), the settings that differ, the cost and its terms, capital, the
saving against the status quo and the payback year, the options opened (each with its
places and opening year), the places added by setting and phase, and the pupils placed
independent or out of area in each plan year.

The last are counts of pupils, shown unprotected: the comparison is an officer's working
document, as grid.csv and alternatives.csv (the same comparison, made by a sweep) are, so
it is marked as they are rather than suppressed: every row of compare.csv carries
:data:`~placeplan.solved.MARKING`, and the page says so in its title and a banner.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pandas as pd

from ..codes import OPTION_KINDS, PHASES, academic_year, parse_needs
from ..errors import InputError, OutputError, Problem, Problems
from ..outputs_io import RunFolder, refuse_inputs, write_csv_atomic, write_text_atomic
from ..scenario.settings import DEFAULT_SERVES, SETTINGS
from ..solved import MARKING
from ..summary import apportion_places
from .facts import gather
from .folder import PlanFolder, finite_number, read_plan_folder
from .glossary import PHASE_WORDS, glossary_for
from .page import glossary, page, render, safe, table
from .sufficiency import placements

#: compare.csv: every row starts with these, then has one column per solved folder (in the
#: order given, headed by the scenario's name and the folder), then DIFFERS.
LEAD_COLUMNS: Final = ("marking", "section", "item", "detail", "unit")
DIFFERS: Final = "differs"
COMPARE_FILES: Final = ("compare.csv", "compare.html")

#: Each section of the comparison (compare.csv's ``section``) and its heading on the page.
SECTIONS: Final = {
    "plan": "The plans",
    "settings": "Settings that differ",
    "cost": "Cost over the plan",
    "capital": "Capital",
    "saving": "Against the status quo (no new provision)",
    "options": "Options opened",
    "places added": "Places added, by setting and phase",
    "out-of-area pupils": "Pupils placed independent or out of area, by year",
}
#: The decimals compare.csv keeps of each ``unit`` of number (a count is whole; the other
#: units, text and setting, are text).
DECIMALS: Final = {"pounds": 2, "share": 6, "places": 2, "pupils": 2}

#: The setting each kind of new provision adds places for: the first it serves by default
#: (special school expansions and new special schools: special; SRPs and units: resourced;
#: ESTAs: enhanced), so that the comparison and the scenario's defaults cannot disagree.
SETTING_OF_KIND: Final = {kind: DEFAULT_SERVES[kind][0] for kind in OPTION_KINDS}

#: summary.json's saving totals, in words, in the order shown.
SAVING_WORDS: Final = {
    "undiscounted": "saved over the plan, as spent",
    "net_of_capital_undiscounted": "saved net of capital, as spent",
    "discounted": "saved over the plan, discounted",
    "net_of_capital_discounted": "saved net of capital, discounted",
}
NO_PAYBACK = "none within the plan"
NO_BUDGET = "none"

Cell = str | int | float | None


@dataclass(frozen=True)
class Row:
    """One figure of every plan: as compare.csv holds it (``values``, None for blank) and
    as the page names it (``label``)."""

    section: str
    item: str
    detail: str
    unit: str
    label: str
    values: tuple[Cell, ...]

    @property
    def differs(self) -> bool:
        return len(set(self.values)) > 1


@dataclass(frozen=True)
class Compared:
    headers: tuple[str, ...]  # one per plan, in the order given
    rows: tuple[Row, ...]
    table: pd.DataFrame  # compare.csv
    page: str  # compare.html


# --- reading the folders ---------------------------------------------------------------------


def read_plans(folders: Sequence[Path]) -> list[PlanFolder]:
    """Every folder read as a solved folder, in order; one InputError lists every problem
    of every folder (two at least, none named twice)."""
    problems = Problems()
    if len(folders) < 2:
        problems.error(
            "OUTDIR",
            f"{len(folders)} solved folder given; expected at least two to compare, e.g. "
            "placeplan compare out/plan-a out/plan-b --out out/compared",
        )
    seen: dict[Path, Path] = {}
    for folder in folders:
        resolved = Path(folder).resolve()
        if resolved in seen:
            problems.error(str(folder), f"names the same folder as {seen[resolved]}; expected each solved folder once")
        seen.setdefault(resolved, Path(folder))
    problems.raise_if_errors("placeplan compare")
    plans = []
    for folder in folders:
        try:
            plans.append(read_plan_folder(folder))
        except InputError as error:
            problems.items += [_located(p, Path(folder)) for p in [*error.problems, *error.warnings]]
    problems.raise_if_errors("placeplan compare")
    return plans


def _located(problem: Problem, folder: Path) -> Problem:
    """A problem of one folder, named with the folder (several are read at once)."""
    if problem.file.startswith(str(folder)):
        return problem
    return dataclasses.replace(problem, file=f"{folder}: {problem.file}")


def refuse_output(out: Path, inputs: Iterable[Path]) -> None:
    """Refuse an output folder that is, holds or lies inside an input (a solved folder
    compared, or the scenario or dataset it names): the swap would replace it, or it would
    gain files placeplan did not write. Called before any work."""
    target = Path(out).resolve()
    inputs = list(inputs)
    refuse_inputs(target, inputs, whole_folder=True)
    inside = [str(path) for path in inputs if target.is_relative_to(Path(path).resolve())]
    if inside:
        raise OutputError(
            f"the output {target} is inside {inside[0]}, an input of this comparison; writing there would "
            "add files to it: choose a folder beside the solved folders"
        )


def plan_inputs(plans: Iterable[PlanFolder]) -> list[Path]:
    """What the comparison reads: each solved folder, and the scenario and dataset it names."""
    return [path for plan in plans for path in (plan.folder, plan.scenario_file, plan.dataset.path)]


# --- the rows ------------------------------------------------------------------------------


def _cell(value: object, unit: str) -> Cell:
    """A value as compare.csv holds it: numbers rounded to the unit's decimals, and whole
    where they are whole (so that 12 places is 12, not 12.0)."""
    if value is None or isinstance(value, str):
        return value
    number = finite_number(value)
    if number is None:
        return None
    number = round(number, DECIMALS.get(unit, 0))
    return int(number) if number.is_integer() else number


def _row(section: str, item: str, unit: str, values: Iterable[object], *, detail: str = "", label: str = "") -> Row:
    cells = tuple(_cell(v, unit) for v in values)
    return Row(section, item, detail, unit, label or (f"{item}: {detail}" if detail else item), cells)


def _key(plan: PlanFolder, key: str) -> object:
    return plan.summary.get(key)


def plan_rows(plans: Sequence[PlanFolder]) -> list[Row]:
    """Which plan each column is: its scenario, folder, dataset, years, status and day."""
    return [
        _row("plan", "scenario", "text", (str(p.summary["scenario"]) for p in plans)),
        _row("plan", "folder", "text", (str(p.folder) for p in plans)),
        _row("plan", "scenario file", "text", (str(p.scenario_file) for p in plans)),
        _row("plan", "dataset", "text", (str(_key(p, "dataset") or p.dataset.meta.name) for p in plans)),
        _row("plan", "dataset folder", "text", (str(p.summary["dataset_path"]) for p in plans)),
        _row("plan", "dataset hash", "text", (str(p.summary["dataset_hash"]) for p in plans)),
        _row("plan", "years", "text", (f"{p.summary['years'][0]} to {p.summary['years'][-1]}" for p in plans)),
        _row("plan", "status", "text", (str(p.summary["status"]) for p in plans)),
        _row("plan", "solver", "text", (_key(p, "solver") for p in plans)),
        _row("plan", "solved on", "text", (str(p.summary["run_date"]) for p in plans)),
    ]


def _flat(value: object, prefix: str = "") -> dict[str, object]:
    """A scenario's settings as dotted keys (rules.capital_budget), tables opened out."""
    if isinstance(value, dict) and value:
        return {k: v for key, item in value.items() for k, v in _flat(item, f"{prefix}{key}.").items()}
    return {prefix.rstrip("."): value}


def _setting_text(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True)


def setting_rows(plans: Sequence[PlanFolder]) -> list[Row]:
    """Every setting of the merged scenarios that is not the same in all of them (the
    scenario's name apart: it heads the columns)."""
    flat = [_flat(p.scenario.model_dump(mode="json")) for p in plans]
    keys = list(dict.fromkeys(k for settings in flat for k in settings if k != "name"))
    rows = [_row("settings", key, "setting", (_setting_text(s.get(key)) for s in flat)) for key in keys]
    return [row for row in rows if row.differs]


def cost_rows(plans: Sequence[PlanFolder]) -> list[Row]:
    """The total cost (the objective), the solver's gap and every term of the cost."""
    terms = list(dict.fromkeys(t for p in plans for t in p.summary["terms"]))
    return [
        _row("cost", "total cost", "pounds", (p.summary["objective"] for p in plans)),
        _row("cost", "gap", "share", (_key(p, "gap") for p in plans)),
        *(
            _row(
                "cost",
                "cost term",
                "pounds",
                (p.summary["terms"].get(term) for p in plans),
                detail=term,
                label=f"cost term: {term.replace('_', ' ')}",
            )
            for term in terms
        ),
    ]


def _budget(plan: PlanFolder) -> Cell:
    if "capital_budget" not in plan.summary:
        return None  # a folder of an earlier placeplan
    budget = finite_number(plan.summary["capital_budget"])
    return NO_BUDGET if budget is None else budget


def capital_rows(plans: Sequence[PlanFolder]) -> list[Row]:
    return [
        _row("capital", "capital spent", "pounds", (p.summary["capital_spent"] for p in plans)),
        _row("capital", "capital budget", "pounds", (_budget(p) for p in plans)),
    ]


def _saving_total(plan: PlanFolder, key: str) -> float | None:
    saving = plan.summary.get("saving")
    total = saving.get("total") if isinstance(saving, dict) else None
    return finite_number(total.get(key)) if isinstance(total, dict) else None


def _status_quo_cost(plan: PlanFolder) -> float | None:
    status_quo = plan.summary.get("status_quo")
    return finite_number(status_quo.get("objective")) if isinstance(status_quo, dict) else None


def _payback(plan: PlanFolder) -> Cell:
    if "payback_year" not in plan.summary:
        return None  # a folder of an earlier placeplan
    year = plan.summary["payback_year"]
    return year if isinstance(year, str) else NO_PAYBACK


def saving_rows(plans: Sequence[PlanFolder]) -> list[Row]:
    """The status quo's total cost, the saving against it and the payback year, where the
    folder records them (blank otherwise)."""
    return [
        _row("saving", "total cost without new provision", "pounds", (_status_quo_cost(p) for p in plans)),
        *(
            _row("saving", "saving", "pounds", (_saving_total(p, key) for p in plans), detail=key, label=words)
            for key, words in SAVING_WORDS.items()
        ),
        _row("saving", "payback year", "text", (_payback(p) for p in plans)),
    ]


def _opened(plan: PlanFolder) -> pd.DataFrame:
    return plan.options[plan.options["chosen"]]


def _places_text(places: float) -> str:
    return f"{places:,.1f}".removesuffix(".0")


def option_rows(plans: Sequence[PlanFolder]) -> list[Row]:
    """How many options each plan opens, then a row for every option any of them opens
    (in the order of the options files): its places and opening year, blank where not."""
    chosen = [_opened(p).set_index("option_id") for p in plans]
    names: dict[str, str] = {}
    for opened in chosen:
        for option, name in zip(opened.index, opened["name"]):
            names.setdefault(str(option), str(name))
    rows = [_row("options", "options opened", "count", (p.summary["options_opened"] for p in plans))]
    for option, name in names.items():
        cells = [
            f"{_places_text(float(o.at[option, 'places']))} places, opens {academic_year(int(o.at[option, 'opening_year']))}"
            if option in o.index
            else None
            for o in chosen
        ]
        rows.append(_row("options", option, "text", cells, detail=name))
    return rows


def places_by_setting(plan: PlanFolder) -> pd.Series:
    """(setting, phase) -> the places the plan's chosen options add. An option that admits
    several phases has its places shared over the needs and year groups it admits by the
    pupils projected there in the plan's last year, as the report's sufficiency does
    (:func:`placeplan.summary.apportion_places`): a transparent first estimate."""
    opened = _opened(plan)
    options = pd.DataFrame(
        {
            "kind": opened["kind"].astype(str),
            "needs": [parse_needs(str(cell))[0] for cell in opened["needs"]],
            "ncy_min": opened["ncy_min"],
            "ncy_max": opened["ncy_max"],
            "capacity": opened["places"].astype(float),
        }
    )
    demand = plan.record["projected_demand.csv"]
    cells = demand[demand["year"] == plan.final_year].groupby(["need", "ncy"])["pupils"].sum()
    places = apportion_places(options, cells)
    places["setting"] = places["kind"].map(lambda kind: SETTING_OF_KIND.get(kind, kind))
    return places.groupby(["setting", "phase"])["places"].sum()


def places_rows(plans: Sequence[PlanFolder]) -> list[Row]:
    """Places added by setting and phase (every pair any plan adds to), then in all."""
    added = [places_by_setting(p) for p in plans]
    found = {pair for series in added for pair, places in series.items() if places > 0}
    order = {name: i for i, name in enumerate([*SETTINGS, *PHASES])}
    pairs = sorted(found, key=lambda pair: (order.get(pair[0], len(order)), order.get(pair[1], len(order)), pair))
    rows = [
        _row(
            "places added",
            setting,
            "places",
            (float(series.get((setting, phase), 0.0)) for series in added),
            detail=phase,
            label=f"{setting}, {PHASE_WORDS.get(phase, phase)}",
        )
        for setting, phase in pairs
    ]
    totals = (float(_opened(p)["places"].astype(float).sum()) for p in plans)
    rows.append(
        _row("places added", "all settings", "places", totals, detail="all phases", label="all settings and phases")
    )
    return rows


def away_by_year(plan: PlanFolder) -> pd.Series:
    """year -> pupils the plan places independent or out of area, counted as every document
    counts them (:func:`placeplan.outputs.sufficiency.placements`)."""
    return placements(gather(plan)).groupby("year")["away"].sum()


def away_rows(plans: Sequence[PlanFolder]) -> list[Row]:
    """Pupils placed independent or out of area in each plan year (blank in a year a plan
    does not cover)."""
    away = [away_by_year(p) for p in plans]
    years = sorted({int(year) for series in away for year in series.index})
    return [
        _row(
            "out-of-area pupils",
            academic_year(year),
            "pupils",
            (float(series[year]) if year in series.index else None for series in away),
        )
        for year in years
    ]


def comparison_rows(plans: Sequence[PlanFolder]) -> list[Row]:
    return [
        *plan_rows(plans),
        *setting_rows(plans),
        *cost_rows(plans),
        *capital_rows(plans),
        *saving_rows(plans),
        *option_rows(plans),
        *places_rows(plans),
        *away_rows(plans),
    ]


# --- the table and the page ----------------------------------------------------------------


def headers(plans: Sequence[PlanFolder]) -> tuple[str, ...]:
    """Each plan's column heading: its scenario's name and its folder (numbered where two
    would read the same)."""
    named = [f"{p.summary['scenario']} ({p.folder})" for p in plans]
    return tuple(f"{name} [{i + 1}]" if named.count(name) > 1 else name for i, name in enumerate(named))


def csv_table(heads: Sequence[str], rows: Sequence[Row]) -> pd.DataFrame:
    """compare.csv: the marking on every row (the pupils are not protected)."""
    records = [[MARKING, r.section, r.item, r.detail, r.unit, *r.values, "yes" if r.differs else "no"] for r in rows]
    return pd.DataFrame(records, columns=[*LEAD_COLUMNS, *heads, DIFFERS], dtype=object)


def shown(value: Cell, unit: str) -> str:
    """A cell as the page prints it (text as it is)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if unit == "pounds":
        return f"£{value:,.0f}"
    if unit == "share":
        return f"{100 * value:.3f}%"
    if unit == "places":
        return _places_text(value)
    if unit == "pupils":
        return f"{value:,.1f}"
    return f"{value:,}"


HEAD: Final = """<p class="internal" id="marking">{{ marking }}: the pupils placed independent or out of area are counts
of pupils not protected by disclosure control (small numbers are shown). Do not publish this page or compare.csv,
nor share them outside the council.</p>
<h1>Plans compared</h1>
<p class="subtitle">{{ count }} solved plans side by side, in the order given: {{ names }}.</p>
<p class="note">{{ data }}</p>
<p id="differs">{{ differs }}</p>
<p>Every figure is what each solve worked out and recorded in its folder; nothing is solved again. Costs are totals
over the plan years at today's prices, discounted as each plan's scenario says. The last column says whether the
plans differ in that figure.</p>
"""

SECTION: Final = """<h2 id="{{ id }}">{{ heading }}</h2>
<p>{{ note }}</p>
{{ table }}
"""

NOTES: Final = {
    "plan": "Which plan each column is: the scenario, its solved folder and the data it was solved from.",
    "settings": "The settings of the merged scenarios (each folder's scenario.json) that are not the same in all "
    "of them, the scenario's name apart.",
    "cost": "The total cost of each plan over its years and the terms it adds up from; the gap is how far from "
    "the least possible cost the solver may have stopped.",
    "capital": "Capital the plan spends on new places, and the scenario's capital budget.",
    "saving": "The status quo places the same pupils with no new provision (existing places, then independent "
    "or out-of-area places). The saving is its running costs minus the plan's; the payback year is when the "
    "savings first exceed the capital. Blank where a folder does not record them.",
    "options": "Every option any of the plans opens, with the places it opens and its opening year; blank where "
    "a plan does not open it.",
    "places added": "The places the chosen options add, by the setting they serve (special school expansions "
    "and new special schools: special; SRPs and units: resourced; ESTAs: enhanced) and phase. An option that "
    "admits several phases has its places shared over them by the pupils projected in each need and year group "
    "it admits in the plan's last year (an estimate, as in the report's sufficiency table).",
    "out-of-area pupils": "Pupils each plan places at independent schools or out of area in each year "
    "(projected, so not whole numbers). Internal: these counts are not protected.",
}
NO_SETTINGS = "Every setting is the same in all the plans (the scenario's name apart)."


def _data_note(plans: Sequence[PlanFolder]) -> str:
    """Whether the plans rest on the same data: a different dataset (by its files' hash)
    changes the figures as well as the settings do."""
    datasets = list(dict.fromkeys(f"{p.dataset.meta.name} ({p.summary['dataset_path']})" for p in plans))
    if len({p.summary["dataset_hash"] for p in plans}) > 1:
        return (
            f"These plans were solved from different datasets ({'; '.join(datasets)}): their figures differ "
            "by the data as well as by the scenarios' settings."
        )
    return f"All the plans were solved from the same data: {'; '.join(datasets)}."


def _differs_sentence(rows: Sequence[Row]) -> str:
    counted = {
        section: sum(r.differs for r in rows if r.section == section) for section in SECTIONS if section != "plan"
    }
    changed = [f"{SECTIONS[s].lower()}: {n}" for s, n in counted.items() if n]
    if not changed:
        return "The plans are the same in every figure below."
    total = sum(counted.values())
    return f"The plans differ in {total} figure{'s' if total != 1 else ''}: " + "; ".join(changed) + "."


def _section_html(section: str, heads: Sequence[str], rows: Sequence[Row]) -> str:
    mine = [r for r in rows if r.section == section]
    if not mine:
        note, body = NO_SETTINGS, ""
    else:
        frame = pd.DataFrame(
            [[r.label, *(shown(v, r.unit) for v in r.values), "yes" if r.differs else "no"] for r in mine],
            columns=["Figure", *heads, "Differs"],
        )
        numbers = () if section in ("plan", "settings", "options") else tuple(heads)
        note, body = NOTES[section], table(frame, numbers=numbers, id=f"{section.replace(' ', '-')}-table")
    return render(SECTION, id=section.replace(" ", "-"), heading=SECTIONS[section], note=note, table=safe(body))


def compare_page(plans: Sequence[PlanFolder], heads: Sequence[str], rows: Sequence[Row]) -> str:
    """compare.html: the internal banner, what differs, then a table per section."""
    body = render(
        HEAD,
        marking=MARKING,
        count=len(plans),
        names="; ".join(heads),
        data=_data_note(plans),
        differs=_differs_sentence(rows),
    )
    body += "".join(_section_html(section, heads, rows) for section in SECTIONS)
    body += render("<h2>What the words mean</h2>{{ g }}", g=safe(glossary(glossary_for(body))))
    return page(f"{MARKING}: plans compared", body)


def compare_plans(plans: Sequence[PlanFolder]) -> Compared:
    """The comparison of ``plans`` (in the order given)."""
    heads = headers(plans)
    rows = tuple(comparison_rows(plans))
    return Compared(heads, rows, csv_table(heads, rows), compare_page(plans, heads, rows))


def write_comparison(compared: Compared, out: Path, inputs: Iterable[Path]) -> list[Path]:
    """compare.csv and compare.html into ``out``, whole or not at all (never over an input)."""
    with RunFolder.begin(out, names=COMPARE_FILES, inputs=inputs) as run:
        write_csv_atomic(run.path / "compare.csv", compared.table)
        write_text_atomic(run.path / "compare.html", compared.page)
    return [Path(out) / name for name in COMPARE_FILES]
