"""The open-data dataset builder: real councils, checked against the published figures.

``tests/expected/published_specialist_by_need.csv`` holds, for seven councils, the January
2025 EHC plans in special schools, resourced provision and SEN units by primary need, as
the DfE published them (``sen_needs_all_plans``, type of placement); the last test
re-derives it from the shared open-data pack when that is beside the checkout.
"""

from __future__ import annotations

import filecmp
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT, hashes, run_cli
from hypothesis import given
from hypothesis import strategies as st

from placeplan import caseload, opendata
from placeplan.databuild import build_dataset, councils, hosts, provision
from placeplan.dataset import load_dataset
from placeplan.rounding import largest_remainder, systematic_spread
from placeplan.scenario.builder import defaults

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
    return {name: build_dataset([name], root / name.lower()).path for name in ("Rutland", "Devon", "Cumberland")}


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


@pytest.fixture(scope="module")
def shipped(tmp_path_factory) -> dict:
    """Kingston and Richmond together, and Essex, freshly built (as the shipped datasets)."""
    root = tmp_path_factory.mktemp("shipped")
    pairs = {"kingston-richmond": ["Kingston upon Thames", "Richmond upon Thames"], "essex": ["Essex"]}
    return {folder: load_dataset(build_dataset(names, root / folder).path) for folder, names in pairs.items()}


# --- real data, checked against the published figures and the register ---------------------


def _gias_needs() -> dict[str, set[str]]:
    """URN -> need codes, read straight from the GIAS types of SEN provision."""
    frame = opendata.read(OPEN, "gias_sen_provision_types.csv.gz")
    out = {}
    for urn, cell in zip(frame["urn"], frame["sen_provision_types"]):
        codes = {part.split(" - ")[0].strip().upper() for part in cell.split(";")}
        out[urn] = codes
    return out


def _needs(cell) -> set[str]:
    """A loaded needs cell (a tuple of codes) or a written one ('ASD;SLCN') as a set."""
    return set(cell.split(";")) if isinstance(cell, str) else set(cell)


def _published_placements(code: str) -> dict[str, int]:
    placement = opendata.read(OPEN, "ehcp_placement.csv.gz")
    row = placement[
        (placement["geographic_level"] == "Local authority")
        & (placement["old_la_code"] == code)
        & (placement["time_period"] == "202425")
        & (placement["breakdown_topic"] == "All EHC plans")
    ]
    numbers = opendata.counts(row, list(opendata.SPECIALIST_COLUMNS)).iloc[0]
    return {"special": int(numbers["special_total"]), "resourced": int(numbers.drop("special_total").sum())}


def test_kingston_special_schools_admit_their_gias_needs(shipped):
    sites = shipped["kingston-richmond"]["sites"]
    gias = _gias_needs()
    kingston = sites[(sites["kind"] == "special") & (sites["la_code"] == "314")]
    assert len(kingston) == 4
    listed = kingston[kingston["site_id"].isin(gias)]
    assert len(listed) == 3  # Bedelsford, Dysart, St Philip's; Spring School has none in GIAS
    for row in listed.itertuples():
        assert _needs(row.needs) == gias[row.site_id], row.name
        assert "GIAS" in row.notes
    dysart = kingston.set_index("name").loc["Dysart School"]
    assert _needs(dysart["needs"]) == {"ASD", "SLD"}
    guessed = kingston[~kingston["site_id"].isin(gias)]
    assert guessed["notes"].str.contains("guess").all()


@pytest.mark.parametrize("folder", ["kingston-richmond", "essex"])
def test_resourced_sites_are_where_gias_lists_provision_and_hold_the_published_pupils(shipped, folder):
    dataset = shipped[folder]
    sites = dataset["sites"]
    srp = sites[sites["kind"] == "srp"]
    register = opendata.read(OPEN, "schools.csv.gz")
    mainstream = register[register["send_setting_category"].isin(hosts.HOST_CATEGORIES)]
    gias = _gias_needs()
    for code in dataset["zones"]["la_code"].unique():
        own = srp[srp["la_code"] == code]
        listed = set(mainstream.loc[mainstream["la_code"] == code, "urn"]) & set(gias)
        assert own["capacity"].sum() == _published_placements(code)["resourced"], code
        assert set(own["site_id"]) == listed, code  # every listed school holds some of the places
    for row in srp.itertuples():
        assert _needs(row.needs) == gias[row.site_id]
    assert (srp["on_roll"] == srp["capacity"]).all()
    assert srp["capacity_source"].str.startswith("estimated").all()
    assert srp["notes"].str.contains("estimated").all()


