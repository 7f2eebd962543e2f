"""Every setting `storyloom config --settings` lists is documented and reaches its code.

Datasette's tests/test_docs.py fails when a setting is undocumented; this goes one step on:
a setting must also be read by name somewhere outside the schema (else it is a knob that
turns nothing), and no stage may build its settings afresh from the defaults (`XSettings()`,
`settings or XSettings()`, `settings: XSettings | None = None`), the way the [crawler]
extract_* keys and the [clustering] model used to be lost. The behaviour of the settings
that were lost is pinned in tests/ingest/test_settings_reach.py (extract_*, lang_*) and
tests/review/test_editor_model.py ([clustering] model in editor operations).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clustering.consolidate import PAIR_FEATURES, pair_score
from clustering.score import FEATURES, weights
from core.config import Config, iter_settings
from core.settings_base import Section
from storyloom.cli import app

ROOT = Path(__file__).resolve().parent.parent
CODE = ["storyloom", "ingest", "nlp", "clustering", "drafts", "models", "store", "review"]


def _section_names() -> set[str]:
    """Every settings class: Config, SourceSettings and each section schema under core/."""
    out, todo = set(), [Section]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub.__module__.startswith("core."):
                out.add(sub.__name__)
                todo.append(sub)
    return out


def _trees() -> list[tuple[Path, ast.AST]]:
    files = [f for pkg in CODE for f in (ROOT / pkg).rglob("*.py") if "migrations" not in f.parts]
    # core's own helpers read settings too (core/logs.py reads [logging]); its schemas do not count
    files += [f for f in (ROOT / "core").glob("*.py") if f.name not in ("config.py",)]
    return [(f, ast.parse(f.read_text(encoding="utf-8"))) for f in files]


def _names_read() -> set[str]:
    """Attribute names read anywhere in the stages and the top (`cfg.threshold` -> threshold)."""
    return {n.attr for _, t in _trees() for n in ast.walk(t) if isinstance(n, ast.Attribute)}


def _listed() -> list[tuple[str, str]]:
    res = CliRunner().invoke(
        app, ["--config", "/dev/null", "config", "--settings"], env={"COLUMNS": "10000"}
    )
    assert res.exit_code == 0, res.output
    rows = []
    for line in res.output.splitlines():
        key, _, help_ = line.partition("  ")
        rows.append((key.strip(), help_.strip()))
    return rows


def test_the_cli_lists_every_setting_with_its_help() -> None:
    listed = _listed()
    assert [k for k, _ in listed] == [k for k, _ in iter_settings()]
    undocumented = [k for k, h in listed if not h]
    assert undocumented == [], "give these settings a description (help line)"


def test_every_setting_is_read_by_name_outside_its_schema() -> None:
    read = _names_read()
    unread = []
    for key, _ in iter_settings():
        name = key.rsplit(".", 1)[-1]
        if name in read:
            continue
        if key.startswith("clustering.w_") and name.removeprefix("w_") in FEATURES:
            continue  # read through clustering.score.weights, checked below
        if key.startswith("clustering.merge_w_") and name.removeprefix("merge_w_") in PAIR_FEATURES:
            continue  # read through clustering.consolidate.pair_score, checked below
        unread.append(key)
    assert unread == [], "these settings are read nowhere: wire them or remove them"


@pytest.mark.parametrize("feature", FEATURES)
def test_each_score_weight_setting_moves_the_score(feature: str) -> None:
    base = Config().clustering
    bumped = base.model_copy(update={f"w_{feature}": getattr(base, f"w_{feature}") + 1.0})
    assert weights(bumped)[feature] == weights(base)[feature] + 1.0


@pytest.mark.parametrize("feature", PAIR_FEATURES)
def test_each_merge_weight_setting_moves_the_pair_score(feature: str) -> None:
    base = Config().clustering
    bumped = base.model_copy(update={f"merge_w_{feature}": getattr(base, f"merge_w_{feature}") + 1})
    feats = {k: float(k == feature) for k in PAIR_FEATURES}
    assert pair_score(feats, bumped) == pytest.approx(pair_score(feats, base) + 1.0)


def _annotation_names(node: ast.expr | None) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} if node else set()


def test_no_stage_falls_back_to_fresh_default_settings() -> None:
    """Settings come from the loaded Config, passed down; a default built on the spot hides
    a caller that forgot to pass them (and ignores config.toml and the environment)."""
    sections = _section_names()
    assert {"Config", "CrawlerSettings", "ClusteringSettings", "NlpSettings"} <= sections
    found = []
    for path, tree in _trees():
        where = path.relative_to(ROOT)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in sections
                and not node.args
                and not node.keywords
            ):
                found.append(f"{where}:{node.lineno}: {node.func.id}() built from defaults")
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                args = node.args
                pos = args.posonlyargs + args.args
                pairs = list(zip(pos[len(pos) - len(args.defaults) :], args.defaults, strict=True))
                pairs += [
                    (a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d
                ]
                for arg, default in pairs:
                    optional = isinstance(default, ast.Constant) and default.value is None
                    if optional and _annotation_names(arg.annotation) & sections:
                        found.append(f"{where}:{node.lineno}: {node.name}({arg.arg}=None)")
    assert found == []
