"""Load a scenario: defaults < what it extends < the scenario file < --set overrides.

Every value a layer changes is logged as ``old -> new`` so an officer can see exactly
which assumptions a run used. Unknown keys are errors with the key that was probably meant.
"""

from __future__ import annotations

import copy
import logging
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..codes import suggest
from ..errors import Problems, ScenarioError
from .model import Scenario

log = logging.getLogger(__name__)

_PATH_KEYS = (("dataset",), ("output", "folder"))

#: Marks a free-form table (such as demand.growth) whose keys the model validates itself.
FREE = "free-form table"


@dataclass(frozen=True)
class Change:
    layer: str
    key: str
    old: Any
    new: Any

    def __str__(self) -> str:
        return f"{self.layer}: {self.key} {self.old!r} -> {self.new!r}"


@dataclass(frozen=True)
class LoadedScenario:
    scenario: Scenario
    path: Path
    changes: tuple[Change, ...]

    @property
    def dataset_path(self) -> Path:
        return Path(self.scenario.dataset)

    @property
    def output_folder(self) -> Path:
        if self.scenario.output.folder:
            return Path(self.scenario.output.folder)
        return self.path.parent.parent / "out" / self.path.stem


def _read_toml(path: Path, problems: Problems) -> dict[str, Any] | None:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        problems.error(str(path), "does not exist; expected a scenario TOML file")
    except IsADirectoryError:
        problems.error(str(path), "is a folder without a dataset.toml; expected a scenario "
                                  "TOML file or a dataset folder")
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        problems.error(path.name, f"is not valid TOML: {exc}")
    return None


def _anchor_paths(data: dict[str, Any], folder: Path) -> None:
    """Paths in a file are relative to that file, whichever scenario extends it."""
    for keys in _PATH_KEYS:
        node = data
        for key in keys[:-1]:
            node = node.get(key, {}) if isinstance(node, dict) else {}
        last = keys[-1]
        if isinstance(node, dict) and isinstance(node.get(last), str) and node[last]:
            node[last] = str((folder / node[last]).resolve())


def _layers(path: Path, problems: Problems, seen: tuple[Path, ...] = ()) -> list[tuple[str, dict]]:
    """The file and what it extends, most basic first."""
    path = path.resolve()
    if path in seen:
        chain = " -> ".join(p.name for p in (*seen, path))
        problems.error(path.name, f"extends itself through {chain}", key="extends")
        return []
    data = _read_toml(path, problems)
    if data is None:
        return []
    _anchor_paths(data, path.parent)
    parent = data.pop("extends", None)
    layers: list[tuple[str, dict]] = []
    if parent is not None:
        if not isinstance(parent, str):
            problems.error(path.name, "expected the file name of another scenario",
                           key="extends", value=parent)
        else:
            layers = _layers(path.parent / parent, problems, (*seen, path))
    return [*layers, (path.name, data)]


def _known_keys(model: type[BaseModel]) -> dict[str, Any]:
    """Nested dict of the keys a scenario may set; None marks a leaf."""
    keys: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        annotation = field.annotation
        is_section = isinstance(annotation, type) and issubclass(annotation, BaseModel)
        is_table = getattr(annotation, "__origin__", None) is dict
        keys[name] = _known_keys(annotation) if is_section else FREE if is_table else None
    return keys


def _check_keys(data: dict, known: dict, layer: str, prefix: str, problems: Problems) -> None:
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if key not in known:
            guess = suggest(key, list(known), cutoff=0.6)
            hint = f"did you mean {prefix}{guess}?" if guess else \
                f"expected one of {', '.join(prefix + k for k in known)}"
            problems.error(layer, f"is not a scenario setting; {hint}", key=dotted)
        elif isinstance(known[key], dict):
            if isinstance(value, dict):
                _check_keys(value, known[key], layer, f"{dotted}.", problems)
            else:
                problems.error(layer, "expected a section of settings", key=dotted, value=value)


