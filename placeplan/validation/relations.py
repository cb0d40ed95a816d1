"""Checks across rows and tables: keys, references, comparisons, coordinates, plausibility."""

from __future__ import annotations

import operator

import numpy as np
import pandas as pd

from ..coordinates import to_bng
from ..errors import Problems
from ..read import RawTable
from ..schema import Table, tables
from .cells import MAX_LISTED, _report, rows_where

_OPS = {"<=": operator.le, "<": operator.lt, ">=": operator.ge, ">": operator.gt}

#: England's extent in British National Grid metres, with a margin for border sites.
ENGLAND_BNG = {"x": (80_000.0, 660_000.0), "y": (5_000.0, 660_000.0)}


def _duplicates(raw: RawTable, frame: pd.DataFrame, table: Table, problems: Problems) -> None:
    # An optional key column the file leaves blank (demand's setting) is not part of the
    # key; one it fills counts a blank cell as a value of its own ("any setting").
    columns = {c.name: c for c in table.columns}
    key = [c for c in table.key if columns[c].required or frame[c].notna().any()]
    optional = [c for c in key if not columns[c].required]
    keyed = frame[key].astype(object).copy()
    for column in optional:
        keyed[column] = keyed[column].where(keyed[column].notna(), "")
    present = keyed.notna().all(axis=1)
    dup = keyed.duplicated(keep="first") & present
    if not dup.any():
        return
    frame = keyed
    first = frame[present].drop_duplicates(key, keep="first")
    first_row = {tuple(r[1:]): raw.row_number(r[0]) for r in first[key].itertuples()}
    label = " and ".join(key)
    listed = 0
    for i in rows_where(dup)[:MAX_LISTED]:
        values = tuple(frame[key].iloc[i])
        shown = ", ".join(str(v) for v in values)
        problems.error(
            raw.label,
            f"repeats {label} ({shown}) first given at row {first_row[values]}; expected each once",
            row=raw.row_number(int(i)),
            column=key[-1],
            value=values[-1],
        )
        listed += 1
    if dup.sum() > listed:
        problems.error(raw.label, f"{int(dup.sum()) - listed} more repeated {label} rows", column=key[-1])


def _references(
    raw: RawTable,
    frame: pd.DataFrame,
    table: Table,
    frames: dict[str, pd.DataFrame],
    raws: dict[str, RawTable],
    problems: Problems,
) -> None:
    for column in table.columns:
        if not column.references or column.name not in frame:
            continue
        targets = [(t, c) for t, c in column.references if t in frames]
        if len(targets) < len(column.references):
            continue  # a referenced table failed to load; its own errors say why
        known = set().union(*(set(frames[t][c].dropna()) for t, c in targets))
        values = frame[column.name]
        bad = values.notna() & ~values.isin(known)
        if not bad.any():
            continue
        where = " or ".join(f"{'an' if c[0] in 'aeiou' else 'a'} {c} in {raws[t].label}" for t, c in targets)
        spelt = _spellings(targets, frames, raws)

        def message(value: str, where: str = where, spelt: dict = spelt) -> str:
            other = spelt.get(value.lower())
            if other is None:
                return f"is not {where}"
            spelling, label, row = other
            return (
                f"is not {where}; {label} row {row} has '{spelling}', which differs only in "
                "case: ids are matched exactly, so write the same spelling in both"
            )

        _report(problems, raw, column.name, bad, message)


def _spellings(
    targets: list[tuple[str, str]], frames: dict[str, pd.DataFrame], raws: dict[str, RawTable]
) -> dict[str, tuple[str, str, int]]:
    """Lower-case id -> (its first spelling, file, row) across the referenced columns."""
    out: dict[str, tuple[str, str, int]] = {}
    for t, c in targets:
        values = frames[t][c]
        for i in np.flatnonzero(values.notna().to_numpy()):
            out.setdefault(
                str(values.iloc[i]).lower(), (str(values.iloc[i]), raws[t].label, raws[t].row_number(int(i)))
            )
    return out


#: Columns whose ids share one namespace: zones, and the places travel rows name.
ID_SPACES = ((("zones", "zone_id"),), (("sites", "site_id"), ("candidates", "option_id")))


def _case_variants(frames: dict[str, pd.DataFrame], raws: dict[str, RawTable], problems: Problems) -> None:
    """Warn about ids that differ only in case ('Z1' and 'z1') within one namespace.

    They are kept as different ids, not merged: ids join the tables and name zones, sites
    and options in every output, and folding case would have to choose one spelling for
    the officer and could silently merge two zones or a site with an option. A reference
    in another table that matches only when case is ignored is therefore an error (see
    _references), which names the spelling it differs from; two spellings that both exist
    are accepted, with this warning naming both, so it is a decision and not a slip.
    """
    for space in ID_SPACES:
        parts = []
        for t, c in space:
            if t in frames:
                values = frames[t][c]
                keep = values.notna().to_numpy()
                parts.append(
                    pd.DataFrame(
                        {"id": values[keep].astype(str).to_numpy(), "table": t, "column": c, "at": np.flatnonzero(keep)}
                    )
                )
        if not parts:
            continue
        ids = pd.concat(parts, ignore_index=True).drop_duplicates("id")
        ids["lower"] = ids["id"].str.lower()
        clash = ids[ids["lower"].duplicated(keep=False)]
        first = clash.drop_duplicates("lower").set_index("lower")
        for entry in clash[clash["lower"].duplicated(keep="first")].head(MAX_LISTED).itertuples():
            seen = first.loc[entry.lower]
            raw, other = raws[entry.table], raws[seen["table"]]
            problems.warning(
                raw.label,
                f"differs only in case from '{seen['id']}' ({other.label} "
                f"row {other.row_number(int(seen['at']))}, column "
                f"{seen['column']}); they are kept as two different ids",
                row=raw.row_number(int(entry.at)),
                column=entry.column,
                value=entry.id,
            )


