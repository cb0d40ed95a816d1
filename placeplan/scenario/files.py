"""Reading one scenario file: a regular file of at most 1 MB, in UTF-8, valid TOML, nested
no deeper than a scenario's settings go.

Anything else is refused with what the file looks like, before it is read: a device such as
``/dev/zero``, a FIFO or ``/dev/stdin`` would otherwise be read until the machine runs out
of memory (or wait forever), and a file saved by Excel or Notepad in Windows-1252 or UTF-16
would fail with a decoding error that does not say how to fix it.
"""

from __future__ import annotations

import codecs
import os
import stat
import tomllib
from pathlib import Path
from typing import Any

from ..errors import BadText, Unreadable

#: Largest scenario file read: 1 MB. A scenario is a few hundred bytes of settings; the
#: largest a council could write (every option id excluded, every need costed) is tens of
#: kilobytes.
MAX_SCENARIO_BYTES = 1_000_000
#: Deepest nesting of keys and lists a scenario may have: demand.cohort.join.ASD is 4, and
#: rules.exclude = [...] is 3; deeper structures are never settings (and Python's own
#: recursion limit would stop them far less clearly).
MAX_NESTING = 6


_KINDS = (
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str:
    return next((text for test, text in _KINDS if test(mode)), "not a regular file")


def _size(count: int) -> str:
    return f"{count / 1_000_000:,.1f}".removesuffix(".0") + " MB" if count >= 100_000 else f"{count:,} bytes"


def read_bytes(path: Path, *, folder_hint: str) -> bytes:
    """The bytes of a regular file of at most MAX_SCENARIO_BYTES; else :class:`Unreadable`."""
    expected = "expected a scenario TOML file"
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise Unreadable(f"does not exist; {expected}") from None
    except PermissionError:
        raise Unreadable(f"cannot be read (permission denied); {expected}") from None
    except (OSError, ValueError) as exc:  # a symlink loop, a name too long, a NUL in the name
        raise Unreadable(f"cannot be read ({getattr(exc, 'strerror', None) or exc}); {expected}") from None
    if stat.S_ISDIR(info.st_mode):
        raise Unreadable(folder_hint)
    limit = f"{expected} of at most {_size(MAX_SCENARIO_BYTES)}"
    if not stat.S_ISREG(info.st_mode):
        raise Unreadable(f"is {_kind(info.st_mode)}, not a regular file; {expected}")
    if info.st_size > MAX_SCENARIO_BYTES:
        raise Unreadable(f"is {_size(info.st_size)}; {limit}")
    # Opened without blocking and checked again: the path may have been swapped for a FIFO.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        handle = os.fdopen(os.open(path, flags), "rb")
    except OSError as exc:
        raise Unreadable(f"cannot be read ({exc.strerror}); {expected}") from None
    with handle:
        mode = os.fstat(handle.fileno()).st_mode
        if not stat.S_ISREG(mode):
            raise Unreadable(f"is {_kind(mode)}, not a regular file; {expected}")
        data = handle.read(MAX_SCENARIO_BYTES + 1)
    if len(data) > MAX_SCENARIO_BYTES:
        raise Unreadable(f"is more than {_size(MAX_SCENARIO_BYTES)}; {limit}")
    return data


_SAVE = "expected UTF-8: save it again as UTF-8 (in most editors, 'Save as' and choose UTF-8)"
_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def _where(data: bytes, offset: int) -> str:
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"


def decode(data: bytes) -> str:
    """UTF-8 text (a UTF-8 byte-order mark is dropped); else :class:`BadText` saying which
    encoding the bytes look like."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            raise BadText(f"is saved as {name} (it starts with a {name} byte-order mark); {_SAVE}")
    data = data.removeprefix(codecs.BOM_UTF8)
    if b"\x00" in data:
        sample = data[:4000]
        odd, even = sample[1::2].count(0), sample[0::2].count(0)
        if max(odd, even) > len(sample) // 4 and min(odd, even) == 0:
            order = "little-endian" if odd else "big-endian"
            raise BadText(f"looks like UTF-16 ({order}, without a byte-order mark); {_SAVE}")
        raise BadText(
            f"contains NUL bytes (the first at {_where(data, data.index(0))}): it looks like "
            "a binary file; expected a scenario TOML file in UTF-8"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        byte = data[exc.start]
        where = f"byte 0x{byte:02X} at {_where(data, exc.start)}"
        try:
            data.decode("cp1252")
        except UnicodeDecodeError:
            raise BadText(f"is not UTF-8 text ({where} is not UTF-8); {_SAVE}") from None
        char = bytes([byte]).decode("cp1252")
        raise BadText(
            f"is not UTF-8 text: it looks like Windows-1252, as Excel and older Windows "
            f"editors save it ({where} is {char!r} there); {_SAVE}"
        ) from None


def too_deep(data: Any, limit: int = MAX_NESTING) -> str | None:
    """The dotted key where ``data`` nests more than ``limit`` tables or lists deep, or None.
    Walked without recursion, so no depth can overflow Python's stack."""
    stack: list[tuple[Any, tuple[str, ...]]] = [(data, ())]
    while stack:
        node, keys = stack.pop()
        if len(keys) > limit:
            return ".".join(keys[: limit + 1])
        if isinstance(node, dict):
            stack.extend((value, (*keys, str(key))) for key, value in node.items())
        elif isinstance(node, list):
            stack.extend((value, (*keys, f"[{i}]")) for i, value in enumerate(node))
    return None


def parse(text: str) -> dict[str, Any]:
    """TOML text as a dict; else :class:`BadText`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BadText(f"is not valid TOML: {exc}") from None
    except RecursionError:
        raise BadText(
            f"is not valid TOML for a scenario: it nests lists or tables hundreds of levels "
            f"deep; expected settings at most {MAX_NESTING} levels deep"
        ) from None
    deep = too_deep(data)
    if deep is not None:
        raise BadText(
            f"nests keys or lists more than {MAX_NESTING} levels deep (at {deep}); expected "
            f"settings at most {MAX_NESTING} levels deep, such as demand.cohort.join.ASD"
        )
    return data


def read_toml(path: Path, *, folder_hint: str) -> dict[str, Any]:
    """A scenario file's settings. :class:`Unreadable` says what the path is; :class:`BadText`
    what is wrong with its text."""
    return parse(decode(read_bytes(path, folder_hint=folder_hint)))
