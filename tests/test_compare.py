"""placeplan compare: solved folders side by side (compare.csv, compare.html), read from the
folders only, marked internal, names escaped, written whole and repeatable to the byte.

The tiny fixture is solved twice from one scenario: as it is (it opens O1, Riverside's SRP,
12 places for £210,000 of capital, and O2, Oak Special's expansion, 4 places for £240,000)
and with a capital budget of £250,000, which admits only one of the two (O1, worth more
to the plan: explain.csv). A third solve is of a copy of the dataset with one more pupil.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from conftest import PageTables, hashes, read_rows, run_cli, set_cell, tiny_tree

from placeplan.outputs.compare import LEAD_COLUMNS, SETTING_OF_KIND
from placeplan.solved import MARKING

#: A scenario name a page would run as markup, were it not escaped.
NAME = '<b>Tiny & "test"</b>'
BUDGET = 250_000


def _solve(scenario: Path, out: Path, *overrides: str) -> Path:
    sets = [arg for item in overrides for arg in ("--set", item)]
    result = run_cli(["solve", str(scenario), "--out", str(out), "--no-outputs", "--no-explain", *sets])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def solved(tmp_path_factory) -> dict[str, Path]:
    """Folders a (as the scenario is), b (the budget) and c (another dataset)."""
    root = tmp_path_factory.mktemp("compare")
    (root / "one").mkdir()
    (root / "two").mkdir()
    scenario = tiny_tree(root / "one", name=NAME.replace('"', '\\"'))
    other = tiny_tree(root / "two", name=NAME.replace('"', '\\"'))
    demand = other.parent / "tiny"
    set_cell(demand, "demand", 2, "pupils", str(float(read_rows(demand / "demand.csv")[1][-1]) + 1))
    return {
        "root": root,
        "a": _solve(scenario, root / "a"),
        "b": _solve(scenario, root / "b", f"rules.capital_budget={BUDGET}"),
        "c": _solve(other, root / "c"),
    }


@pytest.fixture(scope="module")
def compared(solved) -> Path:
    out = solved["root"] / "compared"
    result = run_cli(["compare", str(solved["a"]), str(solved["b"]), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def _rows(folder: Path) -> list[dict[str, str]]:
    with (folder / "compare.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _row(rows: list[dict[str, str]], section: str, item: str, detail: str = "") -> dict[str, str]:
    found = [r for r in rows if (r["section"], r["item"], r["detail"]) == (section, item, detail)]
    assert len(found) == 1, (section, item, detail)
    return found[0]


def _summary(folder: Path) -> dict:
    return json.loads((folder / "summary.json").read_text(encoding="utf-8"))


def _heads(solved: dict[str, Path], *names: str) -> list[str]:
    return [f"{NAME} ({solved[n]})" for n in names]


def test_one_column_per_folder_in_order_headed_by_name_and_folder(solved, compared):
    with (compared / "compare.csv").open(newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert header == [*LEAD_COLUMNS, *_heads(solved, "a", "b"), "differs"]
    assert sorted(p.name for p in compared.iterdir()) == ["compare.csv", "compare.html"]


def test_the_total_costs_are_each_summarys_objective(solved, compared):
    rows = _rows(compared)
    a, b = _heads(solved, "a", "b")
    total = _row(rows, "cost", "total cost")
    assert float(total[a]) == _summary(solved["a"])["objective"]
    assert float(total[b]) == _summary(solved["b"])["objective"]
    # the budget leaves O2's pupils to dearer places: the plan costs more
    assert float(total[b]) > float(total[a]) and total["differs"] == "yes"
    for term, value in _summary(solved["a"])["terms"].items():
        assert float(_row(rows, "cost", "cost term", term)[a]) == pytest.approx(value, abs=0.005)
    assert float(_row(rows, "capital", "capital spent")[a]) == 450_000  # 210,000 + 240,000
    assert float(_row(rows, "capital", "capital spent")[b]) == 210_000
    budget = _row(rows, "capital", "capital budget")
    assert (budget[a], budget[b]) == ("none", str(BUDGET))
    saving = _row(rows, "saving", "saving", "undiscounted")
    assert float(saving[a]) == _summary(solved["a"])["saving"]["total"]["undiscounted"]
    assert _row(rows, "saving", "payback year")[a] == _summary(solved["a"])["payback_year"]


def test_the_options_rows_show_what_each_plan_opens(solved, compared):
    rows = _rows(compared)
    a, b = _heads(solved, "a", "b")
    opened = _row(rows, "options", "options opened")
    assert (opened[a], opened[b], opened["differs"]) == ("2", "1", "yes")
    o1 = _row(rows, "options", "O1", "Riverside Academy SEMH SRP")
    assert (o1[a], o1[b], o1["differs"]) == ("12 places, opens 2026/27", "12 places, opens 2026/27", "no")
    o2 = _row(rows, "options", "O2", "Oak Special expansion")
    assert (o2[a], o2[b], o2["differs"]) == ("4 places, opens 2026/27", "", "yes")
    assert not [r for r in rows if r["section"] == "options" and r["item"] == "O3"]  # opened by neither
    for folder, head in ((solved["a"], a), (solved["b"], b)):  # as options.csv says
        chosen = {r["option_id"]: r for r in csv.DictReader((folder / "options.csv").open(encoding="utf-8"))}
        for option in ("O1", "O2"):
            cell = next(r[head] for r in rows if r["section"] == "options" and r["item"] == option)
            assert bool(cell) == (chosen[option]["chosen"] == "True")


def test_places_added_by_setting_and_phase(solved, compared):
    rows = _rows(compared)
    a, b = _heads(solved, "a", "b")
    # O1, an SRP for Years 7 to 11: resourced secondary places; O2, Oak Special's expansion for
    # Reception to Year 11: special places, shared over primary and secondary
    resourced = _row(rows, "places added", "resourced", "secondary")
    assert (resourced[a], resourced[b], resourced["differs"]) == ("12", "12", "no")
    special = [r for r in rows if r["section"] == "places added" and r["item"] == "special"]
    assert sum(float(r[a]) for r in special) == pytest.approx(4, abs=0.01)
    assert all(float(r[b]) == 0 and r["differs"] == "yes" for r in special)
    total = _row(rows, "places added", "all settings", "all phases")
    assert (total[a], total[b]) == ("16", "12")


def test_the_kinds_add_places_for_their_own_setting():
    assert SETTING_OF_KIND == {
        "special_expansion": "special",
        "new_special": "special",
        "srp": "resourced",
        "unit": "resourced",
        "esta": "enhanced",
    }


def test_out_of_area_pupils_by_year_are_allocations_away(solved, compared):
    rows = _rows(compared)
    for name, head in zip("ab", _heads(solved, "a", "b")):
        # by hand: the fallback (a blank facility_id) and Hill House (S3, independent)
        away: dict[int, float] = {}
        for r in csv.DictReader((solved[name] / "allocation.csv").open(encoding="utf-8")):
            if r["facility_id"] in ("", "S3"):
                away[int(r["year"])] = away.get(int(r["year"]), 0.0) + float(r["pupils"])
        for year, pupils in away.items():
            assert float(_row(rows, "out-of-area pupils", f"{year}/{(year + 1) % 100:02d}")[head]) == pytest.approx(
                pupils, abs=0.006
            )
    assert _row(rows, "out-of-area pupils", "2027/28")["differs"] == "yes"


def test_the_differs_column_marks_what_changes(solved, compared):
    rows = _rows(compared)
    a, b = _heads(solved, "a", "b")
    setting = _row(rows, "settings", "rules.capital_budget")
    assert (setting[a], setting[b], setting["differs"]) == ("none", "250000.0", "yes")
    assert [r["item"] for r in rows if r["section"] == "settings"] == ["rules.capital_budget"]
    assert _row(rows, "plan", "dataset hash")["differs"] == "no"
    assert _row(rows, "plan", "scenario")["differs"] == "no"
    assert _row(rows, "cost", "cost term", "capital_fixed")["differs"] == "no"  # both open O1's fixed cost
    assert _row(rows, "saving", "total cost without new provision")["differs"] == "no"
    for r in rows:
        assert r["differs"] == ("yes" if r[a] != r[b] else "no"), r


def test_the_csv_and_the_page_are_marked_internal(compared):
    rows = _rows(compared)
    assert rows and all(r["marking"] == MARKING for r in rows)
    text = (compared / "compare.html").read_text(encoding="utf-8")
    assert f"<title>{MARKING}: plans compared</title>" in text
    assert f'<p class="internal" id="marking">{MARKING}:' in text


def test_the_page_escapes_every_name(solved, compared):
    text = (compared / "compare.html").read_text(encoding="utf-8")
    assert "<b>" not in text and "&lt;b&gt;Tiny &amp; &#34;test&#34;&lt;/b&gt;" in text
    parser = PageTables()
    parser.feed(text)
    heads = [table[0] for table in parser.tables]
    assert all(head[1:3] == _heads(solved, "a", "b") for head in heads)
    plans = parser.tables[0]
    assert ["scenario", NAME, NAME, "no"] in plans
    assert "same data" in text and "different datasets" not in text


def test_the_same_folders_give_the_same_bytes(solved, compared, tmp_path):
    again = tmp_path / "again"
    for out in (compared, again):  # over the last run, and into a new folder
        result = run_cli(["compare", str(solved["a"]), str(solved["b"]), "--out", str(out)])
        assert result.exit_code == 0, result.output
    assert hashes(again) == hashes(compared)


def test_plans_from_different_datasets_are_compared_and_the_page_says_so(solved, tmp_path):
    out = tmp_path / "datasets"
    result = run_cli(["compare", str(solved["a"]), str(solved["c"]), str(solved["b"]), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = _rows(out)
    assert len(rows[0]) == len(LEAD_COLUMNS) + 3 + 1
    assert _row(rows, "plan", "dataset hash")["differs"] == "yes"
    assert "solved from different datasets" in (out / "compare.html").read_text(encoding="utf-8")


def test_a_name_that_starts_a_formula_is_written_inert(solved, tmp_path):
    copy = shutil.copytree(solved["b"], tmp_path / "formula")
    summary = _summary(copy)
    summary["scenario"] = '=HYPERLINK("http://example.com")'
    (copy / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli(["compare", str(solved["a"]), str(copy), "--out", str(out)])
    assert result.exit_code == 0, result.output
    with (out / "compare.csv").open(newline="", encoding="utf-8") as handle:
        cells = [cell for row in csv.reader(handle) for cell in row]
    assert f'\'=HYPERLINK("http://example.com") ({copy})' in cells
    assert not [cell for cell in cells if cell.startswith("=")]


@pytest.mark.parametrize(
    "case",
    ["one folder", "the same folder twice", "not solved folders", "out is an input", "out inside an input"],
)
def test_refusals_exit_2_without_a_traceback_or_an_output(solved, tmp_path, case):
    a, b = str(solved["a"]), str(solved["b"])
    out = tmp_path / "out"
    (tmp_path / "empty").mkdir()
    args, expected = {
        "one folder": ([a, "--out", str(out)], ["at least two"]),
        "the same folder twice": ([a, b, f"{a}/", "--out", str(out)], ["names the same folder"]),
        # every problem of every folder at once
        "not solved folders": (
            [a, str(tmp_path / "empty"), str(tmp_path / "missing"), "--out", str(out)],
            ["empty/summary.json", "empty/options.csv", "missing: is not a folder"],
        ),
        "out is an input": ([a, b, "--out", b], ["is an input"]),
        "out inside an input": ([a, b, "--out", f"{a}/compared"], ["inside"]),
    }[case]
    before = hashes(solved["b"])
    result = run_cli(["compare", *args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for words in expected:
        assert words in result.output
    assert not out.exists() and not (solved["a"] / "compared").exists()
    assert hashes(solved["b"]) == before
