"""The open-data dataset builder: real councils, checked against the published figures.

``tests/expected/published_specialist_by_need.csv`` holds, for seven councils, the January
2025 EHC plans in special schools, resourced provision and SEN units by primary need, as
the DfE published them (``sen_needs_all_plans``, type of placement); the last test
re-derives it from the shared open-data pack when that is beside the checkout.
"""

from __future__ import annotations

import filecmp
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from placeplan.databuild import build_dataset, caseload, councils, opendata
from placeplan.databuild.rounding import largest_remainder, systematic_spread
from placeplan.dataset import load_dataset

from conftest import ROOT, hashes, run_cli

EXPECTED = pd.read_csv(ROOT / "tests" / "expected" / "published_specialist_by_need.csv")
SHARED_OPEN = ROOT.parent / "shared" / "data" / "open"
OPEN = opendata.DEFAULT_FOLDER


def published(council: str) -> pd.Series:
    rows = EXPECTED[EXPECTED["council"] == council]
    return rows.set_index("need")["pupils"]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    """Three councils not shipped with placeplan: a small unitary, a large rural county, and
    a council created in the 2023 reorganisation."""
    root = tmp_path_factory.mktemp("built")
    return {name: build_dataset([name], root / name.lower()).path
            for name in ("Rutland", "Devon", "Cumberland")}


@pytest.mark.parametrize("council", ["Rutland", "Devon", "Cumberland"])
def test_built_council_is_valid_and_adds_up_to_the_published_total(built, council):
    dataset = load_dataset(built[council])
    demand = dataset["demand"]
    expected = published(council)
    assert demand["pupils"].sum() == expected.sum()
    by_need = demand.groupby("need")["pupils"].sum()
    # Plans whose need was not recorded are shared over the known needs, never taken away.
    for need, pupils in expected.drop("unknown").items():
        assert by_need.get(need, 0) >= pupils, need
    assert (demand["pupils"] > 0).all()


@pytest.mark.parametrize("council", ["Rutland", "Devon", "Cumberland"])
def test_zones_are_the_councils_lsoas_with_their_population(built, council):
    zones = load_dataset(built[council])["zones"]
    lsoas = opendata.read(OPEN, "lsoa_population.csv.gz")
    code = councils.resolve([council], OPEN)[0].code
    theirs = lsoas[lsoas["la_code"] == code]
    assert sorted(zones["zone_id"]) == sorted(theirs["lsoa21_code"])
    assert zones["population_total"].sum() == pd.to_numeric(theirs["total"]).sum()


def test_sites_hold_the_published_independent_placements(built):
    dataset = load_dataset(built["Devon"])
    council = councils.resolve(["Devon"], OPEN)[0]
    placement = opendata.read(OPEN, "ehcp_placement.csv.gz")
    counts, note = caseload.pupils_by_setting(placement, council)
    assert note is None
    sites = dataset["sites"]
    assert sites.loc[sites["kind"] == "independent", "capacity"].sum() == counts["independent"]
    own = sites[(sites["kind"] == "special") & (sites["la_code"] == council.code)]
    away = sites[(sites["kind"] == "special") & (sites["la_code"] != council.code)]
    assert away["capacity"].sum() == max(0, counts["state"] - own["capacity"].sum())
    assert (own["capacity"] == own["on_roll"]).all()
    assert own["capacity_source"].str.contains("pupils on roll").all()


def test_hosts_carry_their_real_first_preference_ratio(built):
    options = load_dataset(built["Devon"])["candidates"]
    apps = opendata.read(OPEN, "school_applications.csv.gz")
    row = options[options["kind"] == "srp"].dropna(subset=["host_first_preference_ratio"]).iloc[0]
    host = apps[apps["urn_2025"] == row["site_id"]]
    first = pd.to_numeric(host["times_put_as_1st_preference"]).sum()
    offered = pd.to_numeric(host["total_number_places_offered"]).sum()
    assert row["host_first_preference_ratio"] == pytest.approx(first / offered, abs=1e-3)


def test_build_is_deterministic(tmp_path):
    first = build_dataset(["Rutland"], tmp_path / "a").path
    second = build_dataset(["Rutland"], tmp_path / "b").path
    for table in ("zones", "demand", "sites", "candidates", "history"):
        assert filecmp.cmp(first / f"{table}.csv", second / f"{table}.csv", shallow=False), table
    other = build_dataset(["Rutland"], tmp_path / "c", seed=7).path
    assert not filecmp.cmp(first / "demand.csv", other / "demand.csv", shallow=False)


def test_shipped_datasets_are_what_the_builder_makes(tmp_path):
    pairs = {"kingston-richmond": ["Kingston upon Thames", "Richmond upon Thames"], "essex": ["Essex"]}
    for folder, names in pairs.items():
        fresh = build_dataset(names, tmp_path / folder).path
        for table in ("zones", "demand", "sites", "candidates", "history"):
            assert filecmp.cmp(fresh / f"{table}.csv", ROOT / "data" / folder / f"{table}.csv",
                               shallow=False), f"data/{folder}/{table}.csv is stale: rebuild it"


def test_two_councils_together_keep_each_councils_total(tmp_path):
    dataset = load_dataset(build_dataset(["Kingston upon Thames", "Richmond upon Thames"], tmp_path / "kr").path)
    demand = dataset["demand"].merge(dataset["zones"][["zone_id", "la_code"]], on="zone_id")
    totals = demand.groupby("la_code")["pupils"].sum()
    assert totals["314"] == published("Kingston upon Thames").sum()
    assert totals["318"] == published("Richmond upon Thames").sum()


