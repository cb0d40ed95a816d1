"""Would an officer take this plan to committee? The checks issue 10 names, on real councils.

Builds each council named with ``--la`` from the open data (``placeplan data build``),
solves it as a new user would (``placeplan solve DATASET``: every setting at its default),
solves each ``--scenario`` as shipped, and checks every solved folder (``--solved`` adds
folders solved already):

- no hosted option breaks a host rule (places at most the share of the host's roll, no
  selective host, one hosted option per school, the host's age range admits the option's);
- no pupil who needs a special school is placed at an ESTA;
- every opening year respects its kind's lead time, and none is before 2027;
- pupils out of area (independent, out-of-area or without a place) in the first plan year
  are at least 70% of the status quo's, and fewer than the status quo's by the last year.

It prints each plan's options (kind, places, opening year, capital), its saving and payback,
and the checks, and exits 1 when a check fails.

    python3 benchmarks/councils.py --scenario scenarios/kingston-richmond.toml \\
        --la "Bristol, City of" --la Sheffield --la Wiltshire [--work DIR] [--set k=v ...]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

EARLIEST_OPENING = 2027
#: Pupils out of area in the first plan year, as a share of the status quo's at least:
#: pupils stay where they are placed, so independent placements run off, not vanish.
FIRST_YEAR_AWAY_SHARE = 0.70
HOSTED = {"srp", "esta", "unit"}


@dataclass
class Check:
    name: str
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


def _read(folder: Path) -> tuple[dict, dict, pd.DataFrame, pd.DataFrame]:
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    scenario = json.loads((folder / "scenario.json").read_text(encoding="utf-8"))
    options = pd.read_csv(folder / "options.csv", dtype={"option_id": str, "host": str})
    allocation = pd.read_csv(folder / "allocation.csv", dtype={"facility_id": str, "zone_id": str})
    return summary, scenario, options, allocation


def _start(year_label: str) -> int:
    return int(str(year_label)[:4])


def host_rules(chosen: pd.DataFrame, candidates: pd.DataFrame, rules: dict) -> Check:
    check = Check("host rules")
    hosted = chosen[chosen["kind"].isin(HOSTED)].merge(
        candidates[["option_id", "host_on_roll", "host_selective", "host_ncy_min", "host_ncy_max"]],
        on="option_id",
        how="left",
    )
    share = float(rules["host_max_share_of_roll"])
    for row in hosted.itertuples():
        if pd.notna(row.host_on_roll) and row.places > share * row.host_on_roll + 1e-9:
            check.failures.append(
                f"{row.option_id}: {row.places:g} places > {share:.0%} of {row.host_on_roll:g} on roll"
            )
        if str(row.host_selective).lower() in {"yes", "true", "1"} and not rules["allow_selective_hosts"]:
            check.failures.append(f"{row.option_id}: selective host")
        if pd.notna(row.host_ncy_min) and (row.ncy_min < row.host_ncy_min or row.ncy_max > row.host_ncy_max):
            check.failures.append(
                f"{row.option_id}: NCY {row.ncy_min}-{row.ncy_max} outside the host's "
                f"{row.host_ncy_min:g}-{row.host_ncy_max:g}"
            )
    if not rules["allow_several_per_host"]:
        counts = hosted.groupby("host")["option_id"].agg(list)
        check.failures += [f"host {host}: {', '.join(ids)}" for host, ids in counts.items() if len(ids) > 1]
    return check


def special_at_esta(allocation: pd.DataFrame, options: pd.DataFrame) -> Check:
    check = Check("no special pupil at an ESTA")
    estas = set(options.loc[options["kind"] == "esta", "option_id"])
    wrong = allocation[allocation["facility_id"].isin(estas) & (allocation["setting"] == "special")]
    if len(wrong):
        check.failures.append(f"{wrong['pupils'].sum():.1f} special pupils at {wrong['facility_id'].nunique()} ESTAs")
    return check


def lead_times(chosen: pd.DataFrame, summary: dict, rules: dict, first: int) -> Check:
    check = Check(f"lead times, nothing before {first}")
    decided = _start(summary["decision_year"])
    for row in chosen.itertuples():
        earliest = max(decided + int(rules["lead_time_years"].get(row.kind, 0)), first)
        if row.opening_year < earliest:
            check.failures.append(f"{row.option_id} ({row.kind}) opens {row.opening_year:.0f}, before {earliest}")
    return check


def away_by_year(pupils: list[dict]) -> pd.Series:
    frame = pd.DataFrame(pupils)
    return (frame["independent"] + frame["unplaced"]).groupby(frame["year"].astype(int)).sum()


def run_off(summary: dict) -> tuple[Check, pd.DataFrame]:
    check = Check(f"out of area: first year >= {FIRST_YEAR_AWAY_SHARE:.0%} of the status quo's, last year lower")
    table = pd.DataFrame(
        {"plan": away_by_year(summary["pupils"]), "status_quo": away_by_year(summary["status_quo"]["pupils"])}
    )
    first, last = table.index.min(), table.index.max()
    if table.loc[first, "plan"] < FIRST_YEAR_AWAY_SHARE * table.loc[first, "status_quo"]:
        check.failures.append(
            f"{first}: {table.loc[first, 'plan']:.0f} < {FIRST_YEAR_AWAY_SHARE:.0%} of "
            f"{table.loc[first, 'status_quo']:.0f}"
        )
    if not table.loc[last, "plan"] < table.loc[last, "status_quo"]:
        check.failures.append(f"{last}: {table.loc[last, 'plan']:.0f} not below {table.loc[last, 'status_quo']:.0f}")
    return check, table


def check_folder(folder: Path, *, earliest: int = EARLIEST_OPENING) -> bool:
    summary, scenario, options, allocation = _read(folder)
    candidates = pd.read_csv(Path(summary["dataset_path"]) / "candidates.csv", dtype={"option_id": str})
    chosen = options[options["chosen"]].copy()
    rules = scenario["rules"]
    away_check, away = run_off(summary)
    checks = [
        host_rules(chosen, candidates, rules),
        special_at_esta(allocation, options),
        lead_times(chosen, summary, rules, earliest),
        away_check,
    ]
    _print_plan(summary, chosen, away)
    for check in checks:
        print(f"  [{'pass' if check.passed else 'FAIL'}] {check.name}")
        for failure in check.failures[:10]:
            print(f"         {failure}")
    return all(check.passed for check in checks)


def _print_plan(summary: dict, chosen: pd.DataFrame, away: pd.DataFrame) -> None:
    print(
        f"\n## {summary['scenario']}: {summary['status']}, gap {summary['gap']:.3%}, "
        f"objective £{summary['objective']:,.0f}"
    )
    by_kind = chosen.groupby("kind").agg(
        options=("option_id", "size"),
        places=("places", "sum"),
        smallest=("places", "min"),
        largest=("places", "max"),
        capital=("capital", "sum"),
    )
    by_kind["opening years"] = chosen.groupby("kind")["opening_year"].apply(
        lambda years: ", ".join(f"{int(y)}: {n}" for y, n in years.value_counts().sort_index().items())
    )
    print(f"  {len(chosen)} options, {chosen['places'].sum():.0f} places, capital £{chosen['capital'].sum():,.0f}")
    print("  " + by_kind.to_string().replace("\n", "\n  "))
    saving = summary["saving"]["total"]
    print(
        f"  saving against the status quo: £{saving['undiscounted']:,.0f} over the plan "
        f"(£{saving['net_of_capital_undiscounted']:,.0f} net of capital); payback {summary['payback_year']}"
    )
    print(
        "  pupils out of area by year (plan / status quo): "
        + "; ".join(f"{year} {row.plan:.0f}/{row.status_quo:.0f}" for year, row in away.iterrows())
    )


def _solve(target: str, out: Path, overrides: list[str]) -> Path:
    command = ["placeplan", "solve", target, "--out", str(out), "--no-explain", "--no-outputs"]
    for item in overrides:
        command += ["--set", item]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited {done.returncode}:\n{done.stderr[-2000:]}")
    print(f"solved {target} in {time.perf_counter() - started:.0f} s: {done.stdout.strip().splitlines()[0]}")
    return out


def _build(la: str, work: Path) -> Path:
    folder = work / "".join(ch for ch in la.lower() if ch.isalnum())
    done = subprocess.run(
        ["placeplan", "data", "build", "--la", la, "--out", str(folder)], capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"data build --la {la} exited {done.returncode}:\n{done.stderr[-2000:]}")
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--la", action="append", default=[], help="a council to build and solve")
    parser.add_argument("--scenario", action="append", default=[], help="a scenario file to solve")
    parser.add_argument("--solved", action="append", default=[], help="a folder placeplan solve wrote")
    parser.add_argument("--set", action="append", default=[], dest="overrides", help="passed to every solve")
    parser.add_argument(
        "--earliest",
        type=int,
        default=EARLIEST_OPENING,
        help=f"no option may open before this year (default {EARLIEST_OPENING})",
    )
    parser.add_argument("--work", help="folder for datasets and solved folders (default: a temporary one)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(args.work or scratch)
        work.mkdir(parents=True, exist_ok=True)
        folders = [Path(p) for p in args.solved]
        for scenario in args.scenario:
            folders.append(_solve(scenario, work / f"solved-{Path(scenario).stem}", args.overrides))
        for la in args.la:
            dataset = _build(la, work)
            folders.append(_solve(str(dataset), work / f"solved-{dataset.name}", args.overrides))
        results = [check_folder(folder, earliest=args.earliest) for folder in folders]
    print(f"\n{sum(results)} of {len(results)} plans pass every check")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
