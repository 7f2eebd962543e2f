"""`storyloom --help` and every subcommand's help say what each does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import typer
from typer.main import get_command
from typer.testing import CliRunner

from storyloom.cli import app

ROOT = Path(__file__).resolve().parents[1]


def _commands(group, prefix=()):
    for name, cmd in sorted(group.commands.items()):
        path = (*prefix, name)
        yield path, cmd
        if hasattr(cmd, "commands"):
            yield from _commands(cmd, path)


def test_every_command_has_help_that_describes_it():
    root = get_command(app)
    runner = CliRunner()
    seen = []
    for path, cmd in _commands(root):
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert (cmd.help or "").strip(), f"`storyloom {' '.join(path)}` has no help text"
        assert "Usage:" in result.output
        seen.append(" ".join(path))
    for expected in ("crawl", "stories", "serve", "draft", "export", "import", "eval clustering"):
        assert expected in seen


def test_help_runs_as_a_console_command_without_loading_models():
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "storyloom", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0
    assert "storyloom" in out.stdout and "crawl" in out.stdout
    # --help stays instant: no spaCy, torch or FastAPI on the import path.
    imported = {line.split("|")[-1].strip() for line in out.stderr.splitlines()}
    assert not {"spacy", "torch", "fastapi", "sentence_transformers"} & imported


def test_a_typer_app_is_what_the_console_script_runs():
    assert isinstance(app, typer.Typer)
