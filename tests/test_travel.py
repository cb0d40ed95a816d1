"""Travel: hand-checked straight-line pairs, the spatial index against brute force, and the
matrix path on the real Devon car and public-transport matrices."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from placeplan.errors import InputError
from placeplan.pipeline import load_inputs, travel_for
from placeplan.scenario.model import Travel
from placeplan.travel import facility_limits, melt_matrix, reach_km, travel_pairs

FIXTURES = Path(__file__).parent / "fixtures"
DEVON = Path(__file__).resolve().parents[2] / "shared" / "data" / "open" / "devon"


def test_tiny_pairs_match_hand_calculation():
    # Z1 (520000,170000) to S1 (521000,170000): 1 km straight, x1.3 = 1.3 km,
    # at 24 km/h = 3.25 minutes of driving, plus the default 5 minutes door to door.
    inputs = load_inputs(FIXTURES / "tiny.toml")
    pairs = travel_for(inputs).set_index(["zone_id", "facility_id"])
    assert pairs.loc[("Z1", "S1"), "km"] == pytest.approx(1.3)
    assert pairs.loc[("Z1", "S1"), "minutes"] == pytest.approx(3.25 + 5)
    # S3 is 10 km from Z1: 13 km at 24 km/h is 32.5 minutes, 37.5 door to door, within 45.
    assert pairs.loc[("Z1", "S3"), "minutes"] == pytest.approx(32.5 + 5)


def test_phase_limit_cuts_pairs():
    inputs = load_inputs(
        FIXTURES / "tiny.toml",
        (
            "travel.max_minutes.primary=10",
            "travel.max_minutes.secondary=10",
            "travel.max_minutes.post16=10",
            "travel.terminal_minutes=0",
        ),
    )
    pairs = travel_for(inputs)
    assert (pairs["minutes"] <= 10 + 1e-9).all()
    # 10 minutes at 24 km/h (no terminal time) is 4 km of road, 3.08 km straight: S1 (at
    # 521000) reaches Z1 and Z2 (1 km) and Z3 (3 km), not Z4 (5 km).
    assert sorted(pairs.loc[pairs["facility_id"] == "S1", "zone_id"]) == ["Z1", "Z2", "Z3"]


def test_facility_limit_is_longest_phase_it_admits():
    limits = {"nursery": 20, "primary": 45, "secondary": 75, "post16": 60, "post19": 90}
    got = facility_limits(pd.Series([0, 7, -1, 15]), pd.Series([6, 11, -1, 20]), limits)
    assert list(got) == [45, 75, 20, 90]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_spatial_index_finds_exactly_the_pairs_brute_force_finds(seed):
    rng = np.random.default_rng(seed)
    zones = pd.DataFrame(
        {
            "zone_id": [f"Z{i}" for i in range(400)],
            "x": rng.uniform(400_000, 460_000, 400),
            "y": rng.uniform(200_000, 260_000, 400),
        }
    )
    facilities = pd.DataFrame(
        {
            "facility_id": [f"F{i}" for i in range(30)],
            "x": rng.uniform(400_000, 460_000, 30),
            "y": rng.uniform(200_000, 260_000, 30),
            "ncy_min": rng.integers(-1, 12, 30),
        }
    )
    facilities["ncy_max"] = facilities["ncy_min"] + rng.integers(0, 8, 30)
    settings = Travel(speed_kmh=30, circuity=1.3)
    pairs = travel_pairs(zones, facilities, crs="EPSG:27700", settings=settings)
    limits = facility_limits(facilities["ncy_min"], facilities["ncy_max"], settings.max_minutes.model_dump())
    dx = zones["x"].to_numpy()[:, None] - facilities["x"].to_numpy()[None, :]
    dy = zones["y"].to_numpy()[:, None] - facilities["y"].to_numpy()[None, :]
    minutes = settings.terminal_minutes + np.hypot(dx, dy) / 1000 * 1.3 / 30 * 60
    expected = {
        (zones["zone_id"][z], facilities["facility_id"][f]) for z, f in zip(*np.nonzero(minutes <= limits[None, :]))
    }
    assert set(zip(pairs["zone_id"], pairs["facility_id"])) == expected


def test_wgs84_dataset_gives_same_distances_as_bng():
    zones = pd.DataFrame({"zone_id": ["A"], "x": [-0.30], "y": [51.41]})
    facilities = pd.DataFrame({"facility_id": ["F"], "x": [-0.25], "y": [51.41], "ncy_min": [0], "ncy_max": [6]})
    pairs = travel_pairs(zones, facilities, crs="EPSG:4326", settings=Travel(circuity=1.0))
    # 0.05 degrees of longitude at 51.41N is about 3.47 km.
    assert pairs["km"].iloc[0] == pytest.approx(3.47, abs=0.05)


# --- door-to-door (terminal) minutes ---------------------------------------------------


def _line(*km: float) -> pd.DataFrame:
    """Zones due east of a primary facility at (500000, 200000), ``km`` away."""
    return pd.DataFrame(
        {
            "zone_id": [f"Z{i}" for i in range(len(km))],
            "x": [500_000 + 1000 * k for k in km],
            "y": [200_000.0] * len(km),
        }
    )


PRIMARY = pd.DataFrame({"facility_id": ["F"], "x": [500_000.0], "y": [200_000.0], "ncy_min": [0], "ncy_max": [6]})
TEN_MINUTES = {"nursery": 10, "primary": 10, "secondary": 10, "post16": 10, "post19": 10}


def test_terminal_minutes_are_added_and_shrink_reach():
    # Circuity 1 at 30 km/h is 2 minutes a km. With 4 minutes door to door a 10-minute limit
    # leaves 6 minutes of driving: 3 km. Zones at 0, 2, 3.5 and 4.5 km take 4, 8, 11 and 13
    # minutes; without the terminal time they take 0, 4, 7 and 9, all within 10.
    zones = _line(0, 2, 3.5, 4.5)
    settings = Travel(circuity=1.0, speed_kmh=30, terminal_minutes=4, max_minutes=TEN_MINUTES)
    assert reach_km(10, circuity=1.0, speed_kmh=30, terminal_minutes=4) == pytest.approx(3.0)
    pairs = travel_pairs(zones, PRIMARY, crs="EPSG:27700", settings=settings).set_index("zone_id")
    assert sorted(pairs.index) == ["Z0", "Z1"]
    assert pairs.loc["Z0", "minutes"] == pytest.approx(4.0)
    assert pairs.loc["Z1", "minutes"] == pytest.approx(8.0)
    assert pairs.loc["Z1", "km"] == pytest.approx(2.0)  # the distance is not changed
    without = travel_pairs(
        zones, PRIMARY, crs="EPSG:27700", settings=settings.model_copy(update={"terminal_minutes": 0.0})
    )
    assert sorted(without["zone_id"]) == ["Z0", "Z1", "Z2", "Z3"]
    assert without.set_index("zone_id").loc["Z1", "minutes"] == pytest.approx(4.0)
    # A limit shorter than the terminal time reaches nothing, not even the zone next door.
    short = settings.model_copy(update={"terminal_minutes": 12.0})
    assert travel_pairs(zones, PRIMARY, crs="EPSG:27700", settings=short).empty


def test_travel_table_minutes_are_not_changed_by_terminal_minutes():
    # A routing engine's minutes are door to door as the engine says: used as given. Only
    # the pair the table leaves out, filled by straight line, gets the terminal time.
    zones = _line(0, 2, 3.5)
    table = pd.DataFrame({"zone_id": ["Z0", "Z1"], "site_id": ["F", "F"], "minutes": [1.5, 7.25], "km": [0.1, 2.4]})
    settings = Travel(
        circuity=1.0, speed_kmh=30, terminal_minutes=2, max_minutes=TEN_MINUTES, missing_pairs="straight_line"
    )
    pairs = travel_pairs(zones, PRIMARY, crs="EPSG:27700", settings=settings, table=table).set_index("zone_id")
    assert pairs.loc["Z0", "minutes"] == pytest.approx(1.5)
    assert pairs.loc["Z1", "minutes"] == pytest.approx(7.25)
    assert pairs.loc["Z1", "km"] == pytest.approx(2.4)
    # Z2 is missing: 3.5 km at 2 minutes a km plus 2 minutes door to door.
    assert pairs.loc["Z2", "minutes"] == pytest.approx(2 + 7.0)
    no_terminal = settings.model_copy(update={"terminal_minutes": 0.0})
    same = travel_pairs(zones, PRIMARY, crs="EPSG:27700", settings=no_terminal, table=table).set_index("zone_id")
    assert same.loc[["Z0", "Z1"], "minutes"].tolist() == pairs.loc[["Z0", "Z1"], "minutes"].tolist()
    assert same.loc["Z2", "minutes"] == pytest.approx(7.0)


def test_tighter_limit_and_terminal_time_move_pupils(tiny_scenario):
    from placeplan.plan import solve_scenario

    # Z5's 3 primary SLCN pupils go to Hill House (S3), 2 km away: 2.6 km of road at
    # 24 km/h is 6.5 minutes, 11.5 door to door. A 10-minute primary limit puts Hill House
    # out of their reach (they go out of area instead, at a higher cost), but only because
    # of the 5 minutes door to door: without them 6.5 minutes is within 10.
    base = (
        "horizon.first_year=2026",
        "horizon.years=1",
        "demand.growth={default = 0.0}",
        "costs.discount_rate=0",
        "horizon.decision_year=2024",
        "solve.explain=false",
        "costs.annual_fixed_cost={srp = 0, esta = 0}",
    )
    tight = ("travel.max_minutes.primary=10", "travel.max_minutes.nursery=10")

    def where(*extra: str) -> tuple[dict[str, float], float, pd.DataFrame]:
        result = solve_scenario(load_inputs(tiny_scenario, (*base, *extra)), with_explain=False)
        placed = result.allocation[result.allocation["pupils"] > 0]
        slcn = placed[(placed["zone_id"] == "Z5") & (placed["need"] == "SLCN")]
        return slcn.groupby("facility_id")["pupils"].sum().to_dict(), result.summary.objective, placed

    default, default_cost, _ = where()
    assert default == {"S3": pytest.approx(3)}
    limited, limited_cost, placed = where(*tight)
    assert "S3" not in limited and sum(limited.values()) == pytest.approx(3)
    assert limited_cost > default_cost + 1
    primary = placed[(placed["phase"] == "primary") & placed["minutes"].notna()]
    assert (primary["minutes"] <= 10 + 1e-9).all()
    driving_only, _, _ = where(*tight, "travel.terminal_minutes=0")
    assert driving_only == {"S3": pytest.approx(3)}


# --- the real Devon matrices ------------------------------------------------------------

pytestmark_devon = pytest.mark.skipif(not DEVON.is_dir(), reason="../shared/data/open/devon not beside the checkout")


def _devon_dataset(folder: Path, matrix: str) -> dict[str, str]:
    """A placeplan dataset around the Devon travel matrix: 729 LSOAs, 4 existing sites,
    14 candidate sites. Demand is a made-up OTH count in proportion to children."""
    lsoas = pd.read_csv(DEVON / "lsoa_centroids.csv")
    sites = pd.read_csv(DEVON / "sites.csv")
    sites = sites[sites["in_travel_matrix"]].astype({"site_index": int})
    folder.mkdir()
    (folder / "dataset.toml").write_text(
        'name = "Devon matrix test"\ncrs = "EPSG:27700"\nbase_year = "2024/25"\n', encoding="utf-8"
    )
    pd.DataFrame(
        {
            "zone_id": lsoas["lsoa21_code"],
            "name": lsoas["lsoa21_name"],
            "x": lsoas["pwc_easting"],
            "y": lsoas["pwc_northing"],
        }
    ).to_csv(folder / "zones.csv", index=False)
    pd.DataFrame(
        {
            "zone_id": lsoas["lsoa21_code"],
            "need": "OTH",
            "ncy": 5,
            "pupils": (lsoas["census21_age_0_15"] // 100).clip(lower=1),
        }
    ).to_csv(folder / "demand.csv", index=False)
    ids = {name: f"D{i:02d}" for i, name in zip(sites["site_index"], sites["Facility_Name"])}
    existing, candidate = sites[sites["Existing"] == "Yes"], sites[sites["Existing"] == "No"]
    pd.DataFrame(
        {
            "site_id": existing["Facility_Name"].map(ids),
            "name": existing["Facility_Name"],
            "kind": "special",
            "x": existing["easting"],
            "y": existing["northing"],
            "needs": "ALL",
            "ncy_min": 0,
            "ncy_max": 11,
            "capacity": 100,
        }
    ).to_csv(folder / "sites.csv", index=False)
    pd.DataFrame(
        {
            "option_id": candidate["Facility_Name"].map(ids),
            "name": candidate["Facility_Name"],
            "kind": "new_special",
            "x": candidate["easting"],
            "y": candidate["northing"],
            "needs": "ALL",
            "ncy_min": 0,
            "ncy_max": 11,
            "min_places": 20,
            "max_places": 100,
        }
    ).to_csv(folder / "candidates.csv", index=False)
    wide = pd.read_csv(DEVON / matrix)
    names = dict(zip(lsoas["lsoa21_name"], lsoas["lsoa21_code"]))
    melt_matrix(wide, origin_column="from_id", origin_ids=names, destination_ids=ids).to_csv(
        folder / "travel.csv", index=False
    )
    return ids


@pytestmark_devon
def test_devon_car_matrix_loads_and_applies_phase_limits(tmp_path):
    ids = _devon_dataset(tmp_path / "devon", "travel_matrix_car.csv")
    inputs = load_inputs(tmp_path / "devon")
    assert len(inputs.dataset["travel"]) == 729 * 18
    pairs = travel_for(inputs)
    wide = pd.read_csv(DEVON / "travel_matrix_car.csv").set_index("from_id")
    # Every site admits primary and secondary, so the limit is secondary's 75 minutes.
    assert len(pairs) == int((wide.to_numpy() <= 75).sum())
    lsoas = pd.read_csv(DEVON / "lsoa_centroids.csv").set_index("lsoa21_name")
    plymouth = lsoas.loc["Plymouth 001A", "lsoa21_code"]
    site = ids["Colin Campbell Court, Plymouth"]
    row = pairs[(pairs["zone_id"] == plymouth) & (pairs["facility_id"] == site)]
    assert row["minutes"].iloc[0] == pytest.approx(15.883333)
    # The matrix has no distances: km is estimated from the straight line x circuity.
    assert row["km"].iloc[0] > 0


@pytestmark_devon
def test_devon_public_transport_unreachable_marker(tmp_path):
    _devon_dataset(tmp_path / "devon", "travel_matrix_public_transport.csv")
    inputs = load_inputs(tmp_path / "devon", ("travel.max_minutes.secondary=10000", "travel.max_minutes.primary=10000"))
    pairs = travel_for(inputs)
    # 109 of the 13,122 cells are 9999 (no route within 600 minutes).
    assert len(pairs) == 729 * 18 - 109
    assert pairs["minutes"].max() < 9999


@pytestmark_devon
def test_devon_missing_pairs_are_reported_or_filled(tmp_path):
    ids = _devon_dataset(tmp_path / "devon", "travel_matrix_car.csv")
    travel = pd.read_csv(tmp_path / "devon" / "travel.csv")
    travel.iloc[5:].to_csv(tmp_path / "devon" / "travel.csv", index=False)
    with pytest.raises(InputError) as caught:  # refused on loading, as validate refuses it
        load_inputs(tmp_path / "devon")
    assert "travel.csv column minutes: has no row for zone" in caught.value.report()
    filled = load_inputs(tmp_path / "devon", ("travel.missing_pairs=straight_line",))
    assert len(travel_for(filled)) > 0
    dropped = load_inputs(tmp_path / "devon", ("travel.missing_pairs=unreachable",))
    wide = pd.read_csv(DEVON / "travel_matrix_car.csv").set_index("from_id")
    removed = travel.iloc[:5]["minutes"].to_numpy()
    assert len(travel_for(dropped)) == int((wide.to_numpy() <= 75).sum()) - int((removed <= 75).sum())
    assert len(travel_for(filled)) >= len(travel_for(dropped))
    assert len(ids) == 18
