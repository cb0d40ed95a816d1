"""Write the project's trimmed copy of the open-data pack (``data/open``).

    python3 -m placeplan.databuild.trim ../shared/data/open data/open

Keeps only the rows and columns :data:`placeplan.opendata.FILES` declares,
gzip-compressed with a fixed timestamp so the same pack always gives the same bytes, and
writes ATTRIBUTION.md with the statements the Open Government Licence requires.
"""

from __future__ import annotations

import gzip
import io
import sys
from pathlib import Path

import pandas as pd

from ..opendata import FILES
from ..outputs_io import write_bytes_atomic, write_text_atomic

ATTRIBUTION = """\
# Open data used by `placeplan data build`: attribution

Trimmed copies (only the rows and columns the builder reads) of files from the open-data
pack described in `PROVENANCE.md` of placeplan's shared data; made by
`python3 -m placeplan.databuild.trim SOURCE data/open`. Values are unchanged.

- Contains public sector information licensed under the Open Government Licence v3.0
  (https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/).
- Source: Department for Education, *Education, health and care plans* (reporting year 2025),
  *Get Information About Schools* (24 May 2025 extract; types of SEN provision, SEN1 to SEN13,
  of about March 2025; 2022 extract for school capacity, statutory ages, admissions policy and
  pupils on roll; 22 April 2025 links extract for successor URNs), and *Primary and secondary
  school applications and offers* (2022 release). © Crown copyright.
- Source: Office for National Statistics licensed under the Open Government Licence v3.0.
  Census 2021 data © Crown copyright. Contains OS data © Crown copyright and database right
  2011, 2021 (LSOA boundary and centroid products).

| file | from | rows kept |
|---|---|---|
"""


def _gzip_bytes(text: str) -> bytes:
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, compresslevel=9) as stream:
        stream.write(text.encode("utf-8"))
    return buffer.getvalue()


def trim_pack(source: Path, out: Path) -> list[tuple[str, int]]:
    """Trim every declared file from ``source`` into ``out``; returns (file, rows) pairs."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    lines = [ATTRIBUTION]
    for spec in FILES.values():
        frame = pd.read_csv(source / spec.source, dtype=str, keep_default_na=False)
        if spec.keep:
            frame = frame.replace("", None).query(spec.keep, engine="python").fillna("")
        frame = frame[list(spec.columns)]
        text = frame.to_csv(index=False, lineterminator="\n")
        target = out / spec.name
        if spec.name.endswith(".gz"):
            write_bytes_atomic(target, _gzip_bytes(text))
        else:
            write_text_atomic(target, text)
        written.append((spec.name, len(frame)))
        lines.append(f"| `{spec.name}` | `{spec.source}` | {len(frame):,} |\n")
    write_text_atomic(out / "ATTRIBUTION.md", "".join(lines))
    return written


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python3 -m placeplan.databuild.trim SOURCE_FOLDER OUT_FOLDER")
    for name, rows in trim_pack(Path(sys.argv[1]), Path(sys.argv[2])):
        print(f"{name}: {rows:,} rows")
