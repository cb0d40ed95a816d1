"""One module per CLI command; each only parses options and calls the pipeline."""

SET_HELP = "Override a scenario value, e.g. --set travel.speed_kmh=25 (repeatable)."
