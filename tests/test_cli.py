"""The command line as a user meets it: --help reads well, --version, every command documented."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from pricewatch import __version__
from pricewatch.cli import COMMANDS

README = Path(__file__).parent.parent / "README.md"


def test_help_lists_every_command_with_its_summary(run_cli):
    result = run_cli("--help")
    assert result.exit_code == 0
    for name, (_, summary) in COMMANDS.items():
        assert re.search(rf"^\s+{re.escape(name)}\s", result.output, re.M), name
        assert summary.split()[0] in result.output


def test_version(run_cli):
    result = run_cli("--version")
    assert result.exit_code == 0 and __version__ in result.output


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_command_has_help(run_cli, name):
    result = run_cli(name, "--help")
    assert result.exit_code == 0, result.output
    assert f"Usage: cli {name}" in result.output or f"Usage: pricewatch {name}" in result.output
    assert len(result.output.splitlines()) > 3


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_command_is_documented_in_the_readme_or_docs(name):
    docs = README.read_text(encoding="utf-8") + "".join(
        p.read_text(encoding="utf-8") for p in (README.parent / "docs").glob("*.md"))
    assert f"pricewatch {name}" in docs, f"`pricewatch {name}` is not mentioned in README.md or docs/"


def test_console_script_runs_as_a_process(workdir):
    result = subprocess.run([sys.executable, "-m", "pricewatch", "--help"], capture_output=True, text=True, cwd=workdir)
    assert result.returncode == 0 and "Commands:" in result.stdout


def test_domain_error_is_one_line_and_exit_1(run_cli, workdir):
    result = run_cli("ingest", str(workdir / "missing.csv"))
    assert result.exit_code == 1
    assert [line for line in result.output.splitlines() if line.startswith("error:")] == [
        f"error: {workdir / 'missing.csv'}: no such file"]
