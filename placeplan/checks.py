"""A scenario checked against its dataset: what only the two together can show.

:func:`scenario_against_dataset` runs every such check and returns the problems; the
pipeline runs it whenever a scenario and its dataset are loaded (validate, solve, travel,
project), so a scenario that ``placeplan validate`` passes is not refused later by
``placeplan solve``. The plan and travel code call the same small checks as a second wall,
with the same messages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from .codes import suggest
from .errors import Problems
from .scenario.model import Horizon, Rules
from .travel import facilities_frame, travel_problems

if TYPE_CHECKING:
    from .dataset import Dataset
    from .scenario import LoadedScenario

#: Which file (or --set) set a dotted key; the plan code, which has no layers, says "scenario".
LayerOf = Callable[[str], str]


def _scenario(_key: str) -> str:
    return "scenario"


def _year(year: int) -> str:
    return f"{year}/{(year + 1) % 100:02d}"


def horizon_problems(horizon: Horizon, base_year: int, *, layer_of: LayerOf = _scenario) -> Problems:
    """The plan must start after the dataset's base year: its demand is projected from it."""
    problems = Problems()
    first = horizon.first_year
    if first is not None and first <= base_year:
        problems.error(
            layer_of("horizon.first_year"),
            f"starts the plan in {_year(first)}, not after the dataset's base year "
            f"{_year(base_year)}; expected {base_year + 1} or later (or leave it out for "
            f"{_year(horizon.first_plan_year(base_year))}, three years after the base year)",
            key="horizon.first_year",
            value=first,
        )
    return problems


def option_id_problems(
    option_ids: Iterable[str], site_ids: Iterable[str], rules: Rules, *, layer_of: LayerOf = _scenario
) -> Problems:
    """rules.force_open and rules.exclude name candidate options, and no option is both."""
    problems = Problems()
    known = [str(i) for i in option_ids]
    sites = {str(i) for i in site_ids}
    for key in ("force_open", "exclude"):
        for option_id in getattr(rules, key):
            if option_id in known:
                continue
            if option_id in sites:
                hint = "is an existing site, not an option; expected an option_id from candidates"
            else:
                guess = suggest(option_id, known, cutoff=0.6)
                hint = (
                    f"is not an option; did you mean {guess}?"
                    if guess
                    else "is not an option; expected an option_id from candidates"
                    + (
                        f" ({', '.join(known[:8])}{', ...' if len(known) > 8 else ''})"
                        if known
                        else ", and the dataset has no candidate options"
                    )
                )
            problems.error(layer_of(f"rules.{key}"), hint, key=f"rules.{key}", value=option_id)
    for option_id in sorted(set(rules.force_open) & set(rules.exclude)):
        problems.error(
            layer_of("rules.force_open"),
            "is both forced open and excluded; expected one or the other",
            key="rules.force_open",
            value=option_id,
        )
    return problems


def scenario_against_dataset(loaded: LoadedScenario, dataset: Dataset) -> Problems:
    """Every check of a scenario against its dataset, before anything is projected or solved."""
    scenario = loaded.scenario
    problems = Problems()
    problems.extend(horizon_problems(scenario.horizon, dataset.meta.base_year, layer_of=loaded.layer_of))
    options = dataset.tables.get("candidates")
    option_ids = options["option_id"] if options is not None else ()
    problems.extend(
        option_id_problems(option_ids, dataset["sites"]["site_id"], scenario.rules, layer_of=loaded.layer_of)
    )
    facilities = facilities_frame(dataset["sites"], options)
    problems.extend(
        travel_problems(
            dataset["zones"],
            facilities,
            scenario.travel,
            dataset.tables.get("travel"),
            label="travel.csv",
            layer=loaded.layer_of("travel.source"),
        )
    )
    return problems
