"""The `twascli` command line: a thin Typer layer over the core, one subcommand per FUSION script."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterator, MutableMapping
from typing import Any, Callable

# Per-gene matrices are small: one BLAS thread per process is fastest and avoids oversubscription
# when users run one job per core (parallel work uses processes; see --threads where offered).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import typer  # noqa: E402
from typer.core import TyperGroup  # noqa: E402

from twascli.errors import TwasError  # noqa: E402

# Each subcommand lives in twascli/commands/<module>.py as a function of the same name plus a
# HELP string; command modules import their heavy dependencies inside the function.
COMMANDS = [
    ("assoc-test", "assoc_test"),
    ("compute-weights", "compute_weights"),
    ("post-process", "post_process"),
    ("profile-weights", "profile_weights"),
    ("make-score", "make_score"),
    ("compare-models", "compare_models"),
    ("hub", "hub"),
    ("munge", "munge"),
    ("export-weights", "export_weights"),
]


def _command_function(name: str) -> tuple[Callable, str]:
    """The function and HELP string of subcommand NAME (importing its module)."""
    module = dict(COMMANDS)[name]
    mod = importlib.import_module(f"twascli.commands.{module}")
    return getattr(mod, module), mod.HELP


def _build_command(name: str) -> Any:
    """Subcommand NAME as the click command Typer builds for app.command(NAME, help=HELP)."""
    func, help_text = _command_function(name)
    scratch = typer.Typer()
    scratch.command(name, help=help_text)(func)
    return typer.main.get_command_from_info(scratch.registered_commands[0], pretty_exceptions_short=app.pretty_exceptions_short,
                                            rich_markup_mode=app.rich_markup_mode)


class _LazyCommands(MutableMapping):
    """The group's name -> command table with each command built on first use: a run imports and
    converts only its own subcommand (~0.1 s less start-up); --help and suggestions see them all."""

    def __init__(self, names: list[str]):
        self._names = list(names)
        self._built: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._names:
            raise KeyError(name)
        if name not in self._built:
            self._built[name] = _build_command(name)
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        if name not in self._names:
            self._names.append(name)
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        self._names.remove(name)
        self._built.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._names))

    def __len__(self) -> int:
        return len(self._names)


class _LazyGroup(TyperGroup):
    """twascli's command group: Typer's group with the subcommands of COMMANDS built lazily."""

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.commands = _LazyCommands([name for name, _ in COMMANDS])


app = typer.Typer(
    cls=_LazyGroup,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="FUSION (TWAS) re-implemented in Python: same flags, same files, same numbers.",
)



def _print_version(value: bool) -> None:
    """--version: print the version and stop before any subcommand is looked for (exit 0)."""
    if value:
        from twascli import __version__

        print(f"twascli {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", is_eager=True, expose_value=False,
                                 callback=_print_version, help="Print the twascli version and exit."),
) -> None:
    """FUSION (TWAS) re-implemented in Python: same flags, same files, same numbers."""


def _r_numbers(argv: list[str]) -> list[str]:
    """The subcommand's numeric option values in R notation (200e3) made plain (twascli.numflags)."""
    from twascli.numflags import normalize_argv

    for i, tok in enumerate(argv):
        if tok in dict(COMMANDS):
            return argv[: i + 1] + normalize_argv(argv[i + 1:], _command_function(tok)[0])
    return argv


def run(argv: list[str]) -> int:
    """Run the CLI on ARGV and return the exit code (user errors: one line on stderr, exit 1)."""
    try:
        argv = _r_numbers(argv)
        rc = app(args=argv, prog_name="twascli", standalone_mode=False)
    except TwasError as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 1
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        print("Aborted.", file=sys.stderr)
        return 1
    except SystemExit as exc:  # raised by click for --help and usage errors
        return exc.code if isinstance(exc.code, int) else 1
    except Exception as exc:  # usage errors: (Typer's vendored) click's ClickException
        if hasattr(exc, "show") and isinstance(getattr(exc, "exit_code", None), int):
            exc.show()
            return exc.exit_code
        raise
    return rc if isinstance(rc, int) else 0


def main() -> None:
    """Console-script entry point."""
    sys.exit(run(sys.argv[1:]))
