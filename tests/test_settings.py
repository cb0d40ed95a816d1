"""The setting each pupil needs: demand split by setting as the base year records it,
inclusion shifts, step-down shares, and which provision may place whom."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import read_rows, run_cli, tiny_tree, write_rows

from placeplan.demand_settings import settings_allowed, split_by_setting
from placeplan.scenario.model import Scenario
from placeplan.scenario.settings import Settings


def _planned(rows):
    return pd.DataFrame(rows, columns=["zone_id", "need", "ncy", "phase", "year", "pupils"])


BASE = pd.DataFrame(
    {
        "zone_id": ["Z1", "Z1", "Z2"],
        "need": ["ASD", "ASD", "ASD"],
        "ncy": [3, 3, 3],
        "setting": ["special", "resourced", "special"],
        "pupils": [3, 1, 2],
    }
)


def test_each_zone_keeps_its_own_split_and_totals_do_not_change():
    planned = _planned([("Z1", "ASD", 3, "primary", 2025, 8.0), ("Z2", "ASD", 3, "primary", 2025, 4.0)])
    out = split_by_setting(planned, BASE, Settings(), [2025])
    by = out.groupby(["zone_id", "setting"])["pupils"].sum()
    assert by[("Z1", "special")] == pytest.approx(6.0) and by[("Z1", "resourced")] == pytest.approx(2.0)
    assert by[("Z2", "special")] == pytest.approx(4.0)
    assert out["pupils"].sum() == pytest.approx(12.0)


def test_a_cell_the_base_year_lacks_takes_the_areas_split_then_any():
    planned = _planned([("Z3", "ASD", 3, "primary", 2025, 6.0), ("Z3", "SEMH", 8, "secondary", 2025, 2.0)])
    out = split_by_setting(planned, BASE, Settings(), [2025])
    asd = out[out["need"] == "ASD"].groupby("setting")["pupils"].sum()
    assert asd["special"] == pytest.approx(6.0 * 5 / 6) and asd["resourced"] == pytest.approx(1.0)
    assert out.loc[out["need"] == "SEMH", "setting"].tolist() == ["any"]


def test_a_dataset_without_settings_is_any_specialist_place():
    planned = _planned([("Z1", "ASD", 3, "primary", 2025, 5.0)])
    out = split_by_setting(planned, BASE.drop(columns="setting"), Settings(), [2025])
    assert out["setting"].tolist() == ["any"] and not out["stepdown"].any()


def test_an_inclusion_shift_is_reached_by_the_last_year_in_equal_steps():
    settings = Settings.model_validate({"shift": [{"from": "special", "to": "resourced", "need": "ASD", "share": 0.3}]})
    planned = _planned([("Z2", "ASD", 3, "primary", year, 10.0) for year in (2025, 2026, 2027)])
    out = split_by_setting(planned, BASE, settings, [2025, 2026, 2027])
    moved = out[out["setting"] == "resourced"].set_index("year")["pupils"]
    assert moved.to_dict() == pytest.approx({2025: 1.0, 2026: 2.0, 2027: 3.0})
    assert out.groupby("year")["pupils"].sum().tolist() == pytest.approx([10.0, 10.0, 10.0])


def test_step_down_marks_the_share_resourced_provision_may_take():
    settings = Settings.model_validate({"special_to_resourced": {"ASD": 0.25}})
    planned = _planned([("Z2", "ASD", 3, "primary", 2025, 8.0)])
    out = split_by_setting(planned, BASE, settings, [2025]).set_index("stepdown")["pupils"]
    assert out[True] == pytest.approx(2.0) and out[False] == pytest.approx(6.0)


def test_who_may_place_whom():
    assert settings_allowed("special", False) == ("special",)
    assert settings_allowed("special", True) == ("special", "resourced")
    assert settings_allowed("resourced", True) == ("resourced", "enhanced")
    assert "enhanced" not in settings_allowed("any", False)


def test_no_scenario_may_let_an_esta_take_a_special_school_pupil():
    with pytest.raises(ValueError, match="ESTA take pupils who need a special school"):
        Scenario.model_validate({"dataset": "x", "settings": {"serves": {"esta": ["special", "enhanced"]}}})
    assert Scenario.model_validate({"dataset": "x"}).settings.serves["esta"] == ("enhanced",)


def _with_settings(root, settings: dict[int, str], extra: str = ""):
    """The tiny tree with demand rows given settings (by file row)."""
    scenario = tiny_tree(root, extra='\n[rules]\nhost_preference = "ignore"\n' + extra)
    path = root / "tiny" / "demand.csv"
    rows = read_rows(path)
    rows[0].append("setting")
    for number, row in enumerate(rows[1:], start=2):
        row.append(settings.get(number, "special"))
    write_rows(path, rows)
    return scenario


def _allocation(out):
    frame = pd.read_csv(out / "allocation.csv", dtype=str, keep_default_na=False)
    return frame.assign(pupils=frame["pupils"].astype(float))


def test_special_pupils_are_never_placed_at_an_esta_or_srp(tmp_path):
    scenario = _with_settings(tmp_path, {})
    result = run_cli(["solve", str(scenario), "--out", str(tmp_path / "out"), "--no-explain", "--no-outputs"])
    assert result.exit_code == 0, result.output
    placed = _allocation(tmp_path / "out")
    assert set(placed["setting"]) == {"special"}
    assert not placed["facility_id"].isin(["O1", "O3", "S2"]).any()  # the SRPs and the ESTA


def test_resourced_pupils_go_to_resourced_provision(tmp_path):
    # row 2: Z1 ASD Year 3 (4 pupils), resourced: Elm Primary SRP (S2, ASD, Years 0-6) may take them
    scenario = _with_settings(tmp_path, {2: "resourced"})
    result = run_cli(["solve", str(scenario), "--out", str(tmp_path / "out"), "--no-explain", "--no-outputs"])
    assert result.exit_code == 0, result.output
    placed = _allocation(tmp_path / "out")
    at_srp = placed[placed["facility_id"] == "S2"]
    assert len(at_srp) and set(at_srp["setting"]) == {"resourced"}


def test_step_down_lets_resourced_provision_take_a_share_of_special_pupils(tmp_path):
    scenario = _with_settings(tmp_path, {}, "\n[settings]\nspecial_to_resourced = { ASD = 0.5 }\n")
    result = run_cli(["solve", str(scenario), "--out", str(tmp_path / "out"), "--no-explain", "--no-outputs"])
    assert result.exit_code == 0, result.output
    placed = _allocation(tmp_path / "out")
    year = placed[placed["year"] == placed["year"].min()]
    asd = year[year["need"] == "ASD"]
    at_srp = asd.loc[asd["facility_id"] == "S2", "pupils"].sum()
    assert 0 < at_srp <= 0.5 * asd["pupils"].sum() + 1e-6
