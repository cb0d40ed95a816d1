"""The Excel plan (plan.xlsx) for officers: Summary, What this plan assumes (the short lines
every document carries, :mod:`.caveats`), Options, Sufficiency, Allocation (internal),
Assumptions and Sources. The Sufficiency sheet also holds, to the right of its
table, the plan's placements by year (pupils continuing, newly placed locally, newly placed
independent or out of area, and pupils placed away with and without the plan) and how
each new provision fills (its pupils each year against its places), as the report prints
them.

Every sheet but Allocation is fit to publish: counts of pupils are the protected labels
(text such as ``<5``; other numbers are numbers, so officers can sum and chart them). The
Allocation sheet holds pupils by home zone unsuppressed: every row carries the marking and
the Summary says to remove the sheet before the workbook leaves the council.
"""

from __future__ import annotations

import io

import pandas as pd
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ..dataset_workbook import keep_text_as_text, repeatable
from ..solved import MARKING
from .assumptions import settings_table, sources_table
from .by_year import by_year
from .caveats import TITLE as ASSUMES_TITLE
from .caveats import plan_caveats
from .facts import Facts
from .robustness import robustness_sheet
from .shortlist import Shortlist
from .sufficiency import Sufficiency
from .sweeps import Sweeps
from .words import date_words, printed_number

HEADER_FILL = PatternFill("solid", fgColor="DDE3EA")
INTERNAL_FILL = PatternFill("solid", fgColor="F8D7DA")


def _cell(value: object) -> object:
    """A printed label back to a number when it is one ('1,234' -> 1234); '<5' stays text."""
    number = printed_number(value) if isinstance(value, str) else None
    if number is None:
        return value
    return int(number) if number.is_integer() else number