@pytest.mark.parametrize("folder", ["kingston-richmond", "essex"])
def test_demand_by_setting_adds_up_to_the_published_totals(shipped, folder):
    dataset = shipped[folder]
    demand = dataset["demand"].merge(dataset["zones"][["zone_id", "la_code"]], on="zone_id")
    assert set(demand["setting"]) == {"special", "resourced"}  # no enhanced demand is estimated
    totals = demand.groupby(["la_code", "setting"])["pupils"].sum()
    for code in demand["la_code"].unique():
        published_counts = _published_placements(code)
        for setting, pupils in published_counts.items():
            assert totals[(code, setting)] == pupils, (code, setting)


def test_demand_by_setting_keeps_the_published_needs():
    need = opendata.read(OPEN, "ehcp_need.csv.gz")
    placement = opendata.read(OPEN, "ehcp_placement.csv.gz")
    council = councils.resolve(["Kingston upon Thames"], OPEN)[0]
    case = caseload.council_caseload(need, placement, council)
    rows = need[
        (need["geographic_level"] == "Local authority")
        & (need["old_la_code"] == "314")
        & (need["breakdown_topic"] == "Type of placement")
    ].set_index("breakdown")
    for setting, placements in opendata.SETTING_PLACEMENTS.items():
        published_need = (
            opendata.counts(rows.loc[rows.index.isin(placements)], list(caseload.NEED_CODES))
            .sum()
            .rename(caseload.NEED_CODES)
        )
        built = case.by_setting[setting].sum(axis=1)
        for code, pupils in published_need.items():
            assert built.get(code, 0) == pupils, (setting, code)
    assert case.by_need_ncy.to_numpy().sum() == case.published == 751


@pytest.mark.parametrize("folder", ["kingston-richmond", "essex"])
def test_every_hosted_candidate_has_its_hosts_roll_and_an_age_range_within_the_hosts(shipped, folder):
    candidates = shipped[folder]["candidates"]
    hosted = candidates[candidates["kind"].isin(["srp", "esta", "unit"])]
    assert len(hosted) > 0
    assert hosted["host_on_roll"].notna().all() and (hosted["host_on_roll"] > 0).all()
    assert hosted["host_selective"].isin(["yes", "no"]).all()
    assert (hosted["host_ncy_min"] <= hosted["ncy_min"]).all()
    assert (hosted["ncy_min"] <= hosted["ncy_max"]).all()
    assert (hosted["ncy_max"] <= hosted["host_ncy_max"]).all()
    assert hosted["annual_fixed_cost"].notna().all()
    register = opendata.read(OPEN, "schools.csv.gz").set_index("urn")
    roll = pd.to_numeric(register["number_of_pupils"]).reindex(hosted["site_id"]).to_numpy()
    known = ~np.isnan(roll)
    assert (hosted["host_on_roll"].to_numpy()[known] == roll[known]).all()
    assert hosted.loc[~known, "notes"].str.contains("pupils on roll").all()


@pytest.mark.parametrize("folder, selective", [("kingston-richmond", 2), ("essex", 4)])
def test_no_candidate_at_a_selective_school_is_marked_non_selective(shipped, folder, selective):
    candidates = shipped[folder]["candidates"]
    capacity = opendata.read(OPEN, "schools_capacity.csv.gz")
    grammar = set(capacity.loc[capacity["admissions_policy"] == "Selective", "urn_2025"])
    at_grammar = candidates[candidates["site_id"].isin(grammar)]
    assert at_grammar["site_id"].nunique() == selective  # Tiffin and Tiffin Girls'; Essex's four
    assert (at_grammar["host_selective"] == "yes").all()
    assert (candidates.loc[candidates["host_selective"] == "yes", "site_id"].isin(grammar)).all()


