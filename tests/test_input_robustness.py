"""Inputs that used to crash placeplan (exit 1, "internal error") or were refused unclearly.

Each case starts from a valid copy of the tiny dataset, breaks one thing the way real files
arrive broken, and checks that ``placeplan validate`` (and ``solve`` where the crash was
after validation) ends with exit 2 and a located message, or exit 0 with a warning where
placeplan accepts the input; never a traceback, and the input files byte-identical.

The classes, in order: numbers that do not fit; dataset.toml of the wrong shape;
GeoPackage geometry and layers; CSV layout; Excel workbooks; ids that differ only by case
or invisible characters; terminal control characters in values.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import (
    TINY,
    copy_row,
    full_travel,
    hashes,
    read_rows,
    run_cli,
    set_cell,
    write_rows,
    write_travel,
)
from test_formats import write_workbook

from placeplan.errors import printable
from placeplan.schema import tables

Mutation = Callable[[Path], None]


def check(
    folder: Path,
    *,
    code: int,
    expected: list[str] = (),
    absent: list[str] = (),
    command: str = "validate",
    target: Path | None = None,
) -> str:
    """Run a command on the folder; assert the exit code, the lines and untouched inputs."""
    before = hashes(folder)
    args = [command, target or folder]
    if command == "solve":
        args += ["--out", folder.parent / "out", "--no-explain", "--no-outputs"]
    result = run_cli(args)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert "internal error" not in result.output
    for line in expected:
        assert line in result.stderr, f"expected:\n  {line}\ngot:\n{result.stderr}"
    for line in absent:
        assert line not in result.stderr, f"did not expect:\n  {line}\ngot:\n{result.stderr}"
    assert hashes(folder) == before  # inputs are never written
    return result.stderr


def _cell(table: str, row: int, column: str, value: str) -> Mutation:
    return lambda folder: set_cell(folder, table, row, column, value)


def _travel(minutes: str = "10", km: str | None = None) -> Mutation:
    """A full travel table whose first row has the given minutes (and km, when given)."""

    def mutate(folder: Path) -> None:
        pairs = full_travel(folder)
        pairs[0] = (pairs[0][0], pairs[0][1], minutes)
        write_travel(folder, pairs)
        if km is not None:
            rows = read_rows(folder / "travel.csv")
            rows[0].append("km")
            for i, row in enumerate(rows[1:]):
                row.append(km if i == 0 else "5")
            write_rows(folder / "travel.csv", rows)

    return mutate


# --- 1. numbers that do not fit ---------------------------------------------------------

NUMBERS: list[tuple[str, Mutation, str]] = [
    (
        "pupils-1e308",
        _cell("demand", 2, "pupils", "1e308"),
        "demand.csv row 2, column pupils: '1e308' is too large; expected a whole number up to 100,000 pupils",
    ),
    (
        "pupils-beyond-int64",
        _cell("demand", 3, "pupils", "10000000000000000000"),
        "demand.csv row 3, column pupils: '10000000000000000000' is too large; expected a whole "
        "number up to 100,000 pupils",
    ),
    (
        "capacity-1e308",
        _cell("sites", 2, "capacity", "1e308"),
        "sites.csv row 2, column capacity: '1e308' is too large; expected a whole number up to 10,000 places",
    ),
    (
        "max-places-beyond-int64",
        _cell("candidates", 2, "max_places", "10000000000000000000"),
        "candidates.csv row 2, column max_places: '10000000000000000000' is too large; expected a "
        "whole number up to 10,000 places",
    ),
    (
        "place-step-1e308",
        _cell("candidates", 3, "place_step", "1e308"),
        "candidates.csv row 3, column place_step: '1e308' is too large; expected a whole number up to 10,000 places",
    ),
    (
        "on-roll-minus-1e308",
        _cell("sites", 3, "on_roll", "-1e308"),
        "sites.csv row 3, column on_roll: '-1e308' is negative; expected 0 or more pupils",
    ),
    (
        "capital-fixed-1e308",
        _cell("candidates", 2, "capital_fixed", "1e308"),
        "candidates.csv row 2, column capital_fixed: '1e308' is too large; expected a number up to 1,000,000,000 GBP",
    ),
    (
        "capital-per-place-1e400",
        _cell("candidates", 4, "capital_per_place", "1e400"),
        "candidates.csv row 4, column capital_per_place: '1e400' is too large; expected a number "
        "up to 10,000,000 GBP per place",
    ),
    (
        "annual-cost-beyond-int64",
        _cell("sites", 4, "annual_cost_per_place", "10000000000000000000"),
        "sites.csv row 4, column annual_cost_per_place: '10000000000000000000' is too large; "
        "expected a number up to 10,000,000 GBP per place per year",
    ),
    (
        "ncy-1e308",
        _cell("demand", 2, "ncy", "1e308"),
        "demand.csv row 2, column ncy: '1e308' is too large; expected -1 to 20",
    ),
    (
        "year-beyond-int64",
        _cell("candidates", 2, "earliest_year", "10000000000000000000"),
        "candidates.csv row 2, column earliest_year: '10000000000000000000' is too large; expected 2000 to 2100",
    ),
    (
        "population-beyond-int64",
        _cell("zones", 2, "population_0_15", "10000000000000000000"),
        "zones.csv row 2, column population_0_15: '10000000000000000000' is too large; expected a "
        "whole number up to 10,000,000 people",
    ),
    (
        "coordinate-1e308",
        _cell("zones", 4, "x", "1e308"),
        "zones.csv row 4, column x: '1e308' is too large; expected a number up to 1,000,000,000,000,000 CRS units",
    ),
    (
        "ratio-1e308",
        _cell("candidates", 2, "host_first_preference_ratio", "1e308"),
        "candidates.csv row 2, column host_first_preference_ratio: '1e308' is too large; expected a number up to 1000",
    ),
    (
        "minutes-1e308",
        _travel("1e308"),
        "travel.csv row 2, column minutes: '1e308' is too large; expected a number up to 10,000,000,000 minutes",
    ),
    (
        "km-1e308",
        _travel("10", km="1e308"),
        "travel.csv row 2, column km: '1e308' is too large; expected a number up to 100,000 km",
    ),
    (
        "infinity-written-out",
        _cell("demand", 2, "pupils", "inf"),
        "demand.csv row 2, column pupils: 'inf' is not a number; expected a whole number",
    ),
]


@pytest.mark.parametrize(("mutate", "expected"), [c[1:] for c in NUMBERS], ids=[c[0] for c in NUMBERS])
def test_numbers_that_do_not_fit_are_located_with_their_bound(tiny_copy, mutate, expected):
    mutate(tiny_copy)
    check(tiny_copy, code=2, expected=[expected])


# these passed validation before and failed (or were silently absurd) downstream
DOWNSTREAM = ["capital-fixed-1e308", "capital-per-place-1e400", "annual-cost-beyond-int64", "minutes-1e308"]


@pytest.mark.parametrize("case", DOWNSTREAM)
def test_solve_refuses_numbers_that_do_not_fit_before_solving(tiny_copy, case):
    _, mutate, expected = next(c for c in NUMBERS if c[0] == case)
    mutate(tiny_copy)
    check(tiny_copy, code=2, expected=[expected], command="solve")


def _everything_at_its_bound(folder: Path) -> None:
    set_cell(folder, "demand", 2, "pupils", "100000")
    set_cell(folder, "sites", 2, "capacity", "10000")
    set_cell(folder, "sites", 2, "on_roll", "10000")
    set_cell(folder, "sites", 3, "annual_cost_per_place", "10000000")
    set_cell(folder, "zones", 2, "population_0_15", "10000000")
    for row in (2, 3, 4):
        for column, value in (
            ("capital_fixed", "1000000000"),
            ("capital_per_place", "10000000"),
            ("annual_cost_per_place", "10000000"),
            ("max_places", "10000"),
            ("host_first_preference_ratio", "1000"),
        ):
            set_cell(folder, "candidates", row, column, value)


def test_values_at_their_bounds_solve_and_make_every_output(tiny_copy):
    """The bounds are sensible: the largest values allowed solve, and every document is
    written from them, without an overflow anywhere downstream."""
    _everything_at_its_bound(tiny_copy)
    before = hashes(tiny_copy)
    result = run_cli(["solve", tiny_copy, "--out", tiny_copy.parent / "out"])
    assert result.exit_code == 0, result.output
    assert (tiny_copy.parent / "out" / "map.html").is_file()
    assert hashes(tiny_copy) == before


def test_every_count_and_amount_declares_a_maximum():
    """Bounds are data: every whole-number and number column but the coordinates has a
    maximum in placeplan/schema, so docs, messages and checks share it."""
    unbounded = [
        f"{t.name}.{c.name}"
        for t in tables().values()
        for c in t.columns
        if c.type in ("integer", "number") and c.max is None and c.name not in ("x", "y")
    ]
    assert unbounded == []


# --- 2. dataset.toml of the wrong shape -------------------------------------------------

META = 'name = "Tiny test borough"\ncrs = "EPSG:27700"\nbase_year = "2024/25"\nlicence = "CC0"\n'


def _meta(text: str) -> Mutation:
    def mutate(folder: Path) -> None:
        (folder / "dataset.toml").write_text(text, encoding="utf-8")

    return mutate


def _moved_out(path_text: Callable[[Path], str]) -> Mutation:
    """demand.csv moved beside the dataset folder and named in [files] by path_text."""

    def mutate(folder: Path) -> None:
        shutil.move(folder / "demand.csv", folder.parent / "demand.csv")
        (folder / "dataset.toml").write_text(META + f'[files]\ndemand = "{path_text(folder)}"\n', encoding="utf-8")

    return mutate


def _meta_bytes(data: Callable[[str], bytes]) -> Mutation:
    def mutate(folder: Path) -> None:
        (folder / "dataset.toml").write_bytes(data(META.replace("Tiny test", "Tîny tëst")))

    return mutate


DATASET_TOML: list[tuple[str, Mutation, str]] = [
    (
        "files-is-text",
        _meta('files = "demand.csv"\n' + META),
        "dataset.toml key files: 'demand.csv' is text in quotes; expected a table of file names, for example "
        '[files] demand = "caseload.csv"',
    ),
    (
        "files-holds-a-number",
        _meta(META + "[files]\ndemand = 5\n"),
        "dataset.toml key files.demand: '5' is a number; expected a file name, for example demand = "
        '"demand-2025.csv"',
    ),
    (
        "files-unknown-table",
        _meta(META + '[files]\ndemnad = "demand.csv"\n'),
        "dataset.toml key files.demnad: is not a table of the data standard; did you mean demand?",
    ),
    (
        "files-names-a-workbook",
        _meta(META + '[files]\ndemand = "demand.xlsx"\n'),
        "dataset.toml key files.demand: 'demand.xlsx' is a workbook; expected a CSV file",
    ),
    (
        "workbook-is-a-number",
        _meta("workbook = 5\n" + META),
        "dataset.toml key workbook: '5' is a number; expected the file name of a workbook in the "
        'folder, for example workbook = "send-data.xlsx"',
    ),
    (
        "workbook-not-excel",
        _meta('workbook = "demand.csv"\n' + META),
        "dataset.toml key workbook: 'demand.csv' is not an Excel workbook; expected an .xlsx (or .xlsm) file",
    ),
    (
        "sources-is-a-number",
        _meta("sources = 5\n" + META),
        "dataset.toml key sources: '5' is a number; expected [[sources]] tables, each with at least a name",
    ),
    (
        "sources-are-text",
        _meta('sources = ["ONS", "DfE"]\n' + META),
        "dataset.toml key sources[1]: 'DfE' expected a table with at least a name",
    ),
    (
        "name-is-a-table",
        _meta(META.replace('name = "Tiny test borough"\n', "") + "[name]\nfull = 1\n"),
        "dataset.toml key name: '{'full': 1}' is a table; expected text, for example name = \"Kingston and Richmond\"",
    ),
    (
        "crs-is-a-number",
        _meta(META.replace('"EPSG:27700"', "27700")),
        "dataset.toml key crs: '27700' is a number; expected text, for example crs = \"EPSG:27700\"",
    ),
    (
        "base-year-is-a-date",
        _meta(META.replace('"2024/25"', "2024-09-01")),
        "dataset.toml key base_year: '2024-09-01' is a date or time; expected an academic year as "
        'text, for example base_year = "2024/25"',
    ),
    (
        "licence-is-a-number",
        _meta(META.replace('"CC0"', "0")),
        "dataset.toml key licence: '0' is a number; expected text, for example licence = \"OGL-UK-3.0\"",
    ),
    (
        "description-is-a-list",
        _meta('description = ["a", "b"]\n' + META),
        "dataset.toml key description: '['a', 'b']' is a list; expected text",
    ),
    (
        "files-up-and-out",
        _moved_out(lambda folder: "../demand.csv"),
        "dataset.toml key files.demand: '../demand.csv' points outside the dataset folder, to "
        "{parent}/demand.csv; expected a file in {folder}",
    ),
    (
        "files-absolute-elsewhere",
        _moved_out(lambda folder: str(folder.parent / "demand.csv")),
        "dataset.toml key files.demand: '{parent}/demand.csv' points outside the dataset folder, to "
        "{parent}/demand.csv; expected a file in {folder}",
    ),
    (
        "toml-windows-1252",
        _meta_bytes(lambda text: text.encode("cp1252")),
        "dataset.toml: 'name = \"Tîny tëst borough\"' is not UTF-8 text: line 1 looks like "
        "Windows-1252 (what Excel and Notepad save as 'ANSI'); expected UTF-8",
    ),
    (
        "toml-utf-16",
        _meta_bytes(lambda text: text.encode("utf-16")),
        "dataset.toml: is not UTF-8 text: it looks like UTF-16 (it starts with a UTF-16 byte-order mark",
    ),
]


@pytest.mark.parametrize(("mutate", "expected"), [c[1:] for c in DATASET_TOML], ids=[c[0] for c in DATASET_TOML])
def test_dataset_toml_of_the_wrong_shape_is_located(tiny_copy, mutate, expected):
    mutate(tiny_copy)
    folder = tiny_copy.resolve()
    expected = expected.replace("{folder}", str(folder)).replace("{parent}", str(folder.parent))
    check(tiny_copy, code=2, expected=[expected])


def test_files_inside_the_folder_by_absolute_path_are_read(tiny_copy):
    (tiny_copy / "demand.csv").rename(tiny_copy / "caseload.csv")
    _meta(META + f'[files]\ndemand = "{(tiny_copy / "caseload.csv").resolve()}"\n')(tiny_copy)
    check(tiny_copy, code=0)


def test_files_naming_a_folder_says_so(tiny_copy):
    (tiny_copy / "caseload").mkdir()
    _meta(META + '[files]\ndemand = "caseload/"\n')(tiny_copy)
    check(tiny_copy, code=2, expected=["caseload: is a folder (named for demand in dataset.toml); expected a CSV file"])


def test_dataset_toml_problems_stop_solve_too(tiny_copy):
    _meta('files = "demand.csv"\n' + META)(tiny_copy)
    check(tiny_copy, code=2, command="solve", expected=["dataset.toml key files: 'demand.csv' is text in quotes"])


# --- 3. GeoPackage zones ------------------------------------------------------------------


def _gpkg(
    folder: Path,
    *,
    shapes: dict[int, object] | None = None,
    layers: tuple[str, ...] = ("zones",),
    keep_xy: bool = False,
) -> None:
    """zones.csv as zones.gpkg: 1 km squares, some replaced by the given shapes (by zone
    position), written to each of the given layers."""
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import box

    zones = pd.read_csv(folder / "zones.csv", dtype=str)
    squares = [
        box(float(x) - 500, float(y) - 500, float(x) + 500, float(y) + 500) for x, y in zip(zones["x"], zones["y"])
    ]
    for i, shape in (shapes or {}).items():
        squares[i] = shape
    frame = gpd.GeoDataFrame(zones if keep_xy else zones.drop(columns=["x", "y"]), geometry=squares, crs="EPSG:27700")
    for layer in layers:
        frame.to_file(folder / "zones.gpkg", driver="GPKG", layer=layer)
    (folder / "zones.csv").unlink()


def _bow_tie():
    from shapely.geometry import Polygon

    # Z2's square drawn with two corners swapped: the boundary crosses itself at the centre
    return Polygon([(521500, 169500), (522500, 170500), (522500, 169500), (521500, 170500)])


def test_bow_tie_zone_is_repaired_with_a_warning_and_the_map_is_drawn(tiny_copy):
    """The self-intersecting polygon passed validation and crashed the map (GEOS: 'side
    location conflict'). It is now repaired with shapely.make_valid and warned about."""
    _gpkg(tiny_copy, shapes={1: _bow_tie()})
    warning = (
        "warning: zones.gpkg row 3, column geometry: is not a valid polygon for zone Z2 "
        "(self-intersection at 522000 170000); repaired with shapely.make_valid into 2 "
        "parts of the same area"
    )
    check(tiny_copy, code=0, expected=[warning])
    before = hashes(tiny_copy)
    result = run_cli(["solve", tiny_copy, "--out", tiny_copy.parent / "out", "--no-explain"])
    assert result.exit_code == 0, result.output
    assert warning in result.stderr
    assert (tiny_copy.parent / "out" / "map.html").is_file()
    assert hashes(tiny_copy) == before


def _empty():
    from shapely.geometry import Polygon

    return Polygon()


def _point():
    from shapely.geometry import Point

    return Point(522000, 170000)


def _collapsed():
    from shapely.geometry import Polygon

    return Polygon([(521500, 169500), (522500, 170500), (521500, 169500), (522500, 170500)])


GEOMETRY: list[tuple[str, dict, str]] = [
    (
        "empty",
        {"shapes": {1: _empty}},
        "zones.gpkg row 3, column geometry: is empty for zone Z2; expected the zone's boundary as a polygon",
    ),
    (
        "missing-with-x-and-y",
        {"shapes": {3: None}, "keep_xy": True},
        "zones.gpkg row 5, column geometry: is empty for zone Z4; expected the zone's boundary as a polygon",
    ),
    (
        "a-point",
        {"shapes": {0: _point}},
        "zones.gpkg row 2, column geometry: is a Point for zone Z1; expected the zone's boundary as a polygon",
    ),
    (
        "no-area-once-repaired",
        {"shapes": {2: _collapsed}},
        "zones.gpkg row 4, column geometry: is not a valid polygon for zone Z3",
    ),
    (
        "two-layers-none-named-zones",
        {"layers": ("lsoa", "wards")},
        "zones.gpkg: has 2 layers (lsoa, wards); expected one layer, or one named zones",
    ),
]


@pytest.mark.parametrize(("options", "expected"), [c[1:] for c in GEOMETRY], ids=[c[0] for c in GEOMETRY])
def test_geopackage_geometry_and_layers_are_located(tiny_copy, options, expected):
    options = dict(options)
    if "shapes" in options:
        options["shapes"] = {i: (s() if callable(s) else s) for i, s in options["shapes"].items()}
    _gpkg(tiny_copy, **options)
    out = check(tiny_copy, code=2, expected=[expected])
    assert "'nan' is not a number" not in out  # no second message for the missing point


def test_geopackage_with_a_zones_layer_among_others_reads_it_and_says_so(tiny_copy):
    _gpkg(tiny_copy, layers=("zones", "wards"))
    out = check(
        tiny_copy,
        code=0,
        expected=[
            "warning: zones.gpkg: has 2 layers (zones, wards); the layer named zones is read and the others are ignored"
        ],
    )
    assert "UserWarning" not in out  # pyogrio's own warning is not shown


def test_geopackage_with_one_layer_of_another_name_is_read(tiny_copy):
    _gpkg(tiny_copy, layers=("lsoa21",))
    check(tiny_copy, code=0, absent=["warning"])


# --- 4. CSV layout --------------------------------------------------------------------------


def _separated(sep: str) -> Mutation:
    def mutate(folder: Path) -> None:
        path = folder / "demand.csv"
        path.write_text(path.read_text(encoding="utf-8").replace(",", sep), encoding="utf-8")

    return mutate


@pytest.mark.parametrize(
    ("sep", "words", "shown"),
    [
        (";", "semicolons (;)", "'zone_id;need;ncy;pupils'"),
        ("\t", "tabs", "'zone_id\\tneed\\tncy\\tpupils'"),
        ("|", "vertical bars (|)", "'zone_id|need|ncy|pupils'"),
    ],
)
def test_a_csv_split_by_another_separator_names_it(tiny_copy, sep, words, shown):
    _separated(sep)(tiny_copy)
    check(
        tiny_copy,
        code=2,
        expected=[
            f"demand.csv row 1: {shown} is split by {words}, not commas; expected a comma-separated "
            "file (in Excel: Save as 'CSV UTF-8 (Comma delimited)')"
        ],
        absent=["is missing; expected a column named"],
    )


def _title(lines: str) -> Mutation:
    def mutate(folder: Path) -> None:
        path = folder / "demand.csv"
        path.write_text(lines + path.read_text(encoding="utf-8"), encoding="utf-8")

    return mutate


@pytest.mark.parametrize(
    ("title", "header_row"),
    [
        ("Demand 2025,,,\n,,,\n", 3),  # as Excel saves a title in A1 and a blank row
        ("Demand 2025\n\n", 3),  # as a text editor leaves it: fewer fields than the header
        ("Demand 2025\n", 2),
    ],
)
def test_a_title_above_the_header_is_skipped_with_a_warning(tiny_copy, title, header_row):
    _title(title)(tiny_copy)
    rows = "row 1 is" if header_row == 2 else "rows 1 and 2 are"
    check(
        tiny_copy,
        code=0,
        expected=[
            f"warning: demand.csv row 1: 'Demand 2025' is above the header, which is on row "
            f"{header_row}; {rows} read as a title and skipped (expected the header on row 1)"
        ],
    )


def test_rows_below_a_title_keep_their_file_row_numbers(tiny_copy):
    set_cell(tiny_copy, "demand", 4, "need", "AUT")  # the third record...
    _title("Demand 2025\n\n")(tiny_copy)  # ...is file row 6 below a title and a blank
    check(tiny_copy, code=2, expected=["demand.csv row 6, column need: 'AUT' is not a need code; did you mean ASD?"])


def test_a_blank_first_line_is_skipped_with_a_warning(tiny_copy):
    _title("\n")(tiny_copy)
    check(
        tiny_copy,
        code=0,
        expected=[
            "warning: demand.csv row 1: is blank and the header is on row 2; row 1 is skipped "
            "(expected the header on row 1)"
        ],
    )


def test_a_utf16_csv_says_so(tiny_copy):
    path = tiny_copy / "zones.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))
    check(
        tiny_copy,
        code=2,
        expected=[
            "zones.csv: is not UTF-8 text: it looks like UTF-16 (it starts with a UTF-16 byte-order "
            "mark, as Excel's 'Unicode Text' does); expected a file saved as 'CSV UTF-8' from Excel"
        ],
    )


def test_windows_1252_csv_keeps_its_message(tiny_copy):
    path = tiny_copy / "zones.csv"
    path.write_bytes(path.read_bytes().replace(b"Mill Lane", "Mill Lané".encode("cp1252")))
    check(
        tiny_copy,
        code=2,
        expected=[
            "zones.csv row 3: 'Z2,Mill Lané,522000,170000,999,1200' is not UTF-8 text; expected a "
            "file saved as 'CSV UTF-8' from Excel"
        ],
    )


# --- 5. Excel workbooks ------------------------------------------------------------------


def _edit_book(folder: Path, edit: Callable[[object], None], name: str = "tiny.xlsx") -> Path:
    """The tiny tables as one workbook, then edited with openpyxl."""
    from openpyxl import load_workbook

    path = write_workbook(folder, name=name)
    book = load_workbook(path, keep_vba=False)
    edit(book)
    book.save(path)
    return path


def _rename_sheet(old: str, new: str) -> Callable[[object], None]:
    def edit(book) -> None:
        book[old].title = new

    return edit


@pytest.mark.parametrize(
    ("sheet", "listed"),
    [
        ("Demand 2025", "'zones', 'Demand 2025', 'sites', 'candidates'"),
        ("Sheet1", "'zones', 'Sheet1', 'sites', 'candidates'"),
    ],
)
def test_a_table_without_a_sheet_lists_the_sheets_and_suggests_one(tiny_copy, sheet, listed):
    _edit_book(tiny_copy, _rename_sheet("demand", sheet))
    check(
        tiny_copy,
        code=2,
        expected=[
            f"demand.csv: is missing; expected the demand table as demand.csv or a sheet named demand "
            f"in a workbook; tiny.xlsx has sheets {listed}: is '{sheet}' the demand table? Rename the "
            "sheet demand"
        ],
    )


def test_no_guess_when_nothing_is_near(tiny_copy):
    def edit(book) -> None:
        book["demand"].title = "Notes"
        book["sites"].title = "Chart"

    _edit_book(tiny_copy, edit)
    out = check(tiny_copy, code=2, expected=["tiny.xlsx has sheets 'zones', 'Notes', 'Chart', 'candidates'"])
    assert "Rename the sheet" not in out


def test_an_old_excel_workbook_is_named_when_tables_are_missing(tiny_copy):
    (tiny_copy / "sites.csv").rename(tiny_copy / "sites.xls")
    check(
        tiny_copy,
        code=2,
        expected=[
            "sites.csv: is missing; expected the sites table as sites.csv or a sheet named sites in a "
            "workbook; found sites.xls, which placeplan does not read: save it as an Excel Workbook "
            "(.xlsx)"
        ],
    )


def test_a_macro_workbook_is_read_for_its_values_only(tiny_copy):
    want = run_cli(["validate", "--format", "json", TINY])
    write_workbook(tiny_copy, name="tiny.xlsm")
    before = hashes(tiny_copy)
    got = run_cli(["validate", "--format", "json", tiny_copy])
    assert got.exit_code == 0, got.output
    assert got.stdout == want.stdout
    assert (
        "warning: tiny.xlsm: is a macro-enabled workbook: its cell values are read as Excel "
        "last saved them, its macros are never run"
    ) in got.stderr
    assert hashes(tiny_copy) == before


def test_two_workbooks_with_the_same_sheet_name_both(tiny_copy):
    shutil.copy(write_workbook(tiny_copy), tiny_copy / "copy.xlsx")
    check(
        tiny_copy,
        code=2,
        expected=[
            "tiny.xlsx, sheet demand: is a second sheet for demand, beside copy.xlsx, sheet demand; "
            "expected one (name the workbook to read with workbook = in dataset.toml)"
        ],
    )


def test_an_office_lock_file_beside_the_workbook_is_skipped(tiny_copy):
    write_workbook(tiny_copy)
    (tiny_copy / "~$tiny.xlsx").write_bytes(b"\x0bJ Officer" + b"\x00" * 150)  # Excel's lock file
    check(tiny_copy, code=0, absent=["could not be read", "warning"])


def test_a_formula_with_no_saved_result_is_located(tiny_copy):
    def edit(book) -> None:
        book["demand"]["D3"] = "=1+1"  # pupils of file row 3
        book["sites"]["I4"] = "=SUM(I2:I3)"  # capacity of file row 4

    _edit_book(tiny_copy, edit)
    check(
        tiny_copy,
        code=2,
        expected=[
            "tiny.xlsx, sheet demand row 3, column pupils: '=1+1' is a formula with no saved result "
            "(the workbook was written by a program that never calculated it); expected a value: open "
            "the workbook in Excel and save it, or paste the values",
            "tiny.xlsx, sheet sites row 4, column capacity: '=SUM(I2:I3)' is a formula with no saved result",
        ],
        absent=["is empty; a value is required"],
    )


def test_a_formula_with_a_saved_result_is_read_as_its_result(tiny_copy):
    def edit(book) -> None:
        book["demand"]["D3"] = "=1+1"

    path = _edit_book(tiny_copy, edit)
    # what Excel writes once it has calculated: the formula and its result
    parts = {}
    with zipfile.ZipFile(path) as archive:
        for item in archive.infolist():
            parts[item.filename] = archive.read(item.filename)
    for name, data in parts.items():
        if name.startswith("xl/worksheets/"):
            parts[name] = data.replace(b"<f>1+1</f><v />", b"<f>1+1</f><v>2</v>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    check(tiny_copy, code=0, absent=["is a formula", "warning"])


@pytest.mark.parametrize("error", ["#DIV/0!", "#N/A", "#VALUE!", "#REF!"])
def test_excel_error_cells_are_located(tiny_copy, error):
    def edit(book) -> None:
        book["demand"]["D4"] = error  # openpyxl stores these as error cells

    _edit_book(tiny_copy, edit)
    check(
        tiny_copy,
        code=2,
        expected=[
            f"tiny.xlsx, sheet demand row 4, column pupils: '{error}' is an Excel error value: the "
            "formula behind it failed; expected a value (correct the formula, or type the value)"
        ],
        absent=["is empty; a value is required"],
    )


def test_a_title_row_in_a_sheet_is_skipped_with_the_same_warning(tiny_copy):
    def edit(book) -> None:
        book["demand"].insert_rows(1, amount=2)
        book["demand"]["A1"] = "Demand 2025"

    _edit_book(tiny_copy, edit)
    check(
        tiny_copy,
        code=0,
        expected=[
            "warning: tiny.xlsx, sheet demand row 1: 'Demand 2025' is above the header, which is on "
            "row 3; rows 1 and 2 are read as a title and skipped (expected the header on row 1)"
        ],
    )


def test_a_huge_number_in_a_sheet_is_located(tiny_copy):
    write_workbook(tiny_copy, edit=("sites", 3, "capacity", 1e308))
    check(
        tiny_copy,
        code=2,
        expected=[
            "tiny.xlsx, sheet sites row 3, column capacity: '1e+308' is too large; expected a whole "
            "number up to 10,000 places"
        ],
    )


# --- 6. ids that differ only by case or invisible characters ----------------------------


def test_a_zero_width_space_in_an_id_is_removed_with_a_warning(tiny_copy):
    set_cell(tiny_copy, "demand", 3, "zone_id", "Z1\u200b")
    check(
        tiny_copy,
        code=0,
        expected=[
            "warning: demand.csv row 3, column zone_id: 'Z1\\u200b' has invisible characters (U+200B "
            "zero width space); read as 'Z1', the same zone_id as 'Z1' elsewhere"
        ],
    )


def test_a_non_breaking_space_in_a_key_is_removed_with_a_warning(tiny_copy):
    set_cell(tiny_copy, "zones", 3, "zone_id", "Z2\u00a0")
    check(
        tiny_copy,
        code=0,
        expected=[
            "warning: zones.csv row 3, column zone_id: 'Z2\\xa0' has invisible characters (U+00A0 "
            "no-break space); read as 'Z2'"
        ],
    )


def test_ids_with_invisible_characters_match_through_solve(tiny_copy):
    set_cell(tiny_copy, "demand", 2, "zone_id", "\ufeffZ1")
    set_cell(tiny_copy, "sites", 2, "site_id", "S\u200d1")
    check(
        tiny_copy,
        code=0,
        command="solve",
        expected=[
            "sites.csv row 2, column site_id: 'S\\u200d1' has invisible characters (U+200D zero width "
            "joiner); read as 'S1'"
        ],
    )


def test_names_keep_their_characters_as_written(tiny_copy):
    from placeplan.dataset import load_dataset

    set_cell(tiny_copy, "zones", 2, "name", "North\u00a0End\u200b")
    set_cell(tiny_copy, "demand", 2, "pupils", "4\u00a0")  # a number with a trailing nbsp
    dataset = load_dataset(tiny_copy)
    assert dataset["zones"]["name"].iloc[0] == "North\u00a0End\u200b"
    assert dataset["demand"]["pupils"].iloc[0] == 4
    assert dataset.warnings == []  # only ids are warned about


def test_a_reference_differing_only_in_case_names_the_other_spelling(tiny_copy):
    set_cell(tiny_copy, "demand", 3, "zone_id", "z1")
    check(
        tiny_copy,
        code=2,
        expected=[
            "demand.csv row 3, column zone_id: 'z1' is not a zone_id in zones.csv; zones.csv row 2 "
            "has 'Z1', which differs only in case: ids are matched exactly, so write the same spelling "
            "in both"
        ],
    )


def test_two_zones_differing_only_in_case_are_kept_apart_with_a_warning(tiny_copy):
    copy_row(tiny_copy, "zones", 2, zone_id="z1", name="North End (lower case)")
    check(
        tiny_copy,
        code=0,
        expected=[
            "warning: zones.csv row 7, column zone_id: 'z1' differs only in case from 'Z1' (zones.csv "
            "row 2, column zone_id); they are kept as two different ids"
        ],
    )


def test_an_option_differing_from_a_site_only_in_case_is_warned_about(tiny_copy):
    set_cell(tiny_copy, "candidates", 2, "option_id", "s3")
    check(
        tiny_copy,
        code=0,
        expected=[
            "warning: candidates.csv row 2, column option_id: 's3' differs only in case from 'S3' "
            "(sites.csv row 4, column site_id); they are kept as two different ids"
        ],
    )


# --- 7. terminal control characters in values ------------------------------------------


def _quoted_cell(table: str, row: int, column: str, value: str) -> Mutation:
    """Set a cell and quote every value, so a carriage return stays inside its cell."""

    def mutate(folder: Path) -> None:
        path = folder / f"{table}.csv"
        rows = read_rows(path)
        rows[row - 1][rows[0].index(column)] = value
        buffer = io.StringIO()
        csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows)
        path.write_text(buffer.getvalue(), encoding="utf-8")

    return mutate


CONTROLS: list[tuple[str, str, str]] = [
    ("ansi-colour", "\x1b[31mASD\x1b[0m", "'\\x1b[31mASD\\x1b[0m'"),
    ("carriage-return", "ASD\rSEMH", "'ASD\\rSEMH'"),
    ("backspace-and-bell", "AS\x08\x08\x07D", "'AS\\x08\\x08\\x07D'"),
    ("c1-control", "AS\x9bD", "'AS\\x9bD'"),
    ("bidi-override", "\u202eDSA", "'\\u202eDSA'"),
    ("line-separator", "AS\u2028D", "'AS\\u2028D'"),
]


@pytest.mark.parametrize(("value", "shown"), [c[1:] for c in CONTROLS], ids=[c[0] for c in CONTROLS])
def test_control_characters_in_a_bad_value_are_shown_escaped(tiny_copy, value, shown):
    _quoted_cell("demand", 3, "need", value)(tiny_copy)
    out = check(tiny_copy, code=2, expected=[f"demand.csv row 3, column need: {shown} is not a need code"])
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2028]", out)


