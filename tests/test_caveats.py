"""What this plan assumes (issue 11, "Honest documents"): every public document carries the
same short lines (the dataset's caveats, the growth of demand, the main costs), the report's
headline gives the saving, the payback year and the range of demand, the record says what
the projection gave, and settings a demand method does not read are not listed."""

from __future__ import annotations

import json
import re
import shutil
from html import escape, unescape
from pathlib import Path

import openpyxl
import pytest
from conftest import ROOT, TINY, run_cli

from placeplan.dataset import load_dataset
from placeplan.outputs.assumptions import settings_table
from placeplan.outputs.build import build_documents
from placeplan.outputs.caveats import TITLE, plan_caveats
from placeplan.outputs.folder import read_plan_folder
from placeplan.provenance import SHORT_CAVEAT, caveats_short, short_caveat
from placeplan.scenario.model import Scenario

HOSTILE_CAVEAT = "<script>window.pwned=1</script> Demand & 'places' are made up for the tests"
EXPONENT = re.compile(r"\d[eE][+-]?\d")
HTML = ("report.html", "shortlist.html", "map.html")
NEW_KEYS = ("caveats_short", "demand_range", "demand_growth")


def _solve(root: Path) -> Path:
    """The tiny borough, its dataset stating a hostile caveat, solved into root/out."""
    shutil.copytree(TINY, root / "tiny")
    toml = root / "tiny" / "dataset.toml"
    text = toml.read_text(encoding="utf-8")
    old = next(line for line in text.splitlines() if line.startswith("description = "))
    description = json.loads(old.removeprefix("description = ")) + "\n" + HOSTILE_CAVEAT
    toml.write_text(text.replace(old, "description = " + json.dumps(description)), encoding="utf-8")
    (root / "tiny.toml").write_text(
        'name = "Tiny caveats"\ndataset = "tiny"\n\n[horizon]\nfirst_year = 2025\n'
        "years = 3\n\n[travel]\nspeed_kmh = 24\n",
        encoding="utf-8",
    )
    result = run_cli(["solve", str(root / "tiny.toml"), "--out", str(root / "out"), "--no-explain"])
    assert result.exit_code == 0, result.output
    return root / "out"


@pytest.fixture(scope="module")
def solved(tmp_path_factory) -> Path:
    return _solve(tmp_path_factory.mktemp("caveats"))


def _summary(folder: Path) -> dict:
    return json.loads((folder / "summary.json").read_text(encoding="utf-8"))


def _box(html: str) -> str:
    """The box's text as a reader sees it (entities read back; the escaping is tested apart)."""
    start = html.index(escape(TITLE))
    return unescape(html[start : start + 6000])


def _sheet_lines(folder: Path) -> list[str]:
    sheet = openpyxl.load_workbook(folder / "plan.xlsx")[TITLE]
    return [row[0] for row in sheet.iter_rows(min_row=2, values_only=True) if row and row[0]]


def test_the_record_holds_the_caveats_shortly_the_range_and_the_growth(solved):
    summary = _summary(solved)
    assert summary["caveats_short"] == [short_caveat(c) for c in summary["caveats"]]
    assert all(len(line) <= SHORT_CAVEAT + 3 for line in summary["caveats_short"])
    years = [row["year"] for row in summary["demand_range"]]
    assert years == summary["years"]
    for row in summary["demand_range"]:
        assert 0 < row["p10"] <= row["p50"] <= row["p90"]
        assert row["planned"] > 0
    growth = summary["demand_growth"]
    assert growth["method"] == "trend" and isinstance(growth["annual_rate"], float)
    assert growth["notes"] and all(note.startswith(("growth", "settings")) for note in growth["notes"])


def test_every_document_carries_the_box_with_the_folders_caveats(solved):
    plan = read_plan_folder(solved)
    lines = plan_caveats(plan)
    assert HOSTILE_CAVEAT in lines  # short enough to be said as written
    assert any(line.startswith("Five zones on a line") for line in lines)
    for name in HTML:
        box = _box((solved / name).read_text(encoding="utf-8"))
        for line in lines:
            assert f"<li>{line}</li>" in box or f">{line}<" in box, (name, line)
    assert _sheet_lines(solved) == lines


def test_names_in_the_box_are_escaped(solved):
    for name in HTML:
        html = (solved / name).read_text(encoding="utf-8")
        assert "<script>window.pwned" not in html and "&lt;script&gt;window.pwned=1&lt;/script&gt;" in html, name


def test_the_box_prints_the_scenarios_costs_as_money(solved):
    lines = plan_caveats(read_plan_folder(solved))
    text = " | ".join(lines)
    assert "An independent or out-of-area place costs £64,000 a year, plus transport" in lines
    assert "Transport costs £9,800 a pupil a year for a 10 km journey" in text
    assert "Future costs are discounted at 3.5% a year" in lines
    assert "New places' capital: an ESTA " in text and "a place" in text and "£" in text
    assert re.search(r"Demand (grows|falls) \d+\.\d% a year \(trend method", text)
    assert not EXPONENT.search(text)


