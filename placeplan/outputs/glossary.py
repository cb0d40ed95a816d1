"""The words of the public outputs: every acronym they use, and the plain English for
kinds of provision, needs, phases and year groups.

Councillors asked for fewer unexplained acronyms: every output that shows one carries
:func:`glossary_for` of its text, and a test checks that no acronym is left unexplained.
"""

from __future__ import annotations

import re

from ..codes import NEEDS, PHASES

#: Every acronym a public output may use, with its meaning.
GLOSSARY: dict[str, str] = {
    "SEND": "Special educational needs and disabilities.",
    "SEN": "Special educational needs.",
    "EHCP": "Education, health and care plan: the legal document that sets out a child's needs "
    "and the support and school place the council must provide.",
    "EHC": "Education, health and care (as in EHC plan).",
    "SRP": "Specialist resource provision: a small specialist class, with its own staff, inside a "
    "mainstream school; pupils also join mainstream lessons.",
    "ESTA": "Enhanced support teaching arrangement: extra specialist teaching and support in a "
    "mainstream school, in existing classrooms; lighter than an SRP.",
    "ASD": NEEDS["ASD"] + " (autism).",
    "SEMH": NEEDS["SEMH"] + ".",
    "SLCN": NEEDS["SLCN"] + ".",
    "MLD": NEEDS["MLD"] + ".",
    "SLD": NEEDS["SLD"] + ".",
    "PMLD": NEEDS["PMLD"] + ".",
    "SPLD": NEEDS["SPLD"] + " (for example dyslexia).",
    "HI": NEEDS["HI"] + ".",
    "VI": NEEDS["VI"] + ".",
    "MSI": NEEDS["MSI"] + ".",
    "PD": NEEDS["PD"] + ".",
    "OTH": NEEDS["OTH"] + ".",
    "DS": "Down syndrome (a primary need recorded since 2025).",
    "NCY": "National Curriculum year: the school year group. Reception is year 0 (age 4 to 5), "
    "Year 1 is age 5 to 6, and so on to Year 13 (age 17 to 18); nursery is year -1.",
    "LSOA": "Lower layer super output area: a small area of about 1,500 residents used for "
    "official statistics; the zones of the map.",
    "DfE": "Department for Education.",
    "DfT": "Department for Transport.",
    "ONS": "Office for National Statistics.",
    "OGL": "Open Government Licence, under which the public data used here is published.",
    "OS": "Ordnance Survey.",
    "GIAS": "Get Information About Schools: the Department for Education's register of schools.",
    "CRS": "Coordinate reference system: how a map position is written.",
    "BNG": "British National Grid: the map coordinates of Great Britain (EPSG:27700).",
    "EPSG": "A catalogue number of a coordinate reference system (EPSG:27700 is the British "
    "National Grid; EPSG:4326 is longitude and latitude).",
    "MIP": "Mixed-integer programme: the kind of mathematical model the optimiser solves.",
    "SCIP": "An open-source solver for mixed-integer programmes, used through OR-Tools.",
    "HiGHS": "An open-source solver for linear and mixed-integer programmes.",
    "CP": "Constraint programming (as in CP-SAT, the constraint-programming solver of OR-Tools).",
    "SAT": "Boolean satisfiability (as in CP-SAT, the constraint-programming solver of OR-Tools).",
    "OR": "Operational research (as in OR-Tools, Google's open-source optimisation library).",
    "LA": "Local authority: the council.",
    "HM": "His Majesty's (as in HM Treasury).",
    "EPI": "Education Policy Institute, an independent research institute.",
    "GBP": "Pounds sterling.",
    "BSD": "Berkeley Software Distribution: the BSD licence is a permissive open-source licence.",
    "CCN": "County Councils Network.",
}