def test_suppressed_council_uses_its_region_and_says_so(tmp_path):
    report = build_dataset(["Surrey"], tmp_path / "surrey")
    assert any("South East region" in note for note in report.notes)
    meta = load_dataset(report.path).meta
    assert "South East region" in meta.description


def test_open_data_is_never_written(tmp_path):
    before = hashes(OPEN)
    build_dataset(["Rutland"], tmp_path / "rutland")
    assert hashes(OPEN) == before


def test_cli_builds_and_refuses_to_overwrite_without_force(tmp_path):
    out = tmp_path / "rutland"
    result = run_cli(["data", "build", "--la", "rutland", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "dataset.toml").is_file() and "check it with" in result.output
    again = run_cli(["data", "build", "--la", "Rutland", "--out", str(out)])
    assert again.exit_code == 2 and "--force" in again.output
    forced = run_cli(["data", "build", "--la", "Rutland", "--out", str(out), "--force"])
    assert forced.exit_code == 0, forced.output


def test_cli_unknown_council_suggests_the_right_one(tmp_path):
    result = run_cli(["data", "build", "--la", "Kingston upon Thame", "--la", "Nowhere", "--out",
                      str(tmp_path / "x")])
    assert result.exit_code == 2
    assert "did you mean Kingston upon Thames?" in result.output
    assert "'Nowhere'" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "x").exists()


def test_cli_council_by_code(tmp_path):
    result = run_cli(["data", "build", "--la", "857", "--la", "E06000017", "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert "Rutland" in result.output


# --- the pieces, on hand-checkable cases ----------------------------------------------------

def test_ncy_of_age():
    assert caseload.ncy_of_age("age 4") == 0       # reception
    assert caseload.ncy_of_age("age 11") == 7      # Year 7
    assert caseload.ncy_of_age("under 3") == -1
    assert caseload.ncy_of_age("age 25") == 20


def test_largest_remainder_by_hand():
    assert list(largest_remainder(np.array([1.0, 1.0, 1.0]), 4)) == [2, 1, 1]
    assert list(largest_remainder(np.array([0.2, 0.5, 0.3]), 10)) == [2, 5, 3]
    assert list(largest_remainder(np.array([0.0, 0.0]), 3)) == [2, 1]


@given(st.lists(st.floats(0, 1e4), min_size=1, max_size=40), st.integers(0, 5000))
def test_largest_remainder_adds_up_and_stays_within_one(values, total):
    values = np.array(values)
    out = largest_remainder(values, total)
    assert out.sum() == total and (out >= 0).all()
    if values.sum() > 0:
        assert np.all(np.abs(out - values * total / values.sum()) < 1 + 1e-9)


@given(st.lists(st.floats(0, 1e4), min_size=1, max_size=40), st.integers(0, 500), st.integers(0, 2**32 - 1))
def test_systematic_spread_adds_up_and_stays_within_one(weights, total, seed):
    weights = np.array(weights)
    out = systematic_spread(total, weights, np.random.default_rng(seed))
    assert out.sum() == total and (out >= 0).all()
    if weights.sum() > 0:
        assert np.all(np.abs(out - weights * total / weights.sum()) < 1 + 1e-9)
        assert (out[weights == 0] == 0).all()


def test_fit_matches_both_margins():
    seed = pd.DataFrame({"ASD": [1.0, 2.0], "SLD": [3.0, 1.0]}, index=[0, 1])
    fitted = caseload.fit(seed, pd.Series([6.0, 4.0], index=[0, 1]), pd.Series({"ASD": 5.0, "SLD": 5.0}))
    assert fitted.sum(axis=0).to_numpy() == pytest.approx([5.0, 5.0])
    assert fitted.sum(axis=1).to_numpy() == pytest.approx([6.0, 4.0])


@pytest.mark.skipif(not SHARED_OPEN.is_dir(), reason="../shared/data/open not beside the checkout")
def test_expected_figures_are_the_published_ones():
    need = pd.read_csv(SHARED_OPEN / "ehcp_la_need.csv", dtype=str)
    for council, rows in EXPECTED.groupby("council"):
        published_rows = need[(need["geographic_level"] == "Local authority") & (need["la_name"] == council)
                              & need["breakdown"].isin(opendata.SPECIALIST_PLACEMENTS)]
        assert len(published_rows) >= 3, council
        total = pd.to_numeric(published_rows["ehc_plans"]).sum()
        assert rows["pupils"].sum() == total, council


@pytest.mark.slow
def test_every_council_in_england_builds_and_validates(tmp_path):
    lookup = opendata.read(OPEN, "la_lookup.csv")
    for name in lookup["la_name"]:
        if name == "Isles of Scilly":  # no specialist placements published: tested below
            continue
        report = build_dataset([name], tmp_path / name.replace(" ", "-"))
        load_dataset(report.path)


def test_council_with_no_specialist_pupils_is_refused_unless_with_a_neighbour(tmp_path):
    result = run_cli(["data", "build", "--la", "Isles of Scilly", "--out", str(tmp_path / "s")])
    assert result.exit_code == 2 and "nothing to plan" in result.output
    report = build_dataset(["Isles of Scilly", "Cornwall"], tmp_path / "sc")
    assert report.pupils > 0
