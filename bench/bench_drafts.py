"""Drafting time for one story of 5, 50 and 500 articles, on real text.

Usage: python bench/bench_drafts.py [--quick] [--repeat K]

Members are the article-extraction-benchmark pages (gold body text, page titles), analysed
by the real spaCy pipeline once up front (that is nlp/'s cost, not the draft's); the 181
distinct pages are cycled under distinct URLs and outlets to reach 500. Two timings per size,
with the sentence model already loaded (the daemon keeps it):
  first   - drafts.build.build_draft on the rows, no sentence vector cached yet (a story's
            first draft: sentence split, embeddings, sections)
  redraft - drafts.stage.redraft_story on a SQLite store with the story's vectors cached (a
            living story redrafted): read members and analyses, build, find related
            stories, write the draft version
--quick runs 5 and 50 only; --sizes N... picks others. Pages with no usable sentence and
a title too short to stand in have no take, so takes can be fewer than articles.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from sqlalchemy import insert  # noqa: E402

from core.config import Config  # noqa: E402

_SHARED = Path(os.environ.get("STORYLOOM_SHARED", Path(__file__).resolve().parents[2] / "shared"))
BENCH = _SHARED / "corpora" / "article-extraction-benchmark"
T0 = datetime(2019, 11, 18, tzinfo=UTC)


def load_pages() -> list[dict]:
    from tests.drafts.corpus import page_title

    gold = json.loads((BENCH / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for key, g in sorted(gold.items()):
        html = BENCH / "html" / f"{key}.html.gz"
        title = page_title(html) if html.is_file() else ""
        pages.append({"title": title, "text": g["articleBody"], "url": g["url"]})
    return pages


def analyse(pages: list[dict], config: Config) -> list[dict]:
    from nlp.analyse import analyse_texts

    return analyse_texts(
        [p["text"] for p in pages],
        ["en"] * len(pages),
        config.nlp,
        titles=[p["title"] for p in pages],
    )


def members(pages: list[dict], results: list[dict], n: int) -> tuple[list[dict], dict]:
    rows, data = [], {}
    for k in range(n):
        p, res = pages[k % len(pages)], results[k % len(pages)]
        rows.append(
            {
                "id": k + 1,
                "title": p["title"],
                "text": p["text"],
                "url": f"{p['url']}#copy-{k}",
                "outlet": f"Outlet {k}",
                "region": "Global",
                "lang": "en",
                "published_at": T0 + timedelta(minutes=k),
                "lens": {"lens": "unlabelled", "provenance": "none", "confidence": None},
            }
        )
        data[k + 1] = res
    return rows, data


def store_story(engine, rows: list[dict], data: dict) -> int:  # noqa: ANN001
    """Write the members, their analyses and one story holding them to the store."""
    from store.articles import upsert_article
    from store.db import utcnow
    from store.schema import analyses
    from store.stories import assign, create_story, refresh_story

    with engine.begin() as conn:
        sid = create_story(conn, rows[0]["title"], rows[0]["published_at"])
        for r in rows:
            aid, _ = upsert_article(
                conn,
                url=r["url"],
                canonical=r["url"],
                source_name=r["outlet"],
                title=r["title"],
                text=r["text"],
                published_at=r["published_at"],
                lang="en",
                extraction="import",
                fetch_status="done",
            )
            conn.execute(
                insert(analyses).values(
                    article_id=aid,
                    model="bench",
                    pipeline_version="bench",
                    text_hash="-",
                    status="ok",
                    data=data[r["id"]],
                    created_at=utcnow(),
                )
            )
            assign(conn, aid, sid)
        refresh_story(conn, sid)
    return sid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="5 and 50 articles only")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per size (median)")
    parser.add_argument("--sizes", type=int, nargs="+", help="story sizes (default 5 50 500)")
    args = parser.parse_args()
    if not BENCH.is_dir():
        sys.exit(f"benchmark corpus not found at {BENCH} (set STORYLOOM_SHARED)")
    sizes = args.sizes or ([5, 50] if args.quick else [5, 50, 500])

    from drafts.build import build_draft
    from drafts.stage import redraft_story
    from store.db import open_store

    tmp = Path(tempfile.mkdtemp(prefix="bench-drafts-"))
    config = Config.model_validate({"storage": {"url": f"sqlite:///{tmp / 'bench.db'}"}})
    pages = load_pages()[: max(sizes)]
    t = time.perf_counter()
    results = analyse(pages, config)
    print(
        f"spaCy analysis of {len(pages)} pages (setup, not timed below): "
        f"{time.perf_counter() - t:.1f}s"
    )
    from clustering.embed import get_embedder
    from drafts.embed import cached

    raw = get_embedder(config.clustering).encode
    raw(["warm up the sentence model"])
    engine = open_store(config.storage.url)
    s = config.drafts
    print(f"{'articles':>8} {'sentences':>9} {'takes':>6} {'first s':>8} {'redraft s':>9}")
    for n in sizes:
        rows, data = members(pages, results, n)
        builds, stages = [], []
        draft = None
        for _ in range(args.repeat):
            cold = cached(raw, s.embedding_cache)  # a story no vector of which is known yet
            t = time.perf_counter()
            draft = build_draft(
                {"id": None, "slug": None},
                rows,
                data,
                settings=s,
                taxonomy=config.lenses.taxonomy,
                encode=cold,
            )
            builds.append(time.perf_counter() - t)
        sid = store_story(engine, [{**r, "url": f"{r['url']}-{n}"} for r in rows], data)
        for _ in range(args.repeat):  # the daemon's case: vectors of earlier drafts cached
            t = time.perf_counter()
            redraft_story(engine, config, sid, encode=cold)
            stages.append(time.perf_counter() - t)
        from drafts.candidates import article_sentences, make_article, per_article_cap

        cap = per_article_cap(n, s)
        n_sents = sum(len(article_sentences(make_article(r, data[r["id"]]), s)[:cap]) for r in rows)
        assert draft is not None
        print(
            f"{n:>8} {n_sents:>9} {draft['meta']['n_takes']:>6} {statistics.median(builds):>8.2f} "
            f"{statistics.median(stages):>9.2f}"
        )


if __name__ == "__main__":
    main()
