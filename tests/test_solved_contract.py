"""The solved folder is a declared contract (placeplan/schema/solved.toml): a real solve
writes exactly the files, columns and summary keys declared, in the declared order; the
documents read only what is declared; docs/solved-folder.md is generated from it."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from conftest import libreoffice_converts, run_cli

from placeplan.docs import solved_folder_markdown
from placeplan.outputs import DOCUMENTS
from placeplan.outputs.folder import FILES, SUMMARY_OPTIONAL, SUMMARY_REQUIRED
from placeplan.solved import SOLVED_FILES, SUMMARY_KEYS, SolvedSummary

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def solved(tmp_path_factory) -> Path:
    from conftest import tiny_tree

    root = tmp_path_factory.mktemp("contract")
    scenario = tiny_tree(root)
    out = root / "out"
    result = run_cli(["solve", str(scenario), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_a_solve_writes_exactly_the_declared_files(solved):
    assert sorted(p.name for p in solved.iterdir()) == sorted(SOLVED_FILES)
    assert {name for name, f in SOLVED_FILES.items() if f.by == "documents"} == set(DOCUMENTS)


def test_every_table_has_the_declared_columns_in_order(solved):
    for name, declared in SOLVED_FILES.items():
        if not declared.columns:
            continue
        with open(solved / name, newline="", encoding="utf-8") as handle:
            header = next(csv.reader(handle))
        assert tuple(header) == declared.names, name


def test_internal_tables_are_marked_on_every_row(solved):
    for name, declared in SOLVED_FILES.items():
        if not declared.columns:
            continue
        marked = "marking" in declared.names
        assert marked == declared.internal, f"{name}: internal files, and only they, carry the marking"
        if marked:
            with open(solved / name, newline="", encoding="utf-8") as handle:
                rows = list(csv.DictReader(handle))
            assert rows and all(row["marking"].startswith("OFFICIAL-SENSITIVE") for row in rows), name


def test_summary_json_has_the_declared_keys_in_order_and_types(solved):
    summary = json.loads((solved / "summary.json").read_text(encoding="utf-8"))
    assert list(summary) == list(SUMMARY_KEYS)
    python = {"text": str, "number": (int, float), "whole": int, "list": list, "table": dict}
    for key, declared in SUMMARY_KEYS.items():
        value = summary[key]
        if value is None:
            assert declared.nullable, f"{key} is null but not declared 'or null'"
        else:
            assert isinstance(value, python[declared.type]), (key, value)


def test_the_summary_record_refuses_a_missing_or_undeclared_key():
    every = dict.fromkeys(SUMMARY_KEYS, 1)
    assert SolvedSummary(**every).scenario == 1
    with pytest.raises(TypeError, match="gap"):
        SolvedSummary(**{k: v for k, v in every.items() if k != "gap"})
    with pytest.raises(TypeError, match="unexpected"):
        SolvedSummary(**every, shortfall=3)
    with pytest.raises(AttributeError):
        SolvedSummary(**every).gap = 0.5  # frozen


def test_the_documents_read_what_is_declared_and_nothing_else():
    assert set(SUMMARY_REQUIRED) | set(SUMMARY_OPTIONAL) == {k for k, d in SUMMARY_KEYS.items() if d.read != "no"}
    for name, columns in FILES.items():
        assert set(columns) <= set(SOLVED_FILES[name].names)
    assert set(FILES) == {n for n, f in SOLVED_FILES.items() if f.by == "solve" and f.required}


def test_a_folder_without_a_declared_required_column_is_refused(solved, tmp_path):
    import shutil

    copy = tmp_path / "edited"
    shutil.copytree(solved, copy)
    path = copy / "options.csv"
    rows = list(csv.reader(path.open(newline="", encoding="utf-8")))
    drop = rows[0].index("reason_not_chosen")
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([r[:drop] + r[drop + 1 :] for r in rows])
    result = run_cli(["report", str(copy)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "options.csv" in result.output and "reason_not_chosen" in result.output


def test_the_solved_folder_docs_are_generated_from_the_declaration():
    committed = (ROOT / "docs" / "solved-folder.md").read_text(encoding="utf-8")
    assert committed == solved_folder_markdown(), (
        "docs/solved-folder.md is stale: run placeplan schema --solved --out docs/solved-folder.md"
    )
    for file in SOLVED_FILES:
        assert f"`{file}`" in committed


def test_libreoffice_reads_every_sheet_of_the_plan_workbook(solved, tmp_path):
    """A real spreadsheet application's check: LibreOffice headless opens plan.xlsx and
    writes every sheet out, the Options sheet with its header and a row per candidate."""
    from openpyxl import load_workbook

    sheets = load_workbook(solved / "plan.xlsx", read_only=True).sheetnames
    files = libreoffice_converts(solved / "plan.xlsx", tmp_path)
    by_sheet = {f.stem.removeprefix("plan-"): f for f in files}
    assert set(by_sheet) == set(sheets)
    options = list(csv.reader(by_sheet["Options"].read_text(encoding="utf-8").splitlines()))
    with open(solved / "options.csv", newline="", encoding="utf-8") as handle:
        candidates = sum(1 for _ in csv.DictReader(handle))
    assert len([row for row in options[1:] if any(row)]) >= candidates
