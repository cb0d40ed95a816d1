"""The report and the Excel plan year by year, on the tiny borough: pupils continuing in
their placements, newly placed locally and newly placed out of area (as summary.json
records them), pupils placed away with and without the plan, and how each new provision
fills (its pupils each year in allocation.csv against its places in options.csv); small
counts suppressed in the public report; names printed as written; the same bytes every build.

What the tiny borough's solve gives, by hand: in 2025/26 nothing new is open, so the pupils
of the year before (2 of them) continue where they are, and the joiners go to Oak Special
School and Elm Primary SRP (14 places, 2 of them held by continuing pupils: 12 newly
placed locally) or out of area (the other 13.57). The Riverside SRP (12 places) and Oak's
expansion (4) open in 2026/27. The SRP opens with Kent's share of its places (4 of 14, so
3.43 of 12) and grows to 8 of 14 (6.86) in 2027/28 (rules.phased_intake), and each year's
joiners of its need and ages fill them; pupils already placed out of area stay there, so
2026/27 still places 7.58 joiners away.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import PageTables, run_cli, set_by_id, tiny_tree

from placeplan.outputs.by_year import AWAY_WITH, AWAY_WITHOUT, NO_PLACEMENTS, NOT_OPEN, PLACEMENTS, TOTAL, filling_table
from placeplan.outputs.disclosure import Rule
from placeplan.outputs.facts import gather
from placeplan.outputs.folder import read_plan_folder
from placeplan.outputs.public import protect_plan
from placeplan.outputs.shortlist import shortlist as shortlist_of

CONTINUING, NEW_LOCAL, NEW_AWAY = PLACEMENTS.values()
HOSTILE = '<img src=x onerror="window.pwned=3">Riverside $x^2$ & {{ 7*7 }} SRP'


def solve(root: Path, *extra: str, option_name: str | None = None) -> Path:
    scenario = tiny_tree(root, name="Tiny by year")
    if option_name is not None:
        set_by_id(root / "tiny", "candidates", "O1", option_name)
    result = run_cli(["solve", str(scenario), "--out", str(root / "out"), "--no-explain", *extra])
    assert result.exit_code == 0, result.output
    return root / "out"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    return solve(tmp_path_factory.mktemp("by-year"), option_name=HOSTILE)


@pytest.fixture(scope="module")
def strict(tmp_path_factory) -> Path:
    """Threshold 10: the continuing pupils, Oak's expansion and later years' out-of-area joiners are small."""
    return solve(tmp_path_factory.mktemp("by-year-strict"), "--set", "output.suppression_threshold=10")


def report_table(folder: Path, first_heading: str, wanted: str) -> pd.DataFrame:
    """The report's table whose first heading is ``first_heading`` and that has a ``wanted`` column."""
    parser = PageTables()
    parser.feed((folder / "report.html").read_text(encoding="utf-8"))
    found = [t for t in parser.tables if t and t[0][0] == first_heading and wanted in t[0]]
    assert len(found) == 1, [t[0] for t in parser.tables]
    return pd.DataFrame(found[0][1:], columns=found[0][0])


def placements(folder: Path) -> pd.DataFrame:
    return report_table(folder, "Year", CONTINUING).set_index("Year")


def filling(folder: Path) -> pd.DataFrame:
    return report_table(folder, "Option", "Places")


def sheet_table(folder: Path, first_heading: str) -> pd.DataFrame:
    """The table on the workbook's Sufficiency sheet that starts at the column headed ``first_heading``."""
    rows = list(openpyxl.load_workbook(folder / "plan.xlsx", read_only=True)["Sufficiency"].iter_rows(values_only=True))
    start = rows[0].index(first_heading)
    end = next((j for j in range(start, len(rows[0])) if rows[0][j] is None), len(rows[0]))
    body = [r[start:end] for r in rows[1:] if r[start] is not None]
    return pd.DataFrame(body, columns=rows[0][start:end])


