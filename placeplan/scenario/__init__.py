"""Scenarios: layered TOML settings that say what to solve and under which assumptions."""

from .load import Change, LoadedScenario, load_scenario, scenario_for_dataset
from .model import Scenario

__all__ = ["Change", "LoadedScenario", "Scenario", "load_scenario", "scenario_for_dataset"]
