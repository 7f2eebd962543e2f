"""kill -9 of a worker in the middle of each stage, on PostgreSQL: the next worker finishes
the work, and nothing is lost or done twice."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from clustering.stage import embedding_models
from core.config import load_config
from store.claims import held
from store.db import make_engine
from store.schema import analyses, articles, draft_versions, embeddings, stories, story_members
from store.stories import PLACED, read_counter
from tests.workers.procs import (
    consistency,
    count,
    kill,
    run,
    start,
    uci_jsonl,
    wait_for,
    write_config,
)

HEADLINES = 240
# Small NLP batches and short leases: each stage is caught half-way (the cluster stage
# commits article by article anyway), and a killed worker's claims come back in two seconds.
WORKERS = "lease_s = {nlp = 2.0, embed = 2.0, lens = 2.0, drafts = 2.0, source = 2.0}\n"


def _n(engine, table) -> int:  # noqa: ANN001
    return count(engine, select(func.count()).select_from(table))


@pytest.mark.slow
@pytest.mark.soak
def test_kill_9_in_every_stage_loses_and_doubles_nothing(
    pg_url: str, shared_dir: Path, tmp_path: Path
) -> None:
    jsonl = tmp_path / "uci.jsonl"
    uci_jsonl(shared_dir, jsonl, HEADLINES)
    cfg = write_config(
        tmp_path / "config.toml",
        pg_url,
        workers=WORKERS,
        nlp="batch_size = 4\n",
        clustering="batch_size = 16\n",  # embeddings in batches of 64: four commits, not one
    )
    for args in (("init",), ("import", str(jsonl))):
        done = run(cfg, *args)
        assert done.returncode == 0, done.stderr[-3000:]
    engine = make_engine(pg_url)
    total = _n(engine, articles)
    models = embedding_models(load_config(cfg).clustering)  # the main and cross-lingual one
    n_models = len(models)
    with engine.connect() as conn:
        placed = lambda: read_counter(conn, PLACED)  # noqa: E731
        stages = [
            ("nlp", "nlp", lambda: 0 < _n(engine, analyses) < total),
            ("embed", "nlp,embed", lambda: 0 < _n(engine, embeddings) < total * n_models),
            ("cluster", "nlp,embed,cluster", lambda: 0 < placed() < total),
            (
                "drafts",
                "nlp,embed,cluster,drafts",
                lambda: (
                    _n(engine, draft_versions) > 0
                    and count(engine, select(func.count()).where(stories.c.dirty.is_(True))) > 0
                ),
            ),
        ]
        moments = []
        for stage, names, middle in stages:
            log = tmp_path / f"killed-{stage}.log"
            proc = start(cfg, log, "worker", "--stages", names)
            try:
                wait_for(middle, 600, f"a worker in the middle of {stage}", step=0.02)
            finally:
                kill(proc)
            moments.append((stage, _n(engine, analyses), _n(engine, embeddings), placed()))
        print(f"killed at (stage, analyses, embeddings, placed): {moments}")
        # Every kill landed mid-stage: some of its work was done, some not.
        assert [m[0] for m in moments] == ["nlp", "embed", "cluster", "drafts"]

        last = run(cfg, "worker", "--once", timeout=600)
        assert last.returncode == 0, last.stderr[-3000:]
        assert "Traceback" not in last.stderr

        def stage_done(stage: str) -> int:
            return count(
                engine, select(func.count()).where(articles.c[f"{stage}_status"] != "pending")
            )

        # nothing lost: every article through every stage, every story drafted
        assert [stage_done(s) for s in ("nlp", "embed", "cluster")] == [total] * 3
        # one vector per article and model (the main model and the cross-lingual one)
        per_model = select(embeddings.c.model, func.count()).group_by(embeddings.c.model)
        with engine.connect() as c:
            vectors = dict(c.execute(per_model).all())
        assert _n(engine, analyses) == total
        assert vectors == dict.fromkeys(models, total)
        dirty = select(func.count()).where(stories.c.dirty.is_(True), stories.c.status != "merged")
        assert count(engine, dirty) == 0 and held(engine) == []
        # nothing doubled: one placement per article (PLACED counts every placement ever
        # made, so a redone one would show), no draft repeated
        members = _n(engine, story_members)
        assert (
            placed()
            == members
            == total
            - count(engine, select(func.count()).where(articles.c.cluster_status == "skipped"))
        )
        assert consistency(engine) == {"members_of_merged": [], "repeated_drafts": []}
    engine.dispose()
