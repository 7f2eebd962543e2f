"""storyloom's packages are top-level (`core`, `store`, `models`, `review`, ...) by design;
check at start that each of those names is storyloom's own folder.

Names like `models` and `review` are common: installed beside another project's package of
the same name (or run from a folder that has one), Python would import that one, and the
failure would surface far away as an obscure ImportError or AttributeError. storyloom
installs into its own virtual environment (README); this says so, clearly, at start.
Standard library only: nothing of ours can be trusted to import before this passes.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

PACKAGES = ("core", "store", "ingest", "nlp", "clustering", "drafts", "models", "review")
ROOT = Path(__file__).resolve().parent.parent  # the folder that holds storyloom/ itself


class ForeignPackageError(ImportError):
    """A top-level name storyloom uses resolves to another project's package."""


def foreign_packages(root: Path = ROOT, names: tuple[str, ...] = PACKAGES) -> list[str]:
    """'name -> where it resolves' for each of `names` that is not `root`/name."""
    bad = []
    for name in names:
        spec = importlib.util.find_spec(name)
        where = spec.origin if spec and spec.origin else None
        if where is None and spec and spec.submodule_search_locations:
            where = next(iter(spec.submodule_search_locations), None)
        if where is None or Path(where).resolve().parent != (root / name).resolve():
            bad.append(f"{name} -> {where or 'not found'}")
    return bad


def check_own_packages(root: Path = ROOT) -> None:
    """Raise ForeignPackageError naming each shadowed package and what to do."""
    bad = foreign_packages(root)
    if bad:
        raise ForeignPackageError(
            f"storyloom's packages must come from {root}, but: {'; '.join(bad)}. "
            "Install storyloom into its own virtual environment (python -m venv .venv && "
            ".venv/bin/pip install -e .) and run it from there, not beside another project "
            "with packages of the same names."
        )