def summary(folder: Path) -> dict:
    return json.loads((folder / "summary.json").read_text(encoding="utf-8"))


def allocated(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "allocation.csv", dtype={"facility_id": str}, keep_default_na=False)


def _as_text(value: object) -> str:
    return f"{value:,}" if isinstance(value, (int, float)) else str(value)


# --- pupils continuing and newly placed --------------------------------------------------------


def test_the_report_prints_each_years_placements_as_summary_json_records_them(tiny):
    table = placements(tiny)
    recorded = summary(tiny)["placements_by_year"]
    assert list(table.index) == summary(tiny)["years"] == ["2025/26", "2026/27", "2027/28"]
    rule = Rule(5)
    for row in recorded:
        for key, heading in PLACEMENTS.items():
            printed = table.at[row["year"], heading]
            # as recorded, or withheld ('c') where a small count could otherwise be worked out
            assert printed in (rule.count(row[key]), "c"), (row["year"], heading, printed, row[key])
    # by hand: 2 pupils continue in 2025/26, 12 joiners are placed locally and 13.57 out of area;
    # in 2026/27 the new SRP's first 3.43 places and the expansion's 4 take local joiners (19.43)
    # and 7.58 still go away
    assert list(table.loc["2025/26", [CONTINUING, NEW_LOCAL, NEW_AWAY]]) == ["<5", "12", "14"]
    assert table.at["2026/27", NEW_LOCAL] == "19" and table.at["2026/27", NEW_AWAY] == "8"


def test_continuing_and_newly_placed_are_every_pupil_allocation_csv_places(tiny):
    by_year = allocated(tiny).groupby("year")["pupils"].sum()
    for row, year in zip(summary(tiny)["placements_by_year"], by_year.index):
        parts = row["continuing"] + row["new_local"] + row["new_away"]
        assert parts == pytest.approx(by_year[year], abs=0.05), (row, by_year[year])
    table = placements(tiny)
    assert list(table[TOTAL]) == [Rule(5).count(v) for v in by_year] == ["28", "29", "31"]


def test_the_status_quos_out_of_area_pupils_stand_beside_the_plans(tiny):
    table = placements(tiny)
    pupils = pd.DataFrame(summary(tiny)["status_quo"]["pupils"])
    away = (pupils["independent"] + pupils["unplaced"]).groupby(pupils["year"]).sum()
    assert list(table[AWAY_WITHOUT]) == [Rule(5).count(v) for v in away] == ["14", "15", "17"]
    allocation = allocated(tiny)
    plan_away = allocation[allocation["facility_id"].isin(["S3", ""])].groupby("year")["pupils"].sum()
    assert list(table[AWAY_WITH]) == [Rule(5).count(v) for v in plan_away] == ["14", "8", "6"]


def test_the_workbook_holds_the_placements_the_report_prints(tiny):
    sheet = sheet_table(tiny, "year (placements by year)").set_index("year (placements by year)")
    table = placements(tiny)
    assert list(sheet.index) == list(table.index)
    for heading in (CONTINUING, NEW_LOCAL, NEW_AWAY, TOTAL, AWAY_WITH, AWAY_WITHOUT):
        assert [_as_text(v) for v in sheet[heading]] == list(table[heading]), heading
    assert sheet.at["2025/26", NEW_LOCAL] == 12  # a number officers can sum, not text


# --- how new provision fills -------------------------------------------------------------------


