"""pydantic's validation errors as this project's messages: the layer (file or --set) that
set the key, the key, the value found (as TOML writes it) and what was expected."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from ..errors import Problems, value_kind

_TYPES = {
    "int_type": "a valid integer",
    "int_parsing": "a valid integer",
    "int_from_float": "a valid integer",
    "float_type": "a valid number",
    "float_parsing": "a valid number",
    "string_type": "text in quotes",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "tuple_type": 'a list such as ["O1", "O3"]',
    "list_type": 'a list such as ["O1", "O3"]',
    "dict_type": "a table such as { default = 0.1 }",
    "model_type": "a section of settings",
    "model_attributes_type": "a section of settings",
}


def toml_text(value: Any) -> str | None:
    """A value as the scenario file would write it, to show in a message."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else "inf" if value > 0 else "-inf"
    if isinstance(value, (str, int, float)):
        return str(value)
    if isinstance(value, (dt.date, dt.time, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_inline(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_inline(v)}" for k, v in value.items()) + " }"
    return None


def _inline(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else (toml_text(value) or "?")


def _field(model: type[BaseModel], loc: tuple) -> FieldInfo | None:
    """The field a location names (None inside a free-form table or past the models)."""
    info = None
    for part in loc:
        fields = getattr(model, "model_fields", None) if isinstance(model, type) else None
        if not fields or part not in fields:
            return None
        info = fields[part]
        model = info.annotation
    return info


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:g}"


def _range(info: FieldInfo | None) -> str:
    """A field's allowed range in words, e.g. 'from 1 to 30', or '' when it has none."""
    bounds: dict[str, str] = {}
    for item in info.metadata if info is not None else ():
        for kind, name in ((Ge, "ge"), (Gt, "gt"), (Le, "le"), (Lt, "lt")):
            if isinstance(item, kind):
                bounds[name] = _number(getattr(item, name))
    low = ("ge", bounds["ge"]) if "ge" in bounds else ("gt", bounds["gt"]) if "gt" in bounds else None
    high = ("le", bounds["le"]) if "le" in bounds else ("lt", bounds["lt"]) if "lt" in bounds else None
    if low and high:
        first = f"from {low[1]}" if low[0] == "ge" else f"more than {low[1]}"
        second = f"to {high[1]}" if high[0] == "le" else f"below {high[1]}"
        return f"{first} {second}" if low[0] == "ge" else f"{first}, {'up ' if high[0] == 'le' else ''}{second}"
    if low:
        return f"{low[1]} or more" if low[0] == "ge" else f"more than {low[1]}"
    if high:
        return f"up to {high[1]}" if high[0] == "le" else f"below {high[1]}"
    return ""


def _optional(info: FieldInfo | None) -> bool:
    return info is not None and info.default is None


def message(error: ErrorDetails, info: FieldInfo | None, key: str) -> str:
    """One pydantic error as '... is not valid; expected ...' with what would be right."""
    kind, value = error["type"], error.get("input")
    text = error["msg"].removeprefix("Value error, ")
    if kind == "missing":
        return "is required; expected a value"
    if kind == "finite_number":
        blank = f"; leave {key} out for no limit" if _optional(info) else ""
        allowed = _range(info)
        return "is not valid; expected a finite number, not inf or nan" + (f" ({allowed})" if allowed else "") + blank
    if kind in _TYPES:
        found = value_kind(value)
        hint = ""
        if kind.startswith(("int", "float")) and isinstance(value, str):
            hint = "; write the number without quotes"
        elif kind.startswith("int") and isinstance(value, float) and math.isfinite(value):
            found, hint = "a decimal number", "; write a whole number such as 5"
        elif kind in ("tuple_type", "list_type") and isinstance(value, str):
            found = "a single value"
        elif kind == "string_type" and isinstance(value, (bool, int, float)):
            hint = "; put it in quotes"
        return f"is not valid; expected {_TYPES[kind]}, not {found}{hint}"
    if text.startswith("Input should be "):
        wanted = text.removeprefix("Input should be ")
        if wanted.startswith("a valid "):
            wanted = wanted.split(", ")[0]  # drop pydantic's ", unable to parse string as a number"
        elif wanted.startswith(("greater", "less")):
            wanted = f"a value {wanted}"
            allowed = _range(info)
            if allowed:
                wanted += f" ({allowed})"
        return f"is not valid; expected {wanted}"
    return text


def validation_problems(
    exc: ValidationError, model: type[BaseModel], layer_of, problems: Problems, *, skip_missing: bool = False
) -> None:
    """One problem per pydantic error, named by the layer (file or --set) that set the key
    (``layer_of(dotted key)``); ``skip_missing`` leaves out keys that are required but absent."""
    for error in exc.errors():
        if skip_missing and error["type"] == "missing":
            continue
        loc = tuple(error["loc"])
        key = ".".join(str(p) for p in loc)
        info = _field(model, loc)
        shown = toml_text(error.get("input")) if error["type"] != "missing" else None
        problems.error(layer_of(key), message(error, info, key), key=key, value=shown)
