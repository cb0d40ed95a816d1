"""A plan's documents with its sweeps: placeplan report and map --sweep."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import run_cli, set_by_id
from openpyxl import load_workbook

HOSTILE = '<b>Oak</b> {{ 7*7 }} =HYPERLINK("x")'


@pytest.fixture(scope="module")
def swept(tmp_path_factory) -> dict[str, Path]:
    """The tiny plan solved, a sweep of 5 draws with a robust plan, and 2 alternatives;
    the expansion option named with markup, a template and a formula."""
    import shutil

    from conftest import TINY

    root = tmp_path_factory.mktemp("swept")
    data = shutil.copytree(TINY, root / "tiny")
    set_by_id(data, "candidates", "O2", HOSTILE)
    scenario = root / "tiny.toml"
    scenario.write_text(
        'name = "Tiny test scenario"\ndataset = "tiny"\n\n[horizon]\nfirst_year = 2025\nyears = 3\n\n'
        "[travel]\nspeed_kmh = 24\n",
        encoding="utf-8",
    )
    folders = {"plan": root / "plan", "draws": root / "draws", "alternatives": root / "alternatives"}
    for args in (
        ["solve", str(scenario), "--out", str(folders["plan"])],
        ["sweep", str(scenario), "--draws", "5", "--robust", "5", "--workers", "0", "--out", str(folders["draws"])],
        ["sweep", str(scenario), "--alternatives", "2", "--out", str(folders["alternatives"])],
    ):
        result = run_cli(args)
        assert result.exit_code == 0, result.output
    folders["scenario"] = scenario
    folders["as_solved"] = shutil.copytree(folders["plan"], root / "as-solved")
    return folders


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_report_shows_the_sweeps_and_escapes_every_name(swept):
    plan = swept["plan"]
    result = run_cli(["report", str(plan), "--sweep", str(swept["draws"]), "--sweep", str(swept["alternatives"])])
    assert result.exit_code == 0, result.output
    html = (plan / "report.html").read_text(encoding="utf-8")
    assert 'id="robustness"' in html and 'id="alternatives"' in html
    said = json.loads((swept["draws"] / "sweep.json").read_text(encoding="utf-8"))["robust"]
    text = _text(html)
    assert "Over 5 other futures of demand" in text and "If demand comes in high" in text
    assert f"within {100 * said['gap']:.2f}% of the best any plan could do" in text
    assert (
        "<b>Oak</b>" not in html
        and "&lt;b&gt;Oak&lt;/b&gt; {{ 7*7 }}" in html
        and "49" not in text.split("Oak")[1][:20]
    )
    alternatives = (plan / "shortlist.html").read_text(encoding="utf-8")
    assert "Other plans nearly as good" in alternatives
    sheet = load_workbook(plan / "plan.xlsx")["Robustness"]
    cells = [c.value for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "chosen in" in cells and "the robust plan" in cells and "costs more by" in cells
    assert HOSTILE in cells and all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_the_map_gains_a_layer_of_how_often_each_option_is_chosen(swept):
    plan = swept["plan"]
    result = run_cli(["map", str(plan), "--sweep", str(swept["draws"]), "--no-copy"])
    assert result.exit_code == 0, result.output
    html = (plan / "map.html").read_text(encoding="utf-8")
    data = json.loads(re.search(r'<script type="application/json" id="pp-data">(.*?)</script>', html, re.S).group(1))
    layer = [o for o in data["overlays"] if o["name"].startswith("How often each option is chosen (5 demand")]
    assert len(layer) == 1 and not layer[0]["show"]
    popups = [f["properties"]["popup"] for f in layer[0]["features"]["features"]]
    assert any("of 5 demand futures" in p for p in popups)
    assert any("&lt;b&gt;Oak&lt;/b&gt;" in p for p in popups) and not any("<b>Oak</b>" in p for p in popups)
    assert "how often an option is chosen over 5 demand futures" in html


def test_without_a_sweep_the_documents_are_those_solve_wrote(swept, tmp_path):
    import shutil

    plan = shutil.copytree(swept["as_solved"], tmp_path / "plan")
    assert run_cli(["report", str(plan), "--sweep", str(swept["draws"])]).exit_code == 0
    assert run_cli(["report", str(plan)]).exit_code == 0
    for name in ("report.html", "shortlist.html", "plan.xlsx"):
        assert (plan / name).read_bytes() == (swept["as_solved"] / name).read_bytes(), name
    assert b'id="robustness"' not in (plan / "report.html").read_bytes()


def test_a_sweep_of_another_plan_is_refused(swept, tmp_path):
    other = tmp_path / "other"
    result = run_cli(
        [
            "sweep",
            str(swept["scenario"]),
            "--draws",
            "2",
            "--workers",
            "0",
            "--out",
            str(other),
            "--set",
            "rules.capital_budget=100000",
        ]
    )
    assert result.exit_code == 0, result.output
    before = (swept["plan"] / "report.html").read_bytes()
    refused = run_cli(["report", str(swept["plan"]), "--sweep", str(other)])
    assert refused.exit_code == 2 and "Traceback" not in refused.output
    assert "was run on other scenario settings than the plan" in refused.output
    assert (swept["plan"] / "report.html").read_bytes() == before


def test_a_folder_that_is_not_a_sweep_is_refused(swept, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    refused = run_cli(["map", str(swept["plan"]), "--sweep", str(empty), "--no-copy"])
    assert refused.exit_code == 2 and "sweep.json" in refused.output and "is missing" in refused.output


def test_an_option_the_draws_choose_but_the_plan_does_not_is_listed(swept, tmp_path):
    import shutil

    import pandas as pd

    draws = shutil.copytree(swept["draws"], tmp_path / "draws")
    table = pd.read_csv(draws / "robustness.csv", dtype=str, keep_default_na=False)
    table.loc[table["option_id"] == "O3", ["chosen_share", "draws_chosen", "mean_places", "mean_opening_year"]] = [
        "0.6",
        "3",
        "8.0",
        "2026.0",
    ]
    table.to_csv(draws / "robustness.csv", index=False)
    plan = shutil.copytree(swept["as_solved"], tmp_path / "plan")
    result = run_cli(["report", str(plan), "--sweep", str(draws)])
    assert result.exit_code == 0, result.output
    text = _text((plan / "report.html").read_text(encoding="utf-8"))
    assert "Town Primary ESTA no 60% (3 of 5) 8.0" in text
