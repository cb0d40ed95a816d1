"""The command line: help, version, exit codes, and validate's three output formats.

The figures are worked out by hand from tests/fixtures/tiny:

demand.csv (zone, need, NCY, pupils): Z1 ASD 3 4, Z1 SEMH 8 2, Z2 ASD 3 3, Z2 SLD 9 1,
Z3 ASD 8 5, Z4 SEMH 8 6, Z5 ASD 2 2, Z5 SLCN 1 3  -> 26 pupils.
  primary (NCY 0-6):    ASD 4+3+2 = 9, SLCN 3           -> 12
  secondary (NCY 7-11): SEMH 2+6 = 8, SLD 1, ASD 5      -> 14
sites.csv: S1 special 10 places (ASD;SLD;SLCN, NCY 0-11), S2 srp 4 places (ASD, NCY 0-6),
S3 independent 20 places (ALL, NCY 0-14)  -> 14 local places, 20 independent.
Places are shared over the need-and-year cells a site admits, by pupils in them:
  S1 admits 18 pupils (ASD 9 + SLCN 3 primary; ASD 5 + SLD 1 secondary):
     primary 10*12/18 = 6.7 -> 7, secondary 10*6/18 = 3.3 -> 3;
     ASD primary 5.0, SLCN 1.7, ASD secondary 2.8, SLD 0.6.
  S2 admits ASD primary only: 4 places.
  S3 admits all 26: primary 20*12/26 = 9.2 -> 9, secondary 20*14/26 = 10.8 -> 11;
     SEMH 20*8/26 = 6.2 -> 6.
Local places and surplus by need and phase:
  ASD primary 5.0 + 4 = 9 for 9 pupils (0); ASD secondary 2.8 -> 3 for 5 (-2);
  SLD secondary 0.6 -> 1 for 1 (0); SLCN primary 1.7 -> 2 for 3 (-1); SEMH secondary 0 for 8 (-8)
  -> shortfall 2 + 1 + 8 = 11.
candidates.csv: O1 srp 6-12 places (host ratio 1.4, oversubscribed), O2 special_expansion
4-12, O3 esta 4-8 (host ratio 0.8)  -> 3 options adding at most 12 + 12 + 8 = 32 places.
"""

from __future__ import annotations

import io
import json

import click
import pandas as pd
import pytest
from conftest import TINY, run_cli

from placeplan import __version__
from placeplan.cli import cli

OVERVIEW = {
    "zones": 5,
    "pupils needing a specialist place": 26,
    "existing sites": 3,
    "existing local places (special, SRP, unit, ESTA)": 14,
    "independent special school places": 20,
    "shortfall of local places (sum over needs and phases)": 11,
    "candidate options": 3,
    "places candidate options could add (at most)": 32,
}
PUPILS = {  # need: (primary, secondary, total)
    "ASD": (9, 5, 14),
    "SEMH": (0, 8, 8),
    "SLD": (0, 1, 1),
    "SLCN": (3, 0, 3),
    "total": (12, 14, 26),
}
PLACES = {"special": (7, 3, 10), "srp": (4, 0, 4), "independent": (9, 11, 20)}
SUFFICIENCY = {  # (need, phase): (pupils, local_places, surplus)
    ("ASD", "primary"): (9, 9, 0),
    ("ASD", "secondary"): (5, 3, -2),
    ("SLD", "secondary"): (1, 1, 0),
    ("SLCN", "primary"): (3, 2, -1),
    ("SEMH", "secondary"): (8, 0, -8),
}
OPTIONS = {  # kind: (options, min_places, max_places, with_oversubscribed_host)
    "srp": (1, 6, 12, 1),
    "special_expansion": (1, 4, 12, 0),
    "esta": (1, 4, 8, 0),
}


def all_commands(group: click.Group = cli, path: tuple[str, ...] = ()):
    """(path, command) for every command, descending into groups."""
    for name, command in sorted(group.commands.items()):
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from all_commands(command, (*path, name))


COMMANDS = list(all_commands())


def test_help():
    result = run_cli(["--help"])
    assert result.exit_code == 0
    assert "Usage: placeplan" in result.stdout
    for name in cli.commands:
        assert name in result.stdout


