"""Corrupted inputs: each case starts from a valid copy of the tiny dataset, breaks one
thing, and checks that ``placeplan validate`` exits 2 without a traceback and says exactly
what is wrong: the file, the row (where there is one), the column, the value and what was
expected. The expected lines are written out in full so that a reader can check them
against tests/fixtures/tiny by eye.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import (
    TINY_TABLES,
    append_row,
    copy_row,
    drop_column,
    duplicate_column,
    full_travel,
    hashes,
    keep_rows,
    rename_column,
    run_cli,
    set_cell,
    write_travel,
)

Mutation = Callable[[Path], None]


def _replace_text(name: str, old: str, new: str) -> Mutation:
    def mutate(folder: Path) -> None:
        path = folder / name
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {name}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return mutate


def _cells(table: str, *edits: tuple[int, str, str]) -> Mutation:
    """Set (row, column, value) cells of one table."""

    def mutate(folder: Path) -> None:
        for row, column, value in edits:
            set_cell(folder, table, row, column, value)

    return mutate


def _travel_with(*rows: tuple[str, str, str]) -> Mutation:
    """A complete, valid travel table whose first rows are replaced by the given ones."""

    def mutate(folder: Path) -> None:
        pairs = full_travel(folder)
        pairs[: len(rows)] = rows
        write_travel(folder, pairs)

    return mutate


def _cp1252_name(folder: Path) -> None:
    path = folder / "zones.csv"
    path.write_bytes(path.read_bytes().replace(b"North End", "Nörth End".encode("cp1252")))


def _append_line(name: str, line: str) -> Mutation:
    def mutate(folder: Path) -> None:
        with (folder / name).open("a", encoding="utf-8", newline="") as handle:
            handle.write(line)

    return mutate


# (id, mutation, the exact lines expected in the report)
CASES: list[tuple[str, Mutation, list[str]]] = [
    *[
        (
            f"missing-{t}",
            lambda d, t=t: (d / f"{t}.csv").unlink(),
            [f"{t}.csv: is missing; expected the {t} table as {t}.csv or a sheet named {t} in a workbook"],
        )
        for t in TINY_TABLES
    ],
    (
        "missing-dataset-toml",
        lambda d: (d / "dataset.toml").unlink(),
        [("tiny: is a folder without a dataset.toml; expected a scenario TOML file or a dataset folder")],
    ),
    (
        "empty-file",
        lambda d: (d / "demand.csv").write_bytes(b""),
        ["demand.csv: is empty; expected a header row naming the columns"],
    ),
    (
        "header-only",
        lambda d: keep_rows(d, "sites", 0),
        ["sites.csv: has a header but no rows; expected at least one row"],
    ),
    (
        "missing-column",
        lambda d: drop_column(d, "demand", "pupils"),
        [
            (
                "demand.csv column pupils: is missing; expected a column named pupils (Pupils in the "
                "base year who need a specialist place)"
            )
        ],
    ),
    (
        "duplicated-column",
        lambda d: duplicate_column(d, "demand", "pupils"),
        ["demand.csv column pupils: appears 2 times in the header; expected each column once"],
    ),
    (
        "misspelt-column",
        lambda d: rename_column(d, "sites", "capacity", "capacty"),
        [
            (
                "sites.csv column capacity: is missing; expected a column named capacity (Commissioned "
                "places); found 'capacty': did you mean capacity?"
            ),
            "sites.csv column capacty: is not in the data standard; did you mean capacity?",
        ],
    ),
    (
        "wrong-case-column",
        lambda d: rename_column(d, "zones", "zone_id", "Zone_ID"),
        [
            (
                "zones.csv column zone_id: is missing; expected a column named zone_id (Identifier of "
                "the home area, for example an LSOA 2021 code); found 'Zone_ID': did you mean zone_id?"
            )
        ],
    ),
    (
        "blank-required-cell",
        _cells("demand", (3, "pupils", "")),
        [
            (
                "demand.csv row 3, column pupils: '' is empty; a value is required (Pupils in the base "
                "year who need a specialist place)"
            )
        ],
    ),
    (
        "not-a-whole-number",
        _cells("sites", (3, "capacity", "four")),
        ["sites.csv row 3, column capacity: 'four' is not a number; expected a whole number"],
    ),
    (
        "not-a-number",
        _cells("candidates", (2, "capital_fixed", "£150k")),
        ["candidates.csv row 2, column capital_fixed: '£150k' is not a number; expected a number"],
    ),
    (
        "fractional-pupils",
        _cells("demand", (5, "pupils", "2.5")),
        ["demand.csv row 5, column pupils: '2.5' is not a whole number; expected a whole number"],
    ),
    (
        "negative-pupils",
        _cells("demand", (2, "pupils", "-4")),
        ["demand.csv row 2, column pupils: '-4' is negative; expected 0 or more pupils"],
    ),
    (
        "negative-capacity",
        _cells("sites", (4, "capacity", "-20")),
        ["sites.csv row 4, column capacity: '-20' is negative; expected 0 or more places"],
    ),
    (
        "negative-cost",
        _cells("candidates", (3, "capital_per_place", "-60000")),
        [("candidates.csv row 3, column capital_per_place: '-60000' is negative; expected 0 or more GBP per place")],
    ),
    (
        "fraction-above-one",
        _cells("candidates", (3, "deliverability", "1.2")),
        ["candidates.csv row 3, column deliverability: '1.2' is too large; expected 0 to 1"],
    ),
    (
        "ncy-below-nursery",
        _cells("demand", (2, "ncy", "-2")),
        ["demand.csv row 2, column ncy: '-2' is too small; expected -1 to 20"],
    ),
    (
        "ncy-above-20",
        _cells("sites", (4, "ncy_max", "21")),
        ["sites.csv row 4, column ncy_max: '21' is too large; expected -1 to 20"],
    ),
    (
        "ncy-min-above-max",
        _cells("sites", (3, "ncy_min", "7")),
        ["sites.csv row 3, column ncy_min: '7' is not <= ncy_max (6); expected ncy_min <= ncy_max"],
    ),
    (
        "min-places-above-max",
        _cells("candidates", (4, "min_places", "10")),
        [("candidates.csv row 4, column min_places: '10' is not <= max_places (8); expected min_places <= max_places")],
    ),
    (
        "unknown-need",
        _cells("demand", (4, "need", "AUT")),
        ["demand.csv row 4, column need: 'AUT' is not a need code; did you mean ASD?"],
    ),
    (
        "misspelt-need",
        _cells("demand", (3, "need", "SEHM")),
        ["demand.csv row 3, column need: 'SEHM' is not a need code; did you mean SEMH?"],
    ),
    (
        "unknown-need-in-list",
        _cells("sites", (2, "needs", "ASD;AUT;SLCN")),
        [("sites.csv row 2, column needs: 'ASD;AUT;SLCN' has 'AUT', which is not a need code; did you mean ASD?")],
    ),
    (
        "unknown-site-kind",
        _cells("sites", (2, "kind", "specal")),
        ["sites.csv row 2, column kind: 'specal' is not a valid kind; did you mean special?"],
    ),
    (
        "unknown-option-kind",
        _cells("candidates", (2, "kind", "spr")),
        ["candidates.csv row 2, column kind: 'spr' is not a valid kind; did you mean srp?"],
    ),
    (
        "duplicate-zone-id",
        lambda d: copy_row(d, "zones", 3),
        [("zones.csv row 7, column zone_id: 'Z2' repeats zone_id (Z2) first given at row 3; expected each once")],
    ),
    (
        "duplicate-site-id",
        _cells("sites", (3, "site_id", "S1")),
        [("sites.csv row 3, column site_id: 'S1' repeats site_id (S1) first given at row 2; expected each once")],
    ),
    (
        "duplicate-option-id",
        _cells("candidates", (4, "option_id", "O1")),
        [
            (
                "candidates.csv row 4, column option_id: 'O1' repeats option_id (O1) first given at "
                "row 2; expected each once"
            )
        ],
    ),
    # need codes are read in any case, so 'asd' repeats the ASD row
    (
        "duplicate-demand-key",
        lambda d: copy_row(d, "demand", 6, need="asd", pupils="1"),
        [
            (
                "demand.csv row 10, column ncy: '8' repeats zone_id and need and ncy (Z3, ASD, 8) first "
                "given at row 6; expected each once"
            )
        ],
    ),
    (
        "demand-unknown-zone",
        _cells("demand", (7, "zone_id", "Z6")),
        ["demand.csv row 7, column zone_id: 'Z6' is not a zone_id in zones.csv"],
    ),
    (
        "expansion-unknown-site",
        _cells("candidates", (3, "site_id", "S9")),
        [
            (
                "candidates.csv row 3, column site_id: 'S9' is not a site_id in sites.csv; a "
                "special_expansion must name the special school it expands"
            )
        ],
    ),
    (
        "option-id-is-a-site-id",
        _cells("candidates", (2, "option_id", "S3")),
        [
            (
                "candidates.csv row 2, column option_id: 'S3' is also a site_id in sites.csv; expected "
                "option and site ids to differ, because travel rows name either"
            )
        ],
    ),
    (
        "lon-lat-in-bng",
        _cells("zones", (4, "x", "-0.30"), (4, "y", "51.41")),
        [
            (
                "zones.csv row 4, column x: '-0.30' is outside England for EPSG:27700 (with y 51.41); "
                "they look like longitude/latitude: write easting/northing, or declare "
                'crs = "EPSG:4326" in dataset.toml'
            )
        ],
    ),
    (
        "point-far-outside-england",
        _cells("sites", (4, "y", "1170000")),
        [
            (
                "sites.csv row 4, column y: '1170000' is outside England for EPSG:27700 (with x 530000); "
                "expected a point in England in the dataset's coordinate reference system"
            )
        ],
    ),
    (
        "travel-unknown-zone",
        _travel_with(("Z9", "S1", "10")),
        ["travel.csv row 2, column zone_id: 'Z9' is not a zone_id in zones.csv"],
    ),
    (
        "travel-unknown-site",
        _travel_with(("Z1", "S1", "10"), ("Z1", "S9", "10")),
        [("travel.csv row 3, column site_id: 'S9' is not a site_id in sites.csv or an option_id in candidates.csv")],
    ),
    (
        "travel-negative-minutes",
        _travel_with(("Z1", "S1", "10"), ("Z1", "S2", "12"), ("Z1", "S3", "-5")),
        ["travel.csv row 4, column minutes: '-5' is negative; expected 0 or more minutes"],
    ),
    (
        "not-utf8",
        _cp1252_name,
        [
            (
                "zones.csv row 2: 'Z1,Nörth End,520000,170000,999,1000' is not UTF-8 text; expected a "
                "file saved as 'CSV UTF-8' from Excel"
            )
        ],
    ),
    (
        "too-many-values",
        _append_line("demand.csv", "Z1,ASD,3,4,5,6\n"),
        [
            (
                "demand.csv row 10: has 6 values; expected 4, one for each column of the header (a value "
                "containing a comma must be in double quotes)"
            )
        ],
    ),
    (
        "unclosed-quote",
        _append_line("demand.csv", 'Z1,"ASD,3,4\n'),
        [("demand.csv row 10: has a double quote that is never closed; expected quotes in pairs around a value")],
    ),
    (
        "dataset-toml-invalid",
        _replace_text("dataset.toml", 'licence = "CC0"\n', "licence = CC0\n"),
        ["dataset.toml: is not valid TOML: Invalid value (at line 5, column 11)"],
    ),
    (
        "dataset-toml-unknown-key",
        _replace_text("dataset.toml", "base_year =", "base_yaer ="),
        [
            "dataset.toml key base_yaer: is not a dataset setting; did you mean base_year?",
            "dataset.toml key base_year: '' is not an academic year; expected for example \"2024/25\"",
        ],
    ),
    (
        "dataset-toml-bad-crs",
        _replace_text("dataset.toml", "EPSG:27700", "EPSG:99999"),
        [
            (
                "dataset.toml key crs: 'EPSG:99999' is not a coordinate reference system pyproj knows; "
                "expected for example EPSG:27700"
            )
        ],
    ),
    (
        "dataset-toml-bad-base-year",
        _replace_text("dataset.toml", '"2024/25"', '"2024/26"'),
        [("dataset.toml key base_year: '2024/26' is not an academic year; expected for example \"2024/25\"")],
    ),
]


@pytest.mark.parametrize(("mutate", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_corrupted_dataset_is_reported_exactly(tiny_copy, mutate, expected):
    mutate(tiny_copy)
    before = hashes(tiny_copy)
    result = run_cli(["validate", tiny_copy])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for line in expected:
        assert line in result.stderr, f"expected:\n  {line}\ngot:\n{result.stderr}"
    assert hashes(tiny_copy) == before  # validation never writes to its inputs


def test_there_are_at_least_30_corruption_cases():
    assert len(CASES) + len(SCENARIO_CASES) >= 30


def test_same_report_through_a_scenario_file(tiny_scenario):
    set_cell(tiny_scenario.parent / "tiny", "demand", 4, "need", "AUT")
    result = run_cli(["validate", tiny_scenario])
    assert result.exit_code == 2
    assert "demand.csv row 4, column need: 'AUT' is not a need code; did you mean ASD?" in result.stderr


def test_lower_case_need_codes_are_accepted(tiny_copy):
    set_cell(tiny_copy, "demand", 2, "need", "asd")
    set_cell(tiny_copy, "sites", 2, "needs", "asd;sld;Slcn")
    set_cell(tiny_copy, "candidates", 4, "needs", "asd, slcn, mld")
    result = run_cli(["validate", "--format", "json", tiny_copy])
    assert result.exit_code == 0, result.output
    assert '"value": 26' in result.stdout  # still 26 pupils


# --- scenarios ---------------------------------------------------------------------------

SCENARIO_CASES: list[tuple[str, str, list[str], list[str]]] = [
    # (id, scenario text, extra CLI arguments, expected lines); {folder} is the tmp folder
    (
        "unknown-section",
        'dataset = "tiny"\n[travle]\nspeed_kmh = 20\n',
        [],
        ["tiny.toml key travle: is not a scenario setting; did you mean travel?"],
    ),
    (
        "unknown-key",
        'dataset = "tiny"\n[horizon]\nyaers = 3\n',
        [],
        ["tiny.toml key horizon.yaers: is not a scenario setting; did you mean horizon.years?"],
    ),
    (
        "wrong-value-type",
        'dataset = "tiny"\n[travel]\nspeed_kmh = "fast"\n',
        [],
        ["tiny.toml key travel.speed_kmh: 'fast' is not valid; expected a valid number"],
    ),
    (
        "value-out-of-range",
        'dataset = "tiny"\n[horizon]\nyears = 0\n',
        [],
        ["tiny.toml key horizon.years: '0' is not valid; expected a value greater than or equal to 1"],
    ),
    (
        "section-given-a-value",
        'dataset = "tiny"\ntravel = 3\n',
        [],
        ["tiny.toml key travel: '3' expected a section of settings"],
    ),
    # long values are shortened in the report, so only the start of the path is checked
    (
        "dataset-does-not-exist",
        'dataset = "nowhere"\n',
        [],
        [
            "tiny.toml key dataset: '/",
            (
                "' is not a dataset folder (no dataset.toml there); the "
                "path is relative to the scenario file that names it"
            ),
        ],
    ),
    ("invalid-toml", 'dataset = "tiny"\n[travel\n', [], ["tiny.toml: is not valid TOML: "]),
    (
        "extends-cycle",
        'extends = "loop.toml"\ndataset = "tiny"\n',
        [],
        ["tiny.toml key extends: extends itself through tiny.toml -> loop.toml -> tiny.toml"],
    ),
    (
        "set-unknown-key",
        'dataset = "tiny"\n',
        ["--set", "travel.sped_kmh=20"],
        ["--set key travel.sped_kmh: is not a scenario setting; did you mean travel.speed_kmh?"],
    ),
    (
        "set-unknown-section",
        'dataset = "tiny"\n',
        ["--set", "travle.speed_kmh=20"],
        ["--set key travle.speed_kmh: is not a scenario setting; did you mean travel?"],
    ),
    (
        "set-bad-value",
        'dataset = "tiny"\n',
        ["--set", "travel.speed_kmh=fast"],
        ["--set key travel.speed_kmh: 'fast' is not valid; expected a valid number"],
    ),
    (
        "set-bad-choice",
        'dataset = "tiny"\n',
        ["--set", "travel.source=tabel"],
        ["--set key travel.source: 'tabel' is not valid; expected 'auto', 'straight_line' or 'table'"],
    ),
    (
        "set-without-equals",
        'dataset = "tiny"\n',
        ["--set", "travel.speed_kmh"],
        [("--set: 'travel.speed_kmh' has no '='; expected section.key=value, for example travel.speed_kmh=25")],
    ),
]


@pytest.mark.parametrize(
    ("text", "extra", "expected"), [c[1:] for c in SCENARIO_CASES], ids=[c[0] for c in SCENARIO_CASES]
)
def test_bad_scenario_is_reported_exactly(tiny_copy, text, extra, expected):
    folder = tiny_copy.parent
    scenario = folder / "tiny.toml"
    scenario.write_text(text, encoding="utf-8")
    (folder / "loop.toml").write_text('extends = "tiny.toml"\n', encoding="utf-8")
    before = hashes(folder)
    result = run_cli(["validate", scenario, *extra])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for line in expected:
        line = line.format(folder=folder.resolve())
        assert line in result.stderr, f"expected:\n  {line}\ngot:\n{result.stderr}"
    assert hashes(folder) == before


def test_missing_scenario_file(tmp_path):
    result = run_cli(["validate", tmp_path / "nothere.toml"])
    assert result.exit_code == 2
    assert f"{tmp_path / 'nothere.toml'}: does not exist; expected a scenario TOML file" in result.stderr


def test_set_value_error_on_a_bare_dataset_folder(tiny_copy):
    result = run_cli(["validate", tiny_copy, "--set", "travel.speed_kmh=-3"])
    assert result.exit_code == 2
    assert "--set key travel.speed_kmh: '-3' is not valid; expected a value greater than 0" in result.stderr


# --- many problems at once, warnings, inputs untouched, tracebacks -----------------------


def test_every_problem_in_every_file_is_reported_in_one_run(tiny_copy):
    set_cell(tiny_copy, "demand", 4, "need", "AUT")
    set_cell(tiny_copy, "demand", 8, "pupils", "2.5")
    set_cell(tiny_copy, "sites", 3, "capacity", "-4")
    set_cell(tiny_copy, "candidates", 2, "kind", "spr")
    copy_row(tiny_copy, "zones", 6)
    _replace_text("dataset.toml", "licence =", "license =")(tiny_copy)
    result = run_cli(["validate", tiny_copy])
    assert result.exit_code == 2
    expected = [
        "6 problems found",
        "demand.csv row 4, column need: 'AUT' is not a need code; did you mean ASD?",
        "demand.csv row 8, column pupils: '2.5' is not a whole number; expected a whole number",
        "sites.csv row 3, column capacity: '-4' is negative; expected 0 or more places",
        "candidates.csv row 2, column kind: 'spr' is not a valid kind; did you mean srp?",
        ("zones.csv row 7, column zone_id: 'Z5' repeats zone_id (Z5) first given at row 6; expected each once"),
        "dataset.toml key license: is not a dataset setting; did you mean licence?",
    ]
    for line in expected:
        assert line in result.stderr, f"expected:\n  {line}\ngot:\n{result.stderr}"


def test_problems_in_the_scenario_and_the_set_options_come_together(tiny_copy):
    scenario = tiny_copy.parent / "tiny.toml"
    scenario.write_text('dataset = "tiny"\n[travle]\nspeed_kmh = 20\n', encoding="utf-8")
    result = run_cli(["validate", scenario, "--set", "horizon.yaers=3"])
    assert result.exit_code == 2
    assert "2 problems found" in result.stderr
    assert "tiny.toml key travle: is not a scenario setting; did you mean travel?" in result.stderr
    assert "--set key horizon.yaers: is not a scenario setting; did you mean horizon.years?" in result.stderr


def test_warnings_do_not_fail_validation(tiny_copy):
    set_cell(tiny_copy, "sites", 2, "on_roll", "12")  # Oak Special: 12 on roll, 10 places
    append_row(tiny_copy, "zones", {})  # a blank line at the end is ignored
    before = hashes(tiny_copy)
    result = run_cli(["validate", tiny_copy])
    assert result.exit_code == 0, result.output
    assert "sites.csv row 2, column on_roll: '12' is over capacity: 12 on roll for 10 places" in result.stderr
    assert "Tiny test borough" in result.stdout
    assert hashes(tiny_copy) == before


def test_warnings_are_shown_beside_errors(tiny_copy):
    set_cell(tiny_copy, "sites", 2, "on_roll", "12")
    set_cell(tiny_copy, "demand", 2, "pupils", "four")
    result = run_cli(["validate", tiny_copy])
    assert result.exit_code == 2
    assert (
        "warning: sites.csv row 2, column on_roll: '12' is over capacity: 12 on roll for 10 places"
    ) in result.stderr
    assert "1 problem found" in result.stderr


def test_blank_rows_do_not_shift_row_numbers(tiny_copy):
    path = tiny_copy / "demand.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join([*lines[:3], "\n", ",,,\n", *lines[3:]]), encoding="utf-8")
    set_cell(tiny_copy, "demand", 6, "need", "AUT")  # file row 6 is the old row 4 (Z2, ASD)
    result = run_cli(["validate", tiny_copy])
    assert result.exit_code == 2
    assert "demand.csv row 6, column need: 'AUT' is not a need code; did you mean ASD?" in result.stderr


def test_valid_runs_leave_inputs_byte_identical(tiny_scenario):
    folder = tiny_scenario.parent
    before = hashes(folder)
    for fmt in ("table", "csv", "json"):
        assert run_cli(["validate", tiny_scenario, "--format", fmt]).exit_code == 0
    assert hashes(folder) == before


def _explode(*args, **kwargs):
    raise RuntimeError("boom in the summary")


def test_internal_error_has_no_traceback_without_debug(tiny_copy, monkeypatch):
    monkeypatch.setattr("placeplan.commands.validate.summarise", _explode)
    result = run_cli(["validate", tiny_copy])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "internal error: RuntimeError: boom in the summary" in result.stderr
    assert "Run again with --debug" in result.stderr


def test_internal_error_shows_a_traceback_with_debug(tiny_copy, monkeypatch):
    monkeypatch.setattr("placeplan.commands.validate.summarise", _explode)
    result = run_cli(["--debug", "validate", tiny_copy])
    assert result.exit_code == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert "in _explode" in result.stderr
    assert "RuntimeError: boom in the summary" in result.stderr
