"""The Assumptions table of the report and the workbook: every setting with its meaning,
numbers as a person writes them, and money as money."""

from __future__ import annotations

import re

import openpyxl
from conftest import run_cli, tiny_tree

from placeplan.outputs.assumptions import settings_table
from placeplan.scenario.model import Scenario

EXPONENT = re.compile(r"\d[eE][+-]?\d")


def test_every_setting_says_what_it_means_and_no_number_is_in_exponent_form():
    table = settings_table(Scenario(dataset="data", rules={"capital_budget": 3_400_000}))
    assert not (table["what it means"].str.strip() == "").any(), table.loc[table["what it means"] == "", "setting"]
    assert not table["value"].str.contains(EXPONENT).any()
    values = table.set_index("setting")["value"]
    assert values["costs.fallback_per_pupil"] == "£64,000"
    assert values["rules.capital_budget"] == "£3,400,000"
    assert values["costs.annual_cost_per_place"].startswith("special £23,900, srp £16,000")
    assert values["costs.discount_rate"] == "0.035"  # a rate, not money
    assert values["demand.seed"] == "20250101"  # a seed as written
    assert values["travel.max_minutes.primary"] == "45"


def test_the_report_and_the_workbook_print_money_as_money(tmp_path):
    scenario = tiny_tree(tmp_path, name="Tiny assumptions")
    result = run_cli(["solve", str(scenario), "--out", str(tmp_path / "out"), "--no-explain"])
    assert result.exit_code == 0, result.output
    report = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    section = report[report.index('id="assumptions"') :]
    assert "£64,000" in section and not EXPONENT.search(re.sub(r"<[^>]+>", " ", section))
    sheet = openpyxl.load_workbook(tmp_path / "out" / "plan.xlsx")["Assumptions"]
    rows = {row[0]: row for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert "£64,000" in [str(v) for v in rows["costs.fallback_per_pupil"]]
    assert all(row[2] for key, row in rows.items() if "." in str(key))  # each setting's meaning
