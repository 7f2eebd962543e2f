"""At start, storyloom checks that its top-level packages are its own folders."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from storyloom.packages import PACKAGES, foreign_packages


def test_every_package_resolves_to_this_checkout() -> None:
    assert foreign_packages() == []
    assert {"core", "store", "models", "review"} <= set(PACKAGES)


def test_a_shadowing_package_stops_storyloom_with_a_clear_message(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "__init__.py").write_text("")  # another project's `models`
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    res = subprocess.run(
        [sys.executable, "-c", "import storyloom.cli"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode != 0
    assert "ForeignPackageError" in res.stderr
    assert f"models -> {tmp_path / 'models' / '__init__.py'}" in res.stderr
    assert "own virtual environment" in res.stderr
