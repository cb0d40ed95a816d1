"""The command line: a thin shell over the pipeline.

Exit codes: 0 success; 2 invalid input or scenario; 1 unexpected internal error.
Without --debug nobody sees a traceback.
"""

from __future__ import annotations

import logging
import sys
import time
import traceback

import click

from . import __version__
from .errors import InputError, PlacePlanError

log = logging.getLogger("placeplan")



class Context:
    def __init__(self, debug: bool, quiet: bool):
        self.debug = debug
        self.quiet = quiet


def _configure_logging(debug: bool, quiet: bool) -> None:
    level = logging.DEBUG if debug else logging.WARNING if quiet else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    root = logging.getLogger("placeplan")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="placeplan")
@click.option("--debug", is_flag=True, help="Show full tracebacks and debug logging.")
@click.option("--quiet", "-q", is_flag=True, help="Only print results and problems.")
@click.pass_context
def cli(ctx: click.Context, debug: bool, quiet: bool) -> None:
    """Plan specialist school places for children with SEND.

    \b
    Example:
      placeplan validate scenarios/kingston-richmond.toml
    """
    _configure_logging(debug, quiet)
    ctx.obj = Context(debug, quiet)


COMMANDS = ("validate", "travel", "project", "solve", "map", "report", "backtest", "data", "schema")


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
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return 2
    except InputError as exc:
        if debug:
            traceback.print_exc()
        for warning in exc.warnings:
            click.echo(f"warning: {warning}", err=True)
        click.echo(exc.report(), err=True)
        return exc.exit_code
    except PlacePlanError as exc:
        if debug:
            raise
        click.echo(f"error: {exc}", err=True)
        return exc.exit_code
    except Exception as exc:  # the last line of defence: never a traceback without --debug
        if debug:
            raise
        click.echo(f"internal error: {type(exc).__name__}: {exc}\n"
                   "This is a bug in placeplan. Run again with --debug for the traceback and "
                   "report it.", err=True)
        return 1
    log.debug("finished in %.1f s", time.perf_counter() - start)
    return 0


def run() -> None:
    sys.exit(main())
