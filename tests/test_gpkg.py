"""plan.gpkg: the plan as a GeoPackage in the dataset's CRS, its public layers protected as
the map is (the same labels), its internal layer marked on every row, the same bytes every
run, and readable by GDAL's own ogrinfo (Debian's gdal-bin; CI installs it, and with
PLACEPLAN_REQUIRE_GDAL=1 a missing ogrinfo fails rather than skips)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pyogrio
import pytest
from conftest import run_cli, tiny_tree

from placeplan.outputs.facts import gather
from placeplan.outputs.folder import read_plan_folder
from placeplan.outputs.gpkg import LAYERS
from placeplan.outputs.public import protect_plan
from placeplan.solved import MARKING

OGRINFO = shutil.which("ogrinfo")


@pytest.fixture(scope="module")
def solved(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("gpkg")
    scenario = tiny_tree(root, name="<b>Tiny & test</b>")
    out = root / "out"
    result = run_cli(["solve", str(scenario), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_the_plan_has_every_layer_in_the_datasets_crs(solved):
    path = solved / "plan.gpkg"
    assert [name for name, _ in pyogrio.list_layers(path)] == list(LAYERS)
    crs = read_plan_folder(solved).dataset.meta.crs
    for layer in LAYERS:
        assert pyogrio.read_info(path, layer=layer)["crs"] == crs


def test_zones_carry_the_maps_protected_labels(solved):
    plan = read_plan_folder(solved)
    public = protect_plan(gather(plan))
    zones = pyogrio.read_dataframe(solved / "plan.gpkg", layer="zones").set_index("zone_id")
    everyone = next(v for v in public.views if v.key == "all")
    assert list(zones.loc[public.zone_ids, "pupils"]) == everyone.labels
    threshold = plan.rule.threshold
    for column in [c for c in zones.columns if c.endswith("_value")]:
        shown = zones[column].dropna().to_numpy()
        assert np.all((shown == 0) | (shown >= threshold)), column  # no small count printed
    assert set(zones["shape"]) <= {"boundary", "approximate cell around the zone's point"}


def test_flows_the_map_hides_are_not_drawn(solved):
    public = protect_plan(gather(read_plan_folder(solved)))
    flows = pyogrio.read_dataframe(solved / "plan.gpkg", layer="flows")
    assert len(flows) == int((~public.flows["hidden"]).sum())
    assert all(not label.startswith("<") for label in flows["pupils"])


def test_the_shortfall_layer_is_internal_and_adds_up(solved):
    """Its pupils are the last year's at an independent school or at no named place (out of
    area), by zone, setting and phase."""
    plan = read_plan_folder(solved)
    shortfall = pyogrio.read_dataframe(solved / "plan.gpkg", layer="zone_shortfall")
    assert len(shortfall) and (shortfall["marking"] == MARKING).all()
    last = plan.allocation[plan.allocation["year"] == plan.final_year]
    independent = set(plan.dataset["sites"].query("kind == 'independent'")["site_id"].astype(str))
    away = last[(last["facility_id"] == "") | last["facility_id"].isin(independent)]
    assert shortfall["pupils"].sum() == pytest.approx(away["pupils"].astype(float).sum(), abs=0.01 * len(shortfall))
    assert set(zip(shortfall["zone_id"], shortfall["phase"])) == set(zip(away["zone_id"], away["phase"]))


def test_options_say_which_are_chosen(solved):
    options = pyogrio.read_dataframe(solved / "plan.gpkg", layer="options").set_index("option_id")
    table = read_plan_folder(solved).options.set_index("option_id")
    assert options["chosen"].astype(bool).to_dict() == table["chosen"].astype(str).eq("True").to_dict()


def test_the_geopackage_is_the_same_bytes_when_rebuilt(solved):
    before = (solved / "plan.gpkg").read_bytes()
    result = run_cli(["report", str(solved)])
    assert result.exit_code == 0, result.output
    assert (solved / "plan.gpkg").read_bytes() == before


@pytest.mark.skipif(
    OGRINFO is None and not os.environ.get("PLACEPLAN_REQUIRE_GDAL"), reason="GDAL's ogrinfo is not installed"
)
def test_gdal_opens_the_geopackage_without_a_warning(solved):
    assert OGRINFO is not None, "PLACEPLAN_REQUIRE_GDAL is set but ogrinfo is not on PATH"
    done = subprocess.run([OGRINFO, "-ro", "-al", "-so", str(solved / "plan.gpkg")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Warning" not in done.stderr and "ERROR" not in done.stderr, done.stderr
    for layer in LAYERS:
        assert f"Layer name: {layer}" in done.stdout