def test_control_characters_in_a_warning_are_shown_escaped(tiny_copy):
    rows = read_rows(tiny_copy / "zones.csv")
    rows[0].append("notes\x1b]0;pwned\x07")  # a column name that retitles the terminal
    for row in rows[1:]:
        row.append("")
    write_rows(tiny_copy / "zones.csv", rows)
    out = check(tiny_copy, code=0, expected=["zones.csv column notes\\x1b]0;pwned\\x07: is not in the data standard"])
    assert "\x1b" not in out and "\x07" not in out


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain text, Nörth End, 名前, £150k", "plain text, Nörth End, 名前, £150k"),
        ("\x1b[2J\x1b[H", "\\x1b[2J\\x1b[H"),
        ("tab\there\nnew line", "tab\\there\\nnew line"),
        ("\x00\x7f\x85", "\\x00\\x7f\\x85"),
        ("a\u200bb\ufeffc\u00adz", "a\\u200bb\\ufeffc\\xadz"),
        ("\u2066isolate\u2069", "\\u2066isolate\\u2069"),
        ("tag \U000e0041", "tag \\U000e0041"),
    ],
)
def test_printable(text, shown):
    assert printable(text) == shown


# --- the same through a scenario file ---------------------------------------------------

THROUGH_A_SCENARIO: list[tuple[str, Mutation, int, str]] = [
    (
        "number",
        _cell("demand", 2, "pupils", "1e308"),
        2,
        "demand.csv row 2, column pupils: '1e308' is too large; expected a whole number up to 100,000 pupils",
    ),
    (
        "dataset-toml",
        _meta("workbook = 5\n" + META),
        2,
        "dataset.toml key workbook: '5' is a number; expected the file name of a workbook",
    ),
    (
        "separator",
        _separated(";"),
        2,
        "demand.csv row 1: 'zone_id;need;ncy;pupils' is split by semicolons (;), not commas",
    ),
    (
        "title",
        _title("Demand 2025,,,\n"),
        0,
        "warning: demand.csv row 1: 'Demand 2025' is above the header, which is on row 2",
    ),
    (
        "invisible",
        _cell("demand", 3, "zone_id", "Z1\u200b"),
        0,
        "warning: demand.csv row 3, column zone_id: 'Z1\\u200b' has invisible characters",
    ),
    (
        "control",
        _quoted_cell("demand", 3, "need", "\x1b[31mASD"),
        2,
        "demand.csv row 3, column need: '\\x1b[31mASD' is not a need code",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "code", "expected"), [c[1:] for c in THROUGH_A_SCENARIO], ids=[c[0] for c in THROUGH_A_SCENARIO]
)
@pytest.mark.parametrize("command", ["validate", "solve"])
def test_the_same_through_a_scenario_file(tiny_scenario, mutate, code, expected, command):
    mutate(tiny_scenario.parent / "tiny")
    scenario = tiny_scenario.read_bytes()
    check(tiny_scenario.parent / "tiny", code=code, expected=[expected], command=command, target=tiny_scenario)
    assert tiny_scenario.read_bytes() == scenario
