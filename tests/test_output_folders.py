"""Output folders hold one whole run or the previous one, never a mixture, and never replace
an input; a run repeats to the byte; a short time limit still gives a plan; Ctrl-C, a full
or read-only disk and a crash leave what was there as it was.

Every case runs the real command on the tiny borough (tests/fixtures/tiny) and checks the
exit code, the message, that the inputs are byte-identical afterwards and what the output
folder holds.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import hashes, run_cli, tiny_tree

from placeplan.optimise import Arcs, Existing, Groups, Options, Periods, Problem
from placeplan.optimise.preprocess import status_quo_plan

TABLES = {
    "options.csv",
    "allocation.csv",
    "explain.csv",
    "projected_demand.csv",
    "in_reach.csv",
    "reach_zones.csv",
    "scenario.json",
    "summary.json",
    "timings.json",
}
DOCUMENTS = {"map.html", "shortlist.csv", "shortlist.html", "plan.xlsx", "plan.gpkg", "report.html"}


def _scenario(root: Path, extra: str = "") -> Path:
    return tiny_tree(root, extra=extra)


def _solve(scenario: Path, out: Path, *extra: str):
    return run_cli(["solve", str(scenario), "--out", str(out), *extra])


@pytest.fixture(scope="module")
def solved(tmp_path_factory) -> Path:
    """A whole run (tables and documents) to copy, so each test starts from a previous run."""
    root = tmp_path_factory.mktemp("solved")
    scenario = _scenario(root)
    result = _solve(scenario, root / "out")
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture
def previous(solved: Path, tmp_path: Path) -> Path:
    """A copy of the solved tree (scenario, dataset, out) in tmp_path."""
    for name in ("tiny", "out"):
        shutil.copytree(solved / name, tmp_path / name)
    shutil.copy2(solved / "tiny.toml", tmp_path / "tiny.toml")
    return tmp_path


def _leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.parent.iterdir() if p.name.startswith(f".{folder.name}.placeplan-")]


# --- never over an input ------------------------------------------------------------------


def test_output_folder_that_is_the_dataset_is_refused_before_solving(tmp_path):
    scenario = _scenario(tmp_path)
    before = hashes(tmp_path)
    result = _solve(scenario, tmp_path / "tiny")
    assert result.exit_code == 2, result.output
    assert "is an input" in result.stderr and str(tmp_path / "tiny") in result.stderr
    assert "Traceback" not in result.output
    assert hashes(tmp_path) == before


def test_a_table_named_like_an_output_in_the_output_folder_is_never_overwritten(tmp_path):
    """The issue's case: candidates kept as options.csv, output folder = dataset folder."""
    scenario = _scenario(tmp_path)
    (tmp_path / "tiny" / "candidates.csv").rename(tmp_path / "tiny" / "options.csv")
    meta = tmp_path / "tiny" / "dataset.toml"
    meta.write_text(meta.read_text(encoding="utf-8") + '\n[files]\ncandidates = "options.csv"\n', encoding="utf-8")
    assert run_cli(["validate", str(scenario)]).exit_code == 0
    before = hashes(tmp_path)
    result = _solve(scenario, tmp_path / "tiny")
    assert result.exit_code == 2, result.output
    assert hashes(tmp_path) == before


def test_output_folder_holding_the_scenario_and_dataset_is_refused(tmp_path):
    scenario = _scenario(tmp_path)
    before = hashes(tmp_path)
    result = _solve(scenario, tmp_path)
    assert result.exit_code == 2, result.output
    assert "holds inputs of this run" in result.stderr
    assert str(scenario) in result.stderr
    assert hashes(tmp_path) == before


