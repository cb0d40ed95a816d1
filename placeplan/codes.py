"""The domain vocabulary: need codes, National Curriculum years, phases and kinds.

Kept in one place so that validation, demand, travel and the outputs agree on what a
code means. The solver core does not import this module.
"""

from __future__ import annotations

import difflib

#: DfE SEN2 primary-need codes, with the words used in public outputs.
NEEDS: dict[str, str] = {
    "SPLD": "Specific learning difficulty",
    "MLD": "Moderate learning difficulty",
    "SLD": "Severe learning difficulty",
    "PMLD": "Profound and multiple learning difficulty",
    "SEMH": "Social, emotional and mental health",
    "SLCN": "Speech, language and communication needs",
    "HI": "Hearing impairment",
    "VI": "Visual impairment",
    "MSI": "Multi-sensory impairment",
    "PD": "Physical disability",
    "ASD": "Autistic spectrum disorder",
    "OTH": "Other difficulty or disability",
    "DS": "Down syndrome (collected since 2025)",
}

#: Written in a `needs` cell to mean every need code.
ALL_NEEDS = "ALL"

NCY_MIN = -1
NCY_MAX = 20

#: Phase name -> inclusive NCY range. Nursery is NCY -1 (age 3-4 at 31 August).
PHASES: dict[str, tuple[int, int]] = {
    "nursery": (-1, -1),
    "primary": (0, 6),
    "secondary": (7, 11),
    "post16": (12, 14),
    "post19": (15, 20),
}

SITE_KINDS = ("special", "srp", "unit", "esta", "independent")
OPTION_KINDS = ("srp", "esta", "unit", "special_expansion", "new_special")


def phase_of(ncy: int) -> str:
    """The phase a National Curriculum year belongs to."""
    for phase, (low, high) in PHASES.items():
        if low <= ncy <= high:
            return phase
    raise ValueError(f"NCY {ncy} is outside {NCY_MIN}..{NCY_MAX}")


def academic_year(year: int) -> str:
    """The academic year starting in ``year``, as officers write it: 2024 -> '2024/25'."""
    return f"{year}/{(year + 1) % 100:02d}"


def suggest(value: str, choices: list[str] | tuple[str, ...], *, cutoff: float = 0.5) -> str | None:
    """The closest choice to a mistyped value, or None when nothing is close."""
    lowered = {c.lower(): c for c in choices}
    found = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=cutoff)
    return lowered[found[0]] if found else None


# Common synonyms officers write instead of the DfE code. They are not accepted
# silently (the code must be the DfE one) but they drive the "did you mean" hint.
_NEED_SYNONYMS = {
    "AUT": "ASD",
    "AUTISM": "ASD",
    "ASC": "ASD",
    "SEMHD": "SEMH",
    "BESD": "SEMH",
    "SLC": "SLCN",
    "SPLD/DYSLEXIA": "SPLD",
    "DYSLEXIA": "SPLD",
    "PMD": "PMLD",
    "DOWN": "DS",
    "DOWNS": "DS",
    "OTHER": "OTH",
    "HEARING": "HI",
    "VISUAL": "VI",
}


def suggest_need(value: str) -> str | None:
    """Best guess at the need code an officer meant."""
    key = value.strip().upper()
    if key in _NEED_SYNONYMS:
        return _NEED_SYNONYMS[key]
    return suggest(key, tuple(NEEDS))


def parse_needs(cell: str) -> tuple[list[str], list[str]]:
    """Split a `needs` cell into (codes, unknown parts). ALL expands to every code."""
    parts = [p.strip().upper() for p in cell.replace(",", ";").split(";") if p.strip()]
    if parts == [ALL_NEEDS]:
        return list(NEEDS), []
    known = [p for p in parts if p in NEEDS]
    unknown = [p for p in parts if p not in NEEDS]
    return known, unknown


#: Kinds of place in the council's own area (existing or new): every other site kind
#: (independent, out of area) and the fallback count as placed away.
LOCAL_KINDS = ("special", "srp", "unit", "esta", "special_expansion", "new_special")
#: Kinds of option that sit in a mainstream host school, whose own admissions they affect.
HOSTED_KINDS = ("srp", "esta", "unit")
