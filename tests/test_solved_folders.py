"""What a person opens and what placeplan reads back: names that look like spreadsheet
formulas stay text in every CSV and workbook; a solved folder edited by hand is refused
with the file, row and column, never a crash; disclosure control turned off is loud; the
cohort method gets its documents.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from conftest import hashes, read_rows, run_cli, set_by_id, tiny_tree, write_rows
from hypothesis import given
from hypothesis import strategies as st

from placeplan.formulas import TRIGGERS, inert, needs_quote, restore, starts_formula
from placeplan.outputs.disclosure import SMALL, Cells, Rule

FORMULAS = {
    "sites": ("S1", '=HYPERLINK("http://example.com","Oak")'),
    "candidates": ("O1", "+SUM(1,2) Riverside SRP"),
    "zones": ("Z1", "@North End"),
}
OPTION_ID = "-O2"  # an id a spreadsheet would read as the start of a formula


def _tiny(root: Path, extra: str = "") -> Path:
    return tiny_tree(root, name="=1+1 Tiny", extra=extra)


@pytest.fixture(scope="module")
def formulas(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("formulas")
    scenario = _tiny(root)
    for table, (key, name) in FORMULAS.items():
        set_by_id(root / "tiny", table, key, name)
    set_by_id(root / "tiny", "candidates", "O2", OPTION_ID, column="option_id")
    result = run_cli(["solve", str(scenario), "--out", str(root / "out")])
    assert result.exit_code == 0, result.output
    return root / "out"


def _cells(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [cell for row in csv.reader(handle) for cell in row]


@pytest.mark.parametrize("name", ["shortlist.csv", "options.csv", "allocation.csv", "explain.csv"])
def test_no_csv_cell_starts_a_formula(formulas, name):
    cells = _cells(formulas / name)
    live = [c for c in cells if starts_formula(c)]
    assert live == []
    neutralised = [c for c in cells if c.startswith("'") and c[1:2] in TRIGGERS]
    assert neutralised, f"{name} shows none of the hostile names"


def test_the_shortlist_keeps_the_names_as_text_behind_the_apostrophe(formulas):
    cells = set(_cells(formulas / "shortlist.csv"))
    assert "'" + FORMULAS["candidates"][1] in cells or any(FORMULAS["candidates"][1] in c for c in cells)
    assert "'" + OPTION_ID in cells


def test_no_workbook_cell_is_a_formula_and_names_are_unchanged(formulas):
    book = openpyxl.load_workbook(formulas / "plan.xlsx")
    texts = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.append(cell.value)
                    if needs_quote(cell.value):
                        assert cell.quotePrefix, (sheet.title, cell.coordinate)
    assert "=1+1 Tiny" in texts  # the scenario's name, as text
    assert OPTION_ID in texts


def test_map_and_report_read_their_own_inert_csv_back(formulas):
    """The option id '-O2' went through options.csv as "'-O2" and comes back as itself."""
    from placeplan.outputs.folder import read_plan_folder

    assert "'-O2" in _cells(formulas / "options.csv")
    plan = read_plan_folder(formulas)
    assert OPTION_ID in set(plan.options["option_id"])
    assert FORMULAS["candidates"][1] in set(plan.options["name"])
    result = run_cli(["report", str(formulas)])
    assert result.exit_code == 0, result.output


@given(st.text(max_size=12))
def test_inert_text_is_never_a_formula_and_restores_exactly(text):
    made = inert(text)
    assert not starts_formula(made)
    assert restore(made) == text


@pytest.mark.parametrize(
    "text,expected",
    [
        ("=1+1", "'=1+1"),
        ("-12", "-12"),
        ("+3.5", "+3.5"),
        ("-x", "'-x"),
        ("@A1", "'@A1"),
        ("\tx", "'\tx"),
        ("'=x", "''=x"),
        ("Oak", "Oak"),
        ("\uff1dSUM(1)", "'\uff1dSUM(1)"),
    ],
)
def test_inert_follows_owasp(text, expected):
    assert inert(text) == expected


# --- solved folders edited by hand --------------------------------------------------------------


@pytest.fixture(scope="module")
def solved(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("handmade")
    scenario = _tiny(root)
    assert run_cli(["solve", str(scenario), "--out", str(root / "out"), "--no-outputs"]).exit_code == 0
    return root / "out"


@pytest.fixture
def edited(solved, tmp_path) -> Path:
    return Path(shutil.copytree(solved, tmp_path / "out"))


def _set_csv(path: Path, row: int, column: str, value: str) -> None:
    rows = read_rows(path)
    rows[row - 1][rows[0].index(column)] = value
    write_rows(path, rows)


EDITS = {
    "summary_a_list": (
        lambda out: (out / "summary.json").write_text("[1, 2]", encoding="utf-8"),
        "summary.json",
        "holds a JSON list",
    ),
    "summary_deeply_nested": (
        lambda out: (out / "summary.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8"),
        "summary.json",
        "nested too deeply",
    ),
    "summary_text_objective": (
        lambda out: _edit_json(out / "summary.json", objective="lots"),
        "summary.json key objective",
        "expected a number",
    ),
    "summary_no_run_date": (
        lambda out: _edit_json(out / "summary.json", run_date=None, drop=True),
        "summary.json key run_date",
        "is missing",
    ),
    "summary_bad_run_date": (
        lambda out: _edit_json(out / "summary.json", run_date="yesterday"),
        "summary.json key run_date",
        "is not a date",
    ),
    "summary_years_a_number": (
        lambda out: _edit_json(out / "summary.json", years=5),
        "summary.json key years",
        "expected a list",
    ),
    "summary_term_text": (
        lambda out: _edit_json(out / "summary.json", terms={"arcs": "x"}),
        "summary.json key terms.arcs",
        "expected a number",
    ),
    "scenario_a_string": (
        lambda out: (out / "scenario.json").write_text('"x"', encoding="utf-8"),
        "scenario.json",
        "holds a JSON str",
    ),
    "allocation_text_pupils": (
        lambda out: _set_csv(out / "allocation.csv", 3, "pupils", "many"),
        "allocation.csv row 3, column pupils",
        "'many'",
    ),
    "allocation_fraction_year": (
        lambda out: _set_csv(out / "allocation.csv", 2, "year", "2025.5"),
        "allocation.csv row 2, column year",
        "whole number",
    ),
    "options_text_places": (
        lambda out: _set_csv(out / "options.csv", 2, "places", "twelve"),
        "options.csv row 2, column places",
        "'twelve'",
    ),
    "explain_inf": (
        lambda out: _set_csv(out / "explain.csv", 2, "cost_increase", "inf"),
        "explain.csv row 2, column cost_increase",
        "'inf'",
    ),
    "options_column_gone": (
        lambda out: _drop_column(out / "options.csv", "chosen"),
        "options.csv column chosen",
        "is missing",
    ),
    "allocation_empty_file": (
        lambda out: (out / "allocation.csv").write_text("", encoding="utf-8"),
        "allocation.csv",
        "could not be read",
    ),
}


def _edit_json(path: Path, *, drop: bool = False, **changes) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if drop:
            data.pop(key, None)
        else:
            data[key] = value
    path.write_text(json.dumps(data), encoding="utf-8")


def _drop_column(path: Path, column: str) -> None:
    rows = read_rows(path)
    i = rows[0].index(column)
    write_rows(path, [r[:i] + r[i + 1 :] for r in rows])


@pytest.mark.parametrize("command", ["map", "report"])
@pytest.mark.parametrize("edit", list(EDITS))
def test_a_solved_folder_edited_by_hand_is_refused_located(edited, edit, command):
    change, where, what = EDITS[edit]
    change(edited)
    before = hashes(edited)
    result = run_cli([command, str(edited)])
    assert result.exit_code == 2, result.output
    assert where in result.stderr and what in result.stderr, result.stderr
    assert "Traceback" not in result.output and "bug" not in result.stderr
    assert hashes(edited) == before


# --- disclosure control off ----------------------------------------------------------------------


def test_suppression_off_marks_every_document_not_for_publication(tmp_path):
    scenario = _tiny(tmp_path, "\n[output]\nsuppression_threshold = 0\n")
    result = run_cli(["solve", str(scenario), "--out", str(tmp_path / "out"), "--no-explain"])
    assert result.exit_code == 0, result.output
    assert "NOT FOR PUBLICATION" in result.stderr
    out = tmp_path / "out"
    for name in ("map.html", "report.html", "shortlist.html"):
        text = (out / name).read_text(encoding="utf-8")
        title = text[text.index("<title>") : text.index("</title>")]
        assert "NOT FOR PUBLICATION" in title, name
        assert text.count("NOT FOR PUBLICATION") >= 2, name  # the title and the page's heading
    rows = list(csv.reader(io.StringIO((out / "shortlist.csv").read_text(encoding="utf-8"))))
    assert rows[0][0] == "marking" and all(r[0].startswith("NOT FOR PUBLICATION") for r in rows[1:])
    book = openpyxl.load_workbook(out / "plan.xlsx")
    assert book.properties.title.startswith("NOT FOR PUBLICATION")
    summary = {r[0].value: r[1].value for r in book["Summary"].iter_rows(min_row=2)}
    assert summary["Scenario"].startswith("NOT FOR PUBLICATION")


def test_suppression_on_marks_nothing(solved):
    result = run_cli(["report", str(solved)])
    assert result.exit_code == 0, result.output
    assert "NOT FOR PUBLICATION" not in (solved / "report.html").read_text(encoding="utf-8")


# --- the cohort method ---------------------------------------------------------------------------


def test_the_cohort_method_gets_its_documents(tmp_path):
    """Disclosure control refused the cohort method's plan: pupils it ages out leave a
    projection of 0 from a small count, which it took to be above the threshold."""
    scenario = _tiny(tmp_path, '\n[demand]\nmethod = "cohort"\n')
    result = run_cli(["solve", str(scenario), "--out", str(tmp_path / "out"), "--no-explain"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "map.html").is_file()


def test_a_projection_of_nothing_from_a_small_count_shows_0():
    cells = Cells(Rule(5))
    parts = cells.add([0.0, 6.0, 7.0], base=[2.0, 5.0, 8.0])
    total = cells.add([13.0], total=True)
    cells.line(parts, total[0])
    protected = cells.protect()
    assert protected.label(int(parts[0])) == "0"
    assert protected.status[int(parts[1])] != SMALL
    assert np.isfinite(protected.values).all()


# --- the record of what a plan rests on ----------------------------------------------------------


def test_the_summary_records_the_datasets_hash_and_caveats(tmp_path):
    from placeplan.dataset import load_dataset
    from placeplan.provenance import dataset_hash

    scenario = _tiny(tmp_path)
    result = run_cli(["solve", str(scenario), "--out", str(tmp_path / "out"), "--no-explain", "--no-outputs"])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    data = tmp_path / "tiny"
    assert summary["dataset_hash"] == dataset_hash(data) and len(summary["dataset_hash"]) == 64
    assert summary["caveats"][0] == load_dataset(data).meta.description
    before = dataset_hash(data)
    set_by_id(data, "sites", "S1", "11", column="capacity")
    assert dataset_hash(data) != before