def _flatten(data: dict, known: dict, prefix: str = "") -> dict[str, Any]:
    """Dotted leaf keys; free-form tables such as demand.growth stay whole."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(known.get(key), dict) and isinstance(value, dict):
            flat.update(_flatten(value, known[key], f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _merge(base: dict, top: dict) -> dict:
    merged = copy.deepcopy(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _parse_set(item: str, known: dict, problems: Problems) -> dict | None:
    """``section.key=value`` -> nested dict; the value is read as TOML, else as text."""
    if "=" not in item:
        problems.error("--set", "has no '='; expected section.key=value, for example "
                                "travel.speed_kmh=25", value=item)
        return None
    key, text = item.split("=", 1)
    parts = [p.strip() for p in key.strip().split(".")]
    node = known
    for depth, part in enumerate(parts):
        if node == FREE and depth == len(parts) - 1:
            break
        if not isinstance(node, dict) or part not in node:
            options = list(node) if isinstance(node, dict) else []
            guess = suggest(part, options, cutoff=0.6)
            where = ".".join(parts[:depth])
            hint = f"did you mean {'.'.join([*parts[:depth], guess])}?" if guess else \
                f"expected one of {', '.join(options)}" + (f" under {where}" if where else "")
            problems.error("--set", f"is not a scenario setting; {hint}", key=key.strip())
            return None
        node = node[part]
    try:
        value = tomllib.loads(f"v = {text.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = text.strip()
    out: dict[str, Any] = {}
    cursor = out
    for part in parts[:-1]:
        cursor = cursor.setdefault(part, {})
    cursor[parts[-1]] = value
    return out


def _expected(message: str) -> str:
    """pydantic's 'Input should be ...' as this project's 'is not valid; expected ...'."""
    if not message.startswith("Input should be "):
        return message
    wanted = message.removeprefix("Input should be ")
    if wanted.startswith("a valid "):
        wanted = wanted.split(", ")[0]  # drop pydantic's ", unable to parse string as a number"
    elif wanted.startswith(("greater", "less")):
        wanted = f"a value {wanted}"
    return f"is not valid; expected {wanted}"


def _validation_problems(exc: ValidationError, origin: dict[str, str], fallback: str,
                         problems: Problems) -> None:
    """One problem per pydantic error, named by the layer (file or --set) that set the key."""
    for error in exc.errors():
        key = ".".join(str(p) for p in error["loc"])
        message = _expected(error["msg"].removeprefix("Value error, "))
        value = error.get("input")
        shown = value if isinstance(value, (str, int, float, bool)) else None
        if error["type"] == "missing":
            message = "is required; expected a value"
        layer = next((origin[k] for k in (key, key.rsplit(".", 1)[0]) if k in origin), fallback)
        problems.error(layer, message, key=key, value=shown)


def load_scenario(path: str | Path, overrides: tuple[str, ...] | list[str] = ()) -> LoadedScenario:
    """The merged, validated scenario, or one ScenarioError listing every problem."""
    path = Path(path)
    problems = Problems()
    layers = _layers(path, problems)
    return _resolve(path, layers, overrides, problems)


def scenario_for_dataset(folder: str | Path, overrides: tuple[str, ...] | list[str] = ()) -> LoadedScenario:
    """Default settings around a bare dataset folder, for a quick check of the data."""
    folder = Path(folder).resolve()
    layer = (f"{folder.name} (default settings)", {"dataset": str(folder)})
    return _resolve(folder, [layer], overrides, Problems())


def _resolve(path: Path, layers: list[tuple[str, dict]], overrides: tuple[str, ...] | list[str],
             problems: Problems) -> LoadedScenario:
    known = _known_keys(Scenario)
    for layer, data in layers:
        _check_keys(data, known, layer, "", problems)
    for item in overrides:
        parsed = _parse_set(item, known, problems)
        if parsed is not None:
            _anchor_paths(parsed, Path.cwd())
            layers.append(("--set", parsed))
    if problems.errors:
        raise ScenarioError(f"scenario {path}", problems.errors)

    merged: dict[str, Any] = {}
    changes: list[Change] = []
    origin: dict[str, str] = {}  # dotted key -> the last layer that set it
    defaults = _flatten(Scenario.model_construct().model_dump(exclude={"dataset"}), known)
    for layer, data in layers:
        before = {**defaults, **_flatten(merged, known)}
        merged = _merge(merged, data)
        for key, new in _flatten(data, known).items():
            origin[key] = layer
            old = before.get(key)
            if old != new:
                changes.append(Change(layer, key, old, new))
    for change in changes:
        log.info("scenario %s", change)
    try:
        scenario = Scenario.model_validate(merged)
    except ValidationError as exc:
        _validation_problems(exc, origin, path.name, problems)
        raise ScenarioError(f"scenario {path}", problems.errors) from None
    dataset = Path(scenario.dataset)
    if not (dataset / "dataset.toml").is_file():
        problems.error(origin.get("dataset", path.name),
                       "is not a dataset folder (no dataset.toml there); the path is "
                                  "relative to the scenario file that names it",
                       key="dataset", value=str(dataset))
        raise ScenarioError(f"scenario {path}", problems.errors)
    return LoadedScenario(scenario, path.resolve(), tuple(changes))
