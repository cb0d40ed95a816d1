"""The committee checks of benchmarks/councils.py catch what they say they catch, by hand."""

from __future__ import annotations

import importlib.util
import sys

import pandas as pd
from conftest import ROOT

spec = importlib.util.spec_from_file_location("councils", ROOT / "benchmarks" / "councils.py")
councils = importlib.util.module_from_spec(spec)
sys.modules["councils"] = councils  # its dataclasses look their module up
spec.loader.exec_module(councils)

RULES = {
    "host_max_share_of_roll": 0.1,
    "allow_selective_hosts": False,
    "allow_several_per_host": False,
    "lead_time_years": {"srp": 1, "esta": 1, "special_expansion": 2, "new_special": 4},
}
CANDIDATES = pd.DataFrame(
    {
        "option_id": ["SRP-1", "ESTA-1", "SRP-2", "SRP-3"],
        "host_on_roll": [400, 400, 100, 300],
        "host_selective": ["no", "no", "no", "yes"],
        "host_ncy_min": [0, 0, 7, 7],
        "host_ncy_max": [6, 6, 11, 11],
    }
)


def _chosen(*rows):
    return pd.DataFrame(rows, columns=["option_id", "kind", "host", "places", "ncy_min", "ncy_max", "opening_year"])


def test_a_plan_within_every_host_rule_passes():
    check = councils.host_rules(_chosen(("SRP-1", "srp", "1", 16, 0, 6, 2027)), CANDIDATES, RULES)
    assert check.passed


def test_each_broken_host_rule_is_named():
    chosen = _chosen(
        ("SRP-1", "srp", "1", 16, 0, 6, 2027),
        ("ESTA-1", "esta", "1", 8, 0, 6, 2027),
        ("SRP-2", "srp", "2", 12, 7, 13, 2027),
        ("SRP-3", "srp", "3", 8, 7, 11, 2027),
    )
    failures = " | ".join(councils.host_rules(chosen, CANDIDATES, RULES).failures)
    assert "SRP-2: 12 places > 10% of 100 on roll" in failures
    assert "SRP-2: NCY 7-13 outside the host's 7-11" in failures
    assert "SRP-3: selective host" in failures
    assert "host 1: SRP-1, ESTA-1" in failures
    several = councils.host_rules(chosen, CANDIDATES, {**RULES, "allow_several_per_host": True})
    assert not any(f.startswith("host 1") for f in several.failures)


def test_a_special_pupil_at_an_esta_fails_and_a_resourced_one_does_not():
    options = pd.DataFrame({"option_id": ["ESTA-1", "SRP-1"], "kind": ["esta", "srp"]})
    resourced = pd.DataFrame(
        {"facility_id": ["ESTA-1", "SRP-1"], "setting": ["resourced", "special"], "pupils": [3.0, 2.0]}
    )
    assert councils.special_at_esta(resourced, options).passed
    special = resourced.assign(setting=["special", "special"])
    assert councils.special_at_esta(special, options).failures == ["3.0 special pupils at 1 ESTAs"]


def test_an_opening_before_its_lead_time_or_the_earliest_year_fails():
    summary = {"decision_year": "2026/27"}
    chosen = _chosen(
        ("SRP-1", "srp", "1", 16, 0, 6, 2027),
        ("EXP-1", "special_expansion", "9", 20, 0, 14, 2027),
        ("NEW-1", "new_special", "", 60, 0, 14, 2030),
    )
    failures = councils.lead_times(chosen, summary, RULES, 2027).failures
    assert failures == ["EXP-1 (special_expansion) opens 2027, before 2028"]
    assert councils.lead_times(chosen.iloc[:1], summary, RULES, 2028).failures == [
        "SRP-1 (srp) opens 2027, before 2028"
    ]


def _pupils(away_by_year):
    return [{"year": year, "local": 10.0, "independent": away, "unplaced": 1.0} for year, away in away_by_year.items()]


def test_out_of_area_pupils_must_run_off_not_vanish_or_stay():
    status_quo = {"pupils": _pupils({2027: 99, 2028: 109})}
    ok, table = councils.run_off({"pupils": _pupils({2027: 80, 2028: 60}), "status_quo": status_quo})
    assert ok.passed and table.loc[2027, "plan"] == 81 and table.loc[2027, "status_quo"] == 100
    vanish, _ = councils.run_off({"pupils": _pupils({2027: 60, 2028: 40}), "status_quo": status_quo})
    assert vanish.failures == ["2027: 61 < 70% of 100"]
    stay, _ = councils.run_off({"pupils": _pupils({2027: 99, 2028: 109}), "status_quo": status_quo})
    assert stay.failures == ["2028: 110 not below 110"]