#: Words that look like acronyms but are not (units, Roman numerals, names).
NOT_ACRONYMS = frozenset(
    {
        "CC0",
        "II",
        "III",
        "IV",
        "UK",
        "RC",
        "CE",
        "URN",
        "ID",
        "PNG",
        "SVG",
        "HTML",
        "CSV",
        "XLSX",
        "TOML",
        "JSON",
        "NEED",
    }
)

KINDS: dict[str, str] = {
    "special": "special school",
    "srp": "specialist resource provision (SRP) in a mainstream school",
    "unit": "SEN unit in a mainstream school",
    "esta": "enhanced support teaching arrangement (ESTA) in a mainstream school",
    "independent": "independent or non-maintained special school",
    "special_expansion": "more places at an existing special school",
    "new_special": "new special school",
}

#: Short names for legends and layer names.
KIND_SHORT: dict[str, str] = {
    "special": "special schools",
    "srp": "SRPs",
    "unit": "SEN units",
    "esta": "ESTAs",
    "independent": "independent and non-maintained special schools",
    "special_expansion": "special school expansions",
    "new_special": "new special schools",
}

PHASE_WORDS: dict[str, str] = {
    "nursery": "nursery",
    "primary": "primary",
    "secondary": "secondary",
    "post16": "post-16",
    "post19": "post-19",
}

_ACRONYM = re.compile(r"\b(?:[A-Z][A-Za-z]*[A-Z]|[A-Z]{2,})\b")


def need_words(code: str) -> str:
    """'ASD' -> 'autistic spectrum disorder (ASD)'."""
    words = NEEDS.get(code, code)
    return f"{words[0].lower() + words[1:]} ({code})" if code in NEEDS else code


def needs_words(codes) -> str:
    codes = [c for c in codes if c]
    if set(codes) >= set(NEEDS):
        return "all needs"
    return ", ".join(need_words(c) for c in codes)


def needs_phrase(codes) -> str:
    """Short: words for one or two needs, codes for more (the glossary explains them)."""
    codes = [c for c in codes if c]
    if set(codes) >= set(NEEDS):
        return "any need"
    if len(codes) <= 2:
        return " or ".join(need_words(c) for c in codes)
    return f"{len(codes)} kinds of need ({', '.join(codes)})"


def year_group(ncy: int) -> str:
    if ncy < 0:
        return "nursery"
    if ncy == 0:
        return "Reception"
    return f"Year {ncy}"


def ages_words(ncy_min: int, ncy_max: int) -> str:
    """NCY 3..6 -> 'Year 3 to Year 6 (ages 7 to 11)'."""
    low, high = int(ncy_min), int(ncy_max)
    ages = f"ages {low + 4} to {high + 5}"
    if low == high:
        return f"{year_group(low)} ({ages})"
    return f"{year_group(low)} to {year_group(high)} ({ages})"


def phases_of_range(ncy_min: int, ncy_max: int) -> list[str]:
    return [p for p, (first, last) in PHASES.items() if int(ncy_min) <= last and int(ncy_max) >= first]


def academic_year(year: int) -> str:
    return f"{year}/{(year + 1) % 100:02d}"


def acronyms_in(text: str) -> set[str]:
    """Acronym-like words in some text (markup and numbers aside)."""
    text = re.sub(r"<[^>]+>", " ", text)
    return {word for word in _ACRONYM.findall(text) if word not in NOT_ACRONYMS}


def glossary_for(text: str) -> dict[str, str]:
    """The glossary entries for the acronyms a text uses, in alphabetical order; the
    core terms a reader of any plan needs are always included."""
    wanted = acronyms_in(text) | {"SEND", "EHCP", "SRP", "ESTA", "NCY"}
    return {term: GLOSSARY[term] for term in sorted(wanted, key=str.lower) if term in GLOSSARY}


def unexplained(text: str) -> set[str]:
    """Acronyms in a text that the glossary does not explain (a test keeps this empty)."""
    return {word for word in acronyms_in(text) if word not in GLOSSARY}
