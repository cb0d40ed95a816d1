"""The dataset workbook: ``placeplan data template`` and ``placeplan data build --format xlsx``.

The template is a dataset as written: with the dataset.toml its About sheet gives, it
validates; a wrong code in it is reported with its sheet, row, column and value. A built
workbook gives the same tables as the CSV build. LibreOffice opens both.
"""

from __future__ import annotations

import csv
import errno
import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import LIBREOFFICE_CSV, libreoffice_converts, run_cli
from openpyxl import load_workbook

from placeplan import outputs_io
from placeplan.codes import NEEDS
from placeplan.databuild import build_dataset
from placeplan.databuild.build import BUILT_WORKBOOK
from placeplan.dataset import load_dataset
from placeplan.dataset_workbook import (
    header_comment,
    template_about,
    template_frames,
    workbook_bytes,
)
from placeplan.read import ABOUT_SHEET
from placeplan.schema import tables

TOML_START = "# dataset.toml:"


def write_template(folder: Path, name: str = "template.xlsx") -> Path:
    result = run_cli(["data", "template", "--out", str(folder / name)])
    assert result.exit_code == 0, result.output
    return folder / name


def about_toml(workbook: Path) -> str:
    """The dataset.toml lines of the About sheet, as a user copies them out."""
    lines = [row[0] or "" for row in load_workbook(workbook)[ABOUT_SHEET].iter_rows(values_only=True)]
    start = next(i for i, line in enumerate(lines) if line.startswith(TOML_START))
    return "\n".join(lines[start:]) + "\n"


@pytest.fixture
def template(tmp_path: Path) -> Path:
    """The template with the dataset.toml from its About sheet beside it."""
    folder = tmp_path / "my-area"
    path = write_template(folder)
    (folder / "dataset.toml").write_text(about_toml(path), encoding="utf-8")
    return path


def test_one_sheet_per_table_with_the_schemas_columns_in_order(tmp_path):
    book = load_workbook(write_template(tmp_path))
    assert book.sheetnames == [ABOUT_SHEET, *tables()]
    for name, table in tables().items():
        sheet = book[name]
        header = [c.value for c in sheet[1]]
        assert header == table.names, name
        assert all(c.font.bold for c in sheet[1]), name
        assert sheet.freeze_panes == "A2", name
        rows = list(sheet.iter_rows(min_row=2, values_only=True))
        assert len(rows) == (2 if name == "travel" else 1), name  # travel: a row to the site and the option


def test_header_comments_carry_the_descriptions(tmp_path):
    book = load_workbook(write_template(tmp_path))
    for name, table in tables().items():
        for cell, column in zip(book[name][1], table.columns):
            text = cell.comment.text
            assert text == header_comment(column)
            assert column.description.strip() in text
            assert ("Required: yes" if column.required else "Required: no") in text
    need = header_comment(tables()["demand"].column("need"))
    assert "Type: need code" in need and "ASD" in need
    place_step = header_comment(tables()["candidates"].column("place_step"))
    assert "Unit: places" in place_step and "Default when blank: 1" in place_step
    needs = header_comment(tables()["sites"].column("needs"))
    assert "no drop-down list" in needs and "ASD;SLCN" in needs


def validation_lists(sheet) -> dict[str, list[str]]:
    """Column letter -> the values of the list validating it from row 2."""
    out = {}
    for rule in sheet.data_validations.dataValidation:
        assert rule.type == "list"
        (cells,) = str(rule.sqref).split()
        assert cells.endswith("1048576") and cells.split(":")[0].endswith("2")
        out["".join(ch for ch in cells.split(":")[0] if ch.isalpha())] = rule.formula1.strip('"').split(",")
    return out


def test_coded_columns_have_their_validation_list(tmp_path):
    book = load_workbook(write_template(tmp_path))
    assert validation_lists(book["demand"]) == {"B": list(NEEDS), "E": ["special", "resourced", "enhanced"]}
    assert validation_lists(book["sites"]) == {"C": list(tables()["sites"].column("kind").allowed)}
    candidates = validation_lists(book["candidates"])
    assert candidates["C"] == ["srp", "esta", "unit", "special_expansion", "new_special"]
    assert candidates["R"] == ["yes", "no"]  # host_selective
    assert set(validation_lists(book["history"])) == {"B", "C"}  # setting, need
    # a needs cell holds several codes, which no list can validate: its comment says so
    assert "F" not in validation_lists(book["sites"])


