"""Shared test helpers: a fresh copy of the tiny dataset, a page's tables, small CSV editors,
run_cli, and LibreOffice opening a workbook (libreoffice_converts).

The CSV editors work on the text of a file with the csv module, so a test changes exactly
the cell it names and nothing else. Rows are numbered as a spreadsheet shows them (the
header is row 1, the first record row 2), the same way placeplan's messages number them.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import os
import shutil
import subprocess
import traceback
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from placeplan.cli import main

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
TINY = FIXTURES / "tiny"
TINY_TABLES = ("zones", "demand", "sites", "candidates")
#: The zone and dataset description of the one-zone cases worked by hand.
ONE_ZONE = {
    "zones.csv": "zone_id,name,x,y,la_code\nZ1,Only Zone,520000,170000,999\n",
    "dataset.toml": (
        'name = "One zone"\ndescription = "By hand"\ncrs = "EPSG:27700"\nbase_year = "2024/25"\n'
        'licence = "CC0"\n\n[[sources]]\nname = "Made up"\n'
    ),
}


def one_zone_case(root: Path, tables: dict[str, str], scenario: str) -> Path:
    """A one-zone dataset (ONE_ZONE and ``tables``) in ``root/data``, and ``root/case.toml``
    holding ``scenario`` (which names ``dataset = "data"``)."""
    (root / "data").mkdir()
    for name, text in {**ONE_ZONE, **tables}.items():
        (root / "data" / name).write_text(text, encoding="utf-8")
    path = root / "case.toml"
    path.write_text(scenario, encoding="utf-8")
    return path


#: A scenario override that gives every new option all its places from the year it opens
#: (no phased intake), for hand-checked cases about something else.
ALL_PLACES_FROM_OPENING = "rules.phased_intake={srp = [], esta = [], unit = [], new_special = []}"


# --- the tiny dataset ------------------------------------------------------------------


@pytest.fixture
def tiny_copy(tmp_path: Path) -> Path:
    """A fresh, valid copy of tests/fixtures/tiny in tmp_path/tiny."""
    return shutil.copytree(TINY, tmp_path / "tiny")


@pytest.fixture
def tiny_scenario(tiny_copy: Path) -> Path:
    """A scenario file beside the copy, like tests/fixtures/tiny.toml, naming it."""
    path = tiny_copy.parent / "tiny.toml"
    path.write_text(
        'name = "Tiny test scenario"\ndataset = "tiny"\n\n[horizon]\nfirst_year = 2025\nyears = 3\n\n'
        "[travel]\nspeed_kmh = 24\n",
        encoding="utf-8",
    )
    return path


# --- reading pages ------------------------------------------------------------------------


class PageTables(HTMLParser):
    """Every table of a page as rows of cell text (entities read back)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


# --- editing CSV files ---------------------------------------------------------------------


def read_rows(path: Path) -> list[list[str]]:
    """Every row of a CSV file as lists of text, the header first."""
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def table_path(folder: Path, table: str) -> Path:
    return folder / f"{table}.csv"


def set_cell(folder: Path, table: str, row: int, column: str, value: str) -> None:
    """Write value into one cell; row is the file row (2 = first record)."""
    path = table_path(folder, table)
    rows = read_rows(path)
    rows[row - 1][rows[0].index(column)] = value
    write_rows(path, rows)


def set_by_id(folder: Path, table: str, key: str, value: str, column: str = "name") -> None:
    """Write value into ``column`` of the row whose first cell (its id) is ``key``."""
    path = table_path(folder, table)
    rows = read_rows(path)
    index = rows[0].index(column)
    for row in rows[1:]:
        if row[0] == key:
            row[index] = value
    write_rows(path, rows)


def tiny_tree(root: Path, *, name: str = "Tiny test scenario", extra: str = "") -> Path:
    """A copy of the tiny dataset in root/tiny and a scenario root/tiny.toml naming it
    (``extra``: more TOML at its end); returns the scenario's path."""
    shutil.copytree(TINY, root / "tiny")
    path = root / "tiny.toml"
    path.write_text(
        f'name = "{name}"\ndataset = "tiny"\n\n[horizon]\nfirst_year = 2025\nyears = 3\n\n'
        f"[travel]\nspeed_kmh = 24\n{extra}",
        encoding="utf-8",
    )
    return path


def rename_column(folder: Path, table: str, old: str, new: str) -> None:
    path = table_path(folder, table)
    rows = read_rows(path)
    rows[0][rows[0].index(old)] = new
    write_rows(path, rows)


def drop_column(folder: Path, table: str, column: str) -> None:
    path = table_path(folder, table)
    rows = read_rows(path)
    i = rows[0].index(column)
    write_rows(path, [r[:i] + r[i + 1 :] for r in rows])


