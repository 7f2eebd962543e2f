"""One real store for the draft tests: benchmark pages and UCI titles imported with
`storyloom import`, analysed by spaCy, embedded by MiniLM, clustered, then grouped into
their known stories the way an editor would (clustering.editor.move_article), and drafted.

Built once per session: the models load once and every test reads the same drafts. One
article of two stories is held back for the living-draft tests to bring in later.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from clustering.editor import move_article, split_articles
from core.config import Config, load_config
from store.schema import articles
from tests.drafts.corpus import benchmark_rows, uci_rows, write_jsonl

ROOT = Path(__file__).resolve().parents[2]
# Held back from the first import: (story, outlet).
HELD_BACK = {("feather-duvet-lung", "Live Science"), ("colorado-marijuana-tax", "FITSNews")}


@dataclass
class Built:
    engine: Engine
    config: Config
    config_path: Path
    rows: list[dict]
    held_back: list[dict]
    story_ids: dict[str, int] = field(default_factory=dict)
    article_ids: dict[str, int] = field(default_factory=dict)  # url -> id


def storyloom(config_path: Path, *args: str) -> subprocess.CompletedProcess:
    """Run the real CLI in a fresh process, from the repo root, as an operator would."""
    return subprocess.run(
        [sys.executable, "-m", "storyloom", "--config", str(config_path), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**_env(), "STORYLOOM_CONFIG": str(config_path)},
    )


def _env() -> dict[str, str]:
    import os

    return {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}


CONFIG = """
[storage]
url = "sqlite:///{db}"

[nlp]
n_process = 1

[[sources]]
name = "Live Science"
url = "https://www.livescience.com/feeds/all"
country = "US"
default_lens = "technology"

[[sources]]
name = "The Sun"
url = "https://www.thesun.co.uk/feed/"
country = "GB"
default_lens = "society"

[[sources]]
name = "Lagos Ledger"
url = "https://lagosledger.example.ng/feed"
country = "NG"
"""


def import_rows(built: Built, rows: list[dict], name: str) -> None:
    """`storyloom import` the rows, run the pipeline, and put each row in its story."""
    from storyloom.runner import process

    path = write_jsonl(rows, built.config_path.parent / name)
    done = storyloom(built.config_path, "import", str(path))
    assert done.returncode == 0, done.stderr
    assert f"imported {len(rows)} new" in done.stdout, done.stdout
    process(built.engine, built.config)
    with built.engine.connect() as conn:
        ids = dict(conn.execute(select(articles.c.url, articles.c.id)).all())
    built.article_ids.update(ids)
    groups: dict[str, list[int]] = {}
    for r in rows:
        groups.setdefault(r["story"], []).append(ids[r["url"]])
    for story, members in groups.items():
        if story in built.story_ids:
            for aid in members:
                move_article(built.engine, aid, built.story_ids[story], None, built.config)
        else:  # whatever the clusterer made of them, an editor puts the story together
            built.story_ids[story] = split_articles(built.engine, members, None, built.config)
    from drafts.stage import run_drafts

    run_drafts(built.engine, built.config)


@pytest.fixture(scope="session")
def built(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Built:
    tmp = tmp_path_factory.mktemp("drafts")
    cfg = tmp / "config.toml"
    cfg.write_text(CONFIG.format(db=tmp / "storyloom.db"), encoding="utf-8")
    config = load_config(cfg)
    init = storyloom(cfg, "init")
    assert init.returncode == 0, init.stderr
    from store.db import open_store

    engine = open_store(config.storage.url)
    rows = benchmark_rows(shared_dir) + uci_rows(shared_dir, per_story=8)
    first = [r for r in rows if (r["story"], r["source"]) not in HELD_BACK]
    held = [r for r in rows if (r["story"], r["source"]) in HELD_BACK]
    b = Built(engine, config, cfg, first, held)
    import_rows(b, first, "first.jsonl")
    return b


@pytest.fixture(scope="session")
def encode(built: Built):
    """The encoder the drafts stage used (the clustering MiniLM, already loaded)."""
    from drafts.stage import encoder_for

    return encoder_for(built.config)
