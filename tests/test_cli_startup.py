"""The CLI builds subcommands lazily: a run imports only its own command module; --help, --version,
dash/underscore spellings and typo suggestions work as with eager registration."""

from __future__ import annotations

import subprocess
import sys

from twascli.cli import COMMANDS, run


def _python(code: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)


def test_version_imports_no_command_module():
    code = ("import sys; from twascli.cli import run; rc = run(['--version']); "
            "print(rc, sorted(m for m in sys.modules if m.startswith('twascli.commands.')), 'numpy' in sys.modules)")
    out = _python(code)
    assert out.stdout.splitlines() == ["twascli 0.1.0", "0 [] False"]


def test_a_run_imports_only_its_own_command():
    code = ("import sys; from twascli.cli import run; rc = run(['munge', '--help']); "
            "print(sorted(m for m in sys.modules if m.startswith('twascli.commands.')), file=sys.stderr)")
    out = _python(code)
    assert out.returncode == 0 and "Usage: twascli munge" in out.stdout.replace("\u2500", "")
    assert out.stderr.strip().splitlines()[-1] == "['twascli.commands.munge']"


def test_root_help_lists_every_command_in_order(capsys):
    assert run(["--help"]) == 0
    text = capsys.readouterr().out
    at = [text.index(f" {name} ") for name, _ in COMMANDS]
    assert at == sorted(at)


def test_typo_suggests_the_command(capsys):
    assert run(["post-proces", "--x"]) == 2
    assert "Did you mean 'post-process'?" in capsys.readouterr().err


def test_r_numbers_and_dash_spellings_reach_the_command(tmp_path, capsys):
    """--locus-win 1e5 (dash spelling, R notation) is parsed by the lazily built post-process."""
    rc = run(["post-process", "--input", str(tmp_path / "missing.top"), "--out", str(tmp_path / "o"),
              "--ref-ld-chr", str(tmp_path / "REF."), "--chr", "22", "--locus-win", "1e5"])
    assert rc == 1 and "missing.top" in capsys.readouterr().err
