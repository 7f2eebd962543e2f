"""Lens classifier benchmark: retrain time with 10,000 editor labels, and predictions per second.

    python bench/bench_lens.py            # 10,000 labels, 5,000 takes to predict
    python bench/bench_lens.py --quick    # 2,000 labels, 1,000 takes

Data: the UCI dev titles (../shared/data/uci-news-dev.csv, CATEGORY as the lens) are embedded
once with clustering's real embedder; the 10,000 labelled takes are those titles repeated with
light perturbations (a word dropped, words swapped, an outlet tag appended) and their vectors
jittered by small Gaussian noise and re-normalised, so no two takes are identical. They are
stored in a temporary SQLite store as fetched articles with stored vectors (as the embed stage
leaves them) plus one editor label each, and `retrain` runs through the real store path:
5-fold CV of the candidate, the active model's recipe on the same folds (second run), the final
fit, the artifact and the confusion PNG. Embedding throughput is reported separately, since a
take's vector is normally computed once, by the clustering stage.
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
from store.articles import text_hash  # noqa: E402
from store.db import make_engine, migrate  # noqa: E402
from store.schema import articles, embeddings, labels  # noqa: E402

LENSES = {"b": "business", "t": "science / technology", "e": "entertainment", "m": "health"}
OUTLETS = ["Reuters", "AP", "BBC", "Bloomberg", "CNN", "Guardian", "NYT", "FT"]


def perturb(title: str, rng: random.Random) -> str:
    words = title.split()
    if len(words) > 4 and rng.random() < 0.5:
        del words[rng.randrange(len(words))]
    if len(words) > 3 and rng.random() < 0.5:
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    return " ".join(words) + f" - {rng.choice(OUTLETS)}"


def build_store(url: str, titles, cats, vecs, n: int, n_labelled: int, seed: int) -> None:
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    model, lead = ClusteringSettings().model, ClusteringSettings().lead_chars
    engine = make_engine(url)
    migrate(engine)
    now = datetime.now(UTC)
    art_rows, emb_rows, lab_rows = [], [], []
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
                source_name="bench",
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
    with engine.begin() as conn:
        conn.execute(insert(articles), art_rows)
        conn.execute(insert(embeddings), emb_rows)
        conn.execute(insert(labels), lab_rows)
    engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="2,000 labels, 1,000 takes to predict")
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
    with path.open(newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["TITLE"].strip()]
    random.Random(0).shuffle(rows)
    if args.quick:
        rows = rows[:800]
    titles = [" ".join(r["TITLE"].split()) for r in rows]
    cats = [LENSES[r["CATEGORY"]] for r in rows]

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
        build_store(url, titles, cats, vecs, n_lab + n_pred, n_lab, seed=1)
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
            f"(5-fold CV + final fit; macro-F1 {first['macro_f1']:.3f}, {first['cv_folds']} folds)"
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
