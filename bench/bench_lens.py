"""Lens classifier benchmark: quality on unseen stories, retrain time, predictions per second.

    python bench/bench_lens.py --quality  # learning curve and queue vs random, by story
    python bench/bench_lens.py            # 10,000 labels, 5,000 takes to predict
    python bench/bench_lens.py --quick    # 2,000 labels, 1,000 takes

Quality (--quality): the UCI dev file split into five story-grouped folds (every title of a
story on one side; CATEGORY as the lens, PUBLISHER as the outlet). Per fold, the learning
curve trains on nested random sets of 50, 200 and 1,000 titles of the training stories, and the
label queue picks 200 labels through the real store path (20 random seeds, then rounds of
retrain, predict_missing, label_queue(45)) against 200 random ones; all are scored by macro-F1
over the lenses of >= 3 stories on the held-out stories. Every fold, the mean and the worst.

Data: the UCI dev titles (../shared/data/uci-news-dev.csv, CATEGORY as the lens) are embedded
once with clustering's real embedder; the 10,000 labelled takes are those titles repeated with
light perturbations (a word dropped, words swapped, an outlet tag appended) and their vectors
jittered by small Gaussian noise and re-normalised, so no two takes are identical. They are
stored in a temporary SQLite store as fetched articles with stored vectors (as the embed stage
leaves them) plus one editor label each, and `retrain` runs through the real store path:
5 story-grouped folds of the candidate (the takes are members of their UCI story), the active
model's recipe on the same folds (second run), the final fit, the artifact and the PNG.
Embedding throughput is reported separately, since a take's vector is normally computed once,
by the clustering stage.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from sqlalchemy import insert  # noqa: E402

from clustering.embed import embed_input, get_embedder, vector_to_bytes  # noqa: E402
from core.config import Config  # noqa: E402
from core.settings.clustering import ClusteringSettings  # noqa: E402
from models.lensfile import UCI_LENSES as LENSES  # noqa: E402
from store.articles import text_hash  # noqa: E402
from store.db import make_engine, migrate  # noqa: E402
from store.schema import articles, embeddings, labels, stories, story_members  # noqa: E402

CACHE = "/tmp/lens-cache"
OUTLETS = ["Reuters", "AP", "BBC", "Bloomberg", "CNN", "Guardian", "NYT", "FT"]


def perturb(title: str, rng: random.Random) -> str:
    words = title.split()
    if len(words) > 4 and rng.random() < 0.5:
        del words[rng.randrange(len(words))]
    if len(words) > 3 and rng.random() < 0.5:
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    return " ".join(words) + f" - {rng.choice(OUTLETS)}"


def build_store(
    url: str, titles, cats, vecs, n: int, n_labelled: int, seed: int, story_of=None
) -> None:
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    model, lead = ClusteringSettings().model, ClusteringSettings().lead_chars
    engine = make_engine(url)
    migrate(engine)
    now = datetime.now(UTC)
    art_rows, emb_rows, lab_rows, mem_rows = [], [], [], []
    names = sorted(set(story_of or []))
    story_rows = [
        dict(
            id=k + 1,
            slug=f"s{k + 1}",
            status="open",
            n_articles=0,
            n_sources=0,
            dirty=False,
            created_at=now,
            updated_at=now,
        )
        for k in range(len(names))
    ]
    sid = {name: k + 1 for k, name in enumerate(names)}
    for k in range(n):
        j = k % len(titles)
        title = perturb(titles[j], rng) if k >= len(titles) else titles[j]
        v = vecs[j] + nrng.normal(0, 0.02, size=vecs.shape[1]).astype(np.float32)
        v /= np.linalg.norm(v)
        aid = k + 1
        art_rows.append(
            dict(
                id=aid,
                canonical_url=f"https://bench.example/{aid}",
                url=f"https://bench.example/{aid}",
                source_name=f"bench-{OUTLETS[k % len(OUTLETS)]}",
                title=title,
                text="",
                fetch_status="done",
                embed_status="done",
                attempts=0,
                created_at=now,
                updated_at=now,
            )
        )
        emb_rows.append(
            dict(
                article_id=aid,
                model=model,
                text_hash=text_hash(model, embed_input(title, "", lead)),
                dim=int(v.shape[0]),
                vector=vector_to_bytes(v),
                created_at=now,
            )
        )
        if k < n_labelled:
            lab_rows.append(dict(kind="lens", article_id=aid, value=cats[j], created_at=now))
        if story_of:
            mem_rows.append(
                dict(
                    article_id=aid,
                    story_id=sid[story_of[j]],
                    assigned_by="algorithm",
                    assigned_at=now,
                )
            )
    with engine.begin() as conn:
        if story_rows:
            conn.execute(insert(stories), story_rows)
        conn.execute(insert(articles), art_rows)
        if mem_rows:
            conn.execute(insert(story_members), mem_rows)
        conn.execute(insert(embeddings), emb_rows)
        conn.execute(insert(labels), lab_rows)
    engine.dispose()


def _judged_f1(model, items, vecs, idx, judged) -> float:
    from sklearn.metrics import f1_score

    from models.features import story_centroids

    ctx = story_centroids(vecs, [it.story for it in items])[idx]
    preds = model.predict(
        [items[i].title for i in idx],
        embeddings=vecs[idx],
        outlets=[items[i].source for i in idx],
        contexts=ctx,
    )
    truth = [items[i].lens for i in idx]
    return float(f1_score(truth, [p for p, _ in preds], labels=judged, average="macro"))


def _fit(items, vecs, idx, settings):
    from models.classifier import train
    from models.features import story_centroids

    return train(
        [items[i].title for i in idx],
        [items[i].lens for i in idx],
        None,
        settings=settings,
        embeddings=vecs[idx],
        outlets=[items[i].source for i in idx],
        groups=[items[i].story for i in idx],
        contexts=story_centroids(vecs, [it.story for it in items])[idx],
    )


def _queue_arm(items, vecs, pool, seed, rounds_to, batch, decay=None):
    """Labels chosen through the real store path: retrain, predict, label_queue, repeat."""
    from models.labelstore import store_labelled_takes
    from models.predict import predict_missing
    from models.retrain import retrain
    from models.stage import label_queue, set_label
    from store.takes import active_model as active_row

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/queue.db"
        engine = make_engine(url)
        migrate(engine)
        ids = store_labelled_takes(
            engine, [items[i] for i in pool], vecs[pool], ClusteringSettings()
        )
        aid_of = dict(zip(pool, ids, strict=True))
        idx_of = {a: i for i, a in aid_of.items()}
        config = Config(
            storage={"url": url},
            lenses={
                "taxonomy": list(LENSES.values()),
                "artifacts_dir": f"{tmp}/models",
                "min_labels": 10,
                "cv_folds": 3,
                **({} if decay is None else {"queue_story_decay": decay}),
            },
        )
        for i in seed:
            set_label(engine, aid_of[i], items[i].lens, None)
        chosen = list(seed)
        while len(chosen) < rounds_to:
            retrain(engine, config, progress=False)
            predict_missing(engine, config, active_row(engine))
            for take in label_queue(engine, config, limit=batch):
                set_label(engine, take["article_id"], items[idx_of[take["article_id"]]].lens, None)
                chosen.append(idx_of[take["article_id"]])
        engine.dispose()
    return chosen


def quality(path: Path, cache: str, *, decay: float | None = None, curve_too: bool = True) -> None:
    """Learning curve and queue vs random on five story-grouped folds (see the docstring)."""
    from sklearn.model_selection import StratifiedGroupKFold

    from core.settings.lenses import LensSettings
    from models.embcache import cached_embeddings
    from models.labelstore import embedding_inputs
    from models.lensfile import load_lens_file, stories_per_lens

    items = load_lens_file(path)
    cfg = ClusteringSettings()
    vecs = cached_embeddings(
        embedding_inputs(items, cfg), get_embedder(cfg).encode, model=cfg.model, cache_dir=cache
    )
    judged = sorted(k for k, n in stories_per_lens(items).items() if n >= 3)
    y = [it.lens for it in items]
    g = [it.story for it in items]
    folds = list(StratifiedGroupKFold(5, shuffle=True, random_state=0).split(vecs, y, g))
    settings = LensSettings(taxonomy=list(LENSES.values()))
    print(f"{len(items)} titles, {len(set(g))} stories; macro-F1 over {judged}; 5 story folds")
    curve: dict[int, list[float]] = {50: [], 200: [], 1000: []}
    for k, (tr, te) in enumerate(folds if curve_too else []):
        order = [int(i) for i in tr]
        random.Random(11).shuffle(order)
        t = time.perf_counter()
        for n in curve:
            curve[n].append(
                _judged_f1(_fit(items, vecs, order[:n], settings), items, vecs, te, judged)
            )
        got = ", ".join(f"{n}: {v[-1]:.3f}" for n, v in curve.items())
        print(
            f"curve fold {k} ({len(set(np.asarray(g)[te]))} held-out stories): {got} "
            f"({time.perf_counter() - t:.0f}s)",
            flush=True,
        )
    for n, v in curve.items() if curve_too else ():
        print(
            f"curve {n:>5} labels: mean {np.mean(v):.3f} worst {min(v):.3f} "
            f"folds {[round(x, 3) for x in v]}"
        )
    qs, rs = [], []
    for k, (tr, te) in enumerate(folds):
        pool = [int(i) for i in tr]
        rng = random.Random(5 + k)
        seed = rng.sample(pool, 20)
        chosen = _queue_arm(items, vecs, pool, seed, 200, 45, decay)
        rest = [i for i in pool if i not in set(seed)]
        rand = seed + rng.sample(rest, 180)
        q = _judged_f1(_fit(items, vecs, chosen, settings), items, vecs, te, judged)
        r = _judged_f1(_fit(items, vecs, rand, settings), items, vecs, te, judged)
        qs.append(q)
        rs.append(r)
        print(
            f"queue fold {k}: queue {q:.3f} random {r:.3f}; stories labelled: queue "
            f"{len({g[i] for i in chosen})}, random {len({g[i] for i in rand})}",
            flush=True,
        )
    print(
        f"queue mean {np.mean(qs):.3f} worst {min(qs):.3f}; "
        f"random mean {np.mean(rs):.3f} worst {min(rs):.3f}; "
        f"queue ahead in {sum(q > r for q, r in zip(qs, rs, strict=True))} of {len(qs)} folds"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="2,000 labels, 1,000 takes to predict")
    ap.add_argument(
        "--quality", action="store_true", help="learning curve and queue vs random, by story"
    )
    ap.add_argument(
        "--queue-decay",
        type=float,
        help="[lenses] queue_story_decay for the queue arm (1: doubt only)",
    )
    ap.add_argument("--queue-only", action="store_true", help="--quality without the curve")
    ap.add_argument("--labels", type=int, help="labelled takes (default 10,000)")
    ap.add_argument("--predict", type=int, help="unlabelled takes to predict (default 5,000)")
    ap.add_argument(
        "--shared", type=Path, default=ROOT.parent / "shared", help="the ../shared folder"
    )
    args = ap.parse_args()
    n_lab = args.labels or (2_000 if args.quick else 10_000)
    n_pred = args.predict or (1_000 if args.quick else 5_000)
    path = args.shared / "data" / "uci-news-dev.csv"
    if not path.is_file():
        sys.exit(f"{path} not found: the benchmark needs ../shared beside the repo")
    if args.quality:
        quality(path, CACHE, decay=args.queue_decay, curve_too=not args.queue_only)
        return
    with path.open(newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["TITLE"].strip()]
    random.Random(0).shuffle(rows)
    if args.quick:
        rows = rows[:800]
    titles = [" ".join(r["TITLE"].split()) for r in rows]
    cats = [LENSES[r["CATEGORY"]] for r in rows]
    story_of = [r["STORY"] for r in rows]

    embedder = get_embedder(ClusteringSettings())
    t = time.perf_counter()
    vecs = embedder.encode(titles)
    embed_s = time.perf_counter() - t
    print(f"embedding: {len(titles)} UCI titles in {embed_s:.1f}s ({len(titles) / embed_s:.0f}/s)")

    from models.predict import predict_missing
    from models.retrain import retrain
    from store.takes import active_model

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        build_store(url, titles, cats, vecs, n_lab + n_pred, n_lab, seed=1, story_of=story_of)
        config = Config(
            storage={"url": url},
            lenses={"taxonomy": list(LENSES.values()), "artifacts_dir": f"{tmp}/models"},
        )
        engine = make_engine(url)
        t = time.perf_counter()
        first = retrain(engine, config, progress=True)
        t_first = time.perf_counter() - t
        print(
            f"retrain, {first['n_labels']} labels, no active model: {t_first:.1f}s "
            f"(story folds + final fit; macro-F1 {first['macro_f1']:.3f}, "
            f"{first['cv_folds']} folds)"
        )
        # The second retrain also refits the active model's recipe on the same folds.
        few = {k + 1: cats[k % len(cats)] for k in range(0, n_lab, 2)}
        t = time.perf_counter()
        second = retrain(engine, config, progress=True, training_labels=few)
        t_second = time.perf_counter() - t
        print(
            f"retrain, {second['n_labels']} labels vs active on the same folds: "
            f"{t_second:.1f}s (promoted: {second['promoted']}; {second['reason']})"
        )
        active = active_model(engine)
        t = time.perf_counter()
        out = predict_missing(engine, config, active)
        t_pred = time.perf_counter() - t
        print(
            f"predict_missing: {out['predicted']} takes in {t_pred:.2f}s "
            f"({out['predicted'] / t_pred:.0f} takes/s, stored vectors, incl. DB read+write)"
        )
        from models.registry import load_version

        model = load_version(active)
        batch_t = [titles[i % len(titles)] for i in range(n_pred)]
        batch_v = vecs[[i % len(titles) for i in range(n_pred)]]
        t = time.perf_counter()
        model.predict(batch_t, embeddings=batch_v)
        t_mem = time.perf_counter() - t
        print(f"model.predict in memory: {n_pred / t_mem:.0f} takes/s")
        t = time.perf_counter()
        model.predict(titles[:200], embedder.encode)
        t_cold = time.perf_counter() - t
        print(f"predict with embedding (no stored vector): {200 / t_cold:.0f} takes/s")
        engine.dispose()


if __name__ == "__main__":
    main()
