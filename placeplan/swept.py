"""The files a sweep (``placeplan sweep``) writes and the documents read, and their columns,
declared once."""

from __future__ import annotations

#: Every option of the scenario: how often the plans of the demand draws open it.
ROBUSTNESS_COLUMNS = (
    "option_id",
    "name",
    "kind",
    "chosen_share",
    "draws_chosen",
    "mean_places",
    "mean_opening_year",
    "in_plan",
    "plan_places",
    "plan_opening_year",
)
#: One row per demand draw: what its plan costs and leaves out of area (pupils: internal).
DRAWS_COLUMNS = (
    "marking",
    "draw",
    "status",
    "total_cost",
    "gap",
    "capital",
    "out_of_area_pupils",
    "options_opened",
    "pupils_planned",
)
SWEEP_FILES = ("robustness.csv", "draws.csv", "sweep.json")
#: One row per combination of a grid (after ``marking`` and one column per grid setting).
GRID_COLUMNS = ("status", "total_cost", "gap", "capital", "out_of_area_pupils", "options_opened", "options")
GRID_FILES = ("grid.csv", "grid.png")
#: The scenario's plan (rank 1) and the next best distinct plans (pupils: internal).
ALTERNATIVES_COLUMNS = (
    "marking",
    "rank",
    "status",
    "total_cost",
    "cost_difference",
    "proven_dearer",
    "gap",
    "capital",
    "out_of_area_pupils",
    "options_opened",
    "options",
    "added",
    "dropped",
)
ALTERNATIVES_FILES = ("alternatives.csv", "sweep.json")
#: One row per council of a national sweep (pupils and shortfall: internal).
NATIONAL_COLUMNS = (
    "marking",
    "folder",
    "name",
    "la_codes",
    "status",
    "pupils",
    "shortfall",
    "options_opened",
    "capital",
    "total_cost",
    "saving",
    "gap",
)
SHORTFALL_COLUMNS = ("marking", "folder", "setting", "phase", "pupils")
NATIONAL_FILES = ("national.csv", "national_shortfall.csv", "national.html")
#: The scenario's plan and the robust plan, each priced in every draw (pupils: internal).
ROBUST_COLUMNS = (
    "marking",
    "plan",
    "status",
    "chosen_against_draws",
    "priced_in_draws",
    "draws_without_a_plan",
    "expected_cost",
    "p90_cost",
    "worst_cost",
    "mean_regret",
    "p90_regret",
    "max_regret",
    "high_demand_cost",
    "capital",
    "options_opened",
    "places_opened",
    "mean_out_of_area_pupils",
    "p90_out_of_area_pupils",
)
#: Each plan in each draw: its cost there and its regret against that draw's own best plan.
ROBUST_DRAWS_COLUMNS = (
    "marking",
    "draw",
    "plan",
    "status",
    "total_cost",
    "own_plan_cost",
    "regret",
    "out_of_area_pupils",
    "pupils_planned",
)
#: What each plan opens.
ROBUST_OPTIONS_COLUMNS = ("plan", "option_id", "name", "kind", "places", "opening_year")
ROBUST_FILES = ("robust.csv", "robust_draws.csv", "robust_options.csv")
