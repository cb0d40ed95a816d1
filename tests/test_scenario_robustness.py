"""Scenarios that cannot be meant are refused, located, by every command (issue 9).

Four classes: settings that do not fit (inf, nan, bools or text for numbers, seeds beyond
32 bits, wrong types in free-form tables); scenario files that are not files placeplan
should read (deep extends chains, devices, FIFOs, folders, huge files, other encodings);
checks of a scenario against its dataset, which validate and solve share; and scenario and
dataset problems reported together. Every case checks the exit code, the key (or file)
named, the value found and what was expected, and that no input file changed.
"""

from __future__ import annotations

import functools
import json
import operator
import os
from pathlib import Path

import pytest
from conftest import full_travel, hashes, run_cli, set_cell, write_travel

from placeplan.demand import plan_years
from placeplan.errors import InputError, ScenarioError
from placeplan.plan.facilities import check_option_ids
from placeplan.scenario import Scenario, load_scenario
from placeplan.scenario.files import MAX_SCENARIO_BYTES
from placeplan.scenario.load import MAX_EXTENDS
from placeplan.scenario.model import MAX_SEED

ROOT = Path(__file__).resolve().parents[1]


def _refused(args: list, *expected: str, folder: Path) -> str:
    """Run placeplan; assert exit 2, no traceback, every expected text, inputs unchanged."""
    before = hashes(folder)
    result = run_cli(args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    for text in expected:
        assert text in result.stderr, f"expected:\n  {text}\ngot:\n{result.stderr}"
    assert hashes(folder) == before
    return result.stderr


def _problems(stderr: str) -> list[str]:
    return sorted(line for line in stderr.splitlines() if line.startswith("  - "))


# --- 1. settings that do not fit -------------------------------------------------------------

SET_CASES = [
    # (--set, the located start of the problem, what it expects)
    (
        "rules.capital_budget=inf",
        "--set key rules.capital_budget: 'inf' is not valid",
        "expected a finite number, not inf or nan (from 0 to 100,000,000,000); leave rules.capital_budget out",
    ),
    (
        "costs.discount_rate=nan",
        "--set key costs.discount_rate: 'nan' is not valid",
        "expected a finite number, not inf or nan (from 0 to 0.2)",
    ),
    ("travel.speed_kmh=-inf", "--set key travel.speed_kmh: '-inf' is not valid", "expected a finite number"),
    ("travel.max_minutes.primary=nan", "--set key travel.max_minutes.primary: 'nan'", "expected a finite number"),
    (
        "travel.max_minutes.primary=1e9",
        "--set key travel.max_minutes.primary: '1000000000.0' is not valid",
        "(more than 0, up to 1,000,000)",
    ),
    (
        "demand.seed=-1",
        "--set key demand.seed: '-1' is not valid",
        "expected a value greater than or equal to 0 (from 0 to 2,147,483,647)",
    ),
    (
        "demand.seed=12345678901234567890",
        "--set key demand.seed: '12345678901234567890' is not valid",
        "(from 0 to 2,147,483,647)",
    ),
    (
        f"demand.seed={MAX_SEED + 1}",
        f"--set key demand.seed: '{MAX_SEED + 1}' is not valid",
        f"expected a value less than or equal to {MAX_SEED}",
    ),
    (
        "horizon.years=true",
        "--set key horizon.years: 'true' is not valid",
        "expected a valid integer, not true or false",
    ),
    (
        'horizon.years="5"',
        "--set key horizon.years: '5' is not valid",
        "expected a valid integer, not text in quotes; write the number without quotes",
    ),
    (
        "horizon.years=5.0",
        "--set key horizon.years: '5.0' is not valid",
        "expected a valid integer, not a decimal number",
    ),
    (
        "horizon.first_year=2025-09-01",
        "--set key horizon.first_year: '2025-09-01' is not valid",
        "expected a valid integer, not a date or time",
    ),
    ("solve.time_limit_s=1e300", "--set key solve.time_limit_s: '1e+300' is not valid", "up to 604,800"),
    ("solve.threads=true", "--set key solve.threads: 'true' is not valid", "expected a valid integer"),
    (
        "rules.allow_fallback=1",
        "--set key rules.allow_fallback: '1' is not valid",
        "expected true or false, not a number",
    ),
    (
        "rules.max_new_options=-2",
        "--set key rules.max_new_options: '-2' is not valid",
        "expected a value greater than or equal to 0",
    ),
    ("demand.growth.ASD=nan", "--set key demand.growth.ASD: 'nan' is not valid", "expected a finite number"),
    (
        "demand.growth.SEMH=true",
        "--set key demand.growth.SEMH: 'true' is not valid",
        "expected a valid number, not true or false",
    ),
    (
        "demand.share_change={default = inf}",
        "--set key demand.share_change.default: 'inf' is not valid",
        "expected a finite number",
    ),
    (
        'costs.fallback_by_need.SEMH="64000"',
        "--set key costs.fallback_by_need.SEMH: '64000' is not valid",
        "expected a valid number, not text in quotes",
    ),
    (
        "costs.fallback_by_need.SEMH=1e300",
        "--set key costs.fallback_by_need:",
        "fallback cost for SEMH is 1e+300; expected 0 to 10,000,000 a pupil a year",
    ),
    (
        "costs.annual_cost_per_place.special=nan",
        "--set key costs.annual_cost_per_place.special: 'nan'",
        "expected a finite number",
    ),
    (
        "demand.cohort.join.ASD=-inf",
        "--set key demand.cohort.join.ASD: '-inf' is not valid",
        "expected a finite number",
    ),
    (
        "demand.growth={asd = 0.1, ASD = 0.2}",
        "--set key demand.growth:",
        "'asd' and 'ASD' both name ASD; expected each need once",
    ),
    (
        "rules.exclude=O1",
        "--set key rules.exclude: 'O1' is not valid",
        'expected a list such as ["O1", "O3"], not a single value',
    ),
    ("rules.exclude=[1, 2]", "--set key rules.exclude.0: '1' is not valid", "expected text in quotes"),
    (
        "horizon.years.x=1",
        "--set key horizon.years.x: is not a scenario setting",
        "horizon.years is a single setting, not a section",
    ),
    (
        "demand.growth.ASD.x=1",
        "--set key demand.growth.ASD.x: goes below the entries of demand.growth",
        "expected demand.growth.KEY=number",
    ),
]


@pytest.mark.parametrize(("setting", "where", "expected"), SET_CASES, ids=[c[0] for c in SET_CASES])
def test_a_setting_that_does_not_fit_is_refused_with_its_key(tiny_scenario, setting, where, expected):
    _refused(["validate", tiny_scenario, "--set", setting], where, expected, folder=tiny_scenario.parent)


FILE_CASES = [
    # (TOML added to the scenario file, the located start of the problem, what it expects)
    (
        "[rules]\ncapital_budget = inf\n",
        "tiny.toml key rules.capital_budget: 'inf' is not valid",
        "expected a finite number",
    ),
    (
        "[costs]\ndiscount_rate = nan\n",
        "tiny.toml key costs.discount_rate: 'nan' is not valid",
        "expected a finite number",
    ),
    ("[demand]\nseed = -1\n", "tiny.toml key demand.seed: '-1' is not valid", "(from 0 to 2,147,483,647)"),
    (
        "[horizon]\nfirst_year = true\n",
        "tiny.toml key horizon.first_year: 'true' is not valid",
        "expected a valid integer, not true or false",
    ),
    (
        '[travel]\ncircuity = "1.3"\n',
        "tiny.toml key travel.circuity: '1.3' is not valid",
        "write the number without quotes",
    ),
    (
        "[demand]\ngrowth = { ASD = nan, SEMH = 0.1 }\n",
        "tiny.toml key demand.growth.ASD: 'nan' is not valid",
        "expected a finite number",
    ),
    (
        '[demand.cohort]\ncease = { default = "0.1" }\n',
        "tiny.toml key demand.cohort.cease.default: '0.1'",
        "expected a valid number, not text in quotes",
    ),
    (
        "[costs.annual_cost_per_place]\nsrp = true\n",
        "tiny.toml key costs.annual_cost_per_place.srp: 'true'",
        "expected a valid number, not true or false",
    ),
    (
        "[output]\nsuppression_threshold = 5.5\n",
        "tiny.toml key output.suppression_threshold: '5.5'",
        "expected a valid integer, not a decimal number",
    ),
]


@pytest.mark.parametrize(("text", "where", "expected"), FILE_CASES, ids=[c[0].split("\n")[1] for c in FILE_CASES])
def test_the_same_values_in_a_file_are_refused_with_the_file_and_key(tiny_copy, text, where, expected):
    scenario = tiny_copy.parent / "tiny.toml"
    scenario.write_text(f'dataset = "tiny"\n{text}', encoding="utf-8")
    _refused(["validate", scenario], where, expected, folder=tiny_copy.parent)


def test_name_description_and_dataset_of_the_wrong_type(tiny_copy):
    scenario = tiny_copy.parent / "tiny.toml"
    scenario.write_text('name = 3\ndescription = true\ndataset = ["tiny"]\n', encoding="utf-8")
    stderr = _refused(
        ["validate", scenario],
        "tiny.toml key name: '3' is not valid; expected text in quotes, not a number",
        "tiny.toml key description: 'true' is not valid; expected text in quotes, not true or false",
        "tiny.toml key dataset: '[\"tiny\"]' is not valid; expected text in quotes, not a list",
        folder=tiny_copy.parent,
    )
    assert "3 problems found" in stderr


def test_set_still_reads_numbers_and_takes_text_settings_as_written(tiny_scenario):
    loaded = load_scenario(
        tiny_scenario,
        [
            "horizon.years=5",
            "rules.capital_budget=10_000_000",
            "name=2025",
            "description=true",
            f"demand.seed={MAX_SEED}",
            "travel.speed_kmh=25",
        ],
    )
    scenario = loaded.scenario
    assert scenario.horizon.years == 5 and isinstance(scenario.horizon.years, int)
    assert scenario.rules.capital_budget == 10_000_000
    assert (scenario.name, scenario.description) == ("2025", "true")
    assert scenario.demand.seed == MAX_SEED
    assert scenario.travel.speed_kmh == 25.0


def test_what_solve_writes_reads_back_under_the_strict_models():
    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        scenario = load_scenario(path).scenario
        assert Scenario.model_validate(json.loads(json.dumps(scenario.model_dump(mode="json")))) == scenario


COMMAND_SETTINGS = [
    "rules.capital_budget=inf",
    "demand.seed=-1",
    "horizon.years=true",
    'rules.exclude=["O9"]',
    "horizon.first_year=2020",
]


@pytest.mark.parametrize("command", ["validate", "travel", "project", "solve"])
@pytest.mark.parametrize("setting", COMMAND_SETTINGS)
def test_every_command_refuses_the_same_settings_the_same_way(tiny_scenario, tmp_path_factory, command, setting):
    key = setting.split("=")[0]
    extra = {
        "project": ["--out", tmp_path_factory.mktemp("out")],
        "solve": ["--out", tmp_path_factory.mktemp("out"), "--no-explain", "--no-outputs"],
    }.get(command, [])
    stderr = _refused(
        [command, tiny_scenario, "--set", setting, *extra], f"--set key {key}: ", folder=tiny_scenario.parent
    )
    reference = run_cli(["validate", tiny_scenario, "--set", setting])
    assert _problems(stderr) == _problems(reference.stderr)


# --- 2. scenario files ---------------------------------------------------------------------


def _chain(folder: Path, length: int) -> Path:
    """c0.toml extends c1.toml ... extends c{length}.toml, which names the dataset."""
    for i in range(length):
        (folder / f"c{i}.toml").write_text(f'extends = "c{i + 1}.toml"\n', encoding="utf-8")
    (folder / f"c{length}.toml").write_text('dataset = "tiny"\n', encoding="utf-8")
    return folder / "c0.toml"


def test_an_extends_chain_1500_deep_is_refused_naming_the_chain(tiny_copy):
    top = _chain(tiny_copy.parent, 1500)
    stderr = _refused(
        ["validate", top],
        f"c0.toml key extends: extends a chain of more than {MAX_EXTENDS} "
        "scenarios (c0.toml -> c1.toml -> c2.toml -> ...",
        f"expected at most {MAX_EXTENDS}",
        folder=tiny_copy.parent,
    )
    assert "1 problem found" in stderr


def test_an_extends_chain_at_the_limit_loads(tiny_copy):
    loaded = load_scenario(_chain(tiny_copy.parent, MAX_EXTENDS))
    assert loaded.dataset_path == tiny_copy.resolve()


def _extends(folder: Path, target: str) -> Path:
    scenario = folder / "tiny.toml"
    scenario.write_text(f'extends = "{target}"\ndataset = "tiny"\n', encoding="utf-8")
    return scenario


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_extends_a_device_is_refused_without_reading_it(tiny_copy):
    _refused(
        ["validate", _extends(tiny_copy.parent, "/dev/zero")],
        "tiny.toml key extends: '/dev/zero' is a character device, not a regular file; expected a scenario TOML file",
        folder=tiny_copy.parent,
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_extends_a_fifo_is_refused_without_waiting_on_it(tiny_copy):
    os.mkfifo(tiny_copy.parent / "pipe.toml")
    _refused(
        ["validate", _extends(tiny_copy.parent, "pipe.toml")],
        "tiny.toml key extends: 'pipe.toml' is a FIFO (named pipe), not a regular file",
        folder=tiny_copy,
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_given_as_the_scenario_is_refused(tmp_path):
    os.mkfifo(tmp_path / "pipe.toml")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(tmp_path / "pipe.toml")
    assert "pipe.toml: is a FIFO (named pipe), not a regular file" in caught.value.report()


def test_extends_a_folder_is_refused(tiny_copy):
    _refused(
        ["validate", _extends(tiny_copy.parent, "tiny")],
        "tiny.toml key extends: 'tiny' is a folder; expected a scenario TOML file",
        folder=tiny_copy.parent,
    )


def test_extends_a_huge_file_is_refused_with_the_limit(tiny_copy):
    (tiny_copy.parent / "huge.toml").write_text("# padding\n" * (MAX_SCENARIO_BYTES // 10 + 50_000), encoding="utf-8")
    _refused(
        ["validate", _extends(tiny_copy.parent, "huge.toml")],
        "tiny.toml key extends: 'huge.toml' is 1.5 MB; expected a scenario TOML file of at most 1 MB",
        folder=tiny_copy.parent,
    )


ENCODINGS = [
    (
        "windows-1252",
        'name = "Plan for £3m"\ndataset = "tiny"\n'.encode("cp1252"),
        "is not UTF-8 text: it looks like Windows-1252, as Excel and older Windows editors save it (byte 0xA3 at "
        "line 1, column 18 is '£' there)",
    ),
    (
        "utf-16-bom",
        'dataset = "tiny"\n'.encode("utf-16"),
        "is saved as UTF-16 (it starts with a UTF-16 byte-order mark)",
    ),
    (
        "utf-16-le",
        'dataset = "tiny"\n'.encode("utf-16-le"),
        "looks like UTF-16 (little-endian, without a byte-order mark)",
    ),
    (
        "binary",
        b"PK\x03\x04\x00\x00binary",
        "contains NUL bytes (the first at line 1, column 5): it looks like a binary file",
    ),
]


@pytest.mark.parametrize(("data", "expected"), [c[1:] for c in ENCODINGS], ids=[c[0] for c in ENCODINGS])
def test_a_scenario_not_in_utf8_says_what_it_looks_like(tiny_copy, data, expected):
    scenario = tiny_copy.parent / "tiny.toml"
    scenario.write_bytes(data)
    _refused(["validate", scenario], f"tiny.toml: {expected}", "UTF-8", folder=tiny_copy.parent)


def test_a_file_it_extends_not_in_utf8_is_named(tiny_copy):
    (tiny_copy.parent / "base.toml").write_bytes('description = "Café"\n'.encode("cp1252"))
    _refused(
        ["validate", _extends(tiny_copy.parent, "base.toml")],
        "base.toml: is not UTF-8 text: it looks like Windows-1252",
        folder=tiny_copy.parent,
    )


EXTENDS_CASES = [
    (
        'extends = ["a.toml", "b.toml"]',
        'tiny.toml key extends: \'["a.toml", "b.toml"]\' is a list; expected the file name of one scenario',
    ),
    ("extends = 3", "tiny.toml key extends: '3' is not valid; expected the file name of another scenario, in quotes"),
    ('extends = ""', "tiny.toml key extends: '' is empty; expected the file name of another scenario"),
    ('extends = "nothere.toml"', "tiny.toml key extends: 'nothere.toml' does not exist; expected a scenario TOML file"),
]


@pytest.mark.parametrize(("line", "expected"), EXTENDS_CASES, ids=["list", "number", "empty", "missing"])
def test_extends_of_the_wrong_kind(tiny_copy, line, expected):
    scenario = tiny_copy.parent / "tiny.toml"
    scenario.write_text(f'{line}\ndataset = "tiny"\n', encoding="utf-8")
    stderr = _refused(["validate", scenario], expected, folder=tiny_copy.parent)
    assert "1 problem found" in stderr  # nothing else is blamed on the file it could not extend


@pytest.mark.parametrize(
    "text", ["a = " + "[" * 600 + "]" * 600, "[" + ".".join(["a"] * 2000) + "]"], ids=["nested-lists", "dotted-tables"]
)
def test_a_scenario_nested_too_deep_is_refused_not_a_recursion_error(tiny_copy, text):
    scenario = tiny_copy.parent / "tiny.toml"
    scenario.write_text(f'dataset = "tiny"\n{text}\n', encoding="utf-8")
    _refused(["validate", scenario], "tiny.toml: ", "expected settings at most 6 levels deep", folder=tiny_copy.parent)


# --- 3. what validate says, solve agrees with -----------------------------------------------


def _agree(scenario: Path, settings: list[str], expected: str, tmp_path_factory) -> None:
    """validate and solve refuse with the same located problems."""
    args = functools.reduce(operator.iadd, (["--set", s] for s in settings), [])
    validated = _refused(["validate", scenario, *args], expected, folder=scenario.parent)
    solved = _refused(
        ["solve", scenario, *args, "--out", tmp_path_factory.mktemp("out"), "--no-explain", "--no-outputs"],
        expected,
        folder=scenario.parent,
    )
    assert _problems(validated) == _problems(solved)


def test_missing_travel_pairs_are_refused_by_validate_as_by_solve(tiny_scenario, tmp_path_factory):
    write_travel(tiny_scenario.parent / "tiny", full_travel(tiny_scenario.parent / "tiny")[1:])
    _agree(
        tiny_scenario,
        [],
        "travel.csv column minutes: has no row for zone Z1 to S1; expected every zone to every site and option",
        tmp_path_factory,
    )
    result = run_cli(["validate", tiny_scenario, "--set", "travel.missing_pairs=unreachable"])
    assert result.exit_code == 0, result.output


def test_a_table_source_without_a_travel_table_is_refused_by_validate(tiny_scenario, tmp_path_factory):
    _agree(
        tiny_scenario,
        ["travel.source=table"],
        "--set key travel.source: 'table' needs the dataset's travel table (travel.csv), which it does not have",
        tmp_path_factory,
    )


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ('rules.exclude=["o1"]', "--set key rules.exclude: 'o1' is not an option; did you mean O1?"),
        (
            'rules.force_open=["O9"]',
            "--set key rules.force_open: 'O9' is not an option; expected an option_id from candidates (O1, O2, O3)",
        ),
        ('rules.exclude=["S1"]', "--set key rules.exclude: 'S1' is an existing site, not an option"),
    ],
    ids=["exclude-case", "force-open-unknown", "exclude-a-site"],
)
def test_unknown_option_ids_are_refused_by_validate_as_by_solve(tiny_scenario, tmp_path_factory, setting, expected):
    _agree(tiny_scenario, [setting], expected, tmp_path_factory)


def test_an_option_forced_open_and_excluded_is_refused_by_validate(tiny_scenario, tmp_path_factory):
    (tiny_scenario.parent / "rules.toml").write_text(
        'extends = "tiny.toml"\n[rules]\nforce_open = ["O2"]\nexclude = ["O2"]\n', encoding="utf-8"
    )
    _agree(
        tiny_scenario.parent / "rules.toml",
        [],
        "rules.toml key rules.force_open: 'O2' is both forced open and excluded",
        tmp_path_factory,
    )


@pytest.mark.parametrize("year", [2020, 2024])
def test_a_plan_starting_by_the_base_year_is_refused_by_validate(tiny_scenario, tmp_path_factory, year):
    _agree(
        tiny_scenario,
        [f"horizon.first_year={year}"],
        f"--set key horizon.first_year: '{year}' starts the plan in {year}/{(year + 1) % 100:02d}, not after the "
        "dataset's base year 2024/25; expected 2025 or later",
        tmp_path_factory,
    )


def test_the_plan_code_keeps_the_same_checks_as_a_second_wall(tiny_scenario):
    scenario = load_scenario(tiny_scenario, ['rules.exclude=["O9"]', "horizon.first_year=2024"]).scenario
    with pytest.raises(InputError) as caught:
        plan_years(scenario, 2024)
    assert "scenario key horizon.first_year: '2024' starts the plan in 2024/25" in caught.value.report()
    import pandas as pd

    with pytest.raises(InputError) as caught:
        check_option_ids(pd.DataFrame({"option_id": ["O1", "O2"]}), scenario)
    assert "scenario key rules.exclude: 'O9' is not an option" in caught.value.report()


# --- 4. scenario and dataset problems reported together --------------------------------------


def test_an_unknown_key_and_a_bad_cell_are_reported_in_one_message(tiny_scenario):
    set_cell(tiny_scenario.parent / "tiny", "demand", 3, "pupils", "lots")
    stderr = _refused(
        ["validate", tiny_scenario, "--set", "horizon.yaers=3"],
        "--set key horizon.yaers: is not a scenario setting; did you mean horizon.years?",
        "demand.csv row 3, column pupils: 'lots'",
        "2 problems found",
        folder=tiny_scenario.parent,
    )
    assert "and dataset" in stderr


def test_a_bad_value_in_the_file_and_a_bad_cell_are_reported_by_solve_too(tiny_copy, tmp_path_factory):
    set_cell(tiny_copy, "sites", 2, "capacity", "-4")
    scenario = tiny_copy.parent / "tiny.toml"
    scenario.write_text('dataset = "tiny"\n[costs]\ndiscount_rate = nan\n', encoding="utf-8")
    for command in (["validate"], ["solve", "--no-outputs", "--out", tmp_path_factory.mktemp("out")]):
        _refused(
            [command[0], scenario, *command[1:]],
            "tiny.toml key costs.discount_rate: 'nan' is not valid",
            "sites.csv row 2, column capacity: '-4'",
            "2 problems found",
            folder=tiny_copy.parent,
        )


def test_an_unknown_key_does_not_hide_what_the_dataset_check_finds(tiny_scenario):
    _refused(
        ["validate", tiny_scenario, "--set", "rules.max_options=3", "--set", 'rules.exclude=["O9"]'],
        "--set key rules.max_options: is not a scenario setting; did you mean rules.max_new_options?",
        "--set key rules.exclude: 'O9' is not an option",
        "2 problems found",
        folder=tiny_scenario.parent,
    )


def test_paths_no_file_system_can_hold_are_refused(tiny_copy):
    scenario = tiny_copy.parent / "tiny.toml"
    scenario.write_text(
        'extends = "a\\u0000b"\ndataset = "ti\\u0000ny"\n[output]\nfolder = "out\\u0000"\n', encoding="utf-8"
    )
    stderr = _refused(
        ["validate", scenario],
        "tiny.toml key extends: 'a\\x00b' cannot be read",
        "key dataset: ",
        "key output.folder: ",
        "contains a NUL character; expected a folder path",
        folder=tiny_copy.parent,
    )
    assert "3 problems found" in stderr
