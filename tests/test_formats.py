"""The same tiny dataset in every input format placeplan reads gives the same tables.

Each variant is written by the test from tests/fixtures/tiny: CSV saved the way Excel
saves 'CSV UTF-8' on Windows (byte-order mark, CRLF line endings), one XLSX workbook with
a sheet per table, and zones as a GeoPackage of square polygons around the tiny points.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import TINY, TINY_TABLES, hashes, read_rows, run_cli

from placeplan.dataset import load_dataset

HALF_SIDE = 500.0  # metres: each zone becomes a 1 km square centred on its point


@pytest.fixture(scope="module")
def original() -> dict[str, pd.DataFrame]:
    return load_dataset(TINY).tables


def assert_same_tables(got: dict[str, pd.DataFrame], want: dict[str, pd.DataFrame]) -> None:
    assert list(got) == list(want)
    for name in want:
        pd.testing.assert_frame_equal(got[name], want[name], obj=name)


def _typed(text: str) -> object:
    """A cell as a spreadsheet would hold it: numbers as numbers, the rest as text."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text if text != "" else None


def write_workbook(folder: Path, name: str = "tiny.xlsx", edit: tuple[str, int, str, object] | None = None) -> Path:
    """Move every table of the folder into one workbook, a sheet per table.

    edit = (sheet, row, column, value) changes one cell; row as the sheet shows it.
    """
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for table in TINY_TABLES:
        path = folder / f"{table}.csv"
        rows = read_rows(path)
        sheet = book.create_sheet(table)
        for i, row in enumerate(rows, start=1):
            values = row if i == 1 else [_typed(v) for v in row]
            if edit is not None and edit[0] == table and edit[1] == i:
                values[rows[0].index(edit[2])] = edit[3]
            sheet.append(values)
        path.unlink()
    out = folder / name
    book.save(out)
    return out


def write_zones_gpkg(folder: Path, *, keep_xy: bool, crs: str = "EPSG:27700") -> Path:
    """zones.csv as zones.gpkg: a square polygon around each point, with or without x, y."""
    import geopandas as gpd
    from shapely.geometry import box

    zones = pd.read_csv(folder / "zones.csv", dtype=str)
    squares = [
        box(float(x) - HALF_SIDE, float(y) - HALF_SIDE, float(x) + HALF_SIDE, float(y) + HALF_SIDE)
        for x, y in zip(zones["x"], zones["y"])
    ]
    frame = gpd.GeoDataFrame(
        zones if keep_xy else zones.drop(columns=["x", "y"]), geometry=squares, crs="EPSG:27700"
    ).to_crs(crs)
    out = folder / "zones.gpkg"
    frame.to_file(out, driver="GPKG", layer="zones")
    (folder / "zones.csv").unlink()
    return out


def test_csv_with_bom_and_crlf(tiny_copy, original):
    for table in TINY_TABLES:
        path = tiny_copy / f"{table}.csv"
        text = path.read_text(encoding="utf-8")
        path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    assert (tiny_copy / "zones.csv").read_bytes().startswith(b"\xef\xbb\xbfzone_id,name")
    dataset = load_dataset(tiny_copy)
    assert_same_tables(dataset.tables, original)
    assert dataset.warnings == []  # the BOM does not turn into an unknown column


def test_xlsx_workbook_with_a_sheet_per_table(tiny_copy, original):
    write_workbook(tiny_copy)
    assert sorted(p.name for p in tiny_copy.iterdir()) == ["dataset.toml", "tiny.xlsx"]
    dataset = load_dataset(tiny_copy)
    assert_same_tables(dataset.tables, original)
    assert dataset.warnings == []


def test_zones_as_geopackage_with_x_and_y(tiny_copy, original):
    write_zones_gpkg(tiny_copy, keep_xy=True)
    dataset = load_dataset(tiny_copy)
    assert_same_tables(dataset.tables, original)
    assert len(dataset.geometry) == 5
    assert dataset.geometry.area.tolist() == [4 * HALF_SIDE**2] * 5


def test_zones_as_geopackage_without_x_and_y_use_points_inside_the_polygons(tiny_copy, original):
    write_zones_gpkg(tiny_copy, keep_xy=False)
    dataset = load_dataset(tiny_copy)
    zones = dataset["zones"]
    # a square's representative point is its centre: the original point
    assert zones["x"].tolist() == [520000.0, 522000.0, 524000.0, 526000.0, 528000.0]
    assert zones["y"].tolist() == [170000.0] * 5
    assert_same_tables(dataset.tables, original)


def test_geopackage_in_another_crs_than_declared_is_an_error(tiny_copy):
    write_zones_gpkg(tiny_copy, keep_xy=False, crs="EPSG:4326")
    result = run_cli(["validate", tiny_copy])
    assert result.exit_code == 2
    assert "zones.gpkg: is in EPSG:4326 but dataset.toml declares EPSG:27700; expected the same CRS" in result.stderr


def test_every_format_gives_the_same_validate_output(tiny_copy, tmp_path):
    want = run_cli(["validate", "--format", "json", TINY])
    write_workbook(tiny_copy)
    got = run_cli(["validate", "--format", "json", tiny_copy])
    assert want.exit_code == got.exit_code == 0
    assert got.stdout == want.stdout


def test_errors_in_a_sheet_name_the_workbook_and_sheet(tiny_copy):
    write_workbook(tiny_copy, edit=("demand", 4, "need", "AUT"))
    before = hashes(tiny_copy)
    result = run_cli(["validate", tiny_copy])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert ("tiny.xlsx, sheet demand row 4, column need: 'AUT' is not a need code; did you mean ASD?") in result.stderr
    assert hashes(tiny_copy) == before


def test_numbers_typed_as_text_in_a_sheet_are_reported_with_the_sheet(tiny_copy):
    write_workbook(tiny_copy, edit=("sites", 3, "capacity", "four"))
    result = run_cli(["validate", tiny_copy])
    assert result.exit_code == 2
    assert (
        "tiny.xlsx, sheet sites row 3, column capacity: 'four' is not a number; expected a whole number"
    ) in result.stderr


def test_a_table_both_as_csv_and_as_a_sheet_is_an_error(tiny_copy):
    (tiny_copy / "kept.csv").write_bytes((tiny_copy / "demand.csv").read_bytes())
    write_workbook(tiny_copy)
    (tiny_copy / "kept.csv").rename(tiny_copy / "demand.csv")
    result = run_cli(["validate", tiny_copy])
    assert result.exit_code == 2
    assert (
        "demand: is given more than once (demand.csv, tiny.xlsx, sheet demand); expected one file or sheet"
    ) in result.stderr