def test_an_srp_at_a_school_with_resourced_provision_expands_it(shipped):
    dataset = shipped["kingston-richmond"]
    sites = dataset["sites"].set_index("site_id")
    srp_sites = sites[sites["kind"] == "srp"]
    options = dataset["candidates"]
    srp = options[options["kind"] == "srp"]
    assert srp["option_id"].is_unique and srp["site_id"].is_unique  # never a second base at a school
    expanding = srp[srp["site_id"].isin(srp_sites.index)]
    assert len(expanding) == len(srp_sites)
    settings = defaults()
    for row in expanding.itertuples():
        site = srp_sites.loc[row.site_id]
        assert row.name.endswith("SRP expansion") and row.needs == site["needs"]
        assert row.annual_fixed_cost == settings.expansion["annual_fixed_cost"]
        largest = settings.sizes["srp_secondary" if row.host_ncy_max >= 7 else "srp_primary"]["max"]
        assert row.max_places + site["capacity"] <= largest or row.max_places == row.min_places
    new = srp[~srp["site_id"].isin(srp_sites.index)]
    assert (new["annual_fixed_cost"] == settings.annual_fixed_cost["srp"]).all()
    assert all(_needs(n) == set(settings.hosted_needs) for n in new["needs"])


def test_shipped_datasets_are_what_the_builder_makes(tmp_path):
    pairs = {"kingston-richmond": ["Kingston upon Thames", "Richmond upon Thames"], "essex": ["Essex"]}
    for folder, names in pairs.items():
        fresh = build_dataset(names, tmp_path / folder).path
        for table in ("zones", "demand", "sites", "candidates", "history"):
            assert filecmp.cmp(fresh / f"{table}.csv", ROOT / "data" / folder / f"{table}.csv", shallow=False), (
                f"data/{folder}/{table}.csv is stale: rebuild it"
            )


def test_two_councils_together_keep_each_councils_total(shipped):
    dataset = shipped["kingston-richmond"]
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
    result = run_cli(["data", "build", "--la", "Kingston upon Thame", "--la", "Nowhere", "--out", str(tmp_path / "x")])
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
    assert caseload.ncy_of_age("age 4") == 0  # reception
    assert caseload.ncy_of_age("age 11") == 7  # Year 7
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


def test_gias_provision_types_become_need_codes():
    assert provision.parse("ASD - Autistic Spectrum Disorder; SpLD - Specific Learning Difficulty") == ("SPLD", "ASD")
    assert provision.parse("Other - not a code") == ()


def test_resourced_places_follow_the_year_groups_each_school_teaches():
    ranges = pd.DataFrame({"ncy_min": [0, 0, 7], "ncy_max": [6, 2, 13]})
    # Year 1 pupils are shared by the two primary schools, Year 5 by one, Year 8 by the secondary.
    places = provision.share_places(14, ranges, pd.Series({1: 4, 5: 2, 8: 8}))
    assert list(places) == [4, 2, 8]
    # Pupils of an age no school teaches (post-19) go with the rest in proportion.
    assert provision.share_places(28, ranges, pd.Series({1: 4, 5: 2, 8: 8, 16: 14})).sum() == 28


def test_statutory_ages_become_national_curriculum_years(tmp_path):
    columns = opendata.FILES["schools_capacity.csv.gz"].columns
    rows = pd.DataFrame(
        [["1", 4, 11], ["2", 3, 11], ["3", 11, 18], ["4", 11, 16], ["5", 2, 7]],
        columns=["urn_2025", "statutory_low_age", "statutory_high_age"],
    )
    rows = rows.reindex(columns=list(columns), fill_value="")
    rows.to_csv(tmp_path / "schools_capacity.csv.gz", index=False)
    ncy = hosts.statutory_ncy(tmp_path)
    assert ncy.loc["1"].tolist() == [0, 6]  # reception to Year 6
    assert ncy.loc["2"].tolist() == [-1, 6]  # with a nursery
    assert ncy.loc["3"].tolist() == [7, 13]  # Year 7 to Year 13
    assert ncy.loc["4"].tolist() == [7, 11]
    assert ncy.loc["5"].tolist() == [-1, 2]  # age 2 joins the nursery year


def test_fit_matches_both_margins():
    seed = pd.DataFrame({"ASD": [1.0, 2.0], "SLD": [3.0, 1.0]}, index=[0, 1])
    fitted = caseload.fit(seed, pd.Series([6.0, 4.0], index=[0, 1]), pd.Series({"ASD": 5.0, "SLD": 5.0}))
    assert fitted.sum(axis=0).to_numpy() == pytest.approx([5.0, 5.0])
    assert fitted.sum(axis=1).to_numpy() == pytest.approx([6.0, 4.0])


