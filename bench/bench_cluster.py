"""Clustering speed: ms per article assignment against 1k, 10k and 100k live stories, and
embedding docs/s per backend.

    python bench/bench_cluster.py            # the full curve and every embedding backend
    python bench/bench_cluster.py --quick    # 1k and 10k stories, fewer docs

Assignment is what run_cluster does per article minus the database write: expire, decide
(HNSW candidates over live stories, then the score), add_article or new_story. Stories are
synthetic: random unit centroids with members scattered around them; articles are noisy
copies of random live stories (they join) or fresh directions (they open a story). The
index is loaded in one batch as the daemon does at start; that setup is not timed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from clustering.state import ArticleFeatures, StoryState  # noqa: E402
from clustering.streaming import StreamingClusterer  # noqa: E402
from core.settings.clustering import ClusteringSettings  # noqa: E402

DIM = 384
T0 = datetime(2026, 1, 1, tzinfo=UTC)
WORDS = [f"w{i}" for i in range(20_000)]
NOISE = 0.03  # member scatter around a story's direction: cosine about 0.85


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(np.float32)


def _article(
    i: int, vec: np.ndarray, t: datetime, words: frozenset[str], source: str
) -> ArticleFeatures:
    return ArticleFeatures(f"a{i}", vec, " ".join(sorted(words)), frozenset(), t, source, words)


def build(n_stories: int, settings: ClusteringSettings, seed: int = 0):
    """n live stories of two members each, built directly as states (setup, not timed)."""
    rng = np.random.default_rng(seed)
    centroids = _unit(rng.standard_normal((n_stories, DIM)))
    members = _unit(centroids[:, None, :] + NOISE * rng.standard_normal((n_stories, 2, DIM)))
    story_words = rng.integers(0, len(WORDS), (n_stories, 4))
    states = {}
    for s in range(n_stories):
        t = T0 + timedelta(minutes=int(rng.integers(0, 600)))
        words = Counter({WORDS[w]: 2 for w in story_words[s]})
        states[s] = StoryState(
            vsum=members[s].sum(axis=0),
            n=2,
            sources=Counter({f"s{s % 50}": 1, f"s{(s + 1) % 50}": 1}),
            words=words,
            first=t,
            last=t,
            recent_ids=[f"m{s}-0", f"m{s}-1"],
            recent_vecs=members[s].copy(),
        )
    cl = StreamingClusterer(settings)
    started = time.perf_counter()
    cl.add_stories(states)
    return cl, centroids, story_words, rng, time.perf_counter() - started


def assign_ms(n_stories: int, n_articles: int, settings: ClusteringSettings) -> dict:
    cl, centroids, story_words, rng, load_s = build(n_stories, settings)
    next_id = n_stories
    times = []
    joined = 0
    now = T0 + timedelta(hours=11)
    for i in range(n_articles):
        if rng.random() < 0.7:  # a follow-up of a live story
            target = int(rng.integers(0, n_stories))
            vec = _unit(centroids[target] + NOISE * rng.standard_normal(DIM))
            idx = list(story_words[target][:3]) + [int(rng.integers(0, len(WORDS)))]
        else:  # news of its own
            vec = _unit(rng.standard_normal(DIM))
            idx = rng.integers(0, len(WORDS), 4).tolist()
        words = frozenset(WORDS[w] for w in idx)
        art = _article(i, vec, now + timedelta(seconds=i), words, f"s{i % 50}")
        started = time.perf_counter()
        cl.expire(art.published)
        d = cl.decide(art)
        if d.story_id is None:
            cl.new_story(next_id, art)
            next_id += 1
        else:
            cl.add_article(d.story_id, art)
            joined += 1
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "live_stories": n_stories,
        "ms_mean": statistics.fmean(times),
        "ms_median": statistics.median(times),
        "ms_p95": times[int(0.95 * len(times))],
        "joined": joined / n_articles,
        "index_load_s": load_s,
    }


def consolidation_ms(n_stories: int, settings: ClusteringSettings, passes: int = 5) -> dict:
    """One periodic pass over `consolidate_every` touched stories (merge search: each
    touched story against its nearest live stories), amortised per placed article."""
    from clustering.consolidate import consolidate

    cl, _, _, rng, _ = build(n_stories, settings, seed=1)
    ids = list(cl.stories)
    times, changes = [], 0
    for _ in range(passes):
        touched = {ids[int(i)] for i in rng.integers(0, len(ids), settings.consolidate_every)}
        started = time.perf_counter()
        changes += len(consolidate(cl, touched, apply=lambda _c: None))
        times.append((time.perf_counter() - started) * 1000)
    per_pass = statistics.median(times)
    return {
        "live_stories": n_stories,
        "ms_per_pass": per_pass,
        "ms_per_article": per_pass / settings.consolidate_every,
        "changes": changes,
    }


def embedding_backends(n_docs: int) -> list[dict]:
    """docs/s of each way of embedding the same headlines with the configured model."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch

    from clustering.embed import embed_input, get_embedder

    settings = ClusteringSettings()
    titles = [
        f"Company {i} reports quarterly results as markets weigh China data" for i in range(n_docs)
    ]
    lead = "The company said revenue rose while costs fell, and analysts expect more " * 6
    emb = get_embedder(settings)
    with_lead = [embed_input(t, lead, settings.lead_chars) for t in titles]
    out = []

    def run(name: str, texts: list[str]) -> None:
        emb.encode(texts[:32])  # warm-up
        started = time.perf_counter()
        emb.encode(texts)
        out.append({"backend": name, "docs_per_s": len(texts) / (time.perf_counter() - started)})

    run(f"torch fp32, title + {settings.lead_chars}-char lead", with_lead)
    run("torch fp32, title only", titles)
    model = emb._model  # noqa: SLF001 - the bench swaps the module in place, then restores it
    original = model[0].auto_model
    model[0].auto_model = torch.quantization.quantize_dynamic(
        original, {torch.nn.Linear}, dtype=torch.qint8
    )
    try:
        run("torch dynamic int8, title + lead", with_lead)
        run("torch dynamic int8, title only", titles)
    finally:
        model[0].auto_model = original
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1k and 10k stories, fewer docs")
    ap.add_argument("--no-embed", action="store_true", help="skip the embedding backends")
    args = ap.parse_args()
    settings = ClusteringSettings()
    sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000]
    n_articles = 300 if args.quick else 1_000
    rows = [assign_ms(n, n_articles, settings) for n in sizes]
    print(f"assignment, {n_articles} articles per size (ms per article):")
    for r in rows:
        print(
            f"  {r['live_stories']:>7} live stories: mean {r['ms_mean']:.2f}  "
            f"median {r['ms_median']:.2f}  p95 {r['ms_p95']:.2f}  "
            f"(joined {r['joined']:.0%}, index load {r['index_load_s']:.1f} s)"
        )
    ratio = rows[-1]["ms_median"] / rows[0]["ms_median"]
    print(f"  median ratio {sizes[-1]} / {sizes[0]} stories: {ratio:.2f}x (target <= 2x)")
    print(f"consolidation, a pass over {settings.consolidate_every} touched stories:")
    for n in sizes:
        c = consolidation_ms(n, settings)
        print(
            f"  {n:>7} live stories: {c['ms_per_pass']:.1f} ms per pass, "
            f"{c['ms_per_article']:.2f} ms per placed article ({c['changes']} changes)"
        )
    if not args.no_embed:
        print("embedding (docs/s, CPU):")
        for r in embedding_backends(256 if args.quick else 1024):
            print(f"  {r['backend']:<40} {r['docs_per_s']:.1f}")


if __name__ == "__main__":
    main()