def test_a_new_srp_fills_over_the_years_in_the_report_and_the_workbook(tiny):
    options = pd.read_csv(tiny / "options.csv", dtype={"option_id": str})
    srp = options.set_index("option_id").loc["O1"]
    assert bool(srp["chosen"]) and int(srp["opening_year"]) == 2026 and int(srp["places"]) == 12
    there = allocated(tiny).query("facility_id == 'O1'").groupby("year")["pupils"].sum()
    # it fills over two years, as its places grow: 4 and 8 of every 14
    assert there.to_dict() == pytest.approx({2026: 12 * 4 / 14, 2027: 12 * 8 / 14}, abs=1e-3)  # 3 decimals
    table = filling(tiny).set_index("Option")
    row = table.loc[HOSTILE]
    assert row["Places"] == "12" and row["Opens"] == "2026/27"
    assert (
        [row[f"Pupils placed {y}"] for y in ("2025/26", "2026/27", "2027/28")]
        == [NOT_OPEN, Rule(5).count(there[2026]), Rule(5).count(there[2027])]
        == [NOT_OPEN, "<5", "7"]
    )
    sheet = sheet_table(tiny, "option_id (new provision filling by year)").set_index(
        "option_id (new provision filling by year)"
    )
    assert sheet.at["O1", "name"] == HOSTILE and sheet.at["O1", "places"] == 12
    assert [sheet.at["O1", f"Pupils placed {y}"] for y in ("2025/26", "2026/27", "2027/28")] == [NOT_OPEN, "<5", 7]
    # the chart's places line: none before it opens, then the places its intake gives it, in
    # whole places (3.43 and 6.86) as the pupils are printed
    facts = gather(read_plan_folder(tiny))
    options_shown, places = filling_table(facts, shortlist_of(facts, protect_plan(facts)))
    assert places[list(options_shown["option_id"]).index("O1")].tolist() == [0, 3, 7]


def test_every_opened_option_is_shown_and_no_other(tiny):
    options = pd.read_csv(tiny / "options.csv", dtype={"option_id": str})
    chosen = options[options["chosen"].astype(str).str.lower() == "true"]
    table = filling(tiny)
    assert sorted(table["Option"]) == sorted(chosen["name"]) and len(table) == 2
    expansion = table.set_index("Option").loc["Oak Special expansion"]
    assert expansion["Places"] == "4" and expansion["Pupils placed 2027/28"] == "<5"


def test_the_last_years_pupils_are_those_the_shortlist_prints(strict):
    shortlist = pd.read_csv(strict / "shortlist.csv", dtype=str, keep_default_na=False)
    chosen = shortlist[shortlist["chosen"] == "yes"].set_index("name")["pupils_placed_2027_28"]
    table = filling(strict).set_index("Option")
    assert table["Pupils placed 2027/28"].to_dict() == chosen.to_dict()
    # the last year's counts are protected with the map's and the shortlist's sums: where the
    # shortlist withholds one, so does this table (the earlier years have no such sum)
    plan = read_plan_folder(strict)
    facts = gather(plan)
    short = shortlist_of(facts, protect_plan(facts))
    withheld = replace(short, chosen=short.chosen.assign(pupils_placed_2027_28="c"))
    rows = filling_table(facts, withheld)[0].set_index("option_id")
    assert rows.at["O1", "Pupils placed 2027/28"] == "c" and rows.at["O1", "Pupils placed 2026/27"] == "<10"


# --- disclosure ----------------------------------------------------------------------------------


def _small(label: str, threshold: int) -> bool:
    text = str(label).replace(",", "")
    return bool(re.fullmatch(r"\d+", text)) and 1 <= int(text) < threshold


@pytest.mark.parametrize("fixture, threshold", [("tiny", 5), ("strict", 10)])
def test_no_year_by_year_count_below_the_threshold_is_printed(request, fixture, threshold):
    folder = request.getfixturevalue(fixture)
    printed = []
    for table in (placements(folder).reset_index(), filling(folder)):
        for column in [c for c in table.columns if c.startswith("Pupils")]:
            printed += list(table[column])
    for table in (
        sheet_table(folder, "year (placements by year)"),
        sheet_table(folder, "option_id (new provision filling by year)"),
    ):
        for column in [c for c in table.columns if str(c).startswith("Pupils")]:
            printed += [_as_text(v) for v in table[column]]
    assert not [p for p in printed if _small(p, threshold)]
    # the test can fail: these counts are small, and they are there, suppressed
    assert sum(p == f"<{threshold}" for p in printed) >= (8 if threshold == 5 else 14)
    recorded = summary(folder)["placements_by_year"]
    assert all(placements(folder).at[r["year"], CONTINUING] == f"<{threshold}" for r in recorded)