def test_version():
    result = run_cli(["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"placeplan, version {__version__}"


def test_commands_are_found():
    assert {"validate", "travel", "schema", "data"} <= {p[0] for p, _ in COMMANDS}


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_command_has_help_with_an_example(path, command):
    assert "Example" in (command.help or ""), f"placeplan {' '.join(path)} has no Example in its help"
    result = run_cli([*path, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.stdout


def test_unknown_command_exits_2():
    result = run_cli(["frobnicate"])
    assert result.exit_code == 2
    assert "No such command 'frobnicate'" in result.stderr
    assert "Traceback" not in result.output


def test_unknown_option_exits_2():
    result = run_cli(["validate", "--colour", TINY])
    assert result.exit_code == 2
    assert "No such option '--colour'" in result.stderr
    assert "Traceback" not in result.output


def test_unknown_format_exits_2():
    result = run_cli(["validate", "--format", "xml", TINY])
    assert result.exit_code == 2
    assert "'xml' is not one of 'table', 'csv', 'json'" in result.stderr


def test_validate_json():
    result = run_cli(["validate", "--format", "json", TINY])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["name"] == "Tiny test borough"
    assert data["base_year"] == "2024/25"
    assert {row["metric"]: row["value"] for row in data["overview"]} == OVERVIEW
    assert {r["need"]: (r["primary"], r["secondary"], r["total"]) for r in data["pupils"]} == PUPILS
    assert {r["kind"]: (r["primary"], r["secondary"], r["total"]) for r in data["places"]} == PLACES
    assert {
        (r["need"], r["phase"]): (r["pupils"], r["local_places"], r["surplus"]) for r in data["sufficiency"]
    } == SUFFICIENCY
    assert {
        r["kind"]: (r["options"], r["min_places"], r["max_places"], r["with_oversubscribed_host"])
        for r in data["options"]
    } == OPTIONS


def test_validate_csv():
    result = run_cli(["validate", "--format", "csv", TINY])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(io.StringIO(result.stdout))
    assert list(frame["section"].unique()) == ["overview", "pupils", "places", "sufficiency", "options"]
    overview = frame[frame["section"] == "overview"]
    assert dict(zip(overview["metric"], overview["value"].astype(int))) == OVERVIEW
    pupils = frame[frame["section"] == "pupils"]
    assert {
        n: (int(p), int(s), int(t))
        for n, p, s, t in zip(pupils["need"], pupils["primary"], pupils["secondary"], pupils["total"])
    } == PUPILS
    places = frame[frame["section"] == "places"]
    assert {
        k: (int(p), int(s), int(t))
        for k, p, s, t in zip(places["kind"], places["primary"], places["secondary"], places["total"])
    } == PLACES
    suff = frame[frame["section"] == "sufficiency"]
    assert {
        (n, ph): (int(p), int(lp), int(s))
        for n, ph, p, lp, s in zip(suff["need"], suff["phase"], suff["pupils"], suff["local_places"], suff["surplus"])
    } == SUFFICIENCY
    options = frame[frame["section"] == "options"]
    assert {
        k: (int(o), int(lo), int(hi), int(ov))
        for k, o, lo, hi, ov in zip(
            options["kind"],
            options["options"],
            options["min_places"],
            options["max_places"],
            options["with_oversubscribed_host"],
        )
    } == OPTIONS


def _section(text: str, title: str) -> list[str]:
    """The lines of one titled section of the table format, stripped."""
    lines = text.splitlines()
    start = lines.index(title) + 2  # skip the title's underline
    rows = []
    for line in lines[start:]:
        if not line.strip():
            break
        rows.append(line.strip())
    return rows


def test_validate_table():
    result = run_cli(["validate", "--format", "table", TINY])
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith("Tiny test borough — base year 2024/25\n")
    overview = [line.rsplit(None, 1) for line in _section(text, "Overview")]
    assert overview[0] == ["metric", "value"]
    assert {metric: int(value) for metric, value in overview[1:]} == OVERVIEW
    pupils = [line.split() for line in _section(text, "Pupils needing a specialist place, by need and phase")]
    assert pupils[0] == ["need", "primary", "secondary", "post16", "total"]
    # post16 is shown because S3 admits NCY 12-14, but no pupils are in it
    assert {r[0]: (int(r[1]), int(r[2]), int(r[4])) for r in pupils[1:]} == PUPILS
    assert [int(r[3]) for r in pupils[1:]] == [0] * 5
    places = [line.split() for line in _section(text, "Existing places by kind and phase")]
    assert {r[0]: (int(r[1]), int(r[2]), int(r[4])) for r in places[1:]} == PLACES


def test_default_format_is_table():
    assert run_cli(["validate", TINY]).stdout == run_cli(["validate", "--format", "table", TINY]).stdout


def test_debug_shows_the_traceback_and_keeps_exit_code_2_for_bad_input(tmp_path):
    import shutil

    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    path = folder / "demand.csv"
    path.write_text(path.read_text().replace("Z2,ASD,3,3", "Z2,AUT,3,3"))
    quiet = run_cli(["validate", folder])
    loud = run_cli(["--debug", "validate", folder])
    assert quiet.exit_code == loud.exit_code == 2
    assert "Traceback" not in quiet.stderr and "Traceback" in loud.stderr
    assert "'AUT' is not a need code; did you mean ASD?" in loud.stderr


def test_a_run_prints_its_stages_and_verbose_adds_the_solvers_steps(tiny_scenario, tmp_path):
    quiet_steps = run_cli(["solve", str(tiny_scenario), "--out", str(tmp_path / "a"), "--no-explain", "--no-outputs"])
    assert quiet_steps.exit_code == 0, quiet_steps.output
    assert "model input:" in quiet_steps.output and "solving with" in quiet_steps.output
    assert "built model:" not in quiet_steps.output and "LP relaxation" not in quiet_steps.output
    verbose = run_cli(
        ["--verbose", "solve", str(tiny_scenario), "--out", str(tmp_path / "b"), "--no-explain", "--no-outputs"]
    )
    assert verbose.exit_code == 0 and "built model:" in verbose.output and "model input:" in verbose.output
    assert len(verbose.output.splitlines()) > len(quiet_steps.output.splitlines())
