"""The ``shiftcast`` command: one Typer app, one module per subcommand.

Subcommands parse their options, call the library, and write one output folder with
:func:`core.output.write_folder`. Bad input (an :class:`~core.errors.InputError`
or a usage error) becomes one line on stderr and exit code 2; nothing is written.
"""

from __future__ import annotations

import sys

import typer
from typer.exceptions import Abort, TyperException

from shiftcast.cli import advise, backtest, calibrate, erlang, forecast, intraday, plan, review, roster, staff
from core.errors import InputError

__all__ = ["app", "main"]

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Forecast contacts, staff them with Erlang C/A, and roster the cheapest shifts.",
)
app.command("erlang")(erlang.command)
app.command("staff")(staff.command)
app.command("forecast")(forecast.command)
app.command("backtest")(backtest.command)
app.command("roster")(roster.command)
app.command("plan")(plan.command)
app.command("advise")(advise.command)
app.command("review")(review.command)
app.command("calibrate")(calibrate.command)
app.command("intraday")(intraday.command)


def _fail(message: str) -> None:
    print(f"shiftcast: error: {message}", file=sys.stderr)
    sys.exit(2)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; exit 2 with one line on stderr for bad input."""
    try:
        code = app(args=argv, standalone_mode=False, prog_name="shiftcast")
    except InputError as error:
        _fail(str(error))
    except TyperException as error:  # usage errors from Typer's bundled click
        if type(error).__name__ == "NoArgsIsHelpError":
            print(error.format_message())
            sys.exit(0)
        _fail(" ".join(error.format_message().split()))
    except Abort:
        print("shiftcast: aborted", file=sys.stderr)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