@pytest.mark.parametrize("fixture, threshold", [("tiny", 5), ("strict", 10)])
def test_a_suppressed_count_cannot_be_worked_out_from_its_years_sum(request, fixture, threshold):
    """Continuing, newly placed locally and newly placed away add up to the year's pupils:
    from what is printed (each number to within its rounding), a suppressed one must still
    be one of at least two whole numbers."""
    table = placements(request.getfixturevalue(fixture))
    checked = 0
    for year, row in table.iterrows():
        parts = [row[h] for h in PLACEMENTS.values()]
        hidden = [p for p in parts if not p.replace(",", "").isdigit()]
        if len(hidden) != 1 or hidden[0] != f"<{threshold}" or not row[TOTAL].replace(",", "").isdigit():
            continue
        shown = sum(int(p.replace(",", "")) for p in parts if p.replace(",", "").isdigit())
        slack = 0.5 * len(parts)  # the total and the two printed parts, each rounded
        low, high = int(row[TOTAL].replace(",", "")) - shown - slack, int(row[TOTAL].replace(",", "")) - shown + slack
        possible = [n for n in range(1, threshold) if low <= n <= high]
        assert len(possible) >= 2, (year, row.to_dict(), possible)
        checked += 1
    assert checked >= 1  # the test can fail: there is such a year


# --- names, older folders, repeatability -----------------------------------------------------


def test_names_are_printed_as_written_and_never_drawn_as_markup(tiny):
    html = (tiny / "report.html").read_text(encoding="utf-8")
    section = html[html.index('id="by-year"') : html.index('id="shortlist"')]
    assert "&lt;img src=x onerror=&#34;window.pwned=3&#34;&gt;Riverside $x^2$ &amp; {{ 7*7 }} SRP" in section
    assert "<img" not in section and "49 SRP" not in section
    svgs = re.findall(r"<svg\b.*?</svg>", section, flags=re.S)
    assert len(svgs) == 2
    for svg in svgs:  # text is drawn as outlines: no name, no comment, no script in the drawing
        assert "Riverside" not in svg and "<!--" not in svg and "<script" not in svg and "<text" not in svg


def test_a_folder_solved_before_placements_were_recorded_still_reports(tiny, tmp_path):
    older = shutil.copytree(tiny, tmp_path / "older")
    data = summary(older)
    del data["placements_by_year"]
    (older / "summary.json").write_text(json.dumps(data), encoding="utf-8")
    result = run_cli(["report", str(older)])
    assert result.exit_code == 0, result.output
    html = (older / "report.html").read_text(encoding="utf-8")
    assert NO_PLACEMENTS.split(":")[0] in html and 'id="by-year"' in html
    assert HOSTILE.split(">")[-1].replace("&", "&amp;") in html  # the filling table is still there
    header = next(
        openpyxl.load_workbook(older / "plan.xlsx", read_only=True)["Sufficiency"].iter_rows(values_only=True)
    )
    assert "year (placements by year)" not in header and "option_id (new provision filling by year)" in header


def test_two_builds_give_the_same_bytes(tiny, tmp_path):
    first = {name: (tiny / name).read_bytes() for name in ("report.html", "plan.xlsx")}
    again = shutil.copytree(tiny, tmp_path / "again")
    # in another process: matplotlib's SVG ids and the workbook's stamps must not depend on the run
    done = subprocess.run(
        [sys.executable, "-c", "from placeplan.cli import main; main()", "report", str(again)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert run_cli(["report", str(tiny)]).exit_code == 0
    for name, data in first.items():
        assert (again / name).read_bytes() == data, name
        assert (tiny / name).read_bytes() == data, name
