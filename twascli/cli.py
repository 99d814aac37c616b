"""The `twascli` command line: a thin Typer layer over the core, one subcommand per FUSION script."""

from __future__ import annotations

import os
import sys

# Per-gene matrices are small: one BLAS thread per process is fastest and avoids oversubscription
# when users run one job per core (parallel work uses processes; see --threads where offered).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import typer  # noqa: E402

from twascli.errors import TwasError  # noqa: E402

app = typer.Typer(
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


_REGISTERED: set[str] = set()


def _register(names: list[str] | None = None) -> None:
    """Add subcommands to the app: only the one being run (importing every command module and
    resolving all their options costs ~0.1 s per call), or all of them, in order, for help."""
    import importlib

    modules = dict(COMMANDS)
    if names is None:
        if len(_REGISTERED) == len(COMMANDS):
            return
        app.registered_commands.clear()
        _REGISTERED.clear()
        names = list(modules)
    for name in names:
        if name not in _REGISTERED:
            mod = importlib.import_module(f"twascli.commands.{modules[name]}")
            app.command(name, help=mod.HELP)(getattr(mod, modules[name]))
            _REGISTERED.add(name)


def _r_numbers(argv: list[str]) -> list[str]:
    """The subcommand's numeric option values in R notation (200e3) made plain (twascli.numflags)."""
    import importlib

    from twascli.numflags import normalize_argv

    modules = dict(COMMANDS)
    for i, tok in enumerate(argv):
        if tok in modules:
            func = getattr(importlib.import_module(f"twascli.commands.{modules[tok]}"), modules[tok])
            return argv[: i + 1] + normalize_argv(argv[i + 1:], func)
    return argv


def run(argv: list[str]) -> int:
    """Run the CLI on ARGV and return the exit code (user errors: one line on stderr, exit 1)."""
    try:
        sub = next((tok for tok in argv if tok in dict(COMMANDS)), None)
        _register([sub] if sub else None)
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
