"""The files ``placeplan sweep`` writes, and their columns, declared once."""

from __future__ import annotations

#: Every option of the scenario: how often the plans of the demand draws open it.
ROBUSTNESS_COLUMNS = ("option_id", "name", "kind", "chosen_share", "draws_chosen", "mean_places",
                      "mean_opening_year", "in_plan", "plan_places", "plan_opening_year")
#: One row per demand draw: what its plan costs and leaves out of area (pupils: internal).
DRAWS_COLUMNS = ("marking", "draw", "status", "total_cost", "gap", "capital", "out_of_area_pupils",
                 "options_opened", "pupils_planned")
SWEEP_FILES = ("robustness.csv", "draws.csv", "sweep.json")
#: One row per combination of a grid (after ``marking`` and one column per grid setting).
GRID_COLUMNS = ("status", "total_cost", "gap", "capital", "out_of_area_pupils", "options_opened", "options")
GRID_FILES = ("grid.csv", "grid.png")
#: The scenario's plan (rank 1) and the next best distinct plans (pupils: internal).
ALTERNATIVES_COLUMNS = ("marking", "rank", "status", "total_cost", "cost_difference", "proven_dearer", "gap",
                        "capital", "out_of_area_pupils", "options_opened", "options", "added", "dropped")
ALTERNATIVES_FILES = ("alternatives.csv",)
#: One row per council of a national sweep (pupils and shortfall: internal).
NATIONAL_COLUMNS = ("marking", "folder", "name", "la_codes", "status", "pupils", "shortfall", "options_opened",
                    "capital", "total_cost", "saving", "gap")
SHORTFALL_COLUMNS = ("marking", "folder", "setting", "phase", "pupils")
NATIONAL_FILES = ("national.csv", "national_shortfall.csv", "national.html")