@pytest.mark.skipif(not SHARED_OPEN.is_dir(), reason="../shared/data/open not beside the checkout")
def test_expected_figures_are_the_published_ones():
    need = pd.read_csv(SHARED_OPEN / "ehcp_la_need.csv", dtype=str)
    for council, rows in EXPECTED.groupby("council"):
        published_rows = need[
            (need["geographic_level"] == "Local authority")
            & (need["la_name"] == council)
            & need["breakdown"].isin(opendata.SPECIALIST_PLACEMENTS)
        ]
        assert len(published_rows) >= 3, council
        total = pd.to_numeric(published_rows["ehc_plans"]).sum()
        assert rows["pupils"].sum() == total, council


@pytest.mark.slow
def test_every_council_in_england_builds_and_validates(tmp_path):
    """Every council builds and validates, and in each: demand by setting is its published
    placements (where they are published and recorded), its resourced sites hold its
    published pupils in resourced provision and SEN units, and every hosted candidate has its
    host's roll and an age range within the host's."""
    lookup = opendata.read(OPEN, "la_lookup.csv")
    placement = opendata.read(OPEN, "ehcp_placement.csv.gz")
    for name in lookup["la_name"]:
        if name == "Isles of Scilly":  # no specialist placements published: tested below
            continue
        report = build_dataset([name], tmp_path / name.replace(" ", "-"))
        dataset = load_dataset(report.path)
        council = councils.resolve([name], OPEN)[0]
        counts, estimated = caseload.pupils_by_setting(placement, council)
        by_setting = dataset["demand"].groupby("setting")["pupils"].sum()
        if not report.notes and estimated is None:
            assert by_setting.get("resourced", 0) == counts["resourced"], name
            assert by_setting.get("special", 0) == _published_placements(council.code)["special"], name
        srp = dataset["sites"].query("kind == 'srp'")
        assert srp["capacity"].sum() in (0, counts["resourced"]), name
        hosted = dataset["candidates"].query("kind in ['srp', 'esta']")
        assert hosted["host_on_roll"].notna().all(), name
        within = (hosted["host_ncy_min"] <= hosted["ncy_min"]) & (hosted["ncy_max"] <= hosted["host_ncy_max"])
        assert within.all(), name
        shutil.rmtree(report.path)


def test_council_with_no_specialist_pupils_is_refused_unless_with_a_neighbour(tmp_path):
    result = run_cli(["data", "build", "--la", "Isles of Scilly", "--out", str(tmp_path / "s")])
    assert result.exit_code == 2 and "nothing to plan" in result.output
    report = build_dataset(["Isles of Scilly", "Cornwall"], tmp_path / "sc")
    assert report.pupils > 0


def test_every_council_is_built_in_its_own_folder_and_those_that_cannot_be_say_why(tmp_path, monkeypatch):
    """--la ALL, here over three councils: City of London and Rutland are built (each as
    --la would build it alone), the Isles of Scilly, with no pupils in specialist settings,
    is listed with the reason, and councils.csv says which is which."""
    from placeplan.databuild import every

    picked = {"201", "420", "857"}
    real = every.every_council
    monkeypatch.setattr(every, "every_council", lambda folder: [c for c in real(folder) if c.code in picked])
    out = tmp_path / "every"
    result = run_cli(["data", "build", "--la", "ALL", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "wrote 2 datasets" in result.output
    table = pd.read_csv(out / "councils.csv", dtype={"la_code": str}, keep_default_na=False).set_index("la_code")
    assert table.loc["201", "folder"] == "201-city-of-london" and table.loc["857", "built"] == "yes"
    assert table.loc["420", "built"] == "no" and "no pupils in specialist settings" in table.loc["420", "why_not"]
    assert not (out / table.loc["420", "folder"]).exists()
    alone = tmp_path / "rutland"
    build_dataset(["Rutland"], alone, command="placeplan data build --la 857 --out " + str(out / "857-rutland"))
    assert load_dataset(out / "857-rutland")["demand"].equals(load_dataset(alone)["demand"])
    mixed = run_cli(["data", "build", "--la", "ALL", "--la", "Essex", "--out", str(tmp_path / "mixed")])
    assert mixed.exit_code == 2 and "ALL alone" in mixed.output
