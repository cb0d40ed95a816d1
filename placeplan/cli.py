"""The command line: a thin shell over the pipeline.

Exit codes: 0 success; 2 invalid input or scenario, or an output that cannot be written
(a folder holding inputs, a full or read-only disk); 3 no plan (placeplan solve); 1 an
unexpected internal error (a bug); 130 interrupted (Ctrl-C), with earlier outputs as they
were. Without --debug nobody sees a traceback.
"""

from __future__ import annotations

import logging
import sys
import time
import traceback

import click

from . import __version__
from .errors import (
    BacktestError,
    InfeasibleError,
    InputError,
    Interrupted,
    OpenDataError,
    OutputError,
    PlacePlanError,
    ProblemError,
    ProjectionError,
    SolverError,
    SweepError,
    printable,
)
from .outputs_io import DISK_ERRORS

#: Each error's exit code and what it tells whoever runs placeplan: the first row whose class
#: the error is an instance of decides, so a subclass comes before its parent. 0 is success.
EXIT_CODES: tuple[tuple[type[BaseException], int, str], ...] = (
    (Interrupted, 130, "stopped (Ctrl-C): nothing new was written"),
    (InfeasibleError, 3, "the rules admit no plan (the shortfalls are listed), or none was found in the time"),
    (InputError, 2, "an input file, the scenario or an option is wrong: every problem is listed"),
    (OutputError, 2, "an output cannot be written there: the folder or the disk refuses"),
    (ProjectionError, 2, "the projection cannot run as the scenario asks"),
    (BacktestError, 2, "the backtest cannot run as asked"),
    (OpenDataError, 2, "the open-data folder lacks a file or a column the builder needs"),
    (SolverError, 2, "the solver refused the model or failed"),
    (SweepError, 2, "the Dask scheduler asked for could not be reached"),
    (ProblemError, 2, "the arrays given to the optimiser core are inconsistent"),
    (PlacePlanError, 1, "a bug in placeplan"),
    (BaseException, 1, "a bug in placeplan"),
)


def exit_code(error: BaseException) -> int:
    """The exit code for ``error``, from :data:`EXIT_CODES`."""
    return next(code for kind, code, _ in EXIT_CODES if isinstance(error, kind))


log = logging.getLogger("placeplan")


class Context:
    def __init__(self, debug: bool, quiet: bool):
        self.debug = debug
        self.quiet = quiet


#: The solver's own steps (model sizes, LP bounds, the dive, each re-solve): printed with
#: --verbose; by default only their warnings, so a run reads as its stages and results.
SOLVER_STEPS = "placeplan.optimise"


def _stages_only(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.WARNING or not record.name.startswith(SOLVER_STEPS)


def _configure_logging(debug: bool, quiet: bool, verbose: bool = False) -> None:
    level = logging.DEBUG if debug else logging.WARNING if quiet else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    if not (verbose or debug):
        handler.addFilter(_stages_only)
    root = logging.getLogger("placeplan")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="placeplan")
@click.option("--debug", is_flag=True, help="Show full tracebacks and debug logging.")
@click.option("--quiet", "-q", is_flag=True, help="Only print results and problems.")
@click.option(
    "--verbose",
    "-v",
    is_flag=True,
    help="Also print the solver's own steps: model sizes, LP bounds, the dive, each re-solve.",
)
@click.pass_context
def cli(ctx: click.Context, debug: bool, quiet: bool, verbose: bool) -> None:
    """Plan specialist school places for children with SEND.

    \b
    Example:
      placeplan validate scenarios/kingston-richmond.toml
    """
    _configure_logging(debug, quiet, verbose)
    ctx.obj = Context(debug, quiet)


COMMANDS = ("validate", "travel", "project", "solve", "sweep", "map", "report", "compare", "backtest", "data", "schema")


def _register() -> None:
    import importlib

    for name in COMMANDS:
        module = importlib.import_module(f".commands.{name}", __package__)
        cli.add_command(getattr(module, name))


_register()


def main(argv: list[str] | None = None) -> int:
    """Entry point: turn placeplan's errors into messages and exit codes."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    start = time.perf_counter()
    try:
        cli.main(args=argv, prog_name="placeplan", standalone_mode=False)
    except (click.exceptions.Abort, KeyboardInterrupt):
        # click turns Ctrl-C into Abort; every output folder was staged, so nothing changed
        click.echo("interrupted: nothing new was written; earlier outputs are as they were", err=True)
        return exit_code(Interrupted())
    except click.ClickException as exc:
        exc.show()
        return 2
    except InputError as exc:
        if debug:
            traceback.print_exc()
        for warning in exc.warnings:
            click.echo(f"warning: {warning}", err=True)
        click.echo(_lines(exc.report()), err=True)
        return exit_code(exc)
    except PlacePlanError as exc:
        if debug:
            raise
        click.echo(f"error: {_lines(str(exc))}", err=True)
        return exit_code(exc)
    except OSError as exc:
        if debug:
            raise
        if exc.errno not in DISK_ERRORS:
            return _internal(exc)
        # a disk that refuses (full, read-only) is the user's to fix, wherever it happened
        click.echo(
            f"error: {printable(str(exc.filename or 'a file'))}: {DISK_ERRORS[exc.errno]} "
            f"({exc.strerror}); earlier outputs are as they were",
            err=True,
        )
        return exit_code(OutputError())
    except Exception as exc:  # the last line of defence: never a traceback without --debug
        if debug:
            raise
        return _internal(exc)
    log.debug("finished in %.1f s", time.perf_counter() - start)
    return 0


def _lines(text: str) -> str:
    """A message of several lines, each safe to print (see errors.printable)."""
    return "\n".join(printable(line) for line in text.split("\n"))


def _internal(exc: BaseException) -> int:
    click.echo(
        f"internal error: {type(exc).__name__}: {printable(str(exc))}\n"
        "This is a bug in placeplan. Run again with --debug for the traceback and "
        "report it.",
        err=True,
    )
    return 1


def run() -> None:
    sys.exit(main())