def test_the_template_with_its_dataset_toml_validates(template):
    result = run_cli(["validate", str(template.parent)])
    assert result.exit_code == 0, result.output
    dataset = load_dataset(template.parent)
    assert set(dataset.tables) == set(tables())
    assert dataset.meta.base_year == 2024
    assert dataset["travel"]["site_id"].tolist() == ["S001", "O001"]


def test_an_unknown_need_is_reported_with_its_sheet_row_column_and_value(template):
    book = load_workbook(template)
    sheet = book["demand"]
    column = [c.value for c in sheet[1]].index("need") + 1
    sheet.cell(row=2, column=column, value="AUTISMX")
    book.save(template)
    result = run_cli(["validate", str(template.parent)])
    assert result.exit_code == 2, result.output
    assert "template.xlsx, sheet demand row 2, column need: 'AUTISMX'" in result.output
    assert "Traceback" not in result.output


def test_a_deleted_required_sheet_is_missing_and_about_is_not_taken_for_it(template):
    book = load_workbook(template)
    del book["zones"]
    book.save(template)
    result = run_cli(["validate", str(template.parent)])
    assert result.exit_code == 2, result.output
    assert "zones.csv: is missing" in result.output
    assert "is 'About' the zones table" not in result.output


def test_the_template_is_the_same_bytes_every_time(tmp_path):
    first = write_template(tmp_path / "a").read_bytes()
    second = write_template(tmp_path / "b").read_bytes()
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        core = archive.read("docProps/core.xml").decode()
        assert "2025-01-01T00:00:00Z" in core
        assert {info.date_time[:3] for info in archive.infolist()} == {(2025, 1, 1)}


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    """Names are data: the workbook holds them as text cells, and they come back as written."""
    frames = template_frames()
    names = ['=HYPERLINK("http://example.org","x")', "@SUM(A1)"]
    frames["sites"].loc[0, "name"] = names[0]
    frames["candidates"].loc[0, "name"] = names[1]
    folder = tmp_path / "named"
    folder.mkdir()
    (folder / "book.xlsx").write_bytes(workbook_bytes(frames, template_about("book.xlsx"), title="named"))
    (folder / "dataset.toml").write_text(about_toml(folder / "book.xlsx"), encoding="utf-8")
    with zipfile.ZipFile(folder / "book.xlsx") as archive:
        assert not any(b"<f>" in archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/"))
    cell = load_workbook(folder / "book.xlsx")["sites"]["B2"]
    assert cell.data_type == "s" and cell.quotePrefix
    dataset = load_dataset(folder)
    assert dataset["sites"]["name"].tolist() == names[:1]
    assert dataset["candidates"]["name"].tolist() == names[1:]


# --- refused targets ---------------------------------------------------------------------


def test_a_folder_is_refused(tmp_path):
    result = run_cli(["data", "template", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "is a folder" in result.output and "Traceback" not in result.output


def test_a_name_not_ending_xlsx_is_refused(tmp_path):
    result = run_cli(["data", "template", "--out", str(tmp_path / "template.csv")])
    assert result.exit_code == 2
    assert "template.csv" in result.output and ".xlsx" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "template.csv").exists()


def test_a_datasets_workbook_is_not_written_over(template):
    before = template.read_bytes()
    result = run_cli(["data", "template", "--out", str(template)])
    assert result.exit_code == 2
    assert "is an input" in result.output and "Traceback" not in result.output
    assert template.read_bytes() == before


def test_a_file_where_a_folder_is_needed_is_refused(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    result = run_cli(["data", "template", "--out", str(tmp_path / "file" / "template.xlsx")])
    assert result.exit_code == 2
    assert "is a file" in result.output and "Traceback" not in result.output


def test_a_full_disk_is_said_in_words_and_leaves_nothing(tmp_path, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(outputs_io.os, "replace", full)
    result = run_cli(["data", "template", "--out", str(tmp_path / "template.xlsx")])
    assert result.exit_code == 2
    assert "the disk is full" in result.output and "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


# --- the builder's workbook ----------------------------------------------------------------


@pytest.fixture(scope="module")
def rutland(tmp_path_factory) -> dict[str, Path]:
    """Rutland (the cheapest council) built both ways, the workbook through the CLI."""
    root = tmp_path_factory.mktemp("rutland")
    csv_build = build_dataset(["Rutland"], root / "csv").path
    result = run_cli(["data", "build", "--la", "Rutland", "--out", str(root / "xlsx"), "--format", "xlsx"])
    assert result.exit_code == 0, result.output
    return {"csv": csv_build, "xlsx": root / "xlsx"}


def test_the_xlsx_build_is_one_workbook_beside_dataset_toml_and_readme(rutland):
    assert sorted(p.name for p in rutland["xlsx"].iterdir()) == sorted([BUILT_WORKBOOK, "README.md", "dataset.toml"])
    assert "Replace the demand sheet of dataset.xlsx" in (rutland["xlsx"] / "README.md").read_text()
    assert "--format xlsx" in (rutland["xlsx"] / "dataset.toml").read_text()


def test_the_xlsx_build_gives_the_csv_builds_tables(rutland):
    from_csv, from_xlsx = load_dataset(rutland["csv"]), load_dataset(rutland["xlsx"])
    assert list(from_xlsx.tables) == list(from_csv.tables)
    for name, frame in from_csv.tables.items():
        pd.testing.assert_frame_equal(from_xlsx[name], frame, obj=name)
    assert from_xlsx.meta.name == from_csv.meta.name
    result = run_cli(["validate", str(rutland["xlsx"])])
    assert result.exit_code == 0, result.output


def test_the_built_workbook_is_laid_out_as_the_template(rutland, tmp_path):
    built = load_workbook(rutland["xlsx"] / BUILT_WORKBOOK)
    template = load_workbook(write_template(tmp_path))
    assert built.sheetnames[0] == ABOUT_SHEET
    for name in built.sheetnames[1:]:
        assert [c.value for c in built[name][1]] == tables()[name].names
        assert [c.comment.text for c in built[name][1]] == [c.comment.text for c in template[name][1]]
        assert validation_lists(built[name]) == validation_lists(template[name])
        assert built[name].freeze_panes == "A2"


def test_the_xlsx_build_is_the_same_bytes_every_time(tmp_path):
    # the About sheet names the command, --out and all: the same command, the same bytes
    command = "placeplan data build --la Rutland --out rutland --format xlsx"
    first, second = (
        build_dataset(["Rutland"], tmp_path / folder, table_format="xlsx", command=command).path
        for folder in ("a", "b")
    )
    assert (first / BUILT_WORKBOOK).read_bytes() == (second / BUILT_WORKBOOK).read_bytes()


# --- LibreOffice ---------------------------------------------------------------------------


def test_libreoffice_opens_the_template_with_its_headers(tmp_path):
    path = write_template(tmp_path / "t")
    files = libreoffice_converts(path, tmp_path / "csv", to=LIBREOFFICE_CSV)
    by_sheet = {f.stem.removeprefix(f"{path.stem}-"): f for f in files}
    assert set(by_sheet) == {ABOUT_SHEET, *tables()}
    for name, table in tables().items():
        rows = list(csv.reader(by_sheet[name].read_text(encoding="utf-8").splitlines()))
        assert rows[0] == table.names, name
    demand = dict(zip(*csv.reader(by_sheet["demand"].read_text(encoding="utf-8").splitlines())))
    assert demand["need"] == "ASD"


def test_a_workbook_libreoffice_saved_again_still_validates(template, tmp_path):
    (saved,) = libreoffice_converts(template, tmp_path / "xlsx", to="xlsx")
    folder = tmp_path / "saved"
    folder.mkdir()
    saved.rename(folder / saved.name)
    (folder / "dataset.toml").write_text(about_toml(folder / saved.name), encoding="utf-8")
    result = run_cli(["validate", str(folder)])
    assert result.exit_code == 0, result.output