def duplicate_column(folder: Path, table: str, column: str) -> None:
    """Append a second copy of a column (same header, same values) at the end."""
    path = table_path(folder, table)
    rows = read_rows(path)
    i = rows[0].index(column)
    write_rows(path, [[*r, r[i]] for r in rows])


def append_row(folder: Path, table: str, values: dict[str, str]) -> int:
    """Add a row (unnamed columns blank); return its file row number."""
    path = table_path(folder, table)
    rows = read_rows(path)
    rows.append([values.get(c, "") for c in rows[0]])
    write_rows(path, rows)
    return len(rows)


def copy_row(folder: Path, table: str, row: int, **changes: str) -> int:
    """Append a copy of a file row with some cells changed; return the new row number."""
    path = table_path(folder, table)
    rows = read_rows(path)
    new = dict(zip(rows[0], rows[row - 1]))
    new.update(changes)
    return append_row(folder, table, new)


def keep_rows(folder: Path, table: str, count: int) -> None:
    """Keep the header and the first count records."""
    path = table_path(folder, table)
    write_rows(path, read_rows(path)[: count + 1])


def write_travel(folder: Path, rows: list[tuple[str, str, str]]) -> None:
    """A travel.csv of (zone_id, site_id, minutes) rows."""
    write_rows(folder / "travel.csv", [["zone_id", "site_id", "minutes"], *map(list, rows)])


def full_travel(folder: Path) -> list[tuple[str, str, str]]:
    """Every zone to every site and option of the tiny dataset, 10 minutes each."""
    zones = [r[0] for r in read_rows(folder / "zones.csv")[1:]]
    ids = [r[0] for r in read_rows(folder / "sites.csv")[1:]]
    ids += [r[0] for r in read_rows(folder / "candidates.csv")[1:]]
    return [(z, s, "10") for z in zones for s in ids]


def hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under a folder, keyed by relative path."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# --- running the CLI -----------------------------------------------------------------------


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_cli(args: list[str]) -> CliResult:
    """Run ``placeplan ARGS`` through placeplan.cli.main, the console script's entry point.

    Output is captured by click's CliRunner isolation. main() re-raises under --debug;
    as the Python interpreter would for the console script, the traceback of an escaping
    exception is written to stderr and the exit code is 1.
    """
    runner = CliRunner()
    logger = logging.getLogger("placeplan")  # main() configures it; put it back afterwards
    saved = (logger.handlers[:], logger.level, logger.propagate)
    try:
        with runner.isolation() as streams:
            out, err = streams[0], streams[1]
            try:
                code = main([str(a) for a in args])
            except SystemExit as exc:  # click's --help/--version exit through here
                code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
            except Exception:
                err.write(traceback.format_exc().encode())
                code = 1
            stdout = out.getvalue().decode("utf-8", "replace")
            stderr = err.getvalue().decode("utf-8", "replace")
    finally:
        logger.handlers[:], logger.level, logger.propagate = saved
    return CliResult(code, stdout, stderr)


# --- opening a workbook in LibreOffice --------------------------------------------------------

#: LibreOffice's CSV export: comma, double quote, UTF-8 (76), from row 1; the last option,
#: -1, writes every sheet, each to <name>-<sheet>.csv.
LIBREOFFICE_CSV = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
#: Seconds a conversion may take (a cold start of LibreOffice takes a few).
LIBREOFFICE_SECONDS = 180


def libreoffice_converts(path: Path, tmp: Path, *, to: str = LIBREOFFICE_CSV) -> list[Path]:
    """Convert ``path`` with LibreOffice headless (Debian's libreoffice-calc-nogui) into a
    new folder under ``tmp`` and return the files it wrote; fail unless it exits 0 and
    writes something. Each call has its own LibreOffice profile, so parallel runs do not
    clash. Without ``soffice`` on PATH the test is skipped, or fails when
    PLACEPLAN_REQUIRE_OFFICE=1 (as CI sets), as the browser tests do."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        why = "LibreOffice is not installed (apt-get install libreoffice-calc-nogui)"
        if os.environ.get("PLACEPLAN_REQUIRE_OFFICE"):
            pytest.fail(f"LibreOffice required (PLACEPLAN_REQUIRE_OFFICE=1) but {why}")
        pytest.skip(why)
    tmp.mkdir(parents=True, exist_ok=True)
    profile, out = tmp / "libreoffice-profile", tmp / "libreoffice-out"
    out.mkdir(exist_ok=True)
    done = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.resolve().as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            to,
            "--outdir",
            str(out),
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=LIBREOFFICE_SECONDS,
    )
    said = f"soffice exit {done.returncode}\nstdout: {done.stdout}\nstderr: {done.stderr}"
    assert done.returncode == 0, said
    # soffice can exit 0 having written nothing ('Error: source file could not be loaded')
    assert "Error:" not in done.stdout + done.stderr, said
    files = sorted(p for p in out.iterdir() if p.is_file())
    assert files, said
    return files
