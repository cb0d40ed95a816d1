"""The files ``placeplan solve`` writes for the documents beyond the plan's own tables,
declared once: what :mod:`placeplan.plan` writes and :mod:`placeplan.outputs` reads.

* the record (:mod:`placeplan.plan.record`): ``projected_demand.csv``, ``in_reach.csv``,
  ``reach_zones.csv``, each with its columns;
* ``explain.csv`` (:mod:`placeplan.plan.explain`): each chosen option's value and where its
  pupils go, with the counts and texts the documents carry.

Files of pupils by home zone, and explain.csv's unprotected counts, carry :data:`MARKING`
on every row, so that no extract of them can lose it.
"""

from __future__ import annotations

MARKING = "OFFICIAL-SENSITIVE: internal, not for publication"

RECORD_COLUMNS = {
    "projected_demand.csv": ("marking", "zone_id", "need", "ncy", "phase", "year", "pupils"),
    "in_reach.csv": ("facility_id", "pupils"),
    "reach_zones.csv": ("facility_id", "zone_id", "minutes", "km"),
}
RECORD_FILES = tuple(RECORD_COLUMNS)

#: The schools that take most of an option's pupils without it, each in three columns.
DESTINATIONS = 3
DESTINATION_COLUMNS = tuple(f"destination_{i}_{part}" for i in range(1, DESTINATIONS + 1)
                            for part in ("id", "name", "pupils"))
#: explain.csv's numbers and texts the documents read (blank where a folder predates one).
EXPLAIN_NUMBERS = ("cost_increase", "objective_without", "pupils_served", "to_existing_sites", "to_new_options",
                   "to_independent_or_out_of_area", "to_other_destinations",
                   *(c for c in DESTINATION_COLUMNS if c.endswith("_pupils")))
EXPLAIN_TEXTS = ("instead", *(c for c in DESTINATION_COLUMNS if not c.endswith("_pupils")))
EXPLAIN_COLUMNS = ("marking", "option_id", "name", "status", "objective_without", "cost_increase", "pupils_served",
                   "to_existing_sites", "to_new_options", "to_independent_or_out_of_area", *DESTINATION_COLUMNS,
                   "to_other_destinations", "payback_year", "instead")
