"""Scenario layering: --set > scenario > what it extends > defaults, with every change logged."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from placeplan.errors import ScenarioError
from placeplan.scenario import load_scenario, scenario_for_dataset

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture
def layered(tmp_path):
    base = tmp_path / "base"
    base.mkdir()
    (base / "base.toml").write_text(
        'dataset = "../data/tiny"\n[travel]\nspeed_kmh = 25\ncircuity = 1.2\n'
        "[demand]\ngrowth = { default = 0.05, ASD = 0.2 }\n",
        encoding="utf-8",
    )
    (tmp_path / "data").mkdir()
    import shutil

    shutil.copytree(FIXTURES / "tiny", tmp_path / "data" / "tiny")
    (tmp_path / "child.toml").write_text(
        'extends = "base/base.toml"\nname = "child"\n[travel]\nspeed_kmh = 20\n', encoding="utf-8"
    )
    return tmp_path / "child.toml"


def test_priority_order(layered):
    loaded = load_scenario(layered, ["travel.speed_kmh=15"])
    travel = loaded.scenario.travel
    assert travel.speed_kmh == 15  # --set beats the scenario (20)
    assert travel.circuity == 1.2  # what it extends beats the default (1.3)
    assert travel.max_minutes.primary == 45  # the default
    assert loaded.scenario.demand.growth == {"default": 0.05, "ASD": 0.2}


def test_paths_are_relative_to_the_file_that_names_them(layered):
    loaded = load_scenario(layered)
    assert loaded.dataset_path == (layered.parent / "data" / "tiny").resolve()


def test_every_change_is_logged_old_to_new(layered, caplog):
    with caplog.at_level(logging.INFO, logger="placeplan"):
        loaded = load_scenario(layered, ["travel.speed_kmh=15"])
    changes = [(c.layer, c.key, c.old, c.new) for c in loaded.changes]
    assert ("base.toml", "travel.speed_kmh", 30.0, 25) in changes
    assert ("child.toml", "travel.speed_kmh", 25, 20) in changes
    assert ("--set", "travel.speed_kmh", 20, 15) in changes
    assert "travel.speed_kmh 20 -> 15" in caplog.text


def test_set_values_are_read_as_toml(layered):
    loaded = load_scenario(
        layered,
        ['rules.exclude=["O1", "O3"]', "rules.allow_fallback=false", "demand.growth.SEMH=0.15", "name=Plain words"],
    )
    assert loaded.scenario.rules.exclude == ("O1", "O3")
    assert loaded.scenario.rules.allow_fallback is False
    assert loaded.scenario.demand.growth["SEMH"] == 0.15
    assert loaded.scenario.name == "Plain words"


def test_unknown_keys_in_every_layer_are_reported_together(layered):
    layered.write_text(layered.read_text() + "[rules]\nmax_options = 3\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(layered, ["travel.sped_kmh=3"])
    report = caught.value.report()
    assert "child.toml key rules.max_options: is not a scenario setting; did you mean rules.max_new_options?" in report
    assert "--set key travel.sped_kmh: is not a scenario setting; did you mean travel.speed_kmh?" in report


def test_shipped_scenarios_load():
    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        loaded = load_scenario(path)
        assert loaded.dataset_path.is_dir(), path


def test_short_journeys_variant_extends_the_default():
    loaded = load_scenario(ROOT / "scenarios" / "kingston-richmond-short-journeys.toml")
    assert loaded.scenario.travel.max_minutes.primary == 30
    assert loaded.scenario.travel.speed_kmh == 20  # from kingston-richmond.toml
    assert loaded.output_folder.name == "kingston-richmond-short-journeys"


def test_bare_dataset_folder_gets_defaults():
    loaded = scenario_for_dataset(FIXTURES / "tiny")
    assert loaded.scenario.travel.speed_kmh == 30
    assert loaded.output_folder.name == "tiny"