def test_map_copy_over_an_input_is_refused(tmp_path):
    scenario = _scenario(tmp_path)
    assert _solve(scenario, tmp_path / "out", "--no-explain").exit_code == 0
    result = run_cli(["map", str(tmp_path / "out"), "--maps", str(tmp_path / "maps")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "maps" / "tiny.html").is_file()
    # the dataset folder used as the maps folder, holding a file named like the copy
    (tmp_path / "tiny" / "tiny.html").write_text("the officer's own page", encoding="utf-8")
    before = hashes(tmp_path / "tiny")
    result = run_cli(["map", str(tmp_path / "out"), "--maps", str(tmp_path / "tiny")])
    assert result.exit_code == 2, result.output
    assert "is an input" in result.stderr
    assert hashes(tmp_path / "tiny") == before


# --- folders that cannot take the run --------------------------------------------------------


def test_folder_with_files_placeplan_did_not_write_is_refused(tmp_path):
    scenario = _scenario(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.docx").write_bytes(b"an officer's notes")
    result = _solve(scenario, out)
    assert result.exit_code == 2, result.output
    assert "notes.docx is a file placeplan did not write" in result.stderr
    assert (out / "notes.docx").read_bytes() == b"an officer's notes"
    assert _leftovers(out) == []


def test_a_folder_named_like_an_output_inside_is_refused(previous):
    (previous / "out" / "map.html").unlink()
    (previous / "out" / "map.html").mkdir()
    before = hashes(previous)
    result = _solve(previous / "tiny.toml", previous / "out")
    assert result.exit_code == 2, result.output
    assert "map.html is not a plain file" in result.stderr
    assert hashes(previous) == before


def test_a_file_where_the_output_folder_should_be_is_refused(tmp_path):
    scenario = _scenario(tmp_path)
    (tmp_path / "out").write_text("not a folder", encoding="utf-8")
    result = _solve(scenario, tmp_path / "out")
    assert result.exit_code == 2, result.output
    result = _solve(scenario, tmp_path / "out" / "run")
    assert result.exit_code == 2, result.output
    assert "is a file, so the folder" in result.stderr
    assert (tmp_path / "out").read_text(encoding="utf-8") == "not a folder"


def test_a_read_only_disk_is_found_before_the_solve(tmp_path, monkeypatch):
    scenario = _scenario(tmp_path)

    def refuse(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(tmp_path))

    def never(*args, **kwargs):
        raise AssertionError("the solve ran although the folder cannot be written")

    monkeypatch.setattr("placeplan.outputs_io.tempfile.mkdtemp", refuse)
    monkeypatch.setattr("placeplan.plan.solve_scenario", never)
    result = _solve(scenario, tmp_path / "out")
    assert result.exit_code == 2, result.output
    assert "the disk is read-only" in result.stderr
    assert "bug" not in result.stderr


def test_too_little_free_space_is_found_before_the_solve(tmp_path, monkeypatch):
    scenario = _scenario(tmp_path)
    monkeypatch.setattr("placeplan.outputs_io.MIN_FREE_BYTES", 10**18)
    result = _solve(scenario, tmp_path / "out")
    assert result.exit_code == 2, result.output
    assert "MB free" in result.stderr
    assert not (tmp_path / "out").exists() and _leftovers(tmp_path / "out") == []


def test_a_disk_that_fills_up_mid_run_leaves_the_previous_run(previous, monkeypatch):
    """The fifth file written fails with ENOSPC: exit 2 with a message about the disk, the
    previous run byte-identical, no staged folder left."""
    before = hashes(previous / "out")
    real = os.fdopen
    count = {"files": 0}

    class Full:
        def __init__(self, stream):
            self.stream = stream

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.stream.close()

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

    def fdopen(fd, *args, **kwargs):
        count["files"] += 1
        stream = real(fd, *args, **kwargs)
        return Full(stream) if count["files"] == 5 else stream

    monkeypatch.setattr("placeplan.outputs_io.os.fdopen", fdopen)
    result = _solve(previous / "tiny.toml", previous / "out", "--no-explain")
    assert result.exit_code == 2, result.output
    assert "the disk is full" in result.stderr and "bug" not in result.stderr
    assert hashes(previous / "out") == before
    assert _leftovers(previous / "out") == []


# --- a folder holds one run -------------------------------------------------------------------


def test_no_explain_after_a_full_run_leaves_no_explain_of_the_old_run(previous):
    assert (previous / "out" / "explain.csv").is_file()
    result = _solve(previous / "tiny.toml", previous / "out", "--no-explain")
    assert result.exit_code == 0, result.output
    names = {p.name for p in (previous / "out").iterdir()}
    assert names == (TABLES | DOCUMENTS) - {"explain.csv"}
    shortlist = (previous / "out" / "shortlist.csv").read_text(encoding="utf-8")
    assert "without it" not in shortlist.lower()  # no counterfactual values of the old run


def test_no_outputs_after_a_full_run_leaves_no_old_documents(previous):
    result = _solve(previous / "tiny.toml", previous / "out", "--no-outputs")
    assert result.exit_code == 0, result.output
    assert {p.name for p in (previous / "out").iterdir()} == TABLES


def test_a_crash_mid_run_leaves_the_previous_run(previous, monkeypatch):
    before = hashes(previous / "out")

    def crash(*args, **kwargs):
        raise RuntimeError("a bug while building the documents")

    monkeypatch.setattr("placeplan.outputs.build_documents", crash)
    result = _solve(previous / "tiny.toml", previous / "out")
    assert result.exit_code == 1, result.output
    assert "This is a bug in placeplan" in result.stderr
    assert hashes(previous / "out") == before
    assert _leftovers(previous / "out") == []


def test_ctrl_c_prints_one_line_exits_130_and_leaves_the_previous_run(previous, monkeypatch):
    before = hashes(previous / "out")

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("placeplan.outputs.build_documents", interrupt)
    result = _solve(previous / "tiny.toml", previous / "out")
    assert result.exit_code == 130, result.output
    assert result.stderr.strip().splitlines()[-1].startswith("interrupted: nothing new was written")
    assert "Traceback" not in result.output
    assert hashes(previous / "out") == before
    assert _leftovers(previous / "out") == []


def test_a_killed_run_leaves_no_clutter_for_the_next(previous):
    stale = previous / ".out.placeplan-999999999.abcd"
    stale.mkdir()
    (stale / "summary.json").write_text("{}", encoding="utf-8")
    result = _solve(previous / "tiny.toml", previous / "out", "--no-outputs")
    assert result.exit_code == 0, result.output
    assert not stale.exists()


def test_report_rebuilds_in_a_copy_and_keeps_the_rest_of_the_run(previous):
    before = hashes(previous / "out")
    result = run_cli(["report", str(previous / "out")])
    assert result.exit_code == 0, result.output
    after = hashes(previous / "out")
    assert set(after) == set(before)
    for name in TABLES | {"map.html"}:
        assert after[name] == before[name], name
    assert _leftovers(previous / "out") == []


# --- repeatable to the byte -----------------------------------------------------------------


def test_two_runs_of_the_same_inputs_are_byte_identical_apart_from_timings(tmp_path):
    scenario = _scenario(tmp_path)
    for out in ("first", "second"):
        result = _solve(scenario, tmp_path / out)
        assert result.exit_code == 0, result.output
    first, second = hashes(tmp_path / "first"), hashes(tmp_path / "second")
    assert set(first) == set(second) == TABLES | DOCUMENTS
    differ = sorted(name for name in first if first[name] != second[name])
    assert differ == ["timings.json"]


def test_summary_holds_no_timings_and_timings_json_does(previous):
    summary = json.loads((previous / "out" / "summary.json").read_text(encoding="utf-8"))
    assert not any("seconds" in key or key == "stages" for key in summary)
    timings = json.loads((previous / "out" / "timings.json").read_text(encoding="utf-8"))
    assert timings["seconds"]["solve"] >= 0


def test_documents_rebuilt_later_carry_the_run_date_not_today(previous, monkeypatch):
    """A rebuild on another day (SOURCE_DATE_EPOCH moves the clock a year on) prints the
    date the run recorded, and the workbook's bytes do not change."""
    before = hashes(previous / "out")
    recorded = json.loads((previous / "out" / "summary.json").read_text(encoding="utf-8"))["run_date"]
    later = 365 * 86400 + int(__import__("datetime").datetime.fromisoformat(recorded).timestamp())
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(later))
    assert run_cli(["report", str(previous / "out")]).exit_code == 0
    assert run_cli(["map", str(previous / "out"), "--no-copy"]).exit_code == 0
    assert hashes(previous / "out") == before


def test_source_date_epoch_fixes_the_run_date(tmp_path, monkeypatch):
    scenario = _scenario(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01
    assert _solve(scenario, tmp_path / "out", "--no-explain").exit_code == 0
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["run_date"] == "2026-01-01"
    assert "1 January 2026" in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")


# --- time limits ------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["inf", "nan", "0", "-1", "1e400", "ten"])
def test_time_limits_that_are_not_a_time_are_refused(tmp_path, value):
    scenario = _scenario(tmp_path)
    result = _solve(scenario, tmp_path / "out", "--time-limit", value)
    assert result.exit_code == 2, result.output
    assert "--time-limit" in result.output
    assert not (tmp_path / "out").exists()


def test_status_quo_plan_fills_existing_places_greedily_then_the_fallback():
    """Two pupils groups, one site of 3 places: the group that saves most goes first."""
    problem = Problem.make(
        groups=Groups.make([2.0, 2.0], fallback_cost=[10.0, 10.0]),
        existing=Existing.make([3.0]),
        options=Options.make([5.0], fixed_cost=[1.0]),
        arcs=Arcs.make(group=[0, 1, 0], facility=[0, 0, 1], cost=[4.0, 1.0, 0.0]),
        periods=Periods.make(1),
    )
    flow, unplaced = status_quo_plan(problem)
    assert flow.tolist() == [1.0, 2.0, 0.0]  # group 1 saves 9 a pupil, group 0 only 6
    assert unplaced.tolist() == [1.0, 0.0]


def test_status_quo_plan_is_refused_where_the_rules_need_more():
    arcs = Arcs.make(group=[0], facility=[0], cost=[1.0])
    forced = Problem.make(
        groups=Groups.make([1.0], fallback_cost=[5.0]),
        existing=Existing.make([0.0]),
        options=Options.make([5.0], forced=[True]),
        arcs=Arcs.make(group=[0], facility=[1]),
    )
    assert status_quo_plan(forced) is None
    firm = Problem.make(groups=Groups.make([3.0], fallback_cost=[np.inf]), existing=Existing.make([2.0]), arcs=arcs)
    assert status_quo_plan(firm) is None


def test_a_time_limit_too_short_to_solve_still_returns_a_plan(monkeypatch):
    """When the solver stops before any plan, the plan that opens nothing is returned with
    its gap, status time_limit, exit 0 (the default scenario at --time-limit 1 did this)."""
    import importlib

    solve_module = importlib.import_module("placeplan.optimise.solve")
    from placeplan.optimise import Status

    problem = Problem.make(
        groups=Groups.make([2.0, 2.0], fallback_cost=[10.0, 10.0]),
        existing=Existing.make([3.0]),
        options=Options.make([5.0], fixed_cost=[1.0]),
        arcs=Arcs.make(group=[0, 1, 0], facility=[0, 0, 1], cost=[4.0, 1.0, 0.0]),
    )
    stopped = solve_module.empty_result(problem, Status.TIME_LIMIT, seconds=1.0, solver="highs", bound=9.0)
    monkeypatch.setattr(solve_module, "_solve", lambda *a, **k: stopped)
    result = solve_module.solve(problem, time_limit=1.0)
    assert result.status == Status.TIME_LIMIT and result.has_plan
    assert result.objective == pytest.approx(1 * 4 + 2 * 1 + 1 * 10)
    assert result.best_bound == 9.0 and result.gap > 0
    assert not result.option_open.any()


@pytest.mark.slow
def test_the_default_scenario_at_a_one_second_limit_gives_a_plan(tmp_path):
    result = run_cli(
        [
            "solve",
            str(Path(__file__).resolve().parents[1] / "scenarios" / "kingston-richmond.toml"),
            "--out",
            str(tmp_path / "out"),
            "--time-limit",
            "1",
            "--no-explain",
            "--no-outputs",
        ]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["objective"] > 0 and summary["status"] in ("time_limit", "feasible", "optimal")


def test_a_file_where_the_output_folder_would_be_is_the_users_to_fix(tmp_path):
    from placeplan.errors import OutputError
    from placeplan.outputs_io import write_bytes_atomic

    (tmp_path / "out").write_text("not a folder", encoding="utf-8")
    with pytest.raises(OutputError, match="a file stands where a folder is needed"):
        write_bytes_atomic(tmp_path / "out" / "deeper" / "plan.csv", b"x")
    assert (tmp_path / "out").read_text(encoding="utf-8") == "not a folder"
