"""Scenarios: layered TOML settings that say what to solve and under which assumptions."""

from .load import (
    Change,
    LoadedScenario,
    ScenarioReading,
    load_scenario,
    read_scenario,
    read_scenario_for_dataset,
    scenario_for_dataset,
)
from .model import Scenario

__all__ = [
    "Change",
    "LoadedScenario",
    "Scenario",
    "ScenarioReading",
    "load_scenario",
    "read_scenario",
    "read_scenario_for_dataset",
    "scenario_for_dataset",
]