def _comparisons(raw: RawTable, frame: pd.DataFrame, table: Table, problems: Problems) -> None:
    for rule in table.compare:
        left, right = frame[rule.left], frame[rule.right]
        bad = left.notna() & right.notna() & ~_OPS[rule.op](left.fillna(0), right.fillna(0))
        for i in rows_where(bad)[:MAX_LISTED]:
            problems.error(
                raw.label,
                f"is not {rule.op} {rule.right} ({right.iloc[i]}); expected {rule.left} {rule.op} {rule.right}",
                row=raw.row_number(int(i)),
                column=rule.left,
                value=left.iloc[i],
            )


def _coordinates(raw: RawTable, frame: pd.DataFrame, crs: str, problems: Problems) -> None:
    """Points outside England, named by the axis that is out (x when both are), with the
    other axis's value alongside so the officer sees the whole point."""
    if "x" not in frame or "y" not in frame:
        return
    present = frame["x"].notna() & frame["y"].notna()
    if not present.any():
        return
    x, y = frame["x"][present].astype(float), frame["y"][present].astype(float)
    bx, by = to_bng(x, y, crs)
    x_in = (bx >= ENGLAND_BNG["x"][0]) & (bx <= ENGLAND_BNG["x"][1])
    y_in = (by >= ENGLAND_BNG["y"][0]) & (by <= ENGLAND_BNG["y"][1])
    lonlat_like = (x.abs() <= 180).to_numpy() & (y.abs() <= 90).to_numpy() & ~_geographic(crs)
    hint = 'they look like longitude/latitude: write easting/northing, or declare crs = "EPSG:4326" in dataset.toml'
    plain = "expected a point in England in the dataset's coordinate reference system"
    positions = np.flatnonzero(present.to_numpy())
    bad = np.flatnonzero(~(x_in & y_in))
    for j in bad[:MAX_LISTED]:
        column, other = ("y", "x") if x_in[j] else ("x", "y")
        problems.error(
            raw.label,
            f"is outside England for {crs} (with {other} "
            f"{raw.frame[other].iloc[positions[j]]}); "
            f"{hint if lonlat_like[j] else plain}",
            row=raw.row_number(int(positions[j])),
            column=column,
            value=raw.frame[column].iloc[positions[j]],
        )
    if len(bad) > MAX_LISTED:
        first = raw.row_number(int(positions[bad[MAX_LISTED]]))
        problems.error(raw.label, f"{len(bad) - MAX_LISTED} more rows from row {first} are outside England", column="x")


def _geographic(crs: str) -> bool:
    from pyproj import CRS

    return bool(CRS.from_user_input(crs).is_geographic)


def _expansions(frames: dict[str, pd.DataFrame], raws: dict[str, RawTable], problems: Problems) -> None:
    """An expansion must name the existing site it expands."""
    if "candidates" not in frames or "sites" not in frames:
        return
    options, raw = frames["candidates"], raws["candidates"]
    known = set(frames["sites"]["site_id"].dropna())
    expansion = options["kind"] == "special_expansion"
    bad = expansion.fillna(False) & ~options["site_id"].isin(known).fillna(False)
    _report(
        problems,
        raw,
        "site_id",
        bad,
        f"is not a site_id in {raws['sites'].label}; a special_expansion must name the special school it expands",
    )
    clash = options["option_id"].isin(known).fillna(False)
    _report(
        problems,
        raw,
        "option_id",
        clash,
        f"is also a site_id in {raws['sites'].label}; expected option and site ids to "
        "differ, because travel rows name either",
    )


def _plausibility(frames: dict[str, pd.DataFrame], raws: dict[str, RawTable], problems: Problems) -> None:
    """Warnings: worth a look, but they do not stop the run."""
    sites = frames.get("sites")
    if sites is not None:
        over = sites["on_roll"].notna() & (sites["capacity"] >= 0) & (sites["on_roll"] > sites["capacity"])
        for i in rows_where(over)[:MAX_LISTED]:
            row = sites.iloc[i]
            problems.warning(
                raws["sites"].label,
                f"is over capacity: {row['on_roll']} on roll for {row['capacity']} places",
                row=raws["sites"].row_number(int(i)),
                column="on_roll",
                value=row["on_roll"],
            )
    options = frames.get("candidates")
    if options is not None:
        span = options["max_places"] - options["min_places"]
        ragged = options["place_step"].notna() & (span % options["place_step"] != 0)
        for i in rows_where(ragged)[:MAX_LISTED]:
            row = options.iloc[i]
            problems.warning(
                raws["candidates"].label,
                f"does not divide max_places - min_places ({span.iloc[i]}); the "
                f"largest size reachable is below {row['max_places']}",
                row=raws["candidates"].row_number(int(i)),
                column="place_step",
                value=row["place_step"],
            )


def check_relations(
    frames: dict[str, pd.DataFrame], raws: dict[str, RawTable], crs: str | None, problems: Problems
) -> None:
    """Every cross-row and cross-table rule of the standard, on tables that parsed.
    Coordinates are checked only when the CRS is known (``crs`` is None otherwise)."""
    for name, frame in frames.items():
        table, raw = tables()[name], raws[name]
        _duplicates(raw, frame, table, problems)
        _references(raw, frame, table, frames, raws, problems)
        _comparisons(raw, frame, table, problems)
        if crs is not None:
            _coordinates(raw, frame, crs, problems)
    _expansions(frames, raws, problems)
    _case_variants(frames, raws, problems)
    _plausibility(frames, raws, problems)
