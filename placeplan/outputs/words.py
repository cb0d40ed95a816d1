"""Numbers and names as the public outputs print them."""

from __future__ import annotations

import html
import math
import re
from datetime import date


def esc(value: object) -> str:
    """Text made safe to put inside HTML (names come from officers' files and may hold
    anything, '<script>' included)."""
    return html.escape("" if value is None else str(value), quote=True)


def money(value: float | None) -> str:
    """£4.07 million, £230,000; '' when unknown."""
    if value is None or not math.isfinite(float(value)):
        return ""
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value >= 1e6:
        return f"{sign}£{value / 1e6:,.2f} million"
    return f"{sign}£{value:,.0f}"


def minutes(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return ""
    return f"{value:.0f} minutes" if round(value) != 1 else "1 minute"


def date_words(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def ratio(value: float | None) -> str:
    """A first-preference ratio in words."""
    if value is None or not math.isfinite(float(value)):
        return "no published figures"
    return f"{value:.2f} first preferences for each place offered"


_PRINTED_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def printed_number(label: object) -> float | None:
    """A number as the documents print it back to the number ('1,234' -> 1234.0); None for
    a label that is not one (a suppressed '<5', a withheld 'c', 'not open')."""
    text = str(label).replace(",", "")
    return float(text) if _PRINTED_NUMBER.fullmatch(text) else None
