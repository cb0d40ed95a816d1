"""Writing outputs whole or not at all.

* Each file is written to a temporary file beside its target, then renamed into place (an
  atomic step on one filesystem).
* A run's folder is written whole (:class:`RunFolder`): every file goes into a fresh folder
  beside the target, which is swapped in only when the run is complete. A crash, a Ctrl-C
  or a full disk leaves the previous run's folder exactly as it was, and a folder never
  holds files of two runs.
* Nothing is written over an input (:func:`refuse_inputs`): a target that is an input file,
  or a folder that holds one (the swap would replace it), is refused before any work.

A failure of the disk (full, read-only, no permission) is the user's to fix: it becomes an
:class:`~placeplan.errors.OutputError` (exit 2) naming the path, not an internal error.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import sys
import tempfile
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from .errors import OutputError
from .formulas import inert_frame

#: The disk errors that are the user's to fix, in words.
DISK_ERRORS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EROFS: "the disk is read-only",
    errno.EACCES: "permission is denied",
    errno.EPERM: "the operation is not permitted",
    errno.EFBIG: "the file is too large for the disk",
    errno.ENAMETOOLONG: "the path is too long",
    errno.ENOTDIR: "a file stands where a folder is needed",
    errno.EISDIR: "a folder stands where a file is needed",
    errno.EBUSY: "the folder is in use (a mounted drive, or open in another program)",
    errno.EXDEV: "the folder is on another drive than the folder around it",
}
#: Free space asked for before a run starts, besides what the previous run took.
MIN_FREE_BYTES = 20_000_000


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def disk_error(path: Path, exc: OSError) -> OutputError:
    """An OSError from writing ``path`` in words an officer can act on."""
    what = DISK_ERRORS.get(exc.errno or 0, exc.strerror or str(exc))
    return OutputError(
        f"could not write {path}: {what} ({exc.strerror or exc}); "
        "nothing of this run was kept, and what was there before is unchanged"
    )


@contextmanager
def _disk(path: Path) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        if exc.errno in DISK_ERRORS:
            raise disk_error(path, exc) from exc
        raise


def write_bytes_atomic(path: Path, data: bytes) -> None:
    path = Path(path)
    with _disk(path):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except FileExistsError as exc:  # a file stands where a folder of the path would be
            raise disk_error(path, OSError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(path.parent))) from exc
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            # mkstemp makes the file private (0600); an output should be as readable as any
            # file the user creates.
            os.chmod(temporary, 0o666 & ~_umask())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def write_text_atomic(path: Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def csv_text(frame: pd.DataFrame, *, inert: bool = True) -> str:
    """A table as CSV for people to open: text a spreadsheet would run as a formula is made
    inert (:mod:`placeplan.formulas`). ``inert=False`` only for tables placeplan itself
    reads as input (a dataset the builder writes), whose reader takes every cell as written."""
    return (inert_frame(frame) if inert else frame).to_csv(index=False, lineterminator="\n")


def write_csv_atomic(path: Path, frame: pd.DataFrame, *, inert: bool = True) -> None:
    write_text_atomic(path, csv_text(frame, inert=inert))


# --- never over an input -------------------------------------------------------------------


def refuse_inputs(target: Path, inputs: Iterable[Path], *, whole_folder: bool) -> None:
    """Refuse a ``target`` that is an input, or (when the whole folder is replaced) a folder
    that holds one: before anything is solved or written."""
    target = Path(target).resolve()
    hit = sorted(
        {
            str(p)
            for p in (Path(i).resolve() for i in inputs)
            if (p.is_relative_to(target) if whole_folder else p == target)
        }
    )
    if hit:
        shown = ", ".join(hit[:5]) + (f" and {len(hit) - 5} more" if len(hit) > 5 else "")
        where = "is an input" if not whole_folder or str(target) in hit else "holds inputs of this run"
        raise OutputError(
            f"the output {target} {where} ({shown}); writing there would replace them: "
            "choose an output folder that holds no input (for example one beside the dataset)"
        )


# --- a run's folder, written whole -----------------------------------------------------------

_STAGE = ".placeplan-"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _clear_stale(parent: Path, name: str) -> None:
    """Folders a killed run left beside the target (its process is gone)."""
    for leftover in parent.glob(f".{name}{_STAGE}*"):
        pid = leftover.name.removeprefix(f".{name}{_STAGE}").split(".")[0]
        if pid.isdigit() and not _pid_alive(int(pid)) and leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one atomic step (Linux renameat2 with RENAME_EXCHANGE); False
    where the system or filesystem has no such call."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def file_in_the_way(target: Path) -> Path | None:
    """The file that stands where a folder above ``target`` would have to be made (the
    nearest existing ancestor, when it is not a folder), or None."""
    parent = next((p for p in Path(target).parents if p.exists()), None)
    return parent if parent is not None and not parent.is_dir() else None


def _folder_problems(target: Path, names: Collection[str]) -> list[str]:
    """What stops ``target`` being replaced by a run: a file in its place, or entries
    placeplan does not write (they would be lost)."""
    if not target.exists():
        blocked = file_in_the_way(target)
        return [] if blocked is None else [f"{blocked} is a file, so the folder {target} cannot be made"]
    if not target.is_dir():
        return [f"{target} is a file; expected a folder for the run's outputs"]
    if target.stat().st_dev != target.parent.stat().st_dev:
        # a run is swapped in by renaming, which cannot move a mounted drive's own folder
        return [f"{target} is where a drive is mounted; expected a folder inside it, e.g. {target / 'plan'}"]
    out = []
    for entry in sorted(target.iterdir()):
        if entry.name not in names:
            kind = "folder" if entry.is_dir() else "file"
            out.append(f"{entry} is a {kind} placeplan did not write")
        elif not entry.is_file() or entry.is_symlink():
            out.append(f"{entry} is not a plain file; expected the file placeplan writes there")
    if out:
        out.append("each run replaces the whole folder: move those away, or choose an empty or new folder")
    return out


class RunFolder:
    """One run's folder, staged beside its target and swapped in whole by :meth:`commit`.

    Use as a context manager: leaving it by an exception (an error, Ctrl-C) removes the
    staged folder and leaves the target as it was.
    """

    def __init__(self, target: Path, staging: Path):
        self.target, self.path = target, staging

    @classmethod
    def begin(
        cls, target: str | Path, *, names: Collection[str], inputs: Iterable[Path] = (), keep_existing: bool = False
    ) -> RunFolder:
        """Check ``target`` and make the staging folder now, before any work: a folder that
        cannot be written is found before a long solve, not after. ``names`` are the files a
        run may write there; ``keep_existing`` starts from a copy of the target's files (to
        rebuild some of a solved folder's documents)."""
        target = Path(os.path.abspath(target))
        refuse_inputs(target, inputs, whole_folder=True)
        problems = _folder_problems(target, names)
        if problems:
            raise OutputError(f"cannot write the run into {target}:\n" + "\n".join(f"  - {p}" for p in problems))
        parent = target.parent
        with _disk(target):
            parent.mkdir(parents=True, exist_ok=True)
            _clear_stale(parent, target.name)
            staging = Path(tempfile.mkdtemp(dir=parent, prefix=f".{target.name}{_STAGE}{os.getpid()}."))
            os.chmod(staging, 0o777 & ~_umask())
        folder = cls(target, staging)
        previous = sum(p.stat().st_size for p in target.iterdir()) if target.is_dir() else 0
        free, needed = shutil.disk_usage(parent).free, MIN_FREE_BYTES + 2 * previous
        if free < needed:
            folder.abandon()
            raise OutputError(
                f"cannot write the run into {target}: the disk has {free / 1e6:,.1f} MB free; "
                f"expected at least {needed / 1e6:,.0f} MB"
            )
        if keep_existing and target.is_dir():
            try:
                with _disk(target):
                    for entry in target.iterdir():
                        _link_or_copy(entry, staging / entry.name)
            except BaseException:
                folder.abandon()
                raise
        return folder

    def commit(self) -> None:
        """Swap the staged folder in for the target; the previous run is then removed."""
        with _disk(self.target):
            if not self.target.exists():
                os.rename(self.path, self.target)
                return
            if _exchange(self.path, self.target):
                shutil.rmtree(self.path, ignore_errors=True)  # now the previous run
                return
            old = Path(tempfile.mkdtemp(dir=self.target.parent, prefix=f".{self.target.name}{_STAGE}{os.getpid()}."))
            os.rmdir(old)
            os.rename(self.target, old)
            try:
                os.rename(self.path, self.target)
            except BaseException:
                os.rename(old, self.target)
                raise
            shutil.rmtree(old, ignore_errors=True)

    def abandon(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)

    def __enter__(self) -> RunFolder:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is not None:
            self.abandon()
        elif self.path.exists():
            try:
                self.commit()
            except BaseException:
                self.abandon()
                raise


def _link_or_copy(source: Path, target: Path) -> None:
    """A file of the previous run in the staged folder: a hard link where the filesystem
    allows (no copy; replacing the staged name later leaves the original alone)."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