def test_the_headline_gives_the_saving_payback_range_and_growth(solved):
    summary = _summary(solved)
    report = (solved / "report.html").read_text(encoding="utf-8")
    head = report[report.index('id="headlines"') : report.index('id="map"')]
    saving = summary["saving"]["total"]
    assert f"£{abs(saving['undiscounted']):,.0f}" in head or "million" in head
    assert "net of the capital" in head and "not discounted" in head
    if summary["payback_year"]:
        assert summary["payback_year"] in head
    last = summary["demand_range"][-1]
    assert f"{round(last['p10']):,} to {round(last['p90']):,}" in head
    assert f"the plan is for {round(last['planned']):,} (P50)" in head
    assumptions = report[report.index('id="assumptions"') :]
    assert "% a year (trend method" in assumptions and "What the forecast rests on" in assumptions


def test_an_older_folder_without_the_new_keys_still_builds(solved, tmp_path):
    old = tmp_path / "old"
    shutil.copytree(solved, old)
    summary = _summary(old)
    for key in NEW_KEYS:
        summary.pop(key)
    (old / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    for command in ("report", "map"):
        result = run_cli([command, str(old)])
        assert result.exit_code == 0, result.output
    report = (old / "report.html").read_text(encoding="utf-8")
    assert "P10 to P90" not in report and "% a year (trend method" not in report
    # the long caveats, shortened the same way, still fill the box
    assert HOSTILE_CAVEAT in _box(report)
    assert HOSTILE_CAVEAT in _sheet_lines(old)
    summary.pop("caveats")
    (old / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    assert run_cli(["report", str(old)]).exit_code == 0
    assert "£64,000 a year" in _box((old / "report.html").read_text(encoding="utf-8"))


def test_two_builds_give_the_same_bytes(solved):
    first, second = build_documents(solved), build_documents(solved)
    assert first.documents.keys() == second.documents.keys()
    for name, data in first.documents.items():
        assert data == second.documents[name], name


def _listed(**demand) -> set[str]:
    return set(settings_table(Scenario(dataset="data", demand=demand))["setting"])


def test_settings_the_demand_method_does_not_read_are_not_listed():
    trend = _listed(method="trend", growth={"default": 0.1, "ASD": 0.12})
    assert "demand.growth" not in trend and "demand.rate_trend" not in trend
    assert not any(s.startswith("demand.cohort.") for s in trend)
    assert {"demand.method", "demand.pool", "demand.draws", "demand.percentile"} <= trend
    growth = _listed(growth={"default": 0.1})  # growth without a method means 'growth'
    assert "demand.growth" in growth and "demand.draws" not in growth and "demand.pool" not in growth
    estimated = _listed(method="cohort")
    assert "demand.cohort.prior_pupils" in estimated and "demand.cohort.join" not in estimated
    own = _listed(method="cohort", cohort={"source": "scenario"})
    assert "demand.cohort.join" in own and "demand.cohort.prior_pupils" not in own
    assert "demand.rate_trend" in _listed(method="prevalence")


def test_the_trend_reports_assumptions_leave_out_the_growth_rates(solved):
    report = (solved / "report.html").read_text(encoding="utf-8")
    section = report[report.index('id="assumptions"') : report.index('id="sources"')]
    assert "<td>demand.method</td>" in section and "<td>demand.growth</td>" not in section
    sheet = openpyxl.load_workbook(solved / "plan.xlsx")["Assumptions"]
    assert "demand.growth" not in {row[0] for row in sheet.iter_rows(values_only=True)}


def test_the_builders_caveats_are_said_in_a_short_line():
    folder = ROOT / "data" / "kingston-richmond"
    if not (folder / "dataset.toml").is_file():
        pytest.skip("no data/kingston-richmond")
    dataset = load_dataset(folder)
    lines = caveats_short(dataset)
    assert "Demand is spread over areas from published totals, not the councils' own caseload" in lines
    assert any(
        re.fullmatch(r"\d+ of \d+ sites' places are estimated, not commissioned figures.*", line) for line in lines
    )
    assert any(line.startswith("Estimated places: ") and "resourced provision" in line for line in lines)
    assert all(len(line) <= SHORT_CAVEAT + 3 for line in lines)


def test_a_long_caveat_is_cut_at_a_word():
    text = "word " * 60 + ". Second sentence."
    short = short_caveat(text)
    assert short.endswith("...") and len(short) <= SHORT_CAVEAT + 3 and "Second" not in short
    assert short_caveat("One sentence. Another.") == "One sentence"