def _numbers(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.apply(lambda column: column.map(_cell)) if len(frame) else frame


def summary_table(facts: Facts, suff: Sufficiency) -> pd.DataFrame:
    plan = facts.plan
    s = plan.summary
    final = -1
    rows = [
        ("Scenario", plan.title),
        ("Dataset", plan.dataset.meta.name),
        ("Plan made", date_words(plan.solved_on)),
        ("Years planned", f"{s['years'][0]} to {s['years'][-1]}"),
        ("Solver's result", f"{s['status']} (gap {100 * float(s.get('gap') or 0):.2f}%)"),
        ("Total cost over the plan, discounted (£)", round(float(s["objective"]))),
        ("Capital spent (£)", round(float(s["capital_spent"]))),
        ("Capital budget (£)", "none set" if s.get("capital_budget") is None else round(float(s["capital_budget"]))),
        ("Options opened", int(s["options_opened"])),
        ("Places added", int(round(float(facts.facilities.loc[facts.facilities["chosen"], "places"].sum())))),
        (f"Pupils needing a specialist place in {s['years'][final]}", _cell(suff.headline("pupils"))),
        (f"Local places in {s['years'][final]}, before the plan", _cell(suff.headline("places_before"))),
        (f"Local places in {s['years'][final]}, after the plan", _cell(suff.headline("places_after"))),
        (f"Pupils placed locally in {s['years'][final]}, with the plan", _cell(suff.headline("local_after"))),
        (
            f"Pupils placed independent or out of area in {s['years'][final]}, with the plan",
            _cell(suff.headline("away_after")),
        ),
    ]
    if suff.has_status_quo:
        rows.insert(
            -2,
            (f"Pupils placed locally in {s['years'][final]}, without the plan", _cell(suff.headline("local_before"))),
        )
        rows.insert(
            -1,
            (
                f"Pupils placed independent or out of area in {s['years'][final]}, without the plan",
                _cell(suff.headline("away_before")),
            ),
        )
    rows += _saving_rows(s)
    for term, value in s.get("terms", {}).items():
        rows.append((f"Cost term: {term.replace('_', ' ')} (£, discounted)", round(float(value))))
    rows += [
        ("Counts of pupils", plan.rule.describe()),
        ("What this plan assumes", f"see the sheet '{ASSUMES_TITLE}'"),
        (
            "Allocation sheet",
            f"{MARKING}: pupils by home zone, not suppressed. Delete the sheet "
            "before the workbook is published or shared outside the council.",
        ),
    ]
    return pd.DataFrame(rows, columns=["figure", "value"])


def _saving_rows(summary: dict) -> list[tuple[str, object]]:
    """The saving against no new provision and the payback year, where the folder says."""
    saving = summary.get("saving")
    total = saving.get("total") if isinstance(saving, dict) else None
    if not isinstance(total, dict):
        return []
    rows: list[tuple[str, object]] = [
        (label, round(float(total[key])))
        for key, label in (
            ("undiscounted", "Saved against no new provision over the plan, as spent (£)"),
            ("net_of_capital_undiscounted", "Saved against no new provision, net of capital (£)"),
        )
        if isinstance(total.get(key), (int, float)) and not isinstance(total.get(key), bool)
    ]
    if isinstance(summary.get("payback_year"), str):
        rows.append(("Capital paid back by savings in", summary["payback_year"]))
    return rows


def assumes_table(facts: Facts) -> pd.DataFrame:
    """The short lines of what the plan assumes, one a row."""
    return pd.DataFrame({ASSUMES_TITLE.lower(): plan_caveats(facts.plan)}, columns=[ASSUMES_TITLE.lower()])


def options_table(shortlist: Shortlist) -> pd.DataFrame:
    return shortlist.table()


def allocation_table(facts: Facts) -> pd.DataFrame:
    allocation = facts.plan.allocation
    columns = [c for c in allocation.columns if c != "marking"]
    return allocation[columns].assign(marking=MARKING)[["marking", *columns]]


def by_year_tables(facts: Facts, shortlist: Shortlist, suff: Sufficiency) -> list[pd.DataFrame]:
    """The report's year-by-year tables, labels as printed (numbers as numbers), each
    headed so that it reads on its own beside the sufficiency table."""
    years = by_year(facts, shortlist, suff)
    tables = []
    if years.placements is not None:
        tables.append(_numbers(years.placements.rename(columns={"Year": "year (placements by year)"})))
    if len(years.filling):
        filling = years.filling.rename(
            columns={
                "option_id": "option_id (new provision filling by year)",
                "Option": "name",
                "Kind": "kind",
                "Places": "places",
                "Opens": "opening_year",
            }
        )
        tables.append(_numbers(filling))
    return tables


def _format(
    sheet, frame: pd.DataFrame, *, start_row: int = 1, start_column: int = 1, wrap: tuple[str, ...] = ()
) -> None:
    for column, name in enumerate(frame.columns, start=start_column):
        cell = sheet.cell(row=start_row, column=column)
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        values = [("" if pd.isna(v) else str(v)) for v in frame.iloc[:300, column - start_column]]
        width = max([len(str(name))] + [len(v) for v in values]) if len(values) else len(str(name))
        letter = get_column_letter(column)
        sheet.column_dimensions[letter].width = min(70 if name in wrap else 40, max(9, width + 2))
        if name in wrap:
            for row in range(start_row + 1, start_row + 1 + len(frame)):
                sheet.cell(row=row, column=column).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = sheet.cell(row=start_row + 1, column=1)


def workbook_bytes(facts: Facts, shortlist: Shortlist, suff: Sufficiency, sweeps: Sweeps | None = None) -> bytes:
    plan = facts.plan
    sheets = {
        "Summary": (summary_table(facts, suff), ("value",)),
        ASSUMES_TITLE: (assumes_table(facts), (ASSUMES_TITLE.lower(),)),
        "Options": (_numbers(options_table(shortlist)), ("reason", "name", "kind")),
        "Sufficiency": (_numbers(suff.table()), ()),
        "Allocation": (allocation_table(facts), ()),
        "Assumptions": (settings_table(plan.scenario), ("what it means", "value")),
        "Sources": (sources_table(plan.dataset), ("attribution", "source")),
    }
    robustness = robustness_sheet(facts, sweeps) if sweeps is not None else []
    if robustness:
        sheets["Robustness"] = (robustness[0], ("option",))
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, (frame, wrap) in sheets.items():
            start = 3 if name == "Allocation" else 1
            frame.to_excel(writer, sheet_name=name, index=False, startrow=start - 1)
            sheet = writer.sheets[name]
            _format(sheet, frame, start_row=start, wrap=wrap)
            if name == "Sufficiency":
                column = len(frame.columns) + 1
                for side in by_year_tables(facts, shortlist, suff):
                    side.to_excel(writer, sheet_name=name, index=False, startcol=column)
                    _format(sheet, side, start_column=column + 1, wrap=("name",))
                    column += len(side.columns) + 1
            if name == "Robustness":
                column = len(frame.columns) + 1
                for side in robustness[1:]:
                    side.to_excel(writer, sheet_name=name, index=False, startcol=column)
                    _format(
                        sheet, side, start_column=column + 1, wrap=("measure", "option", "opens as well", "leaves out")
                    )
                    column += len(side.columns) + 1
            if name == "Allocation":
                sheet["A1"] = (
                    f"{MARKING}. Pupils by home zone, not suppressed: delete this sheet "
                    "before the workbook is published or shared outside the council."
                )
                sheet["A1"].font = Font(bold=True, color="9C0006")
                sheet["A1"].fill = INTERNAL_FILL
                sheet.sheet_properties.tabColor = "C00000"
            keep_text_as_text(sheet)
        book = writer.book
        book.properties.title = f"{plan.title}: plan"
        book.properties.subject = "Specialist school places plan (placeplan)"
        book.properties.keywords = f"contains an internal sheet (Allocation): {MARKING}"
        book.properties.creator = book.properties.lastModifiedBy = "placeplan"
    return repeatable(buffer.getvalue(), plan.solved_on)
